"""The page protocol: one step of the close-of-polls journey."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ui.context import AppContext


class Page(QWidget):
    """A step. The window shows its ``title``, calls ``enter`` each time it is shown (the page
    redraws from the store's snapshot and puts the cursor on its first field), asks
    ``commit_pending`` before leaving it in any direction (or closing the window) and
    ``can_leave_forward`` before Next."""

    key: str = ""  # stable id, stored as the resume point ("accounting", "contest:A:<id>")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx

    def title(self) -> str:
        raise NotImplementedError

    def enter(self) -> None:
        """Redraw from the current snapshot. Called every time the page is shown."""

    def first_field(self) -> QWidget | None:
        """Where the cursor goes when the page is shown."""
        return None

    def commit_pending(self) -> bool:
        """Save what was typed but not yet added (a name, a serial range, a draft).

        Called before the page is left, whichever way, after the focused field committed.
        False keeps the worker on the page: the page has said why (and where the cursor is).
        """
        return True

    def can_leave_forward(self) -> bool:
        """Whether Next may move on (a page can refuse, after saying why)."""
        return True

    def next_label(self) -> str:
        return self.tr("Save && &Next")
