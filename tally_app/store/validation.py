"""Checks of what a caller passes to the store, each failing with one clear InputError."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tally_app.errors import InputError

_E = TypeVar("_E")

# The largest count or serial number the store takes: nine digits. No precinct counts a
# billion ballots, and SQLite's INTEGER (8 bytes) can never overflow on a sum of these.
MAX_COUNT = 999_999_999


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
    if value > MAX_COUNT:
        raise InputError(
            "count_too_large",
            f"{value} is too large for a count (the most is {MAX_COUNT:,}); check the number "
            "and type it again.",
            value=value,
            limit=MAX_COUNT,
        )


def check_serial(value: object) -> int:
    """A ballot serial number: a whole number ≥ 0, never blank."""
    if value is None:
        raise InputError("blank_value", "Type both serial numbers of the range.")
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_COUNT:
        raise InputError(
            "count_too_large",
            f"{value} is too large for a ballot serial number (the most is {MAX_COUNT:,}); "
            "check the number printed on the ballot and type it again.",
            value=value,
            limit=MAX_COUNT,
        )
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


def require_supervisor(actor_role: str, what: str) -> InputError | None:
    """The refusal when someone who is not a supervisor tries a supervisor's act."""
    if actor_role == "supervisor":
        return None
    return InputError(
        "supervisor_required",
        f"Only a supervisor can {what}; call your supervisor to do it.",
        role=actor_role,
    )


def untrusted_file() -> InputError:
    return InputError(
        "untrusted_file",
        "This precinct file was changed outside the app, so nothing more can be saved in it "
        "until a supervisor has checked and acknowledged the problems; call your supervisor.",
    )


def check_pin_hash(pin_hash: object) -> None:
    """A stored PIN is an scrypt hash made by the service, never a PIN typed as is."""
    if pin_hash is None:
        return
    if not isinstance(pin_hash, str) or not pin_hash.startswith("scrypt$"):
        raise InputError(
            "bad_pin_hash",
            "The PIN was not stored because it is not in the protected (hashed) form; set the "
            "PIN again from the board page.",
        )
