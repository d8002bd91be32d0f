"""The export step (issue 4 item 6), in the real window on a finalized precinct, by keyboard.

A folder stands in for the USB drive; the bundle is checked on disk by the project's own
verifier and its fingerprint by hashlib, the store's state afterwards, and the words on the
page for a pulled drive, a wrong passphrase and a laptop without a key.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QWidget,
)

from tally_app import service
from tally_app.errors import SystemError_
from tally_app.trust.identity import install_county_identity
from tests.bundle_fixtures import PASSPHRASE as PKI_PASSPHRASE
from tests.bundle_fixtures import make_pki
from tests.ui.checks import Pseudo, changed_pixels, interactive, name_of, walk
from tests.ui.finalized_window import finalized_data_dir, focus, open_finalized_window, tab_to
from ui.context import AppContext
from ui.drives import Drive
from ui.main_window import MainWindow
from ui.pages.export import ExportPage, grouped_hex

KEY = Qt.Key
PASSPHRASE = "polls closed at 8"
# The README's picture is refreshed only on request (TALLY_SCREENSHOTS=1), so that a test run
# leaves the checkout unchanged.
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-export.png"


@pytest.fixture(autouse=True)
def no_mouse(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("exporting must not need a mouse")

    monkeypatch.setattr(QTest, "mouseClick", refuse)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A laptop's data folder holding the balanced CA-34 precinct, finalized by two members."""
    return finalized_data_dir(tmp_path)


@pytest.fixture
def usb(tmp_path: Path) -> Path:
    drive = tmp_path / "usb"
    drive.mkdir()
    return drive


def open_export(qtbot: object, data_dir: Path) -> MainWindow:
    window = open_finalized_window(qtbot, data_dir)
    window.go_to_key("export")
    assert window.current().key == "export"
    return window


@pytest.fixture
def window(qtbot: object, data_dir: Path) -> Iterator[MainWindow]:
    opened = open_export(qtbot, data_dir)
    yield opened
    opened.close()


def page_of(window: MainWindow) -> ExportPage:
    page = window.current()
    assert isinstance(page, ExportPage)
    return page


def choose_drive(page: ExportPage, drive: Path) -> None:
    """The drive is plugged in, the worker presses Refresh: it is listed and chosen."""
    page.drive_finder = lambda: [Drive("PRECINCT", drive, 31_000_000_000, 32_000_000_000)]
    QTest.keyClick(tab_to("Refresh the list of USB drives"), KEY.Key_Space)
    assert page.drives.count() == 1 and page.target == drive
    assert "PRECINCT — 31.0 GB free" in page.drives.item(0).text()
    assert page.target_text.text().startswith(f"Export to: {drive} (")
    assert "free)" in page.target_text.text()


def confirm_and_type(
    page: ExportPage, passphrase: str, again: str | None = None, press: Qt.Key = KEY.Key_Space
) -> None:
    """Two different members (the defaults), the passphrase, Enter; then Space on Export."""
    first = tab_to("First board member confirming the export")
    QTest.keyClick(first, KEY.Key_Home)
    QTest.keyClick(first, KEY.Key_Tab)
    assert focus() is page.second
    QTest.keyClick(page.second, KEY.Key_Home)
    QTest.keyClick(page.second, KEY.Key_Down)
    QTest.keyClick(page.second, KEY.Key_Tab)
    if page.signing_key.passphrase.isVisible():  # not once the key is unlocked for this precinct
        assert focus() is page.signing_key.passphrase
        QTest.keyClicks(page.signing_key.passphrase, passphrase)
        QTest.keyClick(page.signing_key.passphrase, KEY.Key_Return)  # Enter moves on, like Tab
    if again is not None:
        assert focus() is page.signing_key.again
        QTest.keyClicks(page.signing_key.again, again)
        QTest.keyClick(page.signing_key.again, KEY.Key_Return)
    assert focus() is page.export
    QTest.keyClick(page.export, press)
    QApplication.processEvents()


def visible_texts(page: QWidget) -> str:
    return "\n".join(
        w.text() for w in page.findChildren(QLabel) if w.isVisibleTo(page) and w.text()
    )


def export_events(window: MainWindow) -> list[dict[str, object]]:
    events = window.ctx.open.store.audit_events()
    return [dict(e.details) for e in events if e.event == "export.written"]


