"""One user action = one transaction holding the change AND its audit event (STYLE §6).

After sqlite-utils' test_mutator_transactions: one parametrized check over every write path.
Each action must add exactly one audit row, in the same transaction as its change; if the
audit insert fails (a trigger added here makes it fail), the change is rolled back too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tally_app.audit.catalogue import EventId
from tally_app.entries import ContestLine, RosterField, Sheet, StyleField
from tally_app.store.precinct_store import PrecinctStore
from tests.store_factories import (
    AHN,
    CLERK,
    GOMEZ,
    HOUSE,
    INSPECTOR,
    STYLE_1,
    SUPERVISOR,
    new_store,
)


@dataclass(frozen=True)
class Case:
    name: str
    event: EventId
    action: Callable[[PrecinctStore, int], object]
    changed: Callable[[PrecinctStore, int], bool]
    setup: Callable[[PrecinctStore], int] = lambda store: 0


def _house(store: PrecinctStore, sheet: Sheet = Sheet.A):  # type: ignore[no-untyped-def]
    entry = store.snapshot().contest(sheet, HOUSE)
    assert entry is not None
    return entry


def _set_ab(store: PrecinctStore) -> int:
    store.set_vote(Sheet.A, HOUSE, "gomez", 5, CLERK)
    store.set_vote(Sheet.B, HOUSE, "gomez", 6, CLERK)
    return 0


def _reconciled(store: PrecinctStore) -> int:
    store.transition("reconciled", INSPECTOR)
    return 0


def _finalize(store: PrecinctStore) -> int:
    store.transition("reconciled", INSPECTOR)
    store.transition("finalized", INSPECTOR)
    return 0


CASES = [
    Case(
        "set_style_field",
        EventId.ACCOUNTING_FIELD_SET,
        lambda s, _: s.set_style_field(STYLE_1, StyleField.RECEIVED, 5, CLERK),
        lambda s, _: s.snapshot().styles[STYLE_1][StyleField.RECEIVED] == 5,
    ),
    Case(
        "set_roster_field",
        EventId.ACCOUNTING_FIELD_SET,
        lambda s, _: s.set_roster_field(RosterField.SIGNATURES, 40, CLERK),
        lambda s, _: s.snapshot().roster[RosterField.SIGNATURES] == 40,
    ),
    Case(
        "add_unused_range",
        EventId.ACCOUNTING_RANGE_ADDED,
        lambda s, _: s.add_unused_range(STYLE_1, 100, 149, CLERK),
        lambda s, _: len(s.snapshot().styles[STYLE_1].unused_ranges) == 1,
    ),
    Case(
        "remove_unused_range",
        EventId.ACCOUNTING_RANGE_REMOVED,
        lambda s, rid: s.remove_unused_range(rid, CLERK),
        lambda s, _: s.snapshot().styles[STYLE_1].unused_ranges == (),
        setup=lambda s: s.add_unused_range(STYLE_1, 1, 2, CLERK),
    ),
    Case(
        "set_vote",
        EventId.CONTEST_VOTE_SET,
        lambda s, _: s.set_vote(Sheet.A, HOUSE, "ahn", 3, CLERK),
        lambda s, _: _house(s).votes[AHN] == 3,
    ),
    Case(
        "set_line",
        EventId.CONTEST_LINE_SET,
        lambda s, _: s.set_line(Sheet.A, HOUSE, ContestLine.BALLOTS, 9, CLERK, reason="recounted"),
        lambda s, _: _house(s).ballots == 9,
    ),
    Case(
        "add_write_in",
        EventId.CONTEST_WRITE_IN_ADDED,
        lambda s, _: s.add_write_in(Sheet.A, HOUSE, "Donald Duck", CLERK),
        lambda s, _: len(_house(s).write_ins) == 1,
    ),
    Case(
        "set_write_in",
        EventId.CONTEST_WRITE_IN_CHANGED,
        lambda s, wid: s.set_write_in(wid, count=4, actor=CLERK),
        lambda s, _: _house(s).write_ins[0].count == 4,
        setup=lambda s: s.add_write_in(Sheet.A, HOUSE, "Donald Duck", CLERK),
    ),
    Case(
        "remove_write_in",
        EventId.CONTEST_WRITE_IN_REMOVED,
        lambda s, wid: s.remove_write_in(wid, CLERK),
        lambda s, _: _house(s).write_ins == (),
        setup=lambda s: s.add_write_in(Sheet.A, HOUSE, "Donald Duck", CLERK),
    ),
    Case(
        "fill_blanks_with_zero",
        EventId.ENTRY_BLANKS_FILLED,
        lambda s, _: s.fill_blanks_with_zero(CLERK, sheet=Sheet.B),
        lambda s, _: _house(s, Sheet.B).votes[AHN] == 0,
    ),
    Case(
        "resolve_difference",
        EventId.DOUBLE_ENTRY_DIFFERENCE_RESOLVED,
        lambda s, _: s.resolve_difference(HOUSE, "gomez", 5, "A", INSPECTOR),
        lambda s, _: _house(s, Sheet.B).votes[GOMEZ] == 5,
        setup=_set_ab,
    ),
    Case(
        "add_board_member",
        EventId.BOARD_MEMBER_ADDED,
        lambda s, _: s.add_board_member("Cy Clerk", "clerk", INSPECTOR),
        lambda s, _: len(s.board()) == 1,
    ),
    Case(
        "remove_board_member",
        EventId.BOARD_MEMBER_REMOVED,
        lambda s, mid: s.remove_board_member(mid, INSPECTOR),
        lambda s, _: s.board() == (),
        setup=lambda s: s.add_board_member("Cy Clerk", "clerk", INSPECTOR),
    ),
    Case(
        "add_seal",
        EventId.SEAL_ADDED,
        lambda s, _: s.add_seal("ballot box", "SEAL-0042", INSPECTOR),
        lambda s, _: len(s.seals()) == 1,
    ),
    Case(
        "remove_seal",
        EventId.SEAL_REMOVED,
        lambda s, sid: s.remove_seal(sid, INSPECTOR),
        lambda s, _: s.seals() == (),
        setup=lambda s: s.add_seal("ballot box", "SEAL-0042", INSPECTOR),
    ),
    Case(
        "add_explanation",
        EventId.EXPLANATION_ADDED,
        lambda s, mid: s.add_explanation("A1", "style:bs-1", "One ballot torn.", [mid], INSPECTOR),
        lambda s, _: len(s.explanations()) == 1,
        setup=lambda s: s.add_board_member("Cy Clerk", "clerk", INSPECTOR),
    ),
    Case(
        "transition",
        EventId.STATE_CHANGED,
        lambda s, _: s.transition("reconciled", INSPECTOR),
        lambda s, _: s.state == "reconciled",
    ),
    Case(
        "begin_correction",
        EventId.CORRECTION_STARTED,
        lambda s, _: s.begin_correction("Sheet A misread", SUPERVISOR),
        lambda s, _: s.state == "counting" and s.amended,
        setup=_finalize,
    ),
    Case(
        "finalize",
        EventId.STATE_CHANGED,
        lambda s, _: s.finalize(INSPECTOR, {"confirmed_by": ["Ana", "Bo"]}),
        lambda s, _: s.state == "finalized",
        setup=_reconciled,
    ),
    Case(
        "record_event",
        EventId.REPORT_PRINTED,
        lambda s, _: s.record_event(EventId.REPORT_PRINTED, INSPECTOR, {"document": "tally sheet"}),
        lambda s, _: any(e.event == "report.printed" for e in s.audit_events()),
    ),
]


def _count_events(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM audit_event").fetchone()[0])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_action_writes_exactly_one_event_with_its_change(tmp_path: Path, case: Case) -> None:
    with new_store(tmp_path) as store:
        ctx = case.setup(store)
        before = _count_events(store.path)
        assert not case.changed(store, ctx)
        case.action(store, ctx)
        # Read by another connection: both the change and the event are committed.
        assert _count_events(store.path) == before + 1
        assert case.changed(store, ctx)
        last = store.audit_events()[-1]
        assert last.event == case.event
        assert last.disposition == "success"
        assert last.actor and last.role


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_action_is_rolled_back_when_its_event_cannot_be_written(tmp_path: Path, case: Case) -> None:
    with new_store(tmp_path) as store:
        ctx = case.setup(store)
        before = _count_events(store.path)
        with sqlite3.connect(store.path) as conn:
            conn.execute(
                "CREATE TRIGGER test_audit_fails BEFORE INSERT ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'audit write failed'); END"
            )
        with pytest.raises(sqlite3.IntegrityError, match="audit write failed"):
            case.action(store, ctx)
        assert _count_events(store.path) == before
        assert not case.changed(store, ctx)
        with sqlite3.connect(store.path) as conn:
            conn.execute("DROP TRIGGER test_audit_fails")
        # The store is still usable after the rollback.
        case.action(store, ctx)
        assert case.changed(store, ctx)


def test_every_mutating_method_is_covered() -> None:
    mutators = {
        "set_style_field", "set_roster_field", "add_unused_range", "remove_unused_range",
        "set_vote", "set_line", "add_write_in", "set_write_in", "remove_write_in",
        "fill_blanks_with_zero", "resolve_difference", "add_board_member",
        "remove_board_member", "add_seal", "remove_seal", "add_explanation", "transition",
        "begin_correction", "record_event", "finalize",
    }  # fmt: skip
    assert mutators == {c.name for c in CASES}
    public = {n for n in vars(PrecinctStore) if not n.startswith("_")}
    assert mutators <= public


def test_an_edit_while_reconciled_returns_to_counting_in_the_same_transaction(
    tmp_path: Path,
) -> None:
    with new_store(tmp_path) as store:
        store.transition("reconciled", INSPECTOR)
        before = _count_events(store.path)
        store.set_vote(Sheet.A, HOUSE, "ahn", 1, CLERK)
        assert store.state == "counting"
        events = store.audit_events()[before:]
        assert [e.event for e in events] == ["state.changed", "contest.vote_set"]
        assert events[0].details["cause"] == "edit"


def test_review_records_do_not_undo_reconciled(tmp_path: Path) -> None:
    """Explanations, seals and board members are added during review, before finalizing."""
    with new_store(tmp_path) as store:
        member = store.add_board_member("Ana", "inspector", INSPECTOR)
        store.transition("reconciled", INSPECTOR)
        store.add_explanation("A1", "precinct", "One ballot torn.", [member], INSPECTOR)
        store.add_seal("ballot box", "S-9", INSPECTOR)
        store.add_board_member("Bo", "clerk", INSPECTOR)
        assert store.state == "reconciled"
        store.transition("finalized", INSPECTOR)
        assert store.state == "finalized"
