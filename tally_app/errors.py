"""Errors that end an operation, each with a stable code.

Check results are values (findings), not exceptions. An exception here means an operation
could not be done. ``message`` is a plain English sentence for the command line and logs;
the UI turns ``code`` (with ``params``) into translated words, and a test checks that every
code has a message there.

Two families, after qutebrowser's KnownError/BugError split:

- ``InputError``: what the user gave is wrong (a bad file, a value out of range, a locked
  precinct). Say what is wrong and what to do.
- ``SystemError_``: the machine failed (disk full, read-only, file locked by another
  program). Say that it is not the user's fault and what to do.

Anything else is a bug and may show a traceback in a developer log, never to a poll worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any


class TallyError(Exception):
    code: str = "error"

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params: Mapping[str, Any] = MappingProxyType(dict(params))

    def __str__(self) -> str:
        return self.message


class InputError(TallyError):
    """The user's input or file is wrong; nothing was changed."""


class SystemError_(TallyError):  # noqa: N801 - the builtin SystemError means something else
    """The system failed (disk, permissions, locks); nothing was changed."""