# --- the journey -------------------------------------------------------------------------


def test_export_by_keyboard_writes_a_valid_bundle_and_says_safe_to_remove(
    window: MainWindow, data_dir: Path, usb: Path, tmp_path: Path
) -> None:
    service.device_identity(data_dir, PASSPHRASE.encode(), create=True)
    page = page_of(window)
    page.enter()  # the key was made after the page was first drawn
    assert window.step_label.text().endswith("Export the results to a USB drive")
    assert "not county-issued" in page.signing_key.note.text()
    assert (
        page.signing_key.again.isHidden()
        and page.signing_key.passphrase.echoMode() == QLineEdit.EchoMode.Password
    )

    shown: list[str] = []
    record = page._progress

    def spy(stage: str, done: int, total: int) -> None:
        record(stage, done, total)
        shown.append(page.progress.format())

    page._progress = spy  # type: ignore[method-assign]
    choose_drive(page, usb)
    confirm_and_type(page, PASSPHRASE)

    # On the drive: the bundle, valid for the project's verifier.
    folder = usb / window.ctx.open.definition.id / window.ctx.open.precinct.id
    assert (folder / "results.json").is_file() and (folder / "manifest.json.p7s").is_file()
    (report,) = service.verify_bundles([usb])
    assert report.valid, report.problems
    assert not report.county_issued

    # Progress, file by file: written, then read back.
    n = len(page.last_report.files)  # type: ignore[union-attr]
    assert n >= 5
    assert shown == [f"Writing file {i} of {n}" for i in range(1, n + 1)] + [
        f"Checking file {i} of {n}" for i in range(1, n + 1)
    ]
    assert page.progress.format() == f"All {n} files written and checked"
    assert page.progress.value() == page.progress.maximum()

    # The result, in words and a symbol, with the fingerprint in groups of 4.
    digest = hashlib.sha256((folder / "results.json").read_bytes()).hexdigest()
    assert page.result.text().startswith("✓ Safe to remove the drive.")
    assert 'the files say "not county-issued"' in page.result.text()
    assert page.fingerprint.text() == grouped_hex(digest)
    assert page.fingerprint.text().split(" ")[:2] == [digest[:4], digest[4:8]]
    assert len(page.fingerprint.text().split(" ")) == 16
    assert page.folder_text.text() == f"Folder written: {folder}"
    assert page.files_text.text().startswith(f"{n} files: ")
    assert "results.json" in page.files_text.text()
    assert page.signing_key.passphrase.text() == ""  # not kept after use
    # The key stays unlocked for this precinct: the board types the passphrase once.
    assert window.ctx.identity is not None and page.signing_key.passphrase.isHidden()
    assert page.signing_key.note.text().startswith("The signing key is unlocked (")

    # The store and the header: exported, recorded once, by the two members.
    assert window.ctx.open.state == "exported"
    assert "exported, locked" in window.where.text()
    assert window.saved.text().startswith("✓ Exported and checked at ")
    (event,) = export_events(window)
    assert event["confirmed_by"] == ["Maria Lopez", "Sam Park"]
    assert event["results_sha256"] == digest
    assert "exported" in page.state.text() and "second drive" in page.state.text()

    shot = DOCS_SCREENSHOT if os.environ.get("TALLY_SCREENSHOTS") == "1" else tmp_path / "x.png"
    assert window.grab().save(str(shot))

    # A second drive: allowed, recorded again, state stays exported.
    second = tmp_path / "second"
    second.mkdir()
    page.folder_picker = lambda parent: second
    QTest.keyClick(tab_to("Choose a folder instead of a drive"), KEY.Key_Space)
    assert page.target == second and page.drives.currentItem() is None
    confirm_and_type(page, PASSPHRASE, press=KEY.Key_Return)  # Enter presses it too
    assert page.result.text().startswith("✓ Safe to remove the drive.")
    assert len(export_events(window)) == 2
    assert [r.valid for r in service.verify_bundles([second])] == [True]
    assert window.ctx.open.state == "exported"

    path = window.ctx.open.path
    window.close()
    with service.open_precinct(path) as reopened:  # what the file holds, read afresh
        assert reopened.state == "exported" and reopened.store.trusted


