"""The print step (issue 5 item 6), in the real window on a finalized precinct, by keyboard.

The modal dialogs are replaced (a QPrintDialog would block the test): the "printer" is a
QPrinter writing PDF to a file, checked with poppler's pdfinfo for its pages and paper; a
saved PDF is compared byte for byte with what the page previewed and its signature checked
by the project's checker; the audit log is read back from the store.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QWidget

from tally_app import service
from tests.ui.checks import Pseudo, changed_pixels, interactive, name_of, walk
from tests.ui.finalized_window import finalized_data_dir, focus, tab_to
from tests.ui.finalized_window import open_finalized_window as open_window
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.pages.export import ExportPage
from ui.pages.print import POSTING_COPY, TALLY_SHEET, PrintPage

KEY = Qt.Key
PASSPHRASE = "polls closed at 8"
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-print.png"
needs_poppler = pytest.mark.skipif(
    shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils (pdfinfo, pdftotext) is not installed",
)


@pytest.fixture(autouse=True)
def no_mouse(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("printing must not need a mouse")

    monkeypatch.setattr(QTest, "mouseClick", refuse)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A laptop's data folder holding the balanced CA-34 precinct, finalized by two members."""
    return finalized_data_dir(tmp_path)


@pytest.fixture
def keyed(data_dir: Path) -> Path:
    """The laptop has its own (self-signed) key, with PASSPHRASE."""
    service.device_identity(data_dir, PASSPHRASE.encode(), create=True)
    return data_dir


@pytest.fixture
def window(qtbot: object, keyed: Path) -> Iterator[MainWindow]:
    opened = open_window(qtbot, keyed)
    opened.go_to_key("print")
    assert opened.current().key == "print"
    yield opened
    opened.close()


def page_of(window: MainWindow) -> PrintPage:
    page = window.current()
    assert isinstance(page, PrintPage)
    return page


def press(name: str, key: Qt.Key = KEY.Key_Space) -> None:
    QTest.keyClick(tab_to(name), key)
    QApplication.processEvents()


def unlock_and_show(page: PrintPage, passphrase: str = PASSPHRASE) -> None:
    """Type the passphrase, Enter (moves on to Show the tally sheet), Space."""
    assert focus() is page.signing_key.passphrase
    QTest.keyClicks(page.signing_key.passphrase, passphrase)
    QTest.keyClick(page.signing_key.passphrase, KEY.Key_Return)
    assert focus() is page.show_sheet
    QTest.keyClick(page.show_sheet, KEY.Key_Space)
    QApplication.processEvents()


def printed_events(window: MainWindow) -> list[dict[str, object]]:
    events = window.ctx.open.store.audit_events()
    return [dict(e.details) for e in events if e.event == "report.printed"]


def pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(
        (k.strip(), v.strip()) for k, v in (line.split(":", 1) for line in out.stdout.splitlines())
    )


def pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


class FakePrintDialog:
    """Stands in for QPrintDialog: notes what it was offered, sets copies, says OK."""

    def __init__(self, copies: int | None, accept: bool = True) -> None:
        self.copies = copies
        self.accept = accept
        self.offered: list[int] = []

    def __call__(self, printer: QPrinter, parent: QWidget) -> bool:
        self.offered.append(printer.copyCount())
        if self.copies is not None:
            printer.setCopyCount(self.copies)
        return self.accept


