"""Verifying runs off the window's thread, so the window keeps answering (and repainting
its progress bar) while thousands of bundles are checked.

The worker only calls the facade and emits signals; it never touches a widget. Qt queues
each signal to the window's thread, where the window draws the progress and the result.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from PySide6.QtCore import QThread, Signal

from tally_app import service
from tally_app.definition.model import ElectionDefinition
from tally_app.errors import TallyError
from ui.messages import error_message, unexpected_message

log = logging.getLogger(__name__)


class AggregateWorker(QThread):
    progress = Signal(int, int)  # bundles done, bundles found
    succeeded = Signal(object)  # the Aggregation
    failed = Signal(object)  # a UserMessage

    def __init__(
        self,
        paths: Sequence[Path],
        definition: ElectionDefinition,
        trust_roots: Sequence[x509.Certificate],
        *,
        allow_test: bool,
    ) -> None:
        super().__init__()
        self.paths = tuple(paths)
        self.definition = definition
        self.trust_roots = tuple(trust_roots)
        self.allow_test = allow_test

    def run(self) -> None:
        try:
            result = service.aggregate(
                self.paths,
                self.definition,
                self.trust_roots,
                allow_test=self.allow_test,
                progress=self.progress.emit,
            )
        except TallyError as error:
            self.failed.emit(error_message(error))
        except Exception as error:  # a bug: logged, never a traceback on screen
            log.exception("aggregating failed")
            self.failed.emit(unexpected_message(error))
        else:
            self.succeeded.emit(result)
