"""A restart reopens the precinct in use, on its page, whichever built-in election it is."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from tests.ui.pages_fixture import election
from ui.app import make_window
from ui.context import AppContext
from ui.main_window import MainWindow


def test_restart_reopens_the_primary_precinct_on_its_page(qtbot: object, tmp_path: Path) -> None:
    primary = election("ca34-2017-04-04")
    first = MainWindow(AppContext(tmp_path, primary), resume=False)
    qtbot.addWidget(first)  # type: ignore[attr-defined]
    first.open_precinct(primary.precincts[3].id)
    first.go_to_key("accounting")
    first.close()

    again = make_window(None, tmp_path)  # as `tally-app` starts, with no --election
    qtbot.addWidget(again)  # type: ignore[attr-defined]
    again.show()
    qtbot.waitUntil(lambda: again.ctx.session is not None)  # type: ignore[attr-defined]
    QApplication.processEvents()
    assert again.ctx.definition is not None and again.ctx.definition.id == primary.id
    assert again.ctx.open.precinct.id == primary.precincts[3].id
    assert again.current().key == "accounting"


def test_choosing_another_precinct_forgets_the_last_one(qtbot: object, tmp_path: Path) -> None:
    general = election("ca34-2017-06-06")
    window = MainWindow(AppContext(tmp_path, general), resume=False)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.open_precinct(general.precincts[0].id)
    window.close_precinct()
    again = make_window(None, tmp_path)
    qtbot.addWidget(again)  # type: ignore[attr-defined]
    again.show()
    QApplication.processEvents()
    assert again.ctx.session is None and again.current().key == "start"
    # The started precinct is listed first, marked to continue.
    assert "continue" in again.start.model.data(again.start.model.index(0, 0))
