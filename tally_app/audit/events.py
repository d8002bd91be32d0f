"""Audit event values: who did something, and one event as read back from the log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Keys that must never appear in an event's details (DESIGN §13: nothing secret is logged).
FORBIDDEN_DETAIL_KEYS = frozenset(
    {"pin", "pin_hash", "pins", "passphrase", "password", "key", "private_key", "secret"}
)
# A key containing any of these words, in any case and anywhere in it, is refused too
# ("board_pin", "pinHash", "signingPrivateKey"): a secret must not slip in under a new name.
FORBIDDEN_KEY_WORDS = ("pin", "passphrase", "secret", "private", "password")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something: a board member's name and role, or the system itself."""

    name: str
    role: str


SYSTEM = Actor("system", "system")


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One audit row exactly as stored; ``details`` is the stored canonical JSON text.

    Verification works on these, so that a row changed outside the app (even one whose
    details no longer parse) can still be checked and reported.
    """

    seq: int
    at: str
    event: str
    actor: str
    role: str
    disposition: str
    details: str
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One audit event, with its details parsed (a read-only mapping)."""

    seq: int
    at: str
    event: str  # an EventId value; kept as text because a tampered row may hold anything
    actor: str
    role: str
    disposition: str  # "success" or "failure"
    details: Mapping[str, object]
    prev_hash: str
    hash: str


def check_details_safe(details: Mapping[str, object]) -> None:
    """Refuse details that would put a secret in the log (a bug in the caller)."""
    stack: list[object] = [details]
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            for key, value in item.items():
                if _forbidden(str(key), value):
                    raise ValueError(f"audit details must not carry {key!r}")
                stack.append(value)
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _forbidden(key: str, value: object) -> bool:
    """A secret's key, by name or by a word in it.

    The one exception is a yes/no flag named ``has_...`` (``has_pin``): a bool says that a
    secret exists and cannot carry one.
    """
    lowered = key.lower()
    if lowered in FORBIDDEN_DETAIL_KEYS:
        return True
    if not any(word in lowered for word in FORBIDDEN_KEY_WORDS):
        return False
    return not (lowered.startswith("has_") and isinstance(value, bool))
