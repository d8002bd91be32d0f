"""The election definition as immutable domain values.

A definition only exists in memory once it is fully valid: the loader
(`tally_app.definition.loader`) builds these objects after every check has passed,
or returns the list of problems instead. Nothing here parses or validates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Literal, NewType, assert_never

ElectionId = NewType("ElectionId", str)
PrecinctId = NewType("PrecinctId", str)
ContestId = NewType("ContestId", str)
SelectionId = NewType("SelectionId", str)
BallotStyleId = NewType("BallotStyleId", str)
PartyId = NewType("PartyId", str)
DistrictId = NewType("DistrictId", str)
RoleId = NewType("RoleId", str)


class Severity(StrEnum):
    """How a reconciliation finding weighs (DESIGN §5)."""

    BLOCK = "block"  # impossible data: cannot finalize until fixed
    EXPLAIN = "explain"  # a balance that fails: finalize only with a signed explanation
    WARN = "warn"  # shown and logged


class RuleId(StrEnum):
    """The reconciliation checks of DESIGN §5.1 (there is no A11)."""

    A1 = "A1"
    A2 = "A2"
    A3 = "A3"
    A4 = "A4"
    A4a = "A4a"
    A5 = "A5"
    A6 = "A6"
    A7 = "A7"
    A8 = "A8"
    A9 = "A9"
    A10 = "A10"
    A12 = "A12"
    A13 = "A13"
    A14 = "A14"
    A15 = "A15"
    A16 = "A16"


DEFAULT_SEVERITIES: Mapping[RuleId, Severity] = MappingProxyType(
    {
        RuleId.A1: Severity.EXPLAIN,
        RuleId.A2: Severity.EXPLAIN,
        RuleId.A3: Severity.EXPLAIN,
        RuleId.A4: Severity.BLOCK,
        RuleId.A4a: Severity.BLOCK,
        RuleId.A5: Severity.EXPLAIN,
        RuleId.A6: Severity.BLOCK,
        RuleId.A7: Severity.BLOCK,
        RuleId.A8: Severity.BLOCK,
        RuleId.A9: Severity.EXPLAIN,
        RuleId.A10: Severity.EXPLAIN,
        RuleId.A12: Severity.WARN,
        RuleId.A13: Severity.WARN,
        RuleId.A14: Severity.WARN,
        RuleId.A15: Severity.WARN,
        RuleId.A16: Severity.WARN,
    }
)


@dataclass(frozen=True, slots=True)
class Policy:
    """The reconciliation policy of a definition (DESIGN §3, §5)."""

    severities: Mapping[RuleId, Severity] = field(default_factory=lambda: DEFAULT_SEVERITIES)
    # A7: the second tally keeper's blind entry (sheet B) is required.
    double_entry: bool = True
    # A2: provisional voters sign their envelope, not the roster (the California practice).
    # When True they sign the roster too, and A2 becomes V = Sig − NV.
    provisional_voters_sign_roster: bool = False
    # A13: warn when blank ballots exceed this share of the ballots tallied.
    blank_ballot_warn_fraction: float = 0.05
    # A16: posted results show only the ballot count below this many ballots, when enabled.
    small_count_suppression: bool = False
    small_count_threshold: int = 10

    def severity(self, rule: RuleId) -> Severity:
        return self.severities.get(rule, DEFAULT_SEVERITIES[rule])


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    county: str
    state: str  # full name, e.g. "California"
    state_code: str  # two letters, e.g. "CA"


@dataclass(frozen=True, slots=True)
class District:
    id: DistrictId
    name: str
    type: str  # a NIST ReportingUnitType: "congressional", "county", "state", ...


@dataclass(frozen=True, slots=True)
class Party:
    id: PartyId
    name: str
    abbreviation: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """One line of a candidate contest on which votes are counted."""

    id: SelectionId
    name: str
    party_id: PartyId | None
    # A qualified write-in: not printed on the ballot, but its votes are counted for it.
    write_in: bool = False


@dataclass(frozen=True, slots=True)
class CandidateContest:
    id: ContestId
    title: str
    district_id: DistrictId
    vote_for: int
    candidates: tuple[Candidate, ...]  # ballot order; qualified write-ins last
    # Whether the board lists unqualified write-in names with their counts.
    unqualified_write_ins: bool
    kind: Literal["candidate"] = "candidate"

    @property
    def on_ballot(self) -> tuple[Candidate, ...]:
        return tuple(c for c in self.candidates if not c.write_in)

    @property
    def qualified_write_ins(self) -> tuple[Candidate, ...]:
        return tuple(c for c in self.candidates if c.write_in)

    @property
    def selection_ids(self) -> tuple[SelectionId, ...]:
        return tuple(c.id for c in self.candidates)


@dataclass(frozen=True, slots=True)
class MeasureOption:
    id: SelectionId
    name: str  # "Yes" / "No", or the ballot's own wording


@dataclass(frozen=True, slots=True)
class MeasureContest:
    id: ContestId
    title: str
    district_id: DistrictId
    text: str
    options: tuple[MeasureOption, MeasureOption]  # yes, no
    kind: Literal["measure"] = "measure"
    vote_for: int = 1

    @property
    def selection_ids(self) -> tuple[SelectionId, ...]:
        return tuple(o.id for o in self.options)


Contest = CandidateContest | MeasureContest


def selection_names(contest: Contest) -> Mapping[SelectionId, str]:
    """Display names of a contest's selections, in ballot order."""
    match contest:
        case CandidateContest():
            return {c.id: c.name for c in contest.candidates}
        case MeasureContest():
            return {o.id: o.name for o in contest.options}
        case _:
            assert_never(contest)


