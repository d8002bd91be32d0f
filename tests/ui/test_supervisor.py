"""The Supervisor window against a stand-in for the core: choose, verify, look, filter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tally_app import service
from tally_app.aggregate.model import Aggregation
from tests.ui.supervisor_fakes import fake_aggregate, fake_aggregation, open_supervisor, write_ca
from ui.models import ItemRole
from ui.supervisor.models import Show
from ui.supervisor.remembered import last_ca
from ui.supervisor.window import SupervisorWindow


@pytest.fixture
def setup(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    drive = tmp_path / "drive"
    drive.mkdir()
    result = fake_aggregation(drive)
    fake = fake_aggregate(result)
    monkeypatch.setattr(service, "aggregate", fake)
    window = open_supervisor(qtbot, tmp_path / "data", drive)
    return window, fake, result, write_ca(tmp_path), drive


def key(
    qtbot: Any, widget: Any, k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(widget, k, mod)


def verify_by_keyboard(qtbot: Any, window: SupervisorWindow, ca: Path) -> None:
    """Add the folder, type the CA path, press Verify: keys only."""
    source = window.source
    source.add_folder.setFocus()
    key(qtbot, source.add_folder, Qt.Key.Key_Space)
    source.ca.setFocus()
    qtbot.keyClicks(source.ca, str(ca))
    key(qtbot, source.ca, Qt.Key.Key_Tab)
    source.verify.setFocus()
    key(qtbot, source.verify, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.aggregation is not None and not window.busy, timeout=10000)


def test_verifying_a_folder_shows_progress_states_and_totals(qtbot: Any, setup: Any) -> None:
    window, fake, result, ca, drive = setup
    verify_by_keyboard(qtbot, window, ca)
    (call,) = fake.calls
    assert call["paths"] == [drive]
    assert call["allow_test"] is False
    assert window.progress.value() == window.progress.maximum() == 4
    assert "Bundles found: 4; counted: 1, refused: 1, in conflict: 2." in window.status.text()
    assert window.tabs.currentIndex() == 1  # the precincts
    # The precinct table: one row per precinct of the definition, with its state in words.
    model = window.precincts.model
    states = {
        model.data(model.index(r, 0)): model.data(model.index(r, 1))
        for r in range(model.rowCount())
    }
    assert len(states) == result.precincts_total
    p0, p1, p2 = sorted(states)[:3]
    assert states[p0] == "accepted"
    assert states[p1].startswith("rejected")
    assert states[p2].startswith("conflict")
    # Totals: the contest's lines with their counts.
    totals = window.totals.model
    lines = {
        totals.data(totals.index(r, 1)): totals.data(totals.index(r, 2))
        for r in range(totals.rowCount())
    }
    assert lines["Jimmy Gomez"] == "70"
    assert lines["Robert Lee Ahn"] == "45"
    assert lines["Ballots cast"] == "120"
    assert lines["Overvotes"] == "2" and lines["Undervotes"] == "3"
    # The bundles not counted, refused first, with their reasons.
    bundles = window.bundles.model
    assert bundles.rowCount() == 3
    assert bundles.data(bundles.index(0, 3)) == "The results file was changed after signing."
    assert bundles.data(bundles.index(0, 0)) == str(drive / "b")


def test_the_filter_shows_missing_rejected_and_conflict(qtbot: Any, setup: Any) -> None:
    window, _fake, result, ca, _drive = setup
    verify_by_keyboard(qtbot, window, ca)
    panel = window.precincts
    proxy = panel.proxy
    assert proxy.rowCount() == result.precincts_total
    expected = {
        Show.MISSING: len(result.missing),
        Show.REJECTED: 1,
        Show.CONFLICT: 1,
        Show.ALL: result.precincts_total,
    }
    combo = panel.show_choice
    combo.setFocus()
    for _ in range(3):  # Down through Missing, Rejected, Conflict, from the keyboard
        key(qtbot, combo, Qt.Key.Key_Down)
        show = Show(combo.currentData())
        assert proxy.rowCount() == expected[show]
        rows = [proxy.data(proxy.index(r, 0), ItemRole) for r in range(proxy.rowCount())]
        assert {row.disposition for row in rows} == {show.value}
        assert f"({expected[show]})" in combo.currentText()
    panel.set_show(Show.ALL)
    assert proxy.rowCount() == result.precincts_total


def test_the_ca_used_is_remembered_for_next_time(qtbot: Any, setup: Any, tmp_path: Path) -> None:
    window, _fake, _result, ca, drive = setup
    verify_by_keyboard(qtbot, window, ca)
    assert last_ca(tmp_path / "data") == ca.resolve()
    again = open_supervisor(qtbot, tmp_path / "data", drive)
    assert again.source.ca.text() == str(ca.resolve())


def test_nothing_chosen_is_said_in_words_with_the_focus_where_to_act(
    qtbot: Any, setup: Any
) -> None:
    window, fake, _result, ca, _drive = setup
    window.source.verify.click()
    assert "No drive or folder is ticked." in window.status.text()
    assert QApplication.focusWidget() is window.source.add_folder
    window.source.add_path(Path("/nowhere"))
    window.source.ca.clear()
    window.source.verify.click()
    assert "No county CA certificate is chosen." in window.status.text()
    assert QApplication.focusWidget() is window.source.choose_ca
    not_pem = ca.with_name("notes.txt")
    not_pem.write_text("not a certificate")
    window.source.ca.setText(str(not_pem))
    window.source.verify.click()
    assert "holds no certificate" in window.status.text()
    assert "Traceback" not in window.status.text()
    assert fake.calls == []


def test_a_core_refusal_is_shown_in_words(
    qtbot: Any, setup: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, _fake, _result, ca, _drive = setup
    from tally_app.errors import InputError

    def refuse(*_args: object, **_kwargs: object) -> Aggregation:
        raise InputError("path_missing", "/x is not a folder or a results.json file.")

    monkeypatch.setattr(service, "aggregate", refuse)
    window.source.add_path(Path("/x"))
    window.source.ca.setText(str(ca))
    window.source.verify.click()
    qtbot.waitUntil(lambda: not window.busy, timeout=5000)
    assert "is not there any more" in window.status.text()
    assert window.source.verify.isEnabled()


def test_removable_drives_are_listed_and_ticked(qtbot: Any, setup: Any, tmp_path: Path) -> None:
    from ui.drives import Drive

    window, _fake, _result, _ca, drive = setup
    usb = Drive("RESULTS", tmp_path / "usb", 10, 100)
    window.source.drive_lister = lambda _d: [usb]
    window.source.add_path(drive)
    window.source.refresh()
    assert window.source.paths() == [usb.root, drive]
    window.source.sources.setCurrentRow(0)
    window.source.sources.setFocus()
    key(qtbot, window.source.sources, Qt.Key.Key_Space)  # untick the drive
    assert window.source.paths() == [drive]
    window.source.refresh()  # a refresh keeps what was unticked
    assert window.source.paths() == [drive]


def test_certification_is_refused_before_verifying(qtbot: Any, setup: Any) -> None:
    window, *_ = setup
    assert not window.certification.save_button.isEnabled()
    assert "Verify the results first" in window.certification.state.text()


def test_closing_while_verifying_waits_for_the_core_without_freezing(
    qtbot: Any, setup: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    window, _fake, result, ca, drive = setup
    release = threading.Event()

    def slow(*_args: object, **_kwargs: object) -> Aggregation:
        release.wait(10)
        return result

    monkeypatch.setattr(service, "aggregate", slow)
    window.source.add_path(drive)
    window.source.ca.setText(str(ca))
    window.verify()
    assert window.busy
    window.close()
    assert window.isVisible()
    assert "Still verifying" in window.status.text()
    release.set()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    assert not window.busy


def test_bundles_counted_without_the_fingerprint_check_are_said(qtbot: Any, setup: Any) -> None:
    import dataclasses

    window, _fake, result, _ca, _drive = setup
    unchecked = dataclasses.replace(result.bundles[0], fingerprint_checked=False)
    window.bundles.set_aggregation(
        dataclasses.replace(result, bundles=(unchecked, *result.bundles[1:]))
    )
    assert "without the election fingerprint check" in window.bundles.summary.text()
    assert ": 1;" in window.bundles.summary.text()
