"""The laptop's signing key, unlocked with its passphrase: the same fields and checks on the
print and export pages (DESIGN §9).

Both pages sign with the same key and ask for it the same way: a note on which key this
laptop has, a passphrase field, and on a laptop without a key a second field to type the
new passphrase again (at least MIN_NEW_PASSPHRASE characters; the key made then says "not
county-issued"). Once unlocked, the key is kept in the window's context for the open
precinct, so the other page does not ask again and the fields hide.

The passphrase is read from its field, turned into bytes for the one call that needs it,
and the fields are cleared at once: the panel never keeps or logs it. The page decides
when to unlock (before exporting, before rendering) and how to show a refusal, so each
page keeps its own words around it ("Not exported. …").

The fields go into the page's own column (add_to), not into a box of their own: a page
shares its spare height among its rows, and a box would take one share for six rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from tally_app import service
from tally_app.errors import InputError
from ui.context import AppContext
from ui.messages import UserMessage, error_message
from ui.widgets import AdvancingLineEdit, heading

if TYPE_CHECKING:
    from tally_app.trust.identity import Identity

MIN_NEW_PASSPHRASE = 8  # characters, for a key this laptop makes for itself
# Failures the worker fixes by typing the passphrase again (the others: another drive).
KEY_CODES = frozenset({"wrong_passphrase", "passphrase_empty"})


@dataclass(frozen=True)
class KeyRefusal:
    """Why the typed passphrase was not even tried: what is wrong, and what to do."""

    problem: str
    action: str


class KeyPage(Protocol):
    """What a page that unlocks the key before signing offers (ui.pages.base.ActionPage has
    it): a way to try the unlocking and to say why it failed."""

    failed_code: str | None

    def attempt(self, action: Callable[[], Identity]) -> Identity | UserMessage: ...

    def show_problem(self, problem: str, action: str, focus: QWidget) -> None: ...

    def show_failure(self, message: UserMessage, focus: QWidget) -> None: ...


class SigningKeyFields(QObject):
    """Heading, note, passphrase (and, to make a key, the passphrase again), made on
    ``page`` and kept up to date by refresh().

    ``unlocked_note`` gives the page's words for a key already unlocked (the export page
    says no passphrase is needed; the print page says whose key it is).
    """

    def __init__(
        self,
        ctx: AppContext,
        title: str,
        unlocked_note: Callable[[Identity], str],
        page: QWidget,
    ) -> None:
        super().__init__(page)
        self.ctx = ctx
        self.unlocked_note = unlocked_note
        self.status = "none"  # service.device_identity_status, as of the last refresh()

        self.heading = heading(title, page)
        self.note = QLabel(page)
        self.note.setWordWrap(True)
        self.passphrase = AdvancingLineEdit(page)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(self.tr("Passphrase of the signing key"))
        self.passphrase_label = QLabel(self.tr("Passp&hrase:"), page)
        self.passphrase_label.setWordWrap(True)
        self.passphrase_label.setBuddy(self.passphrase)
        self.again = AdvancingLineEdit(page)
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        self.again.setAccessibleName(self.tr("The new passphrase again"))
        self.again_label = QLabel(self.tr("Type the passphrase &again:"), page)
        self.again_label.setWordWrap(True)
        self.again_label.setBuddy(self.again)

    def add_to(self, layout: QVBoxLayout) -> None:
        """Put the fields in the page's column, top to bottom."""
        for widget in (
            self.heading,
            self.note,
            self.passphrase_label,
            self.passphrase,
            self.again_label,
            self.again,
        ):
            layout.addWidget(widget)

    def creating(self) -> bool:
        """No key unlocked and none on the laptop: the worker chooses a passphrase now."""
        return self.ctx.identity is None and self.status == "none"

    def refresh(self) -> None:
        """Ask which key the laptop has and show the fields that key needs (none once
        it is unlocked for this precinct)."""
        self.status = service.device_identity_status(self.ctx.data_dir)
        identity = self.ctx.identity
        creating = self.creating()
        if identity is not None:
            note = self.unlocked_note(identity)
        elif self.status == "county":
            note = self.tr("This laptop signs with the key the county issued. Type its passphrase.")
        elif self.status == "self-signed":
            note = self.tr(
                "This laptop signs with its own key, not one the county issued, so what it "
                'signs says "not county-issued". Type the passphrase chosen for it.'
            )
        else:
            note = self.tr(
                "This laptop has no county key. Choose a passphrase of at least {0} "
                "characters to make the laptop's own key, and type it twice. What it signs "
                'will say "not county-issued". Keep the passphrase with the precinct supplies.'
            ).format(MIN_NEW_PASSPHRASE)
        self.note.setText(note)
        self.passphrase_label.setText(
            self.tr("Choose a passp&hrase:") if creating else self.tr("Passp&hrase:")
        )
        self.passphrase.setAccessibleName(
            self.tr("New passphrase for the signing key")
            if creating
            else self.tr("Passphrase of the signing key")
        )
        unlocked = identity is not None
        for widget in (self.passphrase, self.passphrase_label):
            widget.setVisible(not unlocked)
        for widget in (self.again, self.again_label):
            widget.setVisible(creating)

    def take_secret(self) -> bytes | KeyRefusal:
        """The typed passphrase as bytes, checked as far as the page can check it; the fields
        are cleared either way. Empty bytes when the key is already unlocked."""
        creating = self.creating()
        typed, again = self.passphrase.text(), self.again.text()
        self.passphrase.clear()
        self.again.clear()
        if self.ctx.identity is not None:
            return b""
        if not typed:
            message = error_message(InputError("passphrase_empty", "The passphrase is empty."))
            return KeyRefusal(f"{message.problem} {message.cause}", message.action)
        if creating and len(typed) < MIN_NEW_PASSPHRASE:
            return KeyRefusal(
                self.tr("The new passphrase is too short."),
                self.tr("Choose a passphrase of at least {0} characters.").format(
                    MIN_NEW_PASSPHRASE
                ),
            )
        if creating and typed != again:
            return KeyRefusal(
                self.tr("The 2 passphrases are not the same."),
                self.tr("Type the new passphrase twice, exactly the same."),
            )
        return typed.encode("utf-8")

    def unlock(self, secret: bytes) -> Identity:
        """The unlocked key: the one kept for this precinct, or the laptop's opened (or, on
        a laptop without one, made) with ``secret`` and kept from now on. Raises the core's
        TallyError (a wrong passphrase: code in KEY_CODES). The fields are redrawn by the
        page's next refresh(), so they do not vanish in the middle of an export."""
        identity = self.ctx.identity or service.device_identity(
            self.ctx.data_dir, secret, clock=self.ctx.clock, create=self.status == "none"
        )
        self.ctx.identity = identity  # typed once for this precinct
        return identity

    def unlock_for(self, page: KeyPage, otherwise: QWidget) -> Identity | None:
        """The unlocked key (asking for the passphrase once); None after ``page`` said why.

        A wrong or empty passphrase puts the cursor back in its field; any other failure
        puts it on ``otherwise``.
        """
        if self.ctx.identity is not None:
            return self.ctx.identity
        secret = self.take_secret()
        if isinstance(secret, KeyRefusal):
            page.show_problem(secret.problem, secret.action, self.passphrase)
            return None
        identity = page.attempt(lambda: self.unlock(secret))
        if isinstance(identity, UserMessage):
            retype = page.failed_code in KEY_CODES
            page.show_failure(identity, self.passphrase if retype else otherwise)
            return None
        self.refresh()
        return identity

    def whose_key(self, identity: Identity, own_key: str) -> str:
        """The note for an unlocked key that signs a PDF: the county's key, or this laptop's
        own (``own_key``, with {0} for the device id, says what the PDF then says)."""
        if identity.county_issued:
            return self.tr("The signing key is unlocked: the county-issued key of {0}.").format(
                identity.device_id
            )
        return own_key.format(identity.device_id)
