"""Small election definitions and precinct files for the store and audit tests.

Definitions are built directly from the model dataclasses (not through the JSON loader),
with ``fingerprint`` = SHA-256 of the bytes chosen as ``source_bytes``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tally_app.audit.events import Actor
from tally_app.clock import FixedClock
from tally_app.definition.model import (
    BallotStyle,
    BallotStyleId,
    BoardRole,
    Candidate,
    CandidateContest,
    ContestId,
    District,
    DistrictId,
    ElectionDefinition,
    ElectionId,
    Jurisdiction,
    MeasureContest,
    MeasureOption,
    Party,
    PartyId,
    Policy,
    Precinct,
    PrecinctId,
    RoleId,
    SelectionId,
)
from tally_app.store.precinct_store import PrecinctStore

INSPECTOR = Actor("Ana Inspector", "inspector")
CLERK = Actor("Bo Clerk", "clerk")
SUPERVISOR = Actor("Sam Supervisor", "supervisor")

HOUSE = ContestId("house-34")
MEASURE = ContestId("measure-h")
COUNCIL = ContestId("council-2")  # only on style "bs-2"
STYLE_1 = BallotStyleId("bs-1")
STYLE_2 = BallotStyleId("bs-2")
PRECINCT = PrecinctId("0850001A")
AHN = SelectionId("ahn")
GOMEZ = SelectionId("gomez")
PARK = SelectionId("c-park")


def small_definition(source: bytes = b'{"election": "test-2026"}') -> ElectionDefinition:
    """Two styles, three contests: a candidate contest with a qualified write-in and
    unqualified write-ins, a measure, and a vote-for-2 contest on one style only."""
    house = CandidateContest(
        id=HOUSE,
        title="United States Representative, 34th District",
        district_id=DistrictId("cd-34"),
        vote_for=1,
        candidates=(
            Candidate(SelectionId("ahn"), "Robert Lee Ahn", PartyId("dem")),
            Candidate(SelectionId("gomez"), "Jimmy Gomez", PartyId("dem")),
            Candidate(
                SelectionId("walker"), 'Michelle "Hope" Walker', PartyId("dem"), write_in=True
            ),
        ),
        unqualified_write_ins=True,
    )
    measure = MeasureContest(
        id=MEASURE,
        title="Measure H",
        district_id=DistrictId("county"),
        text="Shall the county ...?",
        options=(
            MeasureOption(SelectionId("h-yes"), "Yes"),
            MeasureOption(SelectionId("h-no"), "No"),
        ),
    )
    council = CandidateContest(
        id=COUNCIL,
        title="City Council, District 2",
        district_id=DistrictId("council-2"),
        vote_for=2,
        candidates=(
            Candidate(SelectionId("c-lee"), "Kim Lee", None),
            Candidate(SelectionId("c-ortiz"), "Luis Ortiz", None),
            Candidate(SelectionId("c-park"), "Jin Park", None),
        ),
        unqualified_write_ins=False,
    )
    return ElectionDefinition(
        id=ElectionId("test-2026"),
        title="Test Election",
        date="2026-11-03",
        type="general",
        jurisdiction=Jurisdiction("Los Angeles", "California", "CA"),
        districts=(
            District(DistrictId("cd-34"), "Congressional District 34", "congressional"),
            District(DistrictId("county"), "Los Angeles County", "county"),
            District(DistrictId("council-2"), "Council District 2", "city"),
        ),
        parties=(Party(PartyId("dem"), "Democratic", "DEM"),),
        contests=(house, measure, council),
        ballot_styles=(
            BallotStyle(STYLE_1, (HOUSE, MEASURE)),
            BallotStyle(STYLE_2, (HOUSE, MEASURE, COUNCIL)),
        ),
        precincts=(
            Precinct(PRECINCT, "", (STYLE_1, STYLE_2), registered_voters=1200),
            Precinct(PrecinctId("0850002B"), "", (STYLE_1,)),
        ),
        board_roles=(
            BoardRole(RoleId("inspector"), "Inspector"),
            BoardRole(RoleId("clerk"), "Clerk", 1, 4),
        ),
        policy=Policy(),
        fingerprint=hashlib.sha256(source).hexdigest(),
        source_bytes=source,
    )


def fixed_clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 3, 20, 0, tzinfo=UTC), timedelta(seconds=1))


def new_store(
    tmp_path: Path, name: str = "precinct.sqlite", *, clock: FixedClock | None = None
) -> PrecinctStore:
    return PrecinctStore.create(
        tmp_path / name, small_definition(), PRECINCT, clock=clock or fixed_clock(), actor=INSPECTOR
    )
