"""Printing and saving a signed PDF: shared by the poll-worker's print page and the Supervisor.

Both print exactly the bytes they sign (ui/pages/print.py, ui/supervisor/certify.py): the
PDF is loaded into a QPdfDocument from memory and each page is drawn onto Qt's printer,
rendered at up to 300 dpi; a printer without its own copy handling gets the pages once per
copy. The dialogs and the printer are attributes, so tests replace them without a display
server's modal windows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QDialog, QFileDialog, QWidget

from tally_app.errors import SystemError_

MAX_PRINT_DPI = 300  # a 1200 dpi letter page would be a 0.5 GB image; 300 dpi reads well


def ask_print(printer: QPrinter, parent: QWidget) -> bool:
    """Qt's print dialog (printer, copies, pages); False when the worker cancels."""
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(parent.tr("Print"))
    return dialog.exec() == QDialog.DialogCode.Accepted


def ask_save_path(parent: QWidget, suggested: Path) -> Path | None:
    """The system's save dialog, starting at ``suggested``; None when the worker cancels."""
    chosen, _filter = QFileDialog.getSaveFileName(
        parent, parent.tr("Save the PDF"), str(suggested), parent.tr("PDF files (*.pdf)")
    )
    return Path(chosen) if chosen else None


def any_printer() -> bool:
    return bool(QPrinterInfo.availablePrinters())


def high_resolution_printer() -> QPrinter:
    return QPrinter(QPrinter.PrinterMode.HighResolution)


def print_pdf(document: QPdfDocument, printer: QPrinter) -> int:
    """Draw every page of ``document`` on ``printer``; the number of sheets sent.

    Each page is rendered at the printer's resolution (at most MAX_PRINT_DPI) and placed on
    the whole paper, keeping its proportions: the PDF carries its own margins. When the
    printer cannot make copies itself, the document is sent once per copy (collated).
    """
    pages = document.pageCount()
    copies = 1 if printer.supportsMultipleCopies() else max(1, printer.copyCount())
    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    painter = QPainter()
    if not painter.begin(printer):
        raise SystemError_("print_failed", "The printer could not be opened.")
    sent = 0
    try:
        for copy in range(copies):
            for index in range(pages):
                if copy or index:
                    printer.newPage()
                points = document.pagePointSize(index)
                image = document.render(
                    index,
                    QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72)),
                )
                paper = QRectF(printer.paperRect(QPrinter.Unit.DevicePixel))
                scale = min(
                    paper.width() / max(1.0, image.width()),
                    paper.height() / max(1.0, image.height()),
                )
                target = QSizeF(image.width() * scale, image.height() * scale)
                painter.drawImage(
                    QRectF(
                        (paper.width() - target.width()) / 2,
                        (paper.height() - target.height()) / 2,
                        target.width(),
                        target.height(),
                    ),
                    image,
                )
                sent += 1
    finally:
        painter.end()
    return sent


class PdfOutput:
    """Mixed into a widget that prints and saves one signed PDF at a time.

    Holds the replaceable dialogs, whether a printer is installed, the printer itself, and
    the QPdfDocument with the buffer it reads (kept alive as long as the document uses it).
    Call ``init_pdf_output(self)`` from the widget's ``__init__``.
    """

    print_dialog_factory: Callable[[QPrinter, QWidget], bool]
    save_path_picker: Callable[[QWidget, Path], Path | None]
    printer_available: Callable[[], bool]
    printer_factory: Callable[[], QPrinter]
    document: QPdfDocument
    _buffer: QBuffer | None

    def init_pdf_output(self, owner: QWidget) -> None:
        # Replaceable by tests: the modal dialogs and whether a printer is installed.
        self.print_dialog_factory = ask_print
        self.save_path_picker = ask_save_path
        self.printer_available = any_printer
        self.printer_factory = high_resolution_printer
        self.document = QPdfDocument(owner)
        self._buffer = None  # the bytes the document reads; kept alive with it

    def load_pdf(self, owner: QWidget, data: bytes) -> bool:
        """Show ``data`` in ``self.document``; False when it has no page to draw."""
        buffer = QBuffer(owner)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.close()
        self.document.load(buffer)
        if self._buffer is not None:
            self._buffer.deleteLater()
        self._buffer = buffer
        return (
            self.document.status() == QPdfDocument.Status.Ready and self.document.pageCount() >= 1
        )

    def pdf_printer(self, name: str) -> QPrinter:
        """A printer named ``name`` whose paper is the loaded document's first page."""
        printer = self.printer_factory()
        printer.setDocName(name)
        points = self.document.pagePointSize(0)
        printer.setPageSize(QPageSize(points, QPageSize.Unit.Point))
        printer.setPageOrientation(
            QPageLayout.Orientation.Landscape
            if points.width() > points.height()
            else QPageLayout.Orientation.Portrait
        )
        printer.setFullPage(True)
        return printer

    def pick_pdf_path(self, owner: QWidget, suggested: Path) -> Path | None:
        """Where to save, ending in ``.pdf``; None when the worker cancels."""
        chosen = self.save_path_picker(owner, suggested)
        if chosen is None or chosen.suffix.lower() == ".pdf":
            return chosen
        return chosen.with_name(chosen.name + ".pdf")
