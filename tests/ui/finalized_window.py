"""(No tests here.) The real window on a finalized CA-34 precinct, driven by keyboard: what
the export and print page tests (and others that borrow from them) share."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from tally_app import service
from tests.bundle_fixtures import finalized_precinct
from ui.context import AppContext
from ui.main_window import MainWindow


def finalized_data_dir(tmp_path: Path) -> Path:
    """A laptop's data folder holding the balanced CA-34 precinct, finalized by two members."""
    folder = tmp_path / "data"
    session, _members = finalized_precinct(folder)
    session.close()  # the window opens the file itself
    return folder


def open_finalized_window(qtbot: object, data_dir: Path) -> MainWindow:
    """The main window, shown at 1366×768 on the finalized precinct of ``data_dir``."""
    definition = service.default_definition()
    window = MainWindow(AppContext(data_dir, definition), resume=False)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.resize(1366, 768)
    window.show()
    window.open_precinct(definition.precincts[0].id)
    assert window.ctx.open.state == "finalized"
    return window


def focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def tab_to(name: str, limit: int = 20) -> QWidget:
    """Press Tab until the control with this accessible name has the cursor."""
    for _ in range(limit):
        if focus().accessibleName() == name:
            return focus()
        QTest.keyClick(focus(), Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {name!r} (stuck on {focus().accessibleName()!r})")
