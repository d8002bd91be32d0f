"""Builders of election definitions and precinct entries for the reconciliation tests.

Definitions are built directly from the model dataclasses (not through the JSON loader), and
the Hypothesis strategy :func:`consistent_precincts` builds a random precinct whose every
§5.1 equation holds, by simulating the ballots: each style's voted ballots are split into
provisional, rejected and tallied ones, and each tallied ballot of a contest gets up to N
distinct marks (the rest undervotes) or is overvoted (N overvotes).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Literal

from hypothesis import strategies as st

from tally_app.definition.model import (
    BallotStyle,
    BallotStyleId,
    Candidate,
    CandidateContest,
    Contest,
    ContestId,
    District,
    DistrictId,
    ElectionDefinition,
    ElectionId,
    Jurisdiction,
    MeasureContest,
    MeasureOption,
    Policy,
    Precinct,
    PrecinctId,
    SelectionId,
)
from tally_app.entries import (
    ContestEntry,
    ContestLine,
    Count,
    PrecinctEntries,
    RosterField,
    SerialRange,
    Sheet,
    StyleAccounting,
    StyleField,
    WriteIn,
)

DISTRICT = DistrictId("d1")
PRECINCT = "0850001A"


# --- definitions ------------------------------------------------------------------------


def candidate_contest(
    contest_id: str,
    *,
    vote_for: int = 1,
    candidates: int = 2,
    qualified_write_ins: int = 0,
    unqualified_write_ins: bool = True,
    title: str | None = None,
) -> CandidateContest:
    """A candidate contest with candidates ``<id>-c1``… and qualified write-ins ``<id>-w1``…."""
    on_ballot = tuple(
        Candidate(SelectionId(f"{contest_id}-c{i}"), f"Candidate {contest_id}-{i}", None)
        for i in range(1, candidates + 1)
    )
    written = tuple(
        Candidate(SelectionId(f"{contest_id}-w{i}"), f"Write-in {contest_id}-{i}", None, True)
        for i in range(1, qualified_write_ins + 1)
    )
    return CandidateContest(
        id=ContestId(contest_id),
        title=title or f"Contest {contest_id}",
        district_id=DISTRICT,
        vote_for=vote_for,
        candidates=on_ballot + written,
        unqualified_write_ins=unqualified_write_ins,
    )


def measure(contest_id: str, *, title: str | None = None) -> MeasureContest:
    return MeasureContest(
        id=ContestId(contest_id),
        title=title or f"Measure {contest_id}",
        district_id=DISTRICT,
        text="Shall the measure be adopted?",
        options=(
            MeasureOption(SelectionId(f"{contest_id}-yes"), "Yes"),
            MeasureOption(SelectionId(f"{contest_id}-no"), "No"),
        ),
    )


def definition(
    contests: Sequence[Contest],
    styles: Mapping[str, Sequence[str]] | None = None,
    *,
    policy: Policy | None = None,
    registered_voters: int | None = None,
    precinct_id: str = PRECINCT,
) -> ElectionDefinition:
    """A definition with one precinct carrying every given ballot style (default: one style
    ``1`` with every contest)."""
    if styles is None:
        styles = {"1": [c.id for c in contests]}
    return ElectionDefinition(
        id=ElectionId("test-election"),
        title="Test election",
        date="2017-06-06",
        type="special",
        jurisdiction=Jurisdiction("Los Angeles", "California", "CA"),
        districts=(District(DISTRICT, "District 1", "congressional"),),
        parties=(),
        contests=tuple(contests),
        ballot_styles=tuple(
            BallotStyle(
                BallotStyleId(sid),
                tuple(ContestId(c.id) for c in contests if c.id in set(cids)),
            )
            for sid, cids in styles.items()
        ),
        precincts=(
            Precinct(
                PrecinctId(precinct_id),
                "",
                tuple(BallotStyleId(s) for s in styles),
                registered_voters=registered_voters,
            ),
        ),
        board_roles=(),
        policy=policy or Policy(),
        fingerprint="0" * 64,
        source_bytes=b"",
    )


# --- entries ----------------------------------------------------------------------------


def accounting(
    *,
    received: Count,
    voted: Count,
    provisional: Count = 0,
    rejected: Count = 0,
    spoiled: Count = 0,
    unused: Count = 0,
    blank: Count = 0,
    provisional_issued: Count | Literal["same"] = "same",
    ranges: Sequence[tuple[int, int]] | None = None,
) -> StyleAccounting:
    """A style's accounting; by default P_issued = V_prov and one range holding the unused."""
    if ranges is None:
        ranges = [(1001, 1000 + unused)] if unused else []
    values = {
        StyleField.RECEIVED: received,
        StyleField.VOTED: voted,
        StyleField.PROVISIONAL: provisional,
        StyleField.REJECTED: rejected,
        StyleField.SPOILED: spoiled,
        StyleField.UNUSED: unused,
        StyleField.BLANK: blank,
        StyleField.PROVISIONAL_ISSUED: (
            provisional if provisional_issued == "same" else provisional_issued
        ),
    }
    return StyleAccounting(MappingProxyType(values), tuple(SerialRange(a, b) for a, b in ranges))


