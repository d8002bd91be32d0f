"""The state machine: allowed and refused transitions, the lock, and corrections."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from tally_app.entries import Sheet, StyleField
from tally_app.errors import InputError
from tally_app.store.precinct_store import PrecinctStore
from tally_app.store.states import ALLOWED, State
from tests.store_factories import CLERK, HOUSE, INSPECTOR, STYLE_1, SUPERVISOR, new_store

# The shortest path from counting to each state.
PATH_TO = {
    State.COUNTING: [],
    State.RECONCILED: [State.RECONCILED],
    State.FINALIZED: [State.RECONCILED, State.FINALIZED],
    State.EXPORTED: [State.RECONCILED, State.FINALIZED, State.EXPORTED],
}
EXPECTED_ALLOWED = {
    (State.COUNTING, State.RECONCILED),
    (State.RECONCILED, State.COUNTING),
    (State.RECONCILED, State.FINALIZED),
    (State.FINALIZED, State.EXPORTED),
}


def _store_in(tmp_path: Path, state: State) -> PrecinctStore:
    store = new_store(tmp_path)
    for step in PATH_TO[state]:
        store.transition(step, INSPECTOR)
    assert store.state == state
    return store


def test_the_table_is_the_documented_one() -> None:
    assert {(a, b) for a, targets in ALLOWED.items() for b in targets} == EXPECTED_ALLOWED


@pytest.mark.parametrize(("start", "target"), list(itertools.product(State, State)))
def test_transition(tmp_path: Path, start: State, target: State) -> None:
    with _store_in(tmp_path, start) as store:
        before = len(store.audit_events())
        if (start, target) in EXPECTED_ALLOWED:
            store.transition(target, INSPECTOR, details={"confirmed_by": ["Ana", "Bo"]})
            assert store.state == target
            event = store.audit_events()[-1]
            assert (event.event, event.disposition) == ("state.changed", "success")
            assert event.details["from"] == start and event.details["to"] == target
            assert event.details["confirmed_by"] == ["Ana", "Bo"]
        else:
            with pytest.raises(InputError) as caught:
                store.transition(target, INSPECTOR)
            assert caught.value.code == "bad_transition"
            assert store.state == start
            event = store.audit_events()[-1]
            assert len(store.audit_events()) == before + 1
            assert (event.event, event.disposition) == ("state.changed", "failure")
            assert event.details["error"] == "bad_transition"


def test_unknown_state_is_a_bad_transition(tmp_path: Path) -> None:
    with new_store(tmp_path) as store, pytest.raises(InputError) as caught:
        store.transition("approved", INSPECTOR)
    assert caught.value.code == "bad_transition"


@pytest.mark.parametrize("state", [State.FINALIZED, State.EXPORTED])
def test_edits_are_refused_when_locked_and_the_refusal_is_logged(
    tmp_path: Path, state: State
) -> None:
    with _store_in(tmp_path, state) as store:
        store.set_resume_page("print")  # the UI bookmark is not an entry
        before = store.snapshot()
        attempts = [
            lambda: store.set_vote(Sheet.A, HOUSE, "gomez", 99, CLERK),
            lambda: store.set_style_field(STYLE_1, StyleField.RECEIVED, 1, CLERK),
            lambda: store.add_write_in(Sheet.A, HOUSE, "Late Name", CLERK),
            lambda: store.fill_blanks_with_zero(CLERK, accounting=True),
            lambda: store.add_board_member("Late Member", "clerk", CLERK),
            lambda: store.add_seal("box", "S-1", CLERK),
            lambda: store.add_unused_range(STYLE_1, 1, 5, CLERK),
        ]
        for attempt in attempts:
            count = len(store.audit_events())
            with pytest.raises(InputError) as caught:
                attempt()
            assert caught.value.code == "precinct_locked"
            events = store.audit_events()
            assert len(events) == count + 1
            assert events[-1].disposition == "failure"
            assert events[-1].details["error"] == "precinct_locked"
        assert store.snapshot() == before
        assert store.resume_page == "print"


def test_the_sql_trigger_alone_refuses_a_direct_write(tmp_path: Path) -> None:
    store = _store_in(tmp_path, State.FINALIZED)
    store.close()
    conn = sqlite3.connect(tmp_path / "precinct.sqlite")
    try:
        for sql in (
            "UPDATE selection_count SET value = 5",
            "DELETE FROM style_count",
            "INSERT INTO seal (purpose, number) VALUES ('box', '1')",
            "INSERT INTO write_in (sheet, contest_id, name) VALUES ('A', 'house-34', 'X')",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="precinct is locked"):
                conn.execute(sql)
    finally:
        conn.close()


def test_trigger_backstop_maps_to_precinct_locked(tmp_path: Path) -> None:
    """Even when the Python check is bypassed, the store reports a clear InputError."""
    store = _store_in(tmp_path, State.FINALIZED)
    try:
        with pytest.raises(InputError) as caught, store._guard(), store._db.atomic():
            store._db.execute("UPDATE selection_count SET value = 5")
        assert caught.value.code == "precinct_locked"
    finally:
        store.close()


def test_correction_unlocks_and_marks_amended(tmp_path: Path) -> None:
    with _store_in(tmp_path, State.EXPORTED) as store:
        assert store.amended is False
        correction_id = store.begin_correction("  Gomez count misread on sheet A ", SUPERVISOR)
        assert (store.state, store.amended) == ("counting", True)
        assert store.set_vote(Sheet.A, HOUSE, "gomez", 10, CLERK) is True
        (correction,) = store.corrections()
        assert correction.id == correction_id
        assert correction.reason == "Gomez count misread on sheet A"
        assert (correction.actor, correction.role, correction.from_state) == (
            "Sam Supervisor",
            "supervisor",
            "exported",
        )
        event = [e for e in store.audit_events() if e.event == "correction.started"][-1]
        assert event.details["reason"] == correction.reason
        # amended stays set through the next finalize
        store.transition("reconciled", INSPECTOR)
        store.transition("finalized", INSPECTOR)
        assert store.amended is True


def test_correction_needs_a_reason_and_a_locked_precinct(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        with pytest.raises(InputError) as caught:
            store.begin_correction("   ", SUPERVISOR)
        assert caught.value.code == "reason_required"
        with pytest.raises(InputError) as caught:
            store.begin_correction("no reason to unlock", SUPERVISOR)
        assert caught.value.code == "bad_transition"
        last = store.audit_events()[-1]
        assert (last.event, last.disposition) == ("correction.started", "failure")
        assert store.amended is False
