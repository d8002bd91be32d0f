"""Usability checks on the Supervisor window (shared/usability.md): names, labels, keyboard,
200 % text, high contrast, every string through tr(); and a screenshot for the docs."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTableView,
)

from tally_app import service
from tests.ui.checks import Pseudo, interactive, name_of, walk
from tests.ui.supervisor_fakes import fake_aggregate, fake_aggregation, open_supervisor, write_ca
from ui import theme
from ui.supervisor.window import SupervisorWindow

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def window(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SupervisorWindow:
    """A window that has verified (a stand-in result), so every tab has content."""
    drive = tmp_path / "drive"
    drive.mkdir()
    monkeypatch.setattr(service, "aggregate", fake_aggregate(fake_aggregation(drive)))
    w = open_supervisor(qtbot, tmp_path / "data", drive)
    w.source.add_path(drive)
    w.source.ca.setText(str(write_ca(tmp_path)))
    w.verify()
    qtbot.waitUntil(lambda: w.aggregation is not None and not w.busy, timeout=10000)
    return w


def tabs(window: SupervisorWindow) -> list[int]:
    return list(range(window.tabs.count()))


def test_every_control_is_named_uniquely_and_labelled(window: SupervisorWindow) -> None:
    for index in tabs(window):
        window.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        page = window.tabs.currentWidget()
        names: list[str] = []
        buddies = {lbl.buddy() for lbl in page.findChildren(QLabel) if lbl.buddy() is not None}
        for w in walk(page):
            if not interactive(w):
                continue
            name = name_of(w)
            assert name, f"tab {index}: {type(w).__name__} has no accessible name"
            names.append(name)
            if isinstance(w, (QLineEdit, QComboBox, QTableView)) and w.isVisible():
                assert w in buddies, f"tab {index}: {name!r} has no visible label"
            if isinstance(w, QAbstractButton):
                assert w.text().strip(), f"tab {index}: a button without text"
            if isinstance(w, QTableView):
                model = w.model()
                for c in range(model.columnCount()):
                    assert model.headerData(c, Qt.Orientation.Horizontal)
        assert sorted({n for n in names if names.count(n) > 1}) == [], index
    for w in (window.status, window.progress, window.tabs):
        assert name_of(w)


def test_the_keyboard_reaches_every_tab_and_control(qtbot: Any, window: SupervisorWindow) -> None:
    window.tabs.setCurrentIndex(0)
    window.tabs.tabBar().setFocus()
    bar = window.tabs.tabBar()
    for expected in (1, 2, 3, 4):
        qtbot.keyClick(bar, Qt.Key.Key_Right)
        assert window.tabs.currentIndex() == expected
    window.tabs.setCurrentIndex(0)
    window.source.sources.setFocus()
    seen = []
    for _ in range(len(window.source.controls()) + 1):
        seen.append(QApplication.focusWidget())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert [w for w in window.source.controls() if w in seen] == window.source.controls()


def test_text_at_200_percent_and_high_contrast_do_not_clip(
    qtbot: Any, window: SupervisorWindow
) -> None:
    window.scale_text(+10)
    window.contrast.setChecked(True)
    try:
        assert QApplication.font().pointSizeF() == theme.BASE_POINT_SIZE * 2
        assert QApplication.palette().window().color().name() == theme.HIGH_CONTRAST.window
        for index in tabs(window):
            window.tabs.setCurrentIndex(index)
            QApplication.processEvents()
            page = window.tabs.currentWidget()
            if isinstance(page, QScrollArea):
                assert page.horizontalScrollBar().maximum() == 0, index
            for w in walk(page):
                if isinstance(w, QLabel) and w.isVisible() and not w.wordWrap() and w.text():
                    shown = w.text().replace("&", "")
                    assert (
                        w.fontMetrics().horizontalAdvance(shown) <= w.contentsRect().width() + 1
                    ), (
                        index,
                        w.text(),
                    )
                if isinstance(w, QAbstractButton) and w.isVisible():
                    hint = w.sizeHint()
                    assert hint.width() <= w.width() + 1, (index, w.text(), hint, w.size())
                    assert hint.height() <= w.height() + 1, (index, w.text(), hint, w.size())
    finally:
        window.contrast.setChecked(False)
        window.scale_text(-10)


def test_every_string_goes_through_tr(qtbot: Any, tmp_path: Path) -> None:
    pseudo = Pseudo()
    QCoreApplication.installTranslator(pseudo)
    try:
        w = open_supervisor(qtbot, tmp_path / "data", tmp_path)
        assert w.windowTitle().startswith("⟦")
        for action in w.menuBar().actions():
            assert action.text().startswith("⟦"), action.text()
        for index in tabs(w):
            assert w.tabs.tabText(index).startswith("⟦"), w.tabs.tabText(index)
        for button in w.findChildren(QAbstractButton):
            if button.text():
                assert "⟦" in button.text(), button.text()
        for label in w.findChildren(QLabel):
            if label.text():
                assert "⟦" in label.text(), label.text()
        model = w.precincts.model
        for c in range(model.columnCount()):
            assert "⟦" in model.headerData(c, Qt.Orientation.Horizontal)
    finally:
        QCoreApplication.removeTranslator(pseudo)


def test_screenshot(window: SupervisorWindow) -> None:
    """The window after verifying, at 100 % (written only when TALLY_SCREENSHOTS=1)."""
    window.tabs.setCurrentIndex(1)
    QApplication.processEvents()
    image = window.grab()
    assert image.width() >= 1000
    if os.environ.get("TALLY_SCREENSHOTS") == "1":
        image.save(str(REPO / "docs" / "screenshot-supervisor.png"))


def _mnemonic(text: str) -> str | None:
    plain = text.replace("&&", "")
    at = plain.find("&")
    return plain[at + 1].lower() if 0 <= at < len(plain) - 1 else None


def test_alt_keys_reach_tabs_and_fields_and_are_never_used_twice(
    qtbot: Any, window: SupervisorWindow
) -> None:
    window.activateWindow()
    qtbot.waitActive(window)
    fixed = [window.tabs.tabText(i) for i in tabs(window)]
    fixed += [a.text() for a in window.menuBar().actions()]
    for index in tabs(window):
        window.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        page = window.tabs.currentWidget()
        texts = list(fixed)
        for w in walk(page):
            if isinstance(w, QAbstractButton) and w.isVisible():
                texts.append(w.text())
            if isinstance(w, QLabel) and w.buddy() is not None and w.isVisible():
                texts.append(w.text())
        keys = [k for k in map(_mnemonic, texts) if k is not None]
        assert sorted({k for k in keys if keys.count(k) > 1}) == [], (index, texts)
    window.tabs.setCurrentIndex(0)
    window.source.sources.setFocus()
    alt = Qt.KeyboardModifier.AltModifier
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_P, alt)
    assert window.tabs.currentIndex() == 1
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_W, alt)
    assert QApplication.focusWidget() is window.precincts.show_choice
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_O, alt)
    assert window.tabs.currentIndex() == 0
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, alt)
    assert QApplication.focusWidget() is window.source.ca
