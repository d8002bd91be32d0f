"""What every page shares: the open precinct, who is acting, and how a write is reported.

Pages never touch the store: they call the facade's session through ``commit``, which turns
an error from the core into words (ui.messages) and tells the window whether it was saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, Signal
from shiboken6 import isValid

from tally_app import service
from tally_app.clock import Clock, SystemClock
from tally_app.definition.model import ElectionDefinition
from tally_app.errors import TallyError
from ui.messages import UserMessage, error_message, unexpected_message

if TYPE_CHECKING:  # the store (and sqlite-utils) loads only when a precinct opens
    from tally_app.audit.events import Actor
    from tally_app.entries import Sheet
    from tally_app.session import PrecinctSession
    from tally_app.trust.identity import Identity

log = logging.getLogger(__name__)
T = TypeVar("T")

# Board roles that enter each sheet, by the ids the embedded definitions use.
SHEET_ROLES = {"A": "tally_keeper_a", "B": "tally_keeper_b"}  # by Sheet value


def tr(text: str) -> str:
    return QCoreApplication.translate("context", text)


class AppContext(QObject):
    """The open election and precinct of one window."""

    entries_changed = Signal()  # a write succeeded: checks must be redrawn
    saved = Signal(str)  # status text for the header ("Saved at 20:14:03")
    failed = Signal(object)  # a UserMessage
    navigate = Signal(str)  # a page asks the window to show another step, by key

    def __init__(
        self,
        data_dir: Path,
        definition: ElectionDefinition | None,
        *,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.definition = definition
        self.clock: Clock = clock or SystemClock()
        self.session: PrecinctSession | None = None
        # Whether the last write failed, and why: the window must not move on, nor say
        # "saved", after a failed save (it reads these right after a field commits).
        self.last_commit_failed = False
        self.last_failure: UserMessage | None = None
        self.in_commit = False  # a message shown now is about a write that failed
        # The laptop's signing key once the board unlocked it for the open precinct (print,
        # then export: the passphrase is typed once). Dropped when the precinct closes.
        self.identity: Identity | None = None

    # --- the precinct -------------------------------------------------------------------

    def open_precinct(self, precinct_id: str) -> bool:
        """Start or resume a precinct of the current election; False (reported) on failure."""
        from tally_app.audit.events import Actor

        assert self.definition is not None
        self.close_precinct()
        session = self.attempt(
            lambda: service.start_precinct(
                self.data_dir,
                self.definition,  # type: ignore[arg-type]
                precinct_id,
                actor=Actor(tr("Poll worker"), "board"),
                clock=self.clock,
            )
        )
        if session is None:
            return False
        self.session = session
        self.attempt(
            lambda: service.remember_last_precinct(
                self.data_dir, session.definition.id, precinct_id
            )
        )
        return True

    def close_precinct(self) -> None:
        self.identity = None
        if self.session is not None:
            self.session.close()
            self.session = None

    @property
    def open(self) -> PrecinctSession:
        assert self.session is not None, "no precinct is open"
        return self.session

    def actor(self, sheet: Sheet | None = None) -> Actor:
        """Who the audit log names for an action: the sheet's tally keeper, else the inspector."""
        board = self.open.board()
        from tally_app.audit.events import Actor

        wanted = SHEET_ROLES.get(sheet.value) if sheet is not None else None
        for role in (wanted, "inspector"):
            for member in board:
                if member.role == role:
                    return Actor(member.name, member.role)
        return Actor(tr("Precinct board"), "board")

    # --- running an action ----------------------------------------------------------------

    def attempt(self, action: Callable[[], T]) -> T | None:
        """Run an action; an error becomes a message (never a traceback) and None."""
        try:
            return action()
        except TallyError as error:
            message = error_message(error)
        except Exception as error:  # a bug: log it, tell the worker their work is safe
            log.exception("unexpected error")
            message = unexpected_message(error)
        self.last_failure = message
        self.failed.emit(message)
        return None

    def commit(self, action: Callable[[], object]) -> bool:
        """Run a write; on success announce it saved and have the checks redrawn.

        On failure the message is shown and ``last_commit_failed`` stays True until the next
        write, so that the window can refuse to move on.
        """
        if not isValid(self):
            return False  # the window is being torn down: a field lost focus as it went
        done = object()
        self.last_commit_failed = True  # set before the message goes out: the window reads it
        self.last_failure = None
        self.in_commit = True
        try:
            result = self.attempt(lambda: (action(), done)[1])
        finally:
            self.in_commit = False
        if result is not done:
            return False
        self.last_commit_failed = False
        self.saved.emit(tr("All entries saved at {0}").format(_clock_text(self.clock.now())))
        self.entries_changed.emit()
        return True

    def report(self, message: UserMessage) -> None:
        self.failed.emit(message)


def _clock_text(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M:%S")
