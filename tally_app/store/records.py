"""Rows of the store that are not counts, as frozen values for the service and the UI."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class BoardMember:
    id: int
    name: str
    role: str
    # The scrypt hash the service checks PINs against; never logged, never shown.
    pin_hash: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Seal:
    id: int
    purpose: str
    number: str


@dataclass(frozen=True, slots=True)
class Signer:
    """A board member who signed an explanation, as they were named when it was read."""

    member_id: int
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Explanation:
    id: int
    rule_id: str
    subject: str
    text: str
    created_at: str
    signers: tuple[Signer, ...]
    # The finding's numbers when it was explained (None for a finding without numbers): the
    # explanation covers the finding only while they stay the same.
    expected: int | None = None
    actual: int | None = None


@dataclass(frozen=True, slots=True)
class Correction:
    id: int
    reason: str
    actor: str
    role: str
    created_at: str
    from_state: str