def roster(
    *, signatures: Count, not_voted: Count = 0, dropped: Count = 0, surrendered: Count = 0
) -> Mapping[RosterField, Count]:
    return MappingProxyType(
        {
            RosterField.SIGNATURES: signatures,
            RosterField.NOT_VOTED: not_voted,
            RosterField.VBM_DROPPED: dropped,
            RosterField.VBM_SURRENDERED: surrendered,
        }
    )


def contest_entry(
    contest: Contest,
    votes: Sequence[Count],
    *,
    ballots: Count,
    under: Count = 0,
    over: Count = 0,
    write_ins: Sequence[tuple[str, Count]] = (),
    first_row_id: int = 1,
) -> ContestEntry:
    """A contest as entered: ``votes`` in ballot order, write-ins as (name, count) rows."""
    ids = contest.selection_ids
    assert len(votes) == len(ids), "one count per selection"
    return ContestEntry(
        contest_id=contest.id,
        votes=MappingProxyType(dict(zip(ids, votes, strict=True))),
        lines=MappingProxyType(
            {
                ContestLine.UNDERVOTES: under,
                ContestLine.OVERVOTES: over,
                ContestLine.BALLOTS: ballots,
            }
        ),
        write_ins=tuple(
            WriteIn(first_row_id + i, name, count) for i, (name, count) in enumerate(write_ins)
        ),
    )


def entries(
    styles: Mapping[str, StyleAccounting],
    roster_values: Mapping[RosterField, Count],
    sheet_a: Sequence[ContestEntry],
    sheet_b: Sequence[ContestEntry] | None = None,
) -> PrecinctEntries:
    """The entries; sheet B defaults to a copy of sheet A (the two keepers agree)."""
    b = sheet_a if sheet_b is None else sheet_b
    return PrecinctEntries(
        styles=MappingProxyType({BallotStyleId(k): v for k, v in styles.items()}),
        roster=roster_values,
        sheets=MappingProxyType(
            {
                Sheet.A: MappingProxyType({e.contest_id: e for e in sheet_a}),
                Sheet.B: MappingProxyType({e.contest_id: e for e in b}),
            }
        ),
    )


# --- editing one cell -------------------------------------------------------------------

CellKind = Literal["style", "roster", "vote", "line", "write_in"]


@dataclass(frozen=True, slots=True)
class Cell:
    """One count a board can type: where it is, and the subject its A8 finding names."""

    kind: CellKind
    sheet: Sheet | None  # None for accounting
    owner: str  # ballot style id or contest id ("" for roster)
    key: str  # field, selection id, line name or write-in row id

    @property
    def subject(self) -> str:
        match self.kind:
            case "style":
                return f"style:{self.owner}/field:{self.key}"
            case "roster":
                return f"field:{self.key}"
            case "vote":
                return f"contest:{self.owner}/selection:{self.key}"
            case "line":
                return f"contest:{self.owner}/field:{self.key}"
            case "write_in":
                return f"contest:{self.owner}/write_in:{self.key}"