def pdf_printer(path: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    return printer


# --- the journey -----------------------------------------------------------------------------


@needs_poppler
def test_preview_save_and_print_by_keyboard(
    window: MainWindow, tmp_path: Path, keyed: Path
) -> None:
    from tally_app.documents.signing import check_pdf_signature

    page = page_of(window)
    page.printer_available = lambda: True
    assert window.step_label.text().endswith("Print the tally sheet")
    assert "not county-issued" in page.signing_key.note.text()
    assert (
        page.signing_key.again.isHidden()
        and page.signing_key.passphrase.echoMode() == QLineEdit.EchoMode.Password
    )
    assert page.preview.isHidden()
    unlock_and_show(page)

    # The preview shows the signed tally sheet, every page of it.
    pages = page.document.pageCount()
    assert page.document.status() == QPdfDocument.Status.Ready and pages >= 1
    assert page.preview.isVisible() and page.preview.document() is page.document
    assert page.caption.text() == (
        f"Tally sheet and certificate of performance — {pages} page" + ("s" if pages != 1 else "")
    )
    assert page.preview.accessibleName() == "Preview of the tally sheet"
    assert page.signing_key.passphrase.text() == "" and page.signing_key.passphrase.isHidden()
    assert window.ctx.identity is not None  # unlocked once, for print and export
    assert focus() is page.print_sheet
    assert "3 copies of the tally sheet: one for each of the 2 board members" in (
        page.copies_note.text()
    )
    if os.environ.get("TALLY_SCREENSHOTS") == "1":
        QTest.qWait(1500)  # the preview renders its pages in the background
        assert window.grab().save(str(DOCS_SCREENSHOT))

    # Save PDF: the exact signed bytes, read back; logged as a file.
    usb = tmp_path / "usb"
    usb.mkdir()
    suggested: list[Path] = []

    def picker(parent: QWidget, start: Path) -> Path:
        suggested.append(start)
        return usb / "precinct-sheet"  # no ".pdf": the page adds it

    page.save_path_picker = picker
    press("Save the tally sheet as PDF")
    saved = usb / "precinct-sheet.pdf"
    data = saved.read_bytes()
    assert data == page.rendered[TALLY_SHEET].data
    check = check_pdf_signature(data)
    assert check.intact and check.valid, check.problem
    assert check.signer == window.ctx.identity.device_id and not check.county_issued
    assert suggested[0].name == f"tally-sheet-{window.ctx.open.precinct.id}.pdf"
    assert pdfinfo(saved)["Pages"] == str(pages)
    text = pdftotext(saved)
    assert window.ctx.open.precinct.id in text
    assert page.result.text().startswith("✓ The tally sheet is saved as PDF")
    assert page.saved_text.text() == f"Saved: {saved}"
    assert printed_events(window) == [{"document": "tally sheet", "copies": 1, "target": "file"}]
    assert focus() is page.save_sheet
    page.enter()  # shown again (Previous, then Next): the same signed bytes, not new ones
    assert page.rendered[TALLY_SHEET].data == data and page.preview.isVisible()

    # Print: the dialog is offered 3 copies; the worker asks for 2; each page twice.
    out = tmp_path / "printed.pdf"
    page.printer_factory = lambda: pdf_printer(out)
    dialog = FakePrintDialog(copies=2)
    page.print_dialog_factory = dialog
    press("Print the tally sheet", KEY.Key_Return)  # Enter presses it too
    assert dialog.offered == [3]
    info = pdfinfo(out)
    assert info["Pages"] == str(2 * pages)
    width, height = (float(v) for v in re.findall(r"[\d.]+", info["Page size"])[:2])
    first = page.document.pagePointSize(0)
    assert abs(width - first.width()) < 1 and abs(height - first.height()) < 1
    assert out.stat().st_size > 50_000  # raster pages, not blank ones
    assert page.result.text() == "✓ Sent to the printer: 2 copies of the tally sheet."
    assert printed_events(window)[-1] == {
        "document": "tally sheet",
        "copies": 2,
        "target": "printer",
    }

    # A cancelled dialog prints and logs nothing.
    page.print_dialog_factory = FakePrintDialog(copies=None, accept=False)
    out.unlink()
    press("Print the tally sheet")
    assert not out.exists() and len(printed_events(window)) == 2

    # The posting copy, the same way: one page.
    press("Show the posting copy")
    assert page.document.pageCount() == 1 and page.shown == POSTING_COPY
    assert page.caption.text() == "Posting copy: results of votes cast — 1 page"
    assert page.preview.accessibleName() == "Preview of the posting copy"
    page.save_path_picker = lambda parent, start: usb / start.name
    press("Save the posting copy as PDF")
    posted = usb / f"posting-copy-{window.ctx.open.precinct.id}.pdf"
    assert posted.read_bytes() == page.rendered[POSTING_COPY].data
    assert check_pdf_signature(posted.read_bytes()).valid
    assert pdfinfo(posted)["Pages"] == "1" and pdftotext(posted).strip()
    posting_dialog = FakePrintDialog(copies=None)
    page.print_dialog_factory = posting_dialog
    page.printer_factory = lambda: pdf_printer(tmp_path / "posting.pdf")
    press("Print the posting copy")
    assert posting_dialog.offered == [1]
    assert pdfinfo(tmp_path / "posting.pdf")["Pages"] == "1"
    assert printed_events(window)[-2:] == [
        {"document": "posting copy", "copies": 1, "target": "file"},
        {"document": "posting copy", "copies": 1, "target": "printer"},
    ]

    # Export next: the key is already unlocked, so no passphrase is asked again.
    QTest.keyClick(window.next, KEY.Key_Space)
    export = window.current()
    assert isinstance(export, ExportPage)
    assert export.signing_key.passphrase.isHidden() and "The signing key is unlocked" in (
        export.signing_key.note.text()
    )
    # Closing the precinct drops the unlocked key.
    window.close_precinct()
    assert window.ctx.identity is None


def test_no_printer_says_so_and_offers_save_pdf(window: MainWindow, tmp_path: Path) -> None:
    page = page_of(window)
    page.printer_available = lambda: False
    dialog = FakePrintDialog(copies=None)
    page.print_dialog_factory = dialog
    unlock_and_show(page)
    assert page.printer_note.isVisible()
    assert page.printer_note.text().startswith("No printer is connected to this laptop.")
    assert focus() is page.save_sheet
    press("Print the tally sheet")
    assert page.result.text().startswith("✗ No printer is connected to this laptop.")
    assert "Save the PDF to a USB drive" in page.result.text()
    assert focus() is page.save_sheet
    assert dialog.offered == [] and printed_events(window) == []


def test_a_wrong_passphrase_says_so_and_renders_nothing(window: MainWindow) -> None:
    page = page_of(window)
    unlock_and_show(page, "not the passphrase")
    assert page.result.text().startswith("✗ The passphrase does not open the laptop's signing key.")
    assert "Type the passphrase again, exactly as it was chosen." in page.result.text()
    assert page.rendered == {} and page.preview.isHidden() and page.caption.isHidden()
    assert page.document.pageCount() == 0
    assert window.ctx.identity is None
    assert focus() is page.signing_key.passphrase and page.signing_key.passphrase.text() == ""
    assert printed_events(window) == []
    # Saving before anything is unlocked asks for the passphrase too, and writes nothing.
    page.save_path_picker = lambda parent, start: pytest.fail("nothing to save yet")
    press("Save the tally sheet as PDF")
    assert page.result.text().startswith("✗ The passphrase is empty.")
    assert focus() is page.signing_key.passphrase


def test_a_laptop_without_a_key_makes_its_own(qtbot: object, data_dir: Path) -> None:
    window = open_window(qtbot, data_dir)
    window.go_to_key("print")
    page = page_of(window)
    assert "This laptop has no county key." in page.signing_key.note.text()
    assert page.signing_key.passphrase.accessibleName() == "New passphrase for the signing key"
    QTest.keyClicks(page.signing_key.passphrase, PASSPHRASE)
    QTest.keyClick(page.signing_key.passphrase, KEY.Key_Return)
    assert focus() is page.signing_key.again
    QTest.keyClicks(page.signing_key.again, PASSPHRASE + "!")
    QTest.keyClick(page.signing_key.again, KEY.Key_Return)
    QTest.keyClick(focus(), KEY.Key_Space)
    assert "The 2 passphrases are not the same." in page.result.text()
    assert service.device_identity_status(data_dir) == "none" and page.rendered == {}
    QTest.keyClicks(page.signing_key.passphrase, PASSPHRASE)
    QTest.keyClick(page.signing_key.passphrase, KEY.Key_Tab)
    QTest.keyClicks(page.signing_key.again, PASSPHRASE)
    QTest.keyClick(page.signing_key.again, KEY.Key_Tab)
    QTest.keyClick(focus(), KEY.Key_Space)
    assert service.device_identity_status(data_dir) == "self-signed"
    assert page.document.pageCount() >= 1
    assert 'says "not county-issued"' in page.signing_key.note.text()
    window.close()


def test_print_is_not_reachable_before_finalize(qtbot: object, tmp_path: Path) -> None:
    definition = service.default_definition()
    window = MainWindow(AppContext(tmp_path, definition), resume=False)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.show()
    window.open_precinct(definition.precincts[0].id)
    keys = [s.key for s in window.steps]
    assert keys[-3:] == ["finalize", "print", "export"]
    window.go_to_key("print")
    assert window.current().key == "finalize"
    assert window.steps[-2].built is None
    assert not window.next.isEnabled()
    window.close()


# --- accessibility ----------------------------------------------------------------------------


def shown(window: MainWindow) -> PrintPage:
    page = page_of(window)
    page.printer_available = lambda: True
    unlock_and_show(page)
    assert page.preview.isVisible()
    window.ctx.identity = None  # show the passphrase field again, for the checks
    page.enter()
    return page


def test_every_control_is_named_labelled_and_big_enough(window: MainWindow) -> None:
    page = shown(window)
    buddies = {lbl.buddy() for lbl in page.findChildren(QLabel) if lbl.buddy() is not None}
    names = []
    for w in walk(page):
        if interactive(w):
            assert name_of(w), f"{type(w).__name__} has no accessible name"
            names.append(name_of(w))
        if isinstance(w, QLineEdit) and interactive(w):
            assert w in buddies, f"{name_of(w)!r} has no visible label"
        if isinstance(w, QAbstractButton):
            assert w.text().strip() and w.width() >= 24 and w.height() >= 24, name_of(w)
            assert w.sizeHint().width() <= w.width(), w.text()
    assert len(names) == len(set(names)) >= 8, names
    assert "Preview of the tally sheet" in names
    assert re.fullmatch(r"1 page|\d+ pages", page.preview.accessibleDescription())


def test_tab_reaches_every_control_with_a_visible_focus_ring(window: MainWindow) -> None:
    page = shown(window)
    page.signing_key.passphrase.setFocus(Qt.FocusReason.OtherFocusReason)
    seen = []
    for _ in range(12):
        target = focus()
        if target.accessibleName() in seen or not page.isAncestorOf(target):
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
    assert seen[:8] == [
        "Passphrase of the signing key",
        "Show the tally sheet",
        "Show the posting copy",
        "Print the tally sheet",
        "Save the tally sheet as PDF",
        "Print the posting copy",
        "Save the posting copy as PDF",
        "Preview of the tally sheet",
    ]


@pytest.mark.parametrize("high_contrast", [False, True])
def test_the_page_fits_at_200_percent(
    window: MainWindow, tmp_path: Path, high_contrast: bool
) -> None:
    page = shown(window)
    window.set_high_contrast(high_contrast)
    window.scale_text(+10)
    try:
        QApplication.processEvents()
        assert window.text_scale == 2.0
        assert window.page_scroll.horizontalScrollBar().maximum() == 0
        for w in walk(page):
            if isinstance(w, QLabel) and w.isVisible() and not w.wordWrap() and w.text():
                advance = w.fontMetrics().horizontalAdvance(w.text())
                assert advance <= w.contentsRect().width() + 1, w.text()[:40]
            if isinstance(w, QAbstractButton) and w.isVisible():
                hint = w.sizeHint()
                assert hint.width() <= w.width() + 1 and hint.height() <= w.height() + 1, w.text()
        # The preview fills most of the scrolling area, never more (its own scroll bar's
        # ends stay reachable on screen).
        QTest.qWait(10)
        viewport = window.page_scroll.viewport().height()
        assert viewport // 2 <= page.preview.height() <= viewport
        window.grab().save(str(tmp_path / f"print-200-{high_contrast}.png"))
    finally:
        window.scale_text(-10)
        window.set_high_contrast(False)


def test_every_string_is_translated(window: MainWindow) -> None:
    pseudo = Pseudo()
    QCoreApplication.installTranslator(pseudo)
    try:
        page = PrintPage(window.ctx)
        page.printer_available = lambda: False
        page.enter()
        page.show()
        for w in page.findChildren(QAbstractButton) + page.findChildren(QLabel):
            if w.isVisibleTo(page) and w.text():
                assert "⟦" in w.text(), w.text()
        assert "⟦" in page.title()
        page._show_printer()
        assert "⟦" in page.printer_note.text()
        page.close()
        page.deleteLater()
    finally:
        QCoreApplication.removeTranslator(pseudo)


def test_a_file_name_the_drive_refuses_is_said_in_words(window: MainWindow, tmp_path: Path) -> None:
    page = page_of(window)
    page.printer_available = lambda: False
    unlock_and_show(page)
    usb = tmp_path / "usb"
    usb.mkdir()
    page.save_path_picker = lambda parent, start: usb / ".hidden.pdf"
    press("Save the tally sheet as PDF")
    text = page.result.text()
    assert text.startswith("✗ That file name cannot be used on a USB drive.")
    assert "Choose a name made of letters, digits, spaces and dashes" in text
    assert "export" not in text.lower()
    assert list(usb.iterdir()) == [] and printed_events(window) == []
    assert focus() is page.save_sheet
