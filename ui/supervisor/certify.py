"""The certification sheet: signed with the laptop's key, then printed or saved (DESIGN §11).

The key is unlocked with the same fields as the poll-worker's print page
(ui/signing_key.py); printing draws the signed PDF's pages as that page does
(ui/pdf_output.py: print_pdf, with its replaceable dialogs), and saving goes through
``service.save_file`` (written, then read back and compared). The PDF is made once per
aggregation, so what is printed and what is saved are the same signed bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from tally_app import service
from tally_app.aggregate.model import Aggregation
from tally_app.errors import TallyError
from tally_app.file_names import file_part
from ui.context import AppContext
from ui.drives import Drive
from ui.messages import UserMessage, error_message, unexpected_message
from ui.pdf_output import PdfOutput, print_pdf
from ui.signing_key import SigningKeyFields
from ui.widgets import EnterButton, StatusBadge, announce, button_row, heading

if TYPE_CHECKING:
    from tally_app.trust.identity import Identity

log = logging.getLogger(__name__)
T = TypeVar("T")


class CertificationPanel(QWidget, PdfOutput):
    def __init__(
        self,
        ctx: AppContext,
        drive_lister: Callable[[Path], list[Drive]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.drive_lister = drive_lister
        self.init_pdf_output(self)
        self.aggregation: Aggregation | None = None
        self.pdf: bytes | None = None  # the signed sheet of self.aggregation, made once
        self.failed_code: str | None = None

        layout = QVBoxLayout(self)
        self.state = StatusBadge(self.tr("Certification status"), self)
        layout.addWidget(self.state)
        self.signing_key = SigningKeyFields(
            ctx, self.tr("1. Unlock the signing key"), self._unlocked_note, self
        )
        self.signing_key.add_to(layout)
        layout.addWidget(heading(self.tr("2. Print or save the certification sheet"), self))
        self.print_button = EnterButton(self.tr("P&rint certification…"), self)
        self.print_button.setAccessibleName(self.tr("Print the certification sheet"))
        self.save_button = EnterButton(self.tr("&Save certification…"), self)
        self.save_button.setAccessibleName(self.tr("Save the certification sheet as PDF"))
        layout.addLayout(button_row(self.print_button, self.save_button))
        self.result = StatusBadge(self.tr("Certification result"), self)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.hide()
        layout.addWidget(self.result)
        layout.addStretch(1)
        self.print_button.clicked.connect(self.print_sheet)
        self.save_button.clicked.connect(self.save_sheet)
        self.set_aggregation(None)

    def controls(self) -> list[QWidget]:
        return [
            self.signing_key.passphrase, self.signing_key.again, self.print_button,
            self.save_button,
        ]  # fmt: skip

    def first_field(self) -> QWidget:
        passphrase = self.signing_key.passphrase
        return passphrase if passphrase.isVisibleTo(self) else self.print_button

    def set_aggregation(self, aggregation: Aggregation | None) -> None:
        self.aggregation = aggregation
        self.pdf = None
        self.result.hide()
        self.signing_key.refresh()
        ready = aggregation is not None
        self.print_button.setEnabled(ready)
        self.save_button.setEnabled(ready)
        if aggregation is None:
            self.state.show_status(
                "warn", self.tr("Verify the results first: the sheet certifies what was added up.")
            )
            return
        self.state.show_status(
            "ok",
            self.tr(
                "{0}: {1} of {2} precincts reporting. The sheet lists every precinct, every "
                "bundle not counted and the totals, for the supervisors to sign in ink."
            ).format(
                aggregation.election_title, len(aggregation.reporting), aggregation.precincts_total
            ),
        )

    def _unlocked_note(self, identity: Identity) -> str:
        own_key = self.tr(
            "The signing key is unlocked: this laptop's own key ({0}), so the sheet "
            'says "not county-issued".'
        )
        return self.signing_key.whose_key(identity, own_key)

    # --- making the sheet ------------------------------------------------------------------

    def attempt(self, action: Callable[[], T]) -> T | UserMessage:
        self.failed_code = None
        try:
            return action()
        except TallyError as error:
            self.failed_code = error.code
            return error_message(error)
        except Exception as error:  # a bug: logged, never a traceback on screen
            log.exception("certification failed")
            return unexpected_message(error)

    def show_problem(self, problem: str, action: str, focus: QWidget) -> None:
        text = f"{problem} {action}"
        self.result.show_status("bad", text)
        self.result.show()
        announce(self.result, text)
        focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_failure(self, message: UserMessage, focus: QWidget) -> None:
        self.show_problem(f"{message.problem} {message.cause}", message.action, focus)

    def signed_pdf(self, focus: QWidget) -> bytes | None:
        """The signed sheet, made on first use; None after saying why not."""
        aggregation = self.aggregation
        if aggregation is None:
            return None
        if self.pdf is not None:
            return self.pdf
        identity = self.signing_key.unlock_for(self, self.print_button)
        if identity is None:
            return None
        outcome = self.attempt(
            lambda: service.certification_pdf(aggregation, identity, now=self.ctx.clock.now())
        )
        if isinstance(outcome, UserMessage):
            self.show_failure(outcome, focus)
            return None
        assert isinstance(outcome, bytes)
        self.pdf = outcome
        return outcome

    # --- printing and saving -----------------------------------------------------------------

    def print_sheet(self) -> None:
        if not self.printer_available():
            self.show_problem(
                self.tr("No printer is connected to this laptop."),
                self.tr("Save the certification as PDF and print it on another computer."),
                self.save_button,
            )
            return
        data = self.signed_pdf(self.print_button)
        if data is None:
            return
        if not self._load(data):
            return
        printer = self.pdf_printer(self.tr("Certification of results"))
        if not self.print_dialog_factory(printer, self):
            return  # cancelled: nothing printed
        outcome = self.attempt(lambda: print_pdf(self.document, printer))
        if isinstance(outcome, UserMessage):
            self.show_failure(outcome, self.save_button)
            return
        self._succeeded(
            self.tr("Sent to the printer: {0} pages of the certification sheet.").format(outcome),
            self.print_button,
        )

    def _load(self, data: bytes) -> bool:
        if not self.load_pdf(self, data):
            self.show_problem(
                self.tr("The certification sheet could not be prepared for printing."),
                self.tr("Save it as PDF and print it on another computer."),
                self.save_button,
            )
            return False
        return True

    def suggested_path(self) -> Path:
        """On the first USB drive when one is plugged in, else in the home folder."""
        assert self.aggregation is not None
        name = f"certification-{file_part(self.aggregation.election_id)}.pdf"
        drives = self.drive_lister(self.ctx.data_dir)
        return (drives[0].root if drives else Path.home()) / name

    def save_sheet(self) -> None:
        data = self.signed_pdf(self.save_button)
        if data is None:
            return
        chosen = self.pick_pdf_path(self, self.suggested_path())
        if chosen is None:
            return
        outcome = self.attempt(lambda: service.save_file(chosen, data))
        if isinstance(outcome, UserMessage):
            self.show_failure(outcome, self.save_button)
            return
        self._succeeded(
            self.tr(
                "The certification sheet is saved as PDF and read back: it matches. {0}"
            ).format(str(chosen)),
            self.save_button,
        )

    def _succeeded(self, text: str, focus: QWidget) -> None:
        self.result.show_status("ok", text)
        self.result.show()
        focus.setFocus(Qt.FocusReason.OtherFocusReason)