def cells(data: PrecinctEntries) -> list[Cell]:
    """Every count in the entries, in a stable order."""
    found: list[Cell] = []
    for style_id, acc in data.styles.items():
        found += [Cell("style", None, style_id, f.value) for f in acc.values]
    found += [Cell("roster", None, "", f.value) for f in data.roster]
    for sheet, contests in data.sheets.items():
        for contest_id, entry in contests.items():
            found += [Cell("vote", sheet, contest_id, s) for s in entry.votes]
            found += [Cell("line", sheet, contest_id, line.value) for line in entry.lines]
            found += [Cell("write_in", sheet, contest_id, str(w.id)) for w in entry.write_ins]
    return found


def value_of(data: PrecinctEntries, cell: Cell) -> Count:
    match cell.kind:
        case "style":
            return data.styles[BallotStyleId(cell.owner)][StyleField(cell.key)]
        case "roster":
            return data.roster[RosterField(cell.key)]
    assert cell.sheet is not None
    entry = data.sheets[cell.sheet][ContestId(cell.owner)]
    match cell.kind:
        case "vote":
            return entry.votes[SelectionId(cell.key)]
        case "line":
            return entry.lines[ContestLine(cell.key)]
        case _:
            return next(w.count for w in entry.write_ins if str(w.id) == cell.key)


def with_value(data: PrecinctEntries, cell: Cell, value: Count) -> PrecinctEntries:
    """The entries with one count changed (the snapshot is immutable: a new one is built)."""
    match cell.kind:
        case "style":
            sid = BallotStyleId(cell.owner)
            acc = data.styles[sid]
            values = MappingProxyType({**acc.values, StyleField(cell.key): value})
            styles = MappingProxyType({**data.styles, sid: replace(acc, values=values)})
            return replace(data, styles=styles)
        case "roster":
            return replace(
                data, roster=MappingProxyType({**data.roster, RosterField(cell.key): value})
            )
    assert cell.sheet is not None
    cid = ContestId(cell.owner)
    entry = data.sheets[cell.sheet][cid]
    match cell.kind:
        case "vote":
            entry = replace(
                entry, votes=MappingProxyType({**entry.votes, SelectionId(cell.key): value})
            )
        case "line":
            entry = replace(
                entry, lines=MappingProxyType({**entry.lines, ContestLine(cell.key): value})
            )
        case _:
            entry = replace(
                entry,
                write_ins=tuple(
                    replace(w, count=value) if str(w.id) == cell.key else w for w in entry.write_ins
                ),
            )
    sheet = MappingProxyType({**data.sheets[cell.sheet], cid: entry})
    return replace(data, sheets=MappingProxyType({**data.sheets, cell.sheet: sheet}))


# --- the consistent-precinct strategy ---------------------------------------------------

WRITE_IN_NAMES = ("Mickey Mouse", "José Núñez", "Donald Duck", "Bernie Sanders", "Zoë Ng")


@dataclass(frozen=True, slots=True)
class Scenario:
    """A consistent precinct, with the warnings its numbers are expected to raise."""

    definition: ElectionDefinition
    precinct_id: str
    entries: PrecinctEntries
    expected_warnings: frozenset[tuple[str, str]]  # (code, subject)


def _sheet_b_name(name: str, variant: int) -> str:
    """The same write-in name as a second keeper might type it: case, spaces, NFD."""
    match variant % 3:
        case 0:
            return unicodedata.normalize("NFD", name)
        case 1:
            return "  " + name.upper().replace(" ", "   ") + " "
        case _:
            return name.lower()


