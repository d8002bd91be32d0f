"""The session's reads for the GUI: readiness to finalize (one rule with ``finalize``),
when it was finalized, the contests missing on sheet B, and the resume bookmark."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.definition.model import CandidateContest
from tally_app.entries import ContestLine, Sheet, StyleField
from tally_app.errors import InputError
from tally_app.session import PrecinctSession
from tests.balanced_precinct import CLOCK_START, INSPECTOR, add_two_members, enter_accounting, start


@pytest.fixture
def session(tmp_path: Path) -> Iterator[PrecinctSession]:
    s = start(tmp_path)
    yield s
    s.close()


def enter_sheet(session: PrecinctSession, sheet: Sheet) -> None:
    contest = session.contests[0]
    assert isinstance(contest, CandidateContest)
    ahn, gomez = (c.id for c in contest.on_ballot)
    session.set_vote(sheet, contest.id, ahn, 100, INSPECTOR)
    session.set_vote(sheet, contest.id, gomez, 142, INSPECTOR)
    session.set_line(sheet, contest.id, ContestLine.UNDERVOTES, 4, INSPECTOR)
    session.set_line(sheet, contest.id, ContestLine.OVERVOTES, 1, INSPECTOR)
    session.sync_contest_ballots(contest.id, sheet, INSPECTOR)


def refusal(session: PrecinctSession, confirmers: tuple[int, int]) -> str:
    with pytest.raises(InputError) as err:
        session.finalize(confirmers, INSPECTOR)
    return err.value.code


def test_readiness_is_the_rule_finalize_applies(session: PrecinctSession) -> None:
    ready = session.readiness()
    assert ready.blockers and ready.blank > 10 and ready.members == 0
    assert ready.trusted and ready.open_for_finalize and not ready.can_finalize
    assert refusal(session, (1, 2)) == "finalize_blocked"

    enter_accounting(session)
    enter_sheet(session, Sheet.A)
    cid = session.contests[0].id
    assert session.b_missing_contests() == (cid,)
    enter_sheet(session, Sheet.B)
    assert session.b_missing_contests() == ()
    ready = session.readiness()
    assert (ready.blockers, ready.unexplained, ready.blank) == ((), (), 0)
    assert not ready.has_two_members and not ready.can_finalize
    assert refusal(session, (1, 2)) == "finalize_confirmers"

    a, b = add_two_members(session)
    ready = session.readiness()
    assert ready.has_two_members and ready.can_finalize
    assert session.finalized_at() is None
    session.finalize((a, b), INSPECTOR)
    ready = session.readiness()
    assert ready.state == "finalized" and not ready.open_for_finalize and not ready.can_finalize
    assert refusal(session, (a, b)) == "already_finalized"


def test_an_unexplained_discrepancy_is_in_readiness(session: PrecinctSession) -> None:
    enter_accounting(session)
    enter_sheet(session, Sheet.A)
    enter_sheet(session, Sheet.B)
    a, b = add_two_members(session)
    style = session.precinct.ballot_style_ids[0]
    session.set_style_field(style, StyleField.RECEIVED, 301, INSPECTOR)  # A1 off by one
    ready = session.readiness()
    assert [f.rule.value for f in ready.unexplained] == ["A1"] and not ready.blockers
    assert not ready.can_finalize
    assert refusal(session, (a, b)) == "finalize_unexplained"
    session.add_explanation(ready.unexplained[0], "One ballot stuck to another.", [a, b], INSPECTOR)
    assert session.readiness().can_finalize


def test_finalized_at_is_the_moment_of_the_last_lock(session: PrecinctSession) -> None:
    enter_accounting(session)
    enter_sheet(session, Sheet.A)
    enter_sheet(session, Sheet.B)
    a, b = add_two_members(session)
    session.finalize((a, b), INSPECTOR)
    locked = session.store.audit_events()[-1]
    assert locked.details["to"] == "finalized"
    moment = session.finalized_at()
    assert moment is not None and moment == datetime.fromisoformat(locked.at)
    assert CLOCK_START < moment < CLOCK_START + timedelta(hours=1)
    session.begin_correction("Recount", Actor("Sam Okafor", "supervisor"))
    assert session.finalized_at() is None  # open again for the correction


def test_resume_page_is_kept_in_the_file(tmp_path: Path, session: PrecinctSession) -> None:
    before = session.resume_page  # read once: a property, not narrowed by mypy
    assert before is None
    events = len(session.store.audit_events())
    session.set_resume_page("contest:B:us-rep-cd34")
    assert session.resume_page == "contest:B:us-rep-cd34"
    assert len(session.store.audit_events()) == events  # a bookmark, not an audit event
    path = session.path
    session.close()
    with service.open_precinct(path) as again:
        assert again.resume_page == "contest:B:us-rep-cd34"
