"""Checks of what a caller passes to the store, each failing with one clear InputError."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tally_app.errors import InputError

_E = TypeVar("_E")


def check_count(value: object) -> None:
    """A count is blank (None) or a whole number ≥ 0; a bool is not a count."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(
            "not_a_count",
            f"{value!r} is not a count; type a whole number (0 or more), or leave it blank.",
        )
    if value < 0:
        raise InputError(
            "negative_count",
            f"{value} is below zero; a count is 0 or more, so type the number you counted.",
        )


def check_serial(value: object) -> int:
    """A ballot serial number: a whole number ≥ 0, never blank."""
    if value is None:
        raise InputError("blank_value", "Type both serial numbers of the range.")
    check_count(value)
    assert isinstance(value, int)
    return value


def require_text(value: object, code: str, what_to_do: str) -> str:
    """Non-blank text, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(code, f"This cannot be left blank. {what_to_do}")
    return value.strip()


def parse_enum(kind: Callable[[str], _E], value: object, what: str) -> _E:
    """A member of a closed set (Sheet, StyleField, ...), or ``unknown_field``."""
    try:
        return kind(str(value))
    except ValueError:
        raise unknown(what, str(value)) from None


def unknown(what: str, ident: str) -> InputError:
    return InputError(
        "unknown_field",
        f"There is no {what} {ident!r} in this precinct's election; choose one of its own.",
        what=what,
        ident=ident,
    )


def bad_transition(current: str, to_state: str) -> InputError:
    return InputError(
        "bad_transition",
        f"A precinct that is {current} cannot go to {to_state}; finish the steps in order, "
        "or ask a supervisor for a correction.",
        from_state=current,
        to_state=to_state,
    )
