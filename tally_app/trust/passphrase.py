"""Passphrases for private keys: from a file (scripts) or asked at a terminal, never echoed.

A passphrase never appears in a message, a log or an exception: the errors below name the
file, never its content. No command prompts when stdin is not a terminal (DESIGN §12).
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TextIO

from tally_app.errors import InputError

MAX_PASSPHRASE_FILE = 64 * 1024


def read_passphrase_file(path: Path) -> bytes:
    """The file's first line without its line ending (``\\n`` or ``\\r\\n``)."""
    try:
        with open(path, "rb") as f:
            head = f.read(MAX_PASSPHRASE_FILE)
    except FileNotFoundError:
        raise InputError(
            "passphrase_file_missing",
            f"The passphrase file {path} does not exist; give the path of an existing file.",
            path=str(path),
        ) from None
    except OSError as exc:
        raise InputError(
            "passphrase_file_unreadable",
            f"The passphrase file {path} cannot be read ({exc.strerror or 'error'}); "
            "check the path and its permissions.",
            path=str(path),
        ) from None
    line = head.split(b"\n", 1)[0]
    if line.endswith(b"\r"):
        line = line[:-1]
    if not line:
        raise InputError(
            "passphrase_file_empty",
            f"The passphrase file {path} has an empty first line; put the passphrase on it.",
            path=str(path),
        )
    return line


def ask_passphrase(prompt: str, *, confirm: bool, stdin: TextIO | None = None) -> bytes:
    """Ask at the terminal (without echo); refuse, rather than hang, when there is none."""
    stream = sys.stdin if stdin is None else stdin
    try:
        interactive = stream is not None and stream.isatty()
    except (ValueError, OSError):
        interactive = False
    if not interactive:
        raise InputError(
            "passphrase_needed",
            "A passphrase is needed and there is no terminal to ask for it; "
            "use --passphrase-file F.",
        )
    first = getpass.getpass(f"{prompt}: ")
    if not first:
        raise InputError("passphrase_empty", "The passphrase is empty; type one.")
    if confirm and getpass.getpass(f"{prompt} (again): ") != first:
        raise InputError(
            "passphrase_mismatch", "The two passphrases typed differ; run the command again."
        )
    return first.encode("utf-8")


def passphrase(file: Path | None, prompt: str, *, confirm: bool) -> bytes:
    """From ``file`` if given, else asked at the terminal."""
    if file is not None:
        return read_passphrase_file(file)
    return ask_passphrase(prompt, confirm=confirm)