def test_a_pulled_drive_says_what_happened_and_nothing_says_safe(
    window: MainWindow, data_dir: Path, usb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.device_identity(data_dir, PASSPHRASE.encode(), create=True)
    page = page_of(window)
    page.enter()

    def pulled(*args: object, **kwargs: object) -> object:
        raise SystemError_("media_removed", "The drive went away while writing.")

    monkeypatch.setattr("tally_app.export.media.write_files", pulled)
    choose_drive(page, usb)
    confirm_and_type(page, PASSPHRASE)
    text = page.result.text()
    assert text.startswith("✗ Not exported. The drive could not be written; it may have been")
    assert "This is a problem with the computer, not with your work." in text
    assert "Plug the drive in again (or use another one), then export again." in text
    assert "Safe to remove" not in visible_texts(page)
    assert page.progress.isHidden() and page.fingerprint.isHidden()
    assert window.ctx.open.state == "finalized" and export_events(window) == []
    assert "exported" not in window.where.text()
    # Ready to try again (another drive): the button works and the cursor is in the list.
    assert page.export.isEnabled() and focus() is page.refresh
    monkeypatch.undo()
    QTest.keyClick(tab_to("First board member confirming the export"), KEY.Key_Tab)
    confirm_and_type(page, PASSPHRASE)
    assert page.result.text().startswith("✓ Safe to remove the drive.")
    assert window.ctx.open.state == "exported"


def test_a_wrong_passphrase_says_so_and_writes_nothing(
    window: MainWindow, data_dir: Path, usb: Path
) -> None:
    service.device_identity(data_dir, PASSPHRASE.encode(), create=True)
    page = page_of(window)
    page.enter()
    choose_drive(page, usb)
    confirm_and_type(page, "not the passphrase")
    assert page.result.text().startswith(
        "✗ Not exported. The passphrase does not open the laptop's signing key."
    )
    assert "Type the passphrase again, exactly as it was chosen." in page.result.text()
    assert list(usb.iterdir()) == []
    assert window.ctx.open.state == "finalized" and export_events(window) == []
    assert focus() is page.signing_key.passphrase and page.signing_key.passphrase.text() == ""


def test_the_same_member_twice_is_refused_before_anything_is_written(
    window: MainWindow, data_dir: Path, usb: Path
) -> None:
    page = page_of(window)
    choose_drive(page, usb)
    tab_to("First board member confirming the export")
    QTest.keyClick(page.first, KEY.Key_Home)
    QTest.keyClick(page.first, KEY.Key_Tab)
    QTest.keyClick(page.second, KEY.Key_Home)  # the same person
    QTest.keyClick(page.second, KEY.Key_Tab)
    QTest.keyClicks(page.signing_key.passphrase, PASSPHRASE)
    QTest.keyClick(page.signing_key.passphrase, KEY.Key_Tab)
    QTest.keyClicks(page.signing_key.again, PASSPHRASE)
    QTest.keyClick(page.signing_key.again, KEY.Key_Tab)
    QTest.keyClick(page.export, KEY.Key_Space)
    assert "Exporting needs two different board members." in page.result.text()
    assert focus() is page.second
    assert list(usb.iterdir()) == []
    assert service.device_identity_status(data_dir) == "none"  # no key made either


def test_a_laptop_without_a_key_makes_its_own_and_says_not_county_issued(
    window: MainWindow, data_dir: Path, usb: Path
) -> None:
    page = page_of(window)
    assert service.device_identity_status(data_dir) == "none"
    assert "This laptop has no county key." in page.signing_key.note.text()
    assert 'will say "not county-issued"' in page.signing_key.note.text()
    assert not page.signing_key.again.isHidden()
    assert page.signing_key.passphrase.accessibleName() == "New passphrase for the signing key"
    assert page.signing_key.again.echoMode() == QLineEdit.EchoMode.Password
    choose_drive(page, usb)

    confirm_and_type(page, PASSPHRASE, again=PASSPHRASE + "!")
    assert "The 2 passphrases are not the same." in page.result.text()
    assert service.device_identity_status(data_dir) == "none"
    confirm_and_type(page, "short", again="short")
    assert "The new passphrase is too short." in page.result.text()
    assert list(usb.iterdir()) == []

    confirm_and_type(page, PASSPHRASE, again=PASSPHRASE)
    assert page.result.text().startswith("✓ Safe to remove the drive.")
    assert 'the files say "not county-issued"' in page.result.text()
    assert service.device_identity_status(data_dir) == "self-signed"
    # The key now exists: the page asks for it once, no longer to choose one.
    assert page.signing_key.again.isHidden() and page.signing_key.passphrase.accessibleName() == (
        "Passphrase of the signing key"
    )
    identity = service.device_identity(data_dir, PASSPHRASE.encode())
    (report,) = service.verify_bundles([usb])
    assert report.valid and report.device_id == identity.device_id
    assert window.ctx.open.state == "exported"


def test_a_county_key_signs_and_nothing_says_not_county_issued(
    window: MainWindow, data_dir: Path, usb: Path, tmp_path: Path
) -> None:
    pki = make_pki(tmp_path / "county")
    install_county_identity(data_dir, pki.device_p12, PKI_PASSPHRASE)
    page = page_of(window)
    page.enter()
    assert page.signing_key.note.text().startswith(
        "This laptop signs with the key the county issued."
    )
    assert page.signing_key.again.isHidden()
    choose_drive(page, usb)
    confirm_and_type(page, PKI_PASSPHRASE.decode())
    assert page.result.text().startswith("✓ Safe to remove the drive.")
    assert "Signed by the county-issued key of laptop-0042." in page.result.text()
    assert "not county-issued" not in visible_texts(page)
    (report,) = service.verify_bundles([usb], service.load_trust_roots(pki.ca_pem))
    assert report.valid and report.county_issued and report.trusted


def test_export_is_not_offered_before_finalize(qtbot: object, tmp_path: Path) -> None:
    definition = service.default_definition()
    window = MainWindow(AppContext(tmp_path, definition), resume=False)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    window.open_precinct(definition.precincts[0].id)
    keys = [s.key for s in window.steps]
    assert keys[-3:] == ["finalize", "print", "export"]
    window.go_to_key("finalize")
    assert not window.next.isEnabled()
    window.go_to(len(window.steps) - 1)  # asked for export: finalize is the last open step
    assert window.current().key == "finalize"
    assert window.steps[-1].built is None and window.steps[-2].built is None
    window.close()


def test_finalizing_opens_the_print_then_the_export_step(qtbot: object, data_dir: Path) -> None:
    window = open_export(qtbot, data_dir)
    window.go_to_key("finalize")
    assert window.next.isEnabled()
    QTest.keyClick(window.next, KEY.Key_Space)
    assert window.current().key == "print"  # then export
    QTest.keyClick(window.next, KEY.Key_Space)
    assert window.current().key == "export"
    assert window.step_label.text() == (
        f"Step {len(window.steps)} of {len(window.steps)}: Export the results to a USB drive"
    )
    assert not window.next.isEnabled()  # the last step
    window.close()


# --- accessibility --------------------------------------------------------------------------


def exported(window: MainWindow, data_dir: Path, usb: Path) -> ExportPage:
    service.device_identity(data_dir, PASSPHRASE.encode(), create=True)
    page = page_of(window)
    page.enter()
    choose_drive(page, usb)
    confirm_and_type(page, PASSPHRASE)
    assert page.result.text().startswith("✓")
    window.ctx.identity = None  # as on a precinct opened afresh: the passphrase is asked
    page.enter()
    QApplication.processEvents()  # let the layout take the field back in
    assert page.signing_key.passphrase.isVisible()
    return page


def test_every_control_is_named_labelled_and_big_enough(
    window: MainWindow, data_dir: Path, usb: Path
) -> None:
    page = exported(window, data_dir, usb)
    page.signing_key.status = "none"  # show the second passphrase field too
    page.signing_key.again.show()
    page.signing_key.again_label.show()
    buddies = {lbl.buddy() for lbl in page.findChildren(QLabel) if lbl.buddy() is not None}
    names = []
    for w in walk(page):
        if interactive(w):
            assert name_of(w), f"{type(w).__name__} has no accessible name"
            names.append(name_of(w))
        if isinstance(w, (QLineEdit, QComboBox)) and interactive(w):
            assert w in buddies, f"{name_of(w)!r} has no visible label"
        if isinstance(w, QAbstractButton):
            assert w.text().strip() and w.width() >= 24 and w.height() >= 24, name_of(w)
    assert len(names) == len(set(names)) >= 8
    for button in (page.refresh, page.choose, page.export):
        assert button.sizeHint().width() <= button.width(), button.text()
    assert name_of(page.progress) == "Export progress"
    # The result labels have no name of their own: a screen reader reads what they show.
    assert page.fingerprint.accessibleName() == "" and page.folder_text.accessibleName() == ""


def test_tab_reaches_every_control_with_a_visible_focus_ring(
    window: MainWindow, data_dir: Path, usb: Path
) -> None:
    page = exported(window, data_dir, usb)
    tab_to("USB drives")
    seen = []
    for _ in range(10):
        target = focus()
        if target.accessibleName() in seen:
            break
        seen.append(target.accessibleName())
        focused = target.grab().toImage()
        target.clearFocus()
        QApplication.processEvents()
        unfocused = target.grab().toImage()
        target.setFocus(Qt.FocusReason.TabFocusReason)
        QApplication.processEvents()
        perimeter = 2 * (focused.width() + focused.height())
        assert changed_pixels(focused, unfocused) >= perimeter // 2, target.accessibleName()
        QTest.keyClick(target, KEY.Key_Tab)
        if not page.isAncestorOf(focus()):
            break
    assert seen[:7] == [
        "USB drives",
        "Refresh the list of USB drives",
        "Choose a folder instead of a drive",
        "First board member confirming the export",
        "Second board member confirming the export",
        "Passphrase of the signing key",
        "Export the results and check them",
    ]


@pytest.mark.parametrize("high_contrast", [False, True])
def test_the_result_fits_at_200_percent(
    window: MainWindow, data_dir: Path, usb: Path, high_contrast: bool
) -> None:
    page = exported(window, data_dir, usb)
    window.set_high_contrast(high_contrast)
    window.scale_text(+10)
    try:
        QApplication.processEvents()
        assert window.text_scale == 2.0
        assert window.page_scroll.horizontalScrollBar().maximum() == 0
        assert page.drives.horizontalScrollBar().maximum() == 0
        page.drives.scrollToTop()
        row = page.drives.visualRect(page.drives.model().index(0, 0))
        assert row.height() >= 2 * page.drives.fontMetrics().height()  # name, then where
        assert page.drives.viewport().rect().contains(row), (row, page.drives.viewport().rect())
        for w in walk(page):
            if isinstance(w, QLabel) and w.isVisible() and not w.wordWrap() and w.text():
                advance = w.fontMetrics().horizontalAdvance(w.text())
                assert advance <= w.contentsRect().width() + 1, w.text()[:40]
            if isinstance(w, QAbstractButton) and w.isVisible():
                hint = w.sizeHint()
                assert hint.width() <= w.width() + 1 and hint.height() <= w.height() + 1, w.text()
        # The fingerprint wraps between groups, never inside one.
        assert page.fingerprint.wordWrap()
        assert page.fingerprint.width() <= window.page_scroll.viewport().width()
        assert page.fingerprint.font().pointSizeF() >= page.font().pointSizeF()
        window.page_scroll.verticalScrollBar().setValue(0)
        window.grab().save(str(usb.parent / f"export-200-{high_contrast}.png"))
        bar = window.page_scroll.verticalScrollBar()
        bar.setValue(bar.maximum())
        window.grab().save(str(usb.parent / f"export-200-{high_contrast}-end.png"))
    finally:
        window.scale_text(-10)
        window.set_high_contrast(False)


def test_every_string_is_translated(window: MainWindow, data_dir: Path, usb: Path) -> None:
    pseudo = Pseudo()
    QCoreApplication.installTranslator(pseudo)
    try:
        page = ExportPage(window.ctx)
        page.drive_finder = lambda: []
        page.enter()
        page.show()
        for w in page.findChildren(QAbstractButton) + page.findChildren(QLabel):
            if w.isVisibleTo(page) and w.text() and w is not page.fingerprint:
                assert "⟦" in w.text(), w.text()
        assert "⟦" in page.title()
        assert "⟦" in page.no_drive.text()  # no drive in the list
        page.close()
        page.deleteLater()
    finally:
        QCoreApplication.removeTranslator(pseudo)
