"""Print: the signed tally sheet and the posting copy, previewed, printed or saved (DESIGN §6, §8).

Paper is still the legal record: after finalizing, the board prints the tally sheet and
certificate of performance (signed in ink, kept with the supplies) and the one-page "results
of votes cast" to post outside the polling place (Elections Code §15280). Both PDFs are signed
by the laptop's key (§9), so the key is unlocked here first, with the same fields as on the
export page (ui/signing_key.py); the unlocked key is kept in the window's context for the
open precinct, so export does not ask for the passphrase again.

What the board sees in the preview is exactly what is printed and what "Save PDF" writes: the
page renders each signed PDF once and keeps its bytes. Printing (ui/pdf_output.py) draws each
page of that PDF, rendered at up to 300 dpi, onto Qt's printer; a printer without its own
copy handling gets the pages once per copy. With no printer (common on a precinct laptop) the
page says so and offers "Save PDF" (to a USB drive when one is plugged in), to print on
another computer.
Every print and save is logged (report.printed) with the copies and where it went.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from tally_app import service
from tally_app.file_names import file_part
from ui.context import AppContext
from ui.drives import removable_drives
from ui.messages import UserMessage
from ui.pages.base import ActionPage
from ui.pdf_output import PdfOutput, print_pdf
from ui.signing_key import SigningKeyFields
from ui.widgets import EnterButton, StatusBadge, announce, button_row, chain_tab_order, heading

if TYPE_CHECKING:
    from tally_app.trust.identity import Identity

log = logging.getLogger(__name__)

TALLY_SHEET = "tally sheet"  # the document names report.printed records (as the CLI does)
POSTING_COPY = "posting copy"


@dataclass(frozen=True)
class Rendered:
    """A signed PDF as the board previews it, prints it and saves it."""

    document: str  # TALLY_SHEET or POSTING_COPY
    data: bytes


class PrintPage(ActionPage, PdfOutput):
    key = "print"
    activity = "printing"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.init_pdf_output(self)
        self.rendered: dict[str, Rendered] = {}
        self._rendered_for: object = None  # the finalization the documents were made for
        self.shown: str | None = None  # which document the preview shows

        layout = QVBoxLayout(self)
        self.state = StatusBadge(self.tr("Print status"), self)
        layout.addWidget(self.state)

        # --- 1. the signing key --------------------------------------------------------------
        self.signing_key = SigningKeyFields(
            ctx, self.tr("1. Unlock the signing key"), self._unlocked_note, self
        )
        self.signing_key.add_to(layout)

        # --- 2. show -----------------------------------------------------------------------
        layout.addWidget(heading(self.tr("2. Look at it, then print it or save it"), self))
        self.show_sheet = EnterButton(self.tr("&Show the tally sheet"), self)
        self.show_sheet.setAccessibleName(self.tr("Show the tally sheet"))
        self.show_posting = EnterButton(self.tr("Show the p&osting copy"), self)
        self.show_posting.setAccessibleName(self.tr("Show the posting copy"))
        layout.addLayout(button_row(self.show_sheet, self.show_posting))
        self.result = StatusBadge(self.tr("Print result"), self)
        self.result.hide()
        layout.addWidget(self.result)
        self.printer_note = QLabel(self)
        self.printer_note.setWordWrap(True)
        self.printer_note.hide()
        layout.addWidget(self.printer_note)

        # --- print or save (above the preview, so they stay on screen) -------------------
        self.copies_note = QLabel(self)
        self.copies_note.setWordWrap(True)
        layout.addWidget(self.copies_note)
        self.print_sheet = EnterButton(self.tr("P&rint the tally sheet…"), self)
        self.print_sheet.setAccessibleName(self.tr("Print the tally sheet"))
        self.save_sheet = EnterButton(self.tr("Save the tally sheet as P&DF…"), self)
        self.save_sheet.setAccessibleName(self.tr("Save the tally sheet as PDF"))
        self.print_posting = EnterButton(self.tr("Print the posting &copy…"), self)
        self.print_posting.setAccessibleName(self.tr("Print the posting copy"))
        self.save_posting = EnterButton(self.tr("Save the posting copy as PD&F…"), self)
        self.save_posting.setAccessibleName(self.tr("Save the posting copy as PDF"))
        layout.addLayout(button_row(self.print_sheet, self.save_sheet))
        layout.addLayout(button_row(self.print_posting, self.save_posting))
        self.saved_text = QLabel(self)
        self.saved_text.setWordWrap(True)
        self.saved_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.saved_text.hide()
        layout.addWidget(self.saved_text)

        # --- the preview ---------------------------------------------------------------------
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.caption.setProperty("role", "heading")
        self.caption.hide()
        layout.addWidget(self.caption)
        self.preview = QPdfView(self)
        self.preview.setDocument(self.document)
        self.preview.setPageMode(QPdfView.PageMode.MultiPage)
        self.preview.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.preview.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrows and Page Down scroll it
        # The theme's ring covers inputs and lists, not this view: the same 3 px ring, in the
        # palette's link colour (the theme's focus colour in high contrast).
        self.preview.setStyleSheet(
            "QPdfView { border: 1px solid palette(mid); }"
            " QPdfView:focus { border: 3px solid palette(link); }"
        )
        self.preview.setAccessibleName(self.tr("Preview"))
        self.preview.hide()
        self._size_preview()
        layout.addWidget(self.preview, 1)

        self.show_sheet.clicked.connect(lambda: self.show_document(TALLY_SHEET))
        self.show_posting.clicked.connect(lambda: self.show_document(POSTING_COPY))
        self.print_sheet.clicked.connect(lambda: self.print_document(TALLY_SHEET))
        self.print_posting.clicked.connect(lambda: self.print_document(POSTING_COPY))
        self.save_sheet.clicked.connect(lambda: self.save_document(TALLY_SHEET))
        self.save_posting.clicked.connect(lambda: self.save_document(POSTING_COPY))
        chain_tab_order((
            self.signing_key.passphrase, self.signing_key.again, self.show_sheet, self.show_posting,
            self.print_sheet, self.save_sheet, self.print_posting, self.save_posting, self.preview,
        ))  # fmt: skip

    # --- the page protocol -----------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Print the tally sheet")

    def first_field(self) -> QWidget | None:
        passphrase = self.signing_key.passphrase
        return passphrase if passphrase.isVisibleTo(self) else self.show_sheet

    def enter(self) -> None:
        finalized = self.ctx.open.finalized_at() if self.ctx.open.locked else None
        if finalized != self._rendered_for:  # finalized again after a correction: redo
            self._rendered_for = finalized
            self.rendered = {}
            self.shown = None
            self.document.close()
            for w in (self.caption, self.preview, self.result, self.saved_text):
                w.hide()
        self.signing_key.refresh()
        self._show_state()
        self._show_copies()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            QTimer.singleShot(0, self._size_preview)  # once the header has grown too

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._size_preview()

    def _size_preview(self) -> None:
        """22 lines of text tall (so it grows with the text), but never taller than the
        window's scrolling area: one scroll bar inside another must not hide its own ends."""
        lines = self.fontMetrics().lineSpacing() * 22
        scroll = self.scroll_area()
        if scroll is not None and scroll.viewport().height() > 0:
            lines = min(lines, max(200, int(scroll.viewport().height() * 0.85)))
        self.preview.setMinimumHeight(lines)

    # --- drawing ---------------------------------------------------------------------------

    def document_title(self, document: str) -> str:
        if document == TALLY_SHEET:
            return self.tr("Tally sheet and certificate of performance")
        return self.tr("Posting copy: results of votes cast")

    def default_copies(self, document: str) -> int:
        """The tally sheet: one per board member and one more; the posting copy: one."""
        return len(self.ctx.open.board()) + 1 if document == TALLY_SHEET else 1

    def _show_state(self) -> None:
        session = self.ctx.open
        if not session.locked:
            self.state.show_status(
                "bad", self.tr("Finalize the precinct first: only finalized counts are printed.")
            )
            self.show_sheet.setEnabled(False)
            self.show_posting.setEnabled(False)
            return
        self.show_sheet.setEnabled(True)
        self.show_posting.setEnabled(True)
        self.state.show_status(
            "ok",
            self.tr(
                "Precinct {0} is finalized. Show the tally sheet, check it, then print it "
                "for the board to sign in ink."
            ).format(session.precinct.id),
        )

    def _show_copies(self) -> None:
        members = len(self.ctx.open.board())
        self.copies_note.setText(
            self.tr(
                "The print dialog suggests {0} copies of the tally sheet: one for each of the "
                "{1} board members and one for the supplies returned to the county. "
                "Do not post the tally sheet: print the posting copy (one page) for the door "
                "of the polling place."
            ).format(self.default_copies(TALLY_SHEET), members)
        )

    def _unlocked_note(self, identity: Identity) -> str:
        own_key = self.tr(
            "The signing key is unlocked: this laptop's own key ({0}), so what it "
            'signs says "not county-issued".'
        )
        return self.signing_key.whose_key(identity, own_key)

    # --- unlocking and rendering ---------------------------------------------------------------

    def show_document(self, document: str) -> None:
        """Unlock the key if needed, render ``document`` once, and preview it."""
        if self._ensure(document) is not None:
            self._preview(document)

    def _ensure(self, document: str) -> Rendered | None:
        """The signed document, rendered on first use; None after saying why not."""
        if not self.ctx.open.locked:
            return None
        if document in self.rendered:
            return self.rendered[document]
        identity = self.signing_key.unlock_for(self, self.show_sheet)
        if identity is None:
            return None
        outcome = self.attempt(lambda: self._render(identity, document))
        if isinstance(outcome, UserMessage):
            self.show_failure(outcome, self._show_button(document))
            return None
        self.rendered[document] = outcome
        return outcome

    def _show_button(self, document: str) -> QWidget:
        return self.show_sheet if document == TALLY_SHEET else self.show_posting

    def _render(self, identity: Identity, document: str) -> Rendered:
        render = service.tally_sheet_pdf if document == TALLY_SHEET else service.posting_copy_pdf
        return Rendered(document, render(self.ctx.open, identity, now=self.ctx.clock.now()))

    def _preview(self, document: str) -> None:
        if not self.load_pdf(self, self.rendered[document].data):
            self.show_problem(
                self.tr("The document could not be shown."),
                self.tr("Save it as PDF and open it on another computer, or call the help line."),
                self.save_sheet if document == TALLY_SHEET else self.save_posting,
            )
            return
        self.shown = document
        pages = self.document.pageCount()
        title = self.document_title(document)
        count = self.tr("{0} pages").format(pages) if pages != 1 else self.tr("1 page")
        self.caption.setText(self.tr("{0} — {1}").format(title, count))
        self.preview.setAccessibleName(self.tr("Preview of the {0}").format(self._name(document)))
        self.preview.setAccessibleDescription(count)
        self.preview.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.preview.verticalScrollBar().setValue(0)
        self.caption.show()
        self.preview.show()
        self._size_preview()
        self.result.hide()
        self._show_printer()
        announce(self.caption, self.caption.text())
        focus = self.print_sheet if document == TALLY_SHEET else self.print_posting
        if not self.printer_available():
            focus = self.save_sheet if document == TALLY_SHEET else self.save_posting
        focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self.bring_into_view(self.caption, self.show_sheet)

    def _name(self, document: str) -> str:
        return self.tr("tally sheet") if document == TALLY_SHEET else self.tr("posting copy")

    def _show_printer(self) -> None:
        if self.printer_available():
            self.printer_note.hide()
            return
        self.printer_note.setText(
            self.tr(
                "No printer is connected to this laptop. Save the PDF to a USB drive and "
                "print it on another computer."
            )
        )
        self.printer_note.show()

    # --- printing and saving ---------------------------------------------------------------------

    def print_document(self, document: str) -> None:
        save = self.save_sheet if document == TALLY_SHEET else self.save_posting
        if not self.printer_available():
            self._show_printer()
            self.show_problem(
                self.tr("No printer is connected to this laptop."),
                self.tr("Save the PDF to a USB drive and print it on another computer."),
                save,
            )
            return
        if self._ensure(document) is None:
            return
        if self.shown != document:
            self._preview(document)  # what is printed is what was shown
        printer = self.pdf_printer(self.document_title(document))
        printer.setCopyCount(self.default_copies(document))
        if not self.print_dialog_factory(printer, self):
            return  # cancelled: nothing printed, nothing logged
        copies = max(1, printer.copyCount())
        outcome = self.attempt(lambda: print_pdf(self.document, printer))
        if isinstance(outcome, UserMessage):
            self.show_failure(outcome, save)
            return
        self.ctx.attempt(
            lambda: service.record_printed(
                self.ctx.open, self.ctx.actor(), document, copies=copies, target="printer"
            )
        )
        text = self.tr("Sent to the printer: {0} copies of the {1}.").format(
            copies, self._name(document)
        )
        self._succeeded(text)

    def suggested_path(self, document: str) -> Path:
        """On the first USB drive when one is plugged in, else in the home folder."""
        session = self.ctx.open
        stem = "tally-sheet" if document == TALLY_SHEET else "posting-copy"
        name = f"{stem}-{file_part(session.precinct.id)}.pdf"
        try:
            drives = removable_drives(exclude=[self.ctx.data_dir])
        except Exception:  # a drive that vanished mid-listing: suggest the home folder
            log.exception("listing the drives failed")
            drives = []
        return (drives[0].root if drives else Path.home()) / name

    def save_document(self, document: str) -> None:
        rendered = self._ensure(document)
        if rendered is None:
            return
        chosen = self.pick_pdf_path(self, self.suggested_path(document))
        if chosen is None:
            return
        save = self.save_sheet if document == TALLY_SHEET else self.save_posting
        outcome = self.attempt(lambda: service.save_file(chosen, rendered.data))
        if isinstance(outcome, UserMessage):
            words = self._save_words(self.failed_code)
            if words is not None:  # the drive's words, for saving rather than exporting
                outcome = UserMessage(outcome.title, words[0], outcome.cause, words[1])
            self.show_failure(outcome, save)
            return
        self.ctx.attempt(
            lambda: service.record_printed(
                self.ctx.open, self.ctx.actor(), document, copies=1, target="file"
            )
        )
        self.saved_text.setText(self.tr("Saved: {0}").format(str(chosen)))
        self.saved_text.show()
        self._succeeded(
            self.tr("The {0} is saved as PDF and read back: it matches.").format(
                self._name(document)
            ),
            save,
        )

    def _save_words(self, code: str | None) -> tuple[str, str] | None:
        """What went wrong writing the PDF, and what to do (the export's words say "export")."""
        again = self.tr("Choose another drive or folder, then save again.")
        return {
            "media_full": (self.tr("The drive is full, so the PDF was not saved."), again),
            "media_read_only": (self.tr("The drive is read-only or write-protected."), again),
            "media_removed": (
                self.tr("The PDF could not be written; the drive may have been removed."),
                self.tr("Plug the drive in again (or use another one), then save again."),
            ),
            "media_verify_failed": (
                self.tr("The PDF read back from the drive differs from what was written."),
                again,
            ),
            "media_symlink": (
                self.tr("The chosen place is a link to somewhere else."),
                again,
            ),
            "media_not_regular": (
                self.tr("Something that is not a file already has that name."),
                self.tr("Choose another name, then save again."),
            ),
            "media_bad_name": (
                self.tr("That file name cannot be used on a USB drive."),
                self.tr(
                    "Choose a name made of letters, digits, spaces and dashes, then save again."
                ),
            ),
        }.get(code or "")

    # --- outcomes ------------------------------------------------------------------------------

    def _succeeded(self, text: str, focus: QWidget | None = None) -> None:
        self.result.show_status("ok", text)
        self.result.show()
        announce(self.result, text)
        when = self.ctx.clock.now().astimezone().strftime("%H:%M:%S")
        self.ctx.saved.emit(self.tr("Printed or saved at {0}").format(when))
        if focus is not None:
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self.bring_into_view(self.result)

    def hide_success(self) -> None:
        self.saved_text.hide()
