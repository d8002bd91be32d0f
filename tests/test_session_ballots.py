"""K (ballots tallied for a contest) follows the ballot accounting until a worker types it.

Review of issue 3, item 2a: a K filled in once from the accounting went stale when the
accounting was corrected, and the page then asked for a reason nobody had.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.clock import FixedClock
from tally_app.definition.model import ContestId, RuleId
from tally_app.entries import ContestLine, Sheet, StyleField
from tally_app.session import AUTO_BALLOTS_REASON, PrecinctSession
from tests.store_factories import COUNCIL, HOUSE, STYLE_1, STYLE_2, small_definition

KEEPER = Actor("Sam Park", "tally_keeper_a")
CLOCK = FixedClock(datetime(2017, 6, 6, 20, 0, tzinfo=UTC), timedelta(seconds=1))


@pytest.fixture
def session(tmp_path: Path) -> Iterator[PrecinctSession]:
    definition = service.default_definition()
    s = service.start_precinct(
        tmp_path, definition, definition.precincts[0].id, actor=KEEPER, clock=CLOCK
    )
    yield s
    s.close()


def set_tallied(session: PrecinctSession, style_id: str, voted: int) -> None:
    """An accounting where T = voted − 2 provisional − 1 rejected."""
    for field, value in (
        (StyleField.VOTED, voted),
        (StyleField.PROVISIONAL, 2),
        (StyleField.REJECTED, 1),
    ):
        session.set_style_field(style_id, field, value, KEEPER)


def k_of(session: PrecinctSession, contest_id: str, sheet: Sheet = Sheet.A) -> int | None:
    entry = session.entries().contest(sheet, ContestId(contest_id))
    return None if entry is None else entry.ballots


def test_automatic_k_follows_the_accounting(session: PrecinctSession) -> None:
    cid = session.contests[0].id
    style = session.precinct.ballot_style_ids[0]
    # Nothing to fill while the accounting is incomplete.
    assert not session.sync_contest_ballots(cid, Sheet.A, KEEPER)
    assert k_of(session, cid) is None

    set_tallied(session, style, 250)
    assert session.sync_contest_ballots(cid, Sheet.A, KEEPER)
    assert k_of(session, cid) == 247
    override = session.ballots_override(cid, Sheet.A)
    assert (override.k, override.t, override.automatic) == (247, 247, True)
    assert override.reason is None and not override.reason_needed
    assert session.override_reason(cid, Sheet.A) is None  # the marker is not a reason
    assert not session.sync_contest_ballots(cid, Sheet.A, KEEPER)  # already up to date

    # The accounting is corrected (E14: V 250 → 251): K follows, no reason is asked.
    set_tallied(session, style, 251)
    assert session.ballots_override(cid, Sheet.A).k == 247  # until the next sync
    assert session.sync_contest_ballots(cid, Sheet.A, KEEPER)
    override = session.ballots_override(cid, Sheet.A)
    assert (override.k, override.t, override.automatic, override.reason_needed) == (
        248,
        248,
        True,
        False,
    )
    assert not [f for f in session.contest_findings(cid, Sheet.A) if f.rule is RuleId.A3]
    # The store keeps the marker with K, and the audit log says so.
    stored = session.store.override_reasons()[(Sheet.A, cid, ContestLine.BALLOTS)]
    assert stored == AUTO_BALLOTS_REASON
    last = session.store.audit_events()[-1]
    assert last.details["new"] == 248 and last.details["reason"] == AUTO_BALLOTS_REASON


def test_a_typed_k_is_never_overwritten(session: PrecinctSession) -> None:
    cid = session.contests[0].id
    style = session.precinct.ballot_style_ids[0]
    set_tallied(session, style, 250)
    session.sync_contest_ballots(cid, Sheet.A, KEEPER)
    # The worker types 245: the marker goes, the reason rule applies.
    assert session.set_contest_ballots(cid, Sheet.A, 245, KEEPER)
    override = session.ballots_override(cid, Sheet.A)
    assert (override.k, override.t, override.automatic, override.reason_needed) == (
        245,
        247,
        False,
        True,
    )
    set_tallied(session, style, 260)
    assert not session.sync_contest_ballots(cid, Sheet.A, KEEPER)
    assert k_of(session, cid) == 245
    # A reason given: no longer needed, and kept with K.
    assert session.set_contest_ballots(cid, Sheet.A, 245, KEEPER, reason=" Two ballots torn ")
    override = session.ballots_override(cid, Sheet.A)
    assert override.reason == "Two ballots torn" and not override.reason_needed
    assert session.override_reason(cid, Sheet.A) == "Two ballots torn"
    # Typed back to the accounting's number: the reason is dropped, K stays typed.
    assert session.set_contest_ballots(cid, Sheet.A, 257, KEEPER, reason="Two ballots torn")
    override = session.ballots_override(cid, Sheet.A)
    assert (override.k, override.reason, override.automatic) == (257, None, False)
    set_tallied(session, style, 261)
    assert not session.sync_contest_ballots(cid, Sheet.A, KEEPER)
    assert session.ballots_override(cid, Sheet.A).reason_needed


def test_writing_back_the_automatic_k_keeps_it_automatic(session: PrecinctSession) -> None:
    cid = session.contests[0].id
    set_tallied(session, session.precinct.ballot_style_ids[0], 250)
    session.sync_contest_ballots(cid, Sheet.A, KEEPER)
    events = len(session.store.audit_events())
    # A reason typed while K equals the accounting is not kept, and K still follows T.
    assert not session.set_contest_ballots(cid, Sheet.A, 247, KEEPER, reason="no need")
    assert session.ballots_override(cid, Sheet.A).automatic
    assert len(session.store.audit_events()) == events


def test_a_blank_k_is_filled_again_and_each_sheet_on_its_own(session: PrecinctSession) -> None:
    cid = session.contests[0].id
    set_tallied(session, session.precinct.ballot_style_ids[0], 250)
    assert session.sync_contest_ballots(cid, Sheet.B, KEEPER)
    assert (k_of(session, cid, Sheet.A), k_of(session, cid, Sheet.B)) == (None, 247)
    session.set_contest_ballots(cid, Sheet.B, None, KEEPER)  # the worker cleared it
    assert k_of(session, cid, Sheet.B) is None
    assert session.sync_contest_ballots(cid, Sheet.B, KEEPER)
    assert session.ballots_override(cid, Sheet.B).automatic


def test_a5_k_follows_only_the_styles_carrying_the_contest(tmp_path: Path) -> None:
    with service.start_precinct(
        tmp_path, small_definition(), "0850001A", actor=KEEPER, clock=CLOCK
    ) as s:
        set_tallied(s, STYLE_1, 100)
        set_tallied(s, STYLE_2, 50)
        assert s.sync_contest_ballots(COUNCIL, Sheet.A, KEEPER)
        assert s.sync_contest_ballots(HOUSE, Sheet.A, KEEPER)
        assert (k_of(s, COUNCIL), k_of(s, HOUSE)) == (47, 144)
        set_tallied(s, STYLE_2, 60)
        assert s.sync_contest_ballots(COUNCIL, Sheet.A, KEEPER)
        assert k_of(s, COUNCIL) == 57


def test_a_locked_precinct_is_left_alone(session: PrecinctSession) -> None:
    cid = session.contests[0].id
    set_tallied(session, session.precinct.ballot_style_ids[0], 250)
    session.sync_contest_ballots(cid, Sheet.A, KEEPER)
    set_tallied(session, session.precinct.ballot_style_ids[0], 251)
    session.store.transition("reconciled", KEEPER)
    session.store.transition("finalized", KEEPER)
    events = len(session.store.audit_events())
    assert not session.sync_contest_ballots(cid, Sheet.A, KEEPER)
    assert k_of(session, cid) == 247
    assert len(session.store.audit_events()) == events  # not even a refused write


def test_a_k_settled_between_the_sheets_stops_following(session: PrecinctSession) -> None:
    cid = session.contests[0].id
    set_tallied(session, session.precinct.ballot_style_ids[0], 250)
    session.sync_contest_ballots(cid, Sheet.A, KEEPER)
    session.set_contest_ballots(cid, Sheet.B, 240, KEEPER, reason="recounted")
    session.resolve_difference(cid, ContestLine.BALLOTS.value, 240, "B", KEEPER)
    assert (k_of(session, cid, Sheet.A), k_of(session, cid, Sheet.B)) == (240, 240)
    assert not session.ballots_override(cid, Sheet.A).automatic
    assert not session.sync_contest_ballots(cid, Sheet.A, KEEPER)
    assert k_of(session, cid, Sheet.A) == 240


def test_the_automatic_k_survives_reopening(tmp_path: Path, session: PrecinctSession) -> None:
    cid = session.contests[0].id
    set_tallied(session, session.precinct.ballot_style_ids[0], 250)
    session.sync_contest_ballots(cid, Sheet.A, KEEPER)
    path = session.path
    session.close()
    with service.open_precinct(path) as again:
        assert again.store.audit_report.ok  # the marker replays from the audit log
        assert again.ballots_override(cid, Sheet.A).automatic
