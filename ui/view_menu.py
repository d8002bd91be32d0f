"""The View menu both windows share: larger or smaller text and high contrast.

The poll-worker window (ui/main_window.py) and the Supervisor window (ui/supervisor/window.py)
offer the same shortcuts (Ctrl +/−, Ctrl+Shift+H), which restyle the whole application
through ui/theme.py, in the steps of ``theme.SCALE_STEPS``.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu

from ui import theme


class ViewMenuWindow(QMainWindow):
    """A main window with a text scale and a theme, and the View menu that changes them."""

    def __init__(self) -> None:
        super().__init__()
        self.scale_index = 0
        self.theme = theme.DEFAULT

    def add_view_menu(self) -> tuple[QMenu, list[QAction]]:
        """The View menu with its three actions; the menu (to add more) and the actions."""
        view = self.menuBar().addMenu(self.tr("&View"))
        bigger = QAction(self.tr("&Larger text"), self)
        bigger.setShortcuts([QKeySequence(QKeySequence.StandardKey.ZoomIn), QKeySequence("Ctrl+=")])
        bigger.triggered.connect(lambda: self.scale_text(+1))
        smaller = QAction(self.tr("&Smaller text"), self)
        smaller.setShortcuts([QKeySequence(QKeySequence.StandardKey.ZoomOut)])
        smaller.triggered.connect(lambda: self.scale_text(-1))
        self.contrast = QAction(self.tr("&High contrast"), self)
        self.contrast.setCheckable(True)
        self.contrast.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.contrast.toggled.connect(self.set_high_contrast)
        actions = [bigger, smaller, self.contrast]
        for action in actions:
            view.addAction(action)
        return view, actions

    def scale_text(self, step: int) -> None:
        self.scale_index = max(0, min(len(theme.SCALE_STEPS) - 1, self.scale_index + step))
        self._restyle()

    def set_high_contrast(self, on: bool) -> None:
        self.theme = theme.HIGH_CONTRAST if on else theme.DEFAULT
        self._restyle()

    def _restyle(self) -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        theme.apply(app, self.theme, theme.SCALE_STEPS[self.scale_index])

    @property
    def text_scale(self) -> float:
        return theme.SCALE_STEPS[self.scale_index]
