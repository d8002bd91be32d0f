"""The page protocol: one step of the close-of-polls journey; what a page that acts (prints,
saves, exports) shares: running the action, saying why it failed, scrolling the result into
view; and what a page of typed counts (ballot accounting, a contest) shares: the save outcome
of a field, the lock after finalizing, "Fill the rest with 0"."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QScrollArea, QWidget

from tally_app.errors import TallyError
from ui.context import AppContext
from ui.messages import UserMessage, error_message, unexpected_message
from ui.widgets import CountField, StatusBadge

if TYPE_CHECKING:
    from tally_app.entries import PrecinctEntries

T = TypeVar("T")


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

    def scroll_area(self) -> QScrollArea | None:
        """The window's scrolling area around the page (None before the page is placed)."""
        parent = self.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        return parent

    def fill_confirmers(self, first: QComboBox, second: QComboBox) -> None:
        """List the board members (with their roles) in the two "board member confirming"
        choices; each keeps its choice if that member is still on the board, else the
        first choice defaults to the first member and the second to the second."""
        board = self.ctx.open.board()
        roles: dict[str, str] = {r.id: r.title for r in self.ctx.open.definition.board_roles}
        for combo, default in ((first, 0), (second, 1)):
            chosen = combo.currentData()
            combo.clear()
            for m in board:
                combo.addItem(f"{m.name} ({roles.get(m.role, m.role)})", m.id)
            index = combo.findData(chosen) if chosen is not None else -1
            combo.setCurrentIndex(index if index >= 0 else min(default, combo.count() - 1))

    def bring_into_view(self, *widgets: QWidget) -> None:
        """Scroll the window so these show (the last one given ends up in view)."""
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        scroll = self.scroll_area()
        if scroll is not None:
            for widget in widgets:
                scroll.ensureWidgetVisible(widget, 0, 0)


class ActionPage(Page):
    """A page whose buttons act at once (print, save, export) and show the outcome in one
    ``result`` badge, which the subclass makes. A failure says what is wrong and what to
    do, takes away what said the last action succeeded, and puts the cursor where the
    worker fixes it; the core's code of the last failure stays in ``failed_code`` so the
    page can choose that place (retype the passphrase, or try another drive)."""

    result: StatusBadge
    failed_code: str | None = None
    activity = "the action"  # for the log: "<activity> failed unexpectedly"

    def attempt(self, action: Callable[[], T]) -> T | UserMessage:
        """What ``action`` returns, or the message for the worker when it fails."""
        self.failed_code = None
        try:
            return action()
        except TallyError as error:
            self.failed_code = error.code
            return error_message(error)
        except Exception as error:  # a bug: logged (never the passphrase), shown in words
            # Logged under the page's own module, as each page did before sharing this.
            logging.getLogger(type(self).__module__).exception(
                "%s failed unexpectedly", self.activity
            )
            return unexpected_message(error)

    def show_failure(self, message: UserMessage, focus: QWidget) -> None:
        """Show the core's (or the unexpected-error) message; the cursor goes to ``focus``."""
        self.show_problem(f"{message.problem} {message.cause}", message.action, focus)

    def show_problem(self, problem: str, action: str, focus: QWidget) -> None:
        """Say what went wrong and what to do; nothing on the page says it succeeded now."""
        self.hide_success()
        self.result.show_status("bad", self.failure_text(problem, action))
        self.result.show()
        focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self.bring_into_view(self.result)

    def failure_text(self, problem: str, action: str) -> str:
        """The result badge's words for a failure (a page may put its own words first)."""
        return f"{problem} {action}"

    def hide_success(self) -> None:
        """Hide what showed the last success (the page's own details)."""


class CountsPage(Page):
    """A page of counts typed into CountFields and saved one by one, with its checks redrawn
    after each. The subclass makes the ``locked`` badge (shown once the precinct is
    finalized) and the ``blanks`` badge (how many boxes are empty), keeps ``_blank_count``
    up to date, and says how its empty boxes are filled with 0 (``fill_blanks``)."""

    locked: StatusBadge
    blanks: StatusBadge
    _blank_count = 0

    def redraw_checks(self, entries: PrecinctEntries | None = None) -> None:
        raise NotImplementedError

    def fill_blanks(self) -> bool:
        """Fill this page's empty boxes with 0 through the facade; whether it was saved."""
        raise NotImplementedError

    def show_locked(self, locked: bool) -> None:
        """Say (or stop saying) that the counts cannot change, and whom to ask."""
        if locked:
            self.locked.show_status(
                "warn",
                self.tr(
                    "Locked: this precinct is finalized, so these counts cannot change. Ask"
                    " your supervisor to start a correction if something must change."
                ),
            )
        self.locked.setVisible(locked)

    def show_saved(self, ok: bool, value: int | None, widget: CountField) -> None:
        """After a field's save: show the stored value and redraw the checks, or, when it was
        not saved, keep the typed number in view (never blanked), marked "not saved"."""
        if ok:
            widget.set_stored(value)
            self.redraw_checks()
        else:
            widget.mark_unsaved()

    def fill_with_zero(self) -> None:
        """Fill the empty boxes with 0, after asking (blank is not zero); then redraw."""
        # The checks' module loads with the first page of counts, not when the window starts.
        from ui.equation_view import ask_fill_with_zero

        if self._blank_count == 0:
            self.blanks.show_status("ok", self.tr("Every box is filled in: nothing to fill."))
            return
        if not ask_fill_with_zero(self, self._blank_count):
            return
        if self.fill_blanks():
            self.enter()
