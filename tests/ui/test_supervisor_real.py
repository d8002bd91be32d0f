"""The Supervisor window on real signed bundles, with the real core and the signed PDF."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tally_app import service
from tally_app.documents.signing import check_pdf_signature
from tests.bundle_fixtures import export, finalized_precinct, make_pki
from tests.ui.supervisor_fakes import open_supervisor
from ui.supervisor.models import Show

NEW_PASSPHRASE = "receiving station 7"


@pytest.fixture(scope="module")
def drive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A drive with one real bundle and a tampered copy of it; the county CA beside it."""
    root = tmp_path_factory.mktemp("real")
    pki = make_pki(root)
    session, members = finalized_precinct(root / "store")
    precinct_id = session.precinct.id
    usb = root / "usb"
    export(session, members, usb, pki.identity)
    session.close()
    (bundle,) = [p.parent for p in usb.rglob("results.json")]
    tampered = usb / "copy" / bundle.name
    shutil.copytree(bundle, tampered)
    results = tampered / "results.json"
    results.write_bytes(results.read_bytes().replace(b'"Count": 1', b'"Count": 2', 1))
    return usb, pki.ca_pem, precinct_id


def test_real_bundles_are_verified_counted_and_certified(
    qtbot: Any, tmp_path: Path, drive: tuple[Path, Path, str]
) -> None:
    usb, ca_pem, precinct_id = drive
    window = open_supervisor(qtbot, tmp_path / "data", usb)
    saved = tmp_path / "out" / "certification.pdf"
    saved.parent.mkdir()
    window.certification.save_path_picker = lambda _parent, _start: saved
    window.source.choose_folder()
    window.source.ca.setText(str(ca_pem))
    window.source.verify.setFocus()
    qtbot.keyClick(window.source.verify, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.aggregation is not None and not window.busy, timeout=30000)
    aggregation = window.aggregation
    assert aggregation is not None
    assert window.progress.value() == window.progress.maximum() == 2
    assert aggregation.reporting == (precinct_id,)
    # The precinct table: this precinct counted, the others missing.
    panel = window.precincts
    panel.set_show(Show.MISSING)
    assert panel.proxy.rowCount() == aggregation.precincts_total - 1
    panel.set_show(Show.ALL)
    rows = {
        panel.model.data(panel.model.index(r, 0)): panel.model.data(panel.model.index(r, 1))
        for r in range(panel.model.rowCount())
    }
    assert rows[precinct_id].startswith("accepted")
    # The tampered copy is listed with its reason, and not counted.
    bundles = window.bundles.model
    assert bundles.rowCount() == 1
    assert "copy" in bundles.data(bundles.index(0, 0))
    assert bundles.data(bundles.index(0, 3))
    assert "refused: 1," in window.status.text()

    # Certify: a new laptop key (passphrase typed twice), then save the signed PDF.
    window.tabs.setCurrentIndex(4)
    fields = window.certification.signing_key
    fields.refresh()
    assert fields.creating()
    qtbot.keyClicks(fields.passphrase, NEW_PASSPHRASE)
    qtbot.keyClicks(fields.again, NEW_PASSPHRASE)
    window.certification.save_button.setFocus()
    qtbot.keyClick(window.certification.save_button, Qt.Key.Key_Return)
    assert saved.is_file(), window.certification.result.text()
    assert "saved as PDF and read back" in window.certification.result.text()
    check = check_pdf_signature(saved.read_bytes())
    assert check.intact and check.valid and check.covers_whole_file, check.problem
    assert service.device_identity_status(tmp_path / "data") == "self-signed"
    assert fields.passphrase.text() == ""  # never kept


def test_printing_draws_the_signed_sheet(
    qtbot: Any, tmp_path: Path, drive: tuple[Path, Path, str]
) -> None:
    from PySide6.QtPrintSupport import QPrinter

    usb, ca_pem, _precinct_id = drive
    window = open_supervisor(qtbot, tmp_path / "data", usb)
    out = tmp_path / "printed.pdf"

    def printer() -> QPrinter:
        p = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        p.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        p.setOutputFileName(str(out))
        return p

    panel = window.certification
    panel.printer_available = lambda: True
    panel.printer_factory = printer
    panel.print_dialog_factory = lambda _printer, _parent: True
    window.source.add_path(usb)
    window.source.ca.setText(str(ca_pem))
    window.verify()
    qtbot.waitUntil(lambda: window.aggregation is not None and not window.busy, timeout=30000)
    qtbot.keyClicks(panel.signing_key.passphrase, NEW_PASSPHRASE)
    qtbot.keyClicks(panel.signing_key.again, NEW_PASSPHRASE)
    panel.print_button.click()
    assert "Sent to the printer" in panel.result.text(), panel.result.text()
    assert out.is_file() and out.read_bytes().startswith(b"%PDF")
    # No printer: the window says so and offers saving instead.
    panel.printer_available = lambda: False
    panel.print_button.click()
    assert "No printer is connected" in panel.result.text()


def test_many_bundles_verify_in_worker_processes_while_the_window_answers(
    qtbot: Any, tmp_path: Path, drive: tuple[Path, Path, str]
) -> None:
    """Enough bundles for the core's process pool, started from the window's worker thread;
    the window's own event loop keeps turning meanwhile."""
    from PySide6.QtCore import QTimer

    from tally_app.aggregate.check import IN_PROCESS_BELOW

    usb, ca_pem, precinct_id = drive
    (bundle,) = [p.parent for p in usb.rglob("results.json") if "copy" not in p.parts]
    many = tmp_path / "many"
    for n in range(IN_PROCESS_BELOW + 2):
        shutil.copytree(bundle, many / f"{n:03d}" / bundle.name)
    window = open_supervisor(qtbot, tmp_path / "data", many)
    window.source.add_path(many)
    window.source.ca.setText(str(ca_pem))
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1) if window.busy else None)
    timer.start(5)
    window.verify()
    assert window.busy and not window.source.verify.isEnabled()
    qtbot.waitUntil(lambda: window.aggregation is not None and not window.busy, timeout=60000)
    timer.stop()
    total = IN_PROCESS_BELOW + 2
    assert window.progress.value() == window.progress.maximum() == total
    assert ticks, "the window's event loop did not run while verifying"
    aggregation = window.aggregation
    assert aggregation is not None and aggregation.reporting == (precinct_id,)
    assert window.bundles.model.rowCount() == total - 1  # duplicates: counted once
    assert window.source.verify.isEnabled()
