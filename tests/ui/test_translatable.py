"""Every UI string goes through tr() (usability check 30): a pseudo-translator wraps each
translated string in ⟦…⟧; any button, group title, menu or window title left unwrapped was
hard-coded."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QAbstractButton, QGroupBox

from tests.ui.checks import Pseudo
from tests.ui.pages_fixture import election, open_window, visit_pages


def test_buttons_groups_menus_and_titles_are_translated(qtbot: object, tmp_path: Path) -> None:
    pseudo = Pseudo()
    QCoreApplication.installTranslator(pseudo)
    try:
        window = open_window(qtbot, tmp_path, election("ca34-2017-06-06"))
        assert window.windowTitle().startswith("⟦")
        for action in window.menuBar().actions():
            assert action.text().startswith("⟦"), action.text()
            for sub in action.menu().actions():
                assert sub.text().startswith("⟦"), sub.text()
        for key, _ in visit_pages(window):
            assert "⟦" in window.step_label.text(), key
            for button in window.findChildren(QAbstractButton):
                if button.isVisible() and button.text():
                    assert "⟦" in button.text(), (key, button.text())
            for group in window.findChildren(QGroupBox):
                if group.isVisible():
                    assert "⟦" in group.title(), (key, group.title())
    finally:
        QCoreApplication.removeTranslator(pseudo)
