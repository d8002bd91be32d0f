"""Guard for the Qt binding: PySide6 6.12.0 on Python 3.11 loses a reference to None on each
call of a method that returns nothing, and the app dies after a few thousand screen updates
("Fatal Python error: none_dealloc"). pyproject.toml keeps PySide6 below 6.12; this fails if a
broken build comes back."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_qt_calls_keep_none_and_bools_alive(qapp: object) -> None:
    label = QLabel()
    before = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    for i in range(5000):
        label.setText(str(i))
        label.setVisible(False)
        label.isVisible()
    after = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    assert all(a - b > -100 for a, b in zip(after, before, strict=True)), (before, after)
