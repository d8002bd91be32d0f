"""Usability check 9: the keyboard focus is visible on every control Tab reaches."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from tests.ui.checks import changed_pixels
from tests.ui.pages_fixture import election, open_window, visit_pages


def test_tab_shows_a_focus_ring_on_every_control(qtbot: object, tmp_path: Path) -> None:
    window = open_window(qtbot, tmp_path, election("ca34-2017-06-06"))
    checked = 0
    for key, _ in visit_pages(window):
        page = window.current()
        QApplication.processEvents()
        start: QWidget | None = QApplication.focusWidget()
        if start is None:
            continue
        seen: set[int] = set()
        for _ in range(12):
            current = QApplication.focusWidget()
            assert current is not None
            QTest.keyClick(current, Qt.Key.Key_Tab)
            QApplication.processEvents()
            target = QApplication.focusWidget()
            if target is None or id(target) in seen or not page.isAncestorOf(target):
                break
            seen.add(id(target))
            focused = target.grab().toImage()
            target.clearFocus()
            QApplication.processEvents()
            unfocused = target.grab().toImage()
            target.setFocus(Qt.FocusReason.TabFocusReason)
            QApplication.processEvents()
            perimeter = 2 * (focused.width() + focused.height())
            assert changed_pixels(focused, unfocused) >= perimeter // 2, (
                key,
                target.accessibleName(),
            )
            checked += 1
    assert checked >= 20, "the walk should have reached most of the journey's controls"
