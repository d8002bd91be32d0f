"""Usability checks 1–6, 11 and 17 of shared/usability.md, on every page of the journey."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
)

from tests.ui.checks import interactive, name_of, walk
from tests.ui.pages_fixture import election, open_window, visit_pages


@pytest.fixture(params=["ca34-2017-06-06", "ca34-2017-04-04"])
def window(request: pytest.FixtureRequest, qtbot: object, tmp_path: Path):  # type: ignore[no-untyped-def]
    return open_window(qtbot, tmp_path, election(request.param))


def test_every_control_on_every_page_is_named_uniquely(window) -> None:  # type: ignore[no-untyped-def]
    for key, _ in visit_pages(window):
        page = window.current()
        names = []
        for w in walk(page):
            if interactive(w):
                name = name_of(w)
                assert name, f"{key}: {type(w).__name__} {w.objectName()!r} has no accessible name"
                names.append(name)
        duplicates = sorted({n for n in names if names.count(n) > 1})
        assert duplicates == [], f"{key}: names used twice: {duplicates}"
        for w in walk(window):
            if isinstance(w, QAbstractButton):
                assert w.text().strip(), f"{key}: a button without text ({name_of(w)!r})"
            if isinstance(w, QGroupBox):
                assert w.title().strip(), f"{key}: a group without a title"
            if isinstance(w, QTableView) and w.model() is not None:
                model = w.model()
                for c in range(model.columnCount()):
                    assert model.headerData(c, Qt.Orientation.Horizontal), f"{key}: header {c}"


def test_inputs_have_visible_labels(window) -> None:  # type: ignore[no-untyped-def]
    for key, _ in visit_pages(window):
        page = window.current()
        buddies = {lbl.buddy() for lbl in page.findChildren(QLabel) if lbl.buddy() is not None}
        for w in walk(page):
            if isinstance(w, (QLineEdit, QComboBox, QPlainTextEdit)) and interactive(w):
                if w in buddies:
                    continue
                iface = QAccessible.queryAccessibleInterface(w)
                relations = iface.relations(QAccessible.RelationFlag.Label) if iface else []
                assert relations, f"{key}: {name_of(w)!r} has no visible label tied to it"


def test_no_spin_boxes_and_digits_only(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from ui.widgets import CountField

    for key, _ in visit_pages(window):
        page = window.current()
        assert page.findChildren(QAbstractSpinBox) == [], key
        for field in page.findChildren(CountField):
            if field.isReadOnly() or not field.isEnabled():
                continue
            field.setText("")
            qtbot.keyClicks(field, "12a-3")
            assert field.text() == "123", key
            field.revert()
            break


def test_checkboxes_and_buttons_are_big_enough(window) -> None:  # type: ignore[no-untyped-def]
    for key, _ in visit_pages(window):
        for w in walk(window.current()):
            if isinstance(w, (QAbstractButton, QCheckBox)) and w.isVisible():
                assert w.width() >= 24 and w.height() >= 24, (key, name_of(w), w.size())


def test_text_at_200_percent_does_not_clip(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.scale_text(+10)  # to the largest step
    assert window.text_scale == 2.0
    try:
        for key, _ in visit_pages(window):
            QApplication.processEvents()
            page = window.current()
            assert window.page_scroll.horizontalScrollBar().maximum() == 0, key
            for w in walk(page):
                if isinstance(w, QLabel) and w.isVisible() and not w.wordWrap() and w.text():
                    shown = w.text().split("\n")[0].replace("&&", "\0").replace("&", "")
                    advance = w.fontMetrics().horizontalAdvance(shown.replace("\0", "&"))
                    assert advance <= w.contentsRect().width() + 1, (key, w.text()[:40])
                if isinstance(w, QAbstractButton) and w.isVisible():
                    hint = w.sizeHint()
                    assert hint.width() <= w.width() + 1 and hint.height() <= w.height() + 1, (
                        key,
                        w.text(),
                        hint,
                        w.size(),
                    )
    finally:
        window.scale_text(-10)
