"""What every command shares: exit codes, the argparse parser that fails in one sentence."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from tally_app.trust.identity import Identity

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE
PROG = "tally-app"


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one sentence on stderr and exit 2 (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            EXIT_USAGE,
            f"{self.prog}: error: {message}; run '{self.prog} --help' for usage.\n",
        )


def count(n: int, noun: str) -> str:
    """The count with its noun: "1 precinct", "2 precincts"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def add_identity_arguments(parser: argparse.ArgumentParser, purpose: str) -> None:
    """``--identity FILE.p12 --passphrase-file F`` of every command that signs (DESIGN §12)."""
    parser.add_argument(
        "--identity",
        type=Path,
        metavar="FILE.p12",
        help=f"device identity to sign {purpose} with (default: a throw-away one, not county-issued)",
    )
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="F",
        help="file whose first line is the identity's passphrase (else asked at a terminal)",
    )


def signing_identity(identity: Path | None, passphrase_file: Path | None) -> Identity:
    """The identity a command signs with: ``--identity`` opened with its passphrase, or a
    throw-away self-signed one (everything it signs says "not county-issued")."""
    from tally_app import service
    from tally_app.errors import InputError
    from tally_app.trust.passphrase import passphrase

    if identity is not None:
        secret = passphrase(passphrase_file, "Identity passphrase: ", confirm=False)
        return service.load_identity(identity, secret)
    if passphrase_file is not None:
        raise InputError(
            "passphrase_without_identity",
            "--passphrase-file is for --identity; give both, or neither.",
        )
    return service.throwaway_identity()