@st.composite
def consistent_precincts(draw: st.DrawFn) -> Scenario:
    """A random precinct (1–3 ballot styles, 1–6 contests) whose every equation holds."""
    style_ids = [f"s{i}" for i in range(1, draw(st.integers(1, 3)) + 1)]
    contests: list[Contest] = []
    for i in range(1, draw(st.integers(1, 6)) + 1):
        if draw(st.integers(0, 3)) == 0:
            contests.append(measure(f"m{i}"))
            continue
        n = draw(st.integers(1, 3))
        total = draw(st.integers(n, 25))
        qualified = draw(st.integers(0, min(2, total - 1)))
        contests.append(
            candidate_contest(
                f"c{i}",
                vote_for=n,
                candidates=total - qualified,
                qualified_write_ins=qualified,
                unqualified_write_ins=draw(st.booleans()),
            )
        )
    carried: dict[str, set[str]] = {s: set() for s in style_ids}
    for c in contests:
        for s in draw(st.sets(st.sampled_from(style_ids), min_size=1)):
            carried[s].add(c.id)
    for s in style_ids:  # every style carries at least one contest
        if not carried[s]:
            carried[s].add(contests[draw(st.integers(0, len(contests) - 1))].id)
    policy = Policy(provisional_voters_sign_roster=draw(st.booleans()))
    registered = draw(st.none() | st.integers(0, 400))
    defn = definition(
        contests,
        {s: sorted(carried[s]) for s in style_ids},
        policy=policy,
        registered_voters=registered,
    )

    # Ballot accounting, per style then for the roster.
    styles: dict[str, StyleAccounting] = {}
    tallied: dict[str, int] = {}
    voters = 0
    blank_total = 0
    serial = draw(st.integers(1, 100_000))
    for s in style_ids:
        t = draw(st.integers(0, 60))
        prov, rej, spoiled = (
            draw(st.integers(0, 3)),
            draw(st.integers(0, 2)),
            draw(st.integers(0, 3)),
        )
        ranges = []
        for size in draw(st.lists(st.integers(1, 20), max_size=3)):
            serial += draw(st.integers(0, 5))
            ranges.append((serial, serial + size - 1))
            serial += size
        unused = sum(b - a + 1 for a, b in ranges)
        voted = t + prov + rej
        blank = draw(st.integers(0, t))
        styles[s] = accounting(
            received=voted + spoiled + unused,
            voted=voted,
            provisional=prov,
            rejected=rej,
            spoiled=spoiled,
            unused=unused,
            blank=blank,
            ranges=ranges,
        )
        tallied[s] = t
        voters += voted if policy.provisional_voters_sign_roster else voted - prov
        blank_total += blank
    not_voted = draw(st.integers(0, 3))
    roster_values = roster(
        signatures=voters + not_voted,
        not_voted=not_voted,
        dropped=draw(st.integers(0, 20)),
        surrendered=draw(st.integers(0, voters)),
    )

    # Each contest: simulate its ballots.
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    sheet_a: list[ContestEntry] = []
    sheet_b: list[ContestEntry] = []
    warnings: set[tuple[str, str]] = set()
    row_id = 1
    for c in contests:
        k = sum(tallied[s] for s in style_ids if c.id in carried[s])
        names: list[str] = []
        if isinstance(c, CandidateContest) and c.unqualified_write_ins:
            names = draw(st.lists(st.sampled_from(WRITE_IN_NAMES), unique=True, max_size=3))
        options = [str(sid) for sid in c.selection_ids] + names
        marks = dict.fromkeys(options, 0)
        overvoted = rng.randint(0, k // 4)
        under = 0
        for _ in range(k - overvoted):
            m = rng.randint(0, min(c.vote_for, len(options)))
            for option in rng.sample(options, m):
                marks[option] += 1
            under += c.vote_for - m
        votes = [marks[str(sid)] for sid in c.selection_ids]
        rows = [(name, marks[name]) for name in names]
        entry = contest_entry(
            c,
            votes,
            ballots=k,
            under=under,
            over=overvoted * c.vote_for,
            write_ins=rows,
            first_row_id=row_id,
        )
        rows_b = [(_sheet_b_name(name, i), count) for i, (name, count) in enumerate(rows)]
        entry_b = contest_entry(
            c,
            votes,
            ballots=k,
            under=under,
            over=overvoted * c.vote_for,
            write_ins=rows_b,
            first_row_id=row_id + 100,
        )
        row_id += len(rows)
        sheet_a.append(entry)
        sheet_b.append(entry_b)
        if sum(count for _, count in rows) > 0:
            warnings.add(("a14_listed_not_counted", f"contest:{c.id}"))

    t_total = sum(tallied.values())
    if blank_total > policy.blank_ballot_warn_fraction * t_total:
        warnings.add(("a13_many_blank", "precinct"))
    if registered is not None and voters > registered:
        warnings.add(("a15_voters_exceed_registered", "precinct"))
    return Scenario(
        defn, PRECINCT, entries(styles, roster_values, sheet_a, sheet_b), frozenset(warnings)
    )
