"""What a precinct board has entered, as an immutable snapshot.

The store (`tally_app.store`) produces these; the reconciliation rules
(`tally_app.reconcile`) and the UI models read them. ``None`` means blank: nobody typed
the field. Blank is not zero (DESIGN §4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from tally_app.definition.model import BallotStyleId, ContestId, SelectionId

Count = int | None  # None = blank


class Sheet(StrEnum):
    """A tally keeper's sheet: A is the record, B the blind second entry (DESIGN §4, §6)."""

    A = "A"
    B = "B"


class StyleField(StrEnum):
    """Ballot-accounting fields kept per ballot style (DESIGN §5.1)."""

    RECEIVED = "received"  # R
    VOTED = "voted"  # V: voted ballots in the box
    PROVISIONAL = "provisional"  # V_prov: provisional envelopes (sealed, not tallied)
    REJECTED = "rejected"  # X
    SPOILED = "spoiled"  # S
    UNUSED = "unused"  # U
    BLANK = "blank"  # B: blank ballots, a subset of T
    PROVISIONAL_ISSUED = "provisional_issued"  # provisional ballots issued (A10)


class RosterField(StrEnum):
    """Ballot-accounting fields kept once per precinct (DESIGN §5.1)."""

    SIGNATURES = "signatures"  # Sig: roster signatures
    NOT_VOTED = "not_voted"  # NV: signed but did not vote
    VBM_DROPPED = "vbm_dropped"  # VBM_drop: vote-by-mail envelopes dropped off
    VBM_SURRENDERED = "vbm_surrendered"  # VBM_surr: surrendered vote-by-mail packets


class ContestLine(StrEnum):
    """The per-contest counts that are not a selection's votes."""

    UNDERVOTES = "undervotes"
    OVERVOTES = "overvotes"
    BALLOTS = "ballots"  # K_c: ballots tallied for the contest


SYMBOLS: Mapping[str, str] = MappingProxyType(
    {
        StyleField.RECEIVED: "R",
        StyleField.VOTED: "V",
        StyleField.PROVISIONAL: "V_prov",
        StyleField.REJECTED: "X",
        StyleField.SPOILED: "S",
        StyleField.UNUSED: "U",
        StyleField.BLANK: "B",
        StyleField.PROVISIONAL_ISSUED: "P_issued",
        RosterField.SIGNATURES: "Sig",
        RosterField.NOT_VOTED: "NV",
        RosterField.VBM_DROPPED: "VBM_drop",
        RosterField.VBM_SURRENDERED: "VBM_surr",
        ContestLine.UNDERVOTES: "under",
        ContestLine.OVERVOTES: "over",
        ContestLine.BALLOTS: "K",
    }
)


@dataclass(frozen=True, slots=True)
class SerialRange:
    """A range of unused ballot serial numbers, both ends included (A9)."""

    first: int
    last: int
    # The store's row id, so a screen can remove the range; not part of its value.
    id: int | None = field(default=None, compare=False)

    @property
    def size(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True, slots=True)
class StyleAccounting:
    values: Mapping[StyleField, Count] = field(
        default_factory=lambda: MappingProxyType({f: None for f in StyleField})
    )
    unused_ranges: tuple[SerialRange, ...] = ()

    def __getitem__(self, f: StyleField) -> Count:
        return self.values.get(f)

    @property
    def tallied(self) -> int | None:
        """T = V − V_prov − X, or None while any term is blank."""
        v, p, x = self[StyleField.VOTED], self[StyleField.PROVISIONAL], self[StyleField.REJECTED]
        if v is None or p is None or x is None:
            return None
        return v - p - x


@dataclass(frozen=True, slots=True)
class WriteIn:
    """An unqualified write-in name as listed on a sheet, with its count."""

    id: int  # the store's row id, stable across edits
    name: str
    count: Count


@dataclass(frozen=True, slots=True)
class ContestEntry:
    """One contest as entered on one sheet."""

    contest_id: ContestId
    votes: Mapping[SelectionId, Count]  # every selection of the contest, blank or not
    lines: Mapping[ContestLine, Count]
    write_ins: tuple[WriteIn, ...] = ()

    @property
    def ballots(self) -> Count:
        return self.lines.get(ContestLine.BALLOTS)

    @property
    def undervotes(self) -> Count:
        return self.lines.get(ContestLine.UNDERVOTES)

    @property
    def overvotes(self) -> Count:
        return self.lines.get(ContestLine.OVERVOTES)


@dataclass(frozen=True, slots=True)
class PrecinctEntries:
    """Everything entered for one precinct: accounting, and each contest on each sheet."""

    styles: Mapping[BallotStyleId, StyleAccounting]
    roster: Mapping[RosterField, Count]
    sheets: Mapping[Sheet, Mapping[ContestId, ContestEntry]]

    @property
    def tallied(self) -> int | None:
        """T for the whole precinct: Σ T over its ballot styles, None while any is blank."""
        total = 0
        for style in self.styles.values():
            t = style.tallied
            if t is None:
                return None
            total += t
        return total

    def contest(self, sheet: Sheet, contest_id: ContestId) -> ContestEntry | None:
        return self.sheets.get(sheet, {}).get(contest_id)