@dataclass(frozen=True, slots=True)
class BallotStyle:
    id: BallotStyleId
    contest_ids: tuple[ContestId, ...]  # ballot order


@dataclass(frozen=True, slots=True)
class Precinct:
    id: PrecinctId
    name: str  # may be empty: show the id
    ballot_style_ids: tuple[BallotStyleId, ...]
    polling_place: str | None = None
    registered_voters: int | None = None

    @property
    def label(self) -> str:
        return f"{self.id} — {self.name}" if self.name else self.id


@dataclass(frozen=True, slots=True)
class BoardRole:
    id: RoleId
    title: str  # "Inspector", "Clerk", "Tally keeper A"
    min_count: int = 1
    max_count: int = 1


@dataclass(frozen=True, slots=True)
class ElectionDefinition:
    """A fully valid election definition, with the SHA-256 of the exact bytes it came from."""

    id: ElectionId
    title: str
    date: str  # ISO 8601 date
    type: str  # a NIST ElectionType: "general", "primary", "special", ...
    jurisdiction: Jurisdiction
    districts: tuple[District, ...]
    parties: tuple[Party, ...]
    contests: tuple[Contest, ...]  # ballot order
    ballot_styles: tuple[BallotStyle, ...]
    precincts: tuple[Precinct, ...]
    board_roles: tuple[BoardRole, ...]
    policy: Policy
    fingerprint: str  # SHA-256 of source_bytes, 64 lowercase hex digits
    source_bytes: bytes = field(repr=False)
    source_format: Literal["precinct-tally", "nist-err-v2"] = "precinct-tally"
    notes: str = ""

    def precinct(self, precinct_id: str) -> Precinct:
        for p in self.precincts:
            if p.id == precinct_id:
                return p
        raise KeyError(precinct_id)

    def contest(self, contest_id: str) -> Contest:
        for c in self.contests:
            if c.id == contest_id:
                return c
        raise KeyError(contest_id)

    def ballot_style(self, style_id: str) -> BallotStyle:
        for s in self.ballot_styles:
            if s.id == style_id:
                return s
        raise KeyError(style_id)

    def party(self, party_id: str) -> Party:
        for p in self.parties:
            if p.id == party_id:
                return p
        raise KeyError(party_id)

    def contests_for(self, precinct_id: str) -> tuple[Contest, ...]:
        """The contests on any of the precinct's ballot styles, in definition (ballot) order."""
        carried: set[str] = set()
        for style_id in self.precinct(precinct_id).ballot_style_ids:
            carried.update(self.ballot_style(style_id).contest_ids)
        return tuple(c for c in self.contests if c.id in carried)

    def styles_carrying(self, precinct_id: str, contest_id: str) -> tuple[BallotStyleId, ...]:
        """The precinct's ballot styles whose ballots carry the contest."""
        return tuple(
            s
            for s in self.precinct(precinct_id).ballot_style_ids
            if contest_id in self.ballot_style(s).contest_ids
        )
