"""Text from a drive or a certificate, made safe to print on one line of a terminal."""

from __future__ import annotations


def printable(text: object) -> str:
    """Control characters (a new line, an ANSI escape) shown escaped, so that a hostile name
    can never start a line of its own or repaint the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
