"""One balanced precinct for the facade-level tests: the numbers, and how to enter them.

300 ballots received, 250 voted (2 provisional envelopes, 1 rejected), 5 spoiled, 45 unused
with serials 1001–1045; 250 roster signatures, 2 signed but did not vote; so T = 247 ballots
hand-tallied. The CA-34 runoff contest on it: Ahn 100, Gomez 140, one write-in name with 2,
undervotes 4, overvotes 1 (= 247).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.clock import FixedClock
from tally_app.definition.model import CandidateContest, ElectionDefinition
from tally_app.entries import ContestLine, RosterField, Sheet, StyleField
from tally_app.session import PrecinctSession

INSPECTOR = Actor("Maria Lopez", "inspector")
CLOCK_START = datetime(2017, 6, 6, 20, 0, tzinfo=UTC)

ACCOUNTING = {
    StyleField.RECEIVED: 300,
    StyleField.VOTED: 250,
    StyleField.PROVISIONAL: 2,
    StyleField.REJECTED: 1,
    StyleField.SPOILED: 5,
    StyleField.UNUSED: 45,
    StyleField.BLANK: 1,
    StyleField.PROVISIONAL_ISSUED: 2,
}
ROSTER = {
    RosterField.SIGNATURES: 250,
    RosterField.NOT_VOTED: 2,
    RosterField.VBM_DROPPED: 12,
    RosterField.VBM_SURRENDERED: 3,
}
T = 250 - 2 - 1  # ballots hand-tallied: 247


def start(tmp_path: Path, definition: ElectionDefinition | None = None) -> PrecinctSession:
    """The first precinct of ``definition`` (default: CA-34 runoff), on a ticking fixed clock."""
    definition = definition or service.default_definition()
    clock = FixedClock(CLOCK_START, timedelta(seconds=1))
    return service.start_precinct(
        tmp_path, definition, definition.precincts[0].id, actor=INSPECTOR, clock=clock
    )


def enter_accounting(session: PrecinctSession) -> None:
    style = session.precinct.ballot_style_ids[0]
    for f, v in ACCOUNTING.items():
        session.set_style_field(style, f, v, INSPECTOR)
    session.add_unused_range(style, 1001, 1045, INSPECTOR)
    for roster_field, v in ROSTER.items():
        session.set_roster_field(roster_field, v, INSPECTOR)


def enter_contest(
    session: PrecinctSession,
    sheet: Sheet,
    votes: Mapping[str, int],
    write_ins: Mapping[str, int],
    *,
    under: int,
    over: int,
) -> None:
    """The precinct's first contest on one sheet, with K = T."""
    contest = session.contests[0]
    for selection_id, count in votes.items():
        session.set_vote(sheet, contest.id, selection_id, count, INSPECTOR)
    for name, count in write_ins.items():
        session.add_write_in(sheet, contest.id, name, INSPECTOR)
        wid = session.entries().sheets[sheet][contest.id].write_ins[-1].id
        session.set_write_in(wid, count=count, actor=INSPECTOR)
    session.set_line(sheet, contest.id, ContestLine.UNDERVOTES, under, INSPECTOR)
    session.set_line(sheet, contest.id, ContestLine.OVERVOTES, over, INSPECTOR)
    session.set_line(sheet, contest.id, ContestLine.BALLOTS, T, INSPECTOR)


def enter_balanced(session: PrecinctSession, *, ahn_on_b: int = 100) -> None:
    """The whole CA-34 runoff precinct on both sheets; ``ahn_on_b`` ≠ 100 makes them differ."""
    enter_accounting(session)
    contest = session.contests[0]
    assert isinstance(contest, CandidateContest)
    ahn, gomez = (c.id for c in contest.on_ballot)
    for sheet, ahn_votes in ((Sheet.A, 100), (Sheet.B, ahn_on_b)):
        enter_contest(
            session, sheet, {ahn: ahn_votes, gomez: 140}, {"Mickey Mouse": 2}, under=4, over=1
        )


def add_two_members(session: PrecinctSession) -> tuple[int, int]:
    a = session.add_board_member("Maria Lopez", "inspector", INSPECTOR)
    b = session.add_board_member("Sam Park", session.definition.board_roles[1].id, INSPECTOR)
    return a, b
