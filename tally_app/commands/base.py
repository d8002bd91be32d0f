"""What every command shares: exit codes, the argparse parser that fails in one sentence."""

from __future__ import annotations

import argparse
from typing import NoReturn

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
