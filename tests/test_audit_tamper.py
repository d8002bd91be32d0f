"""Tampering with a real precinct file outside the app is detected on open (DESIGN §7).

Each test acts as an attacker would: plain ``sqlite3``, drop the append-only trigger,
change the log, close; then ``PrecinctStore.open`` must report the problem at the right seq.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tally_app.audit.chain import seal_event
from tally_app.entries import Sheet
from tally_app.errors import InputError
from tally_app.store.precinct_store import PrecinctStore
from tests.store_factories import CLERK, GOMEZ, HOUSE, SUPERVISOR, fixed_clock, new_store


def _make_file(tmp_path: Path, votes: int = 8) -> Path:
    with new_store(tmp_path) as store:
        for value in range(1, votes + 1):
            store.set_vote(Sheet.A, HOUSE, "gomez", value, CLERK)
        return store.path  # events 1..votes+1


def _attack(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        conn.execute("DROP TRIGGER IF EXISTS precinct_definition_fixed")
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def _open(path: Path) -> PrecinctStore:
    return PrecinctStore.open(path, clock=fixed_clock())


def _found(store: PrecinctStore) -> set[tuple[int, str]]:
    return {(p.seq, p.code) for p in store.audit_report.problems}


def test_an_intact_file_is_trusted(tmp_path: Path) -> None:
    path = _make_file(tmp_path)
    with _open(path) as store:
        assert store.audit_report.ok and store.trusted
        with pytest.raises(InputError) as caught:
            store.acknowledge_audit_problems(SUPERVISOR, "nothing wrong")
        assert caught.value.code == "nothing_to_acknowledge"


def test_the_log_is_append_only_inside_sqlite(tmp_path: Path) -> None:
    path = _make_file(tmp_path)
    conn = sqlite3.connect(path)
    try:
        for sql in ("UPDATE audit_event SET actor = 'x' WHERE seq = 2", "DELETE FROM audit_event"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
    finally:
        conn.close()


def test_a_changed_row_is_reported_then_acknowledged_then_a_new_tamper_is_caught(
    tmp_path: Path,
) -> None:
    path = _make_file(tmp_path)
    _attack(
        path,
        """UPDATE audit_event SET details = replace(details, '"new":3', '"new":30')
                     WHERE seq = 4""",
    )
    with _open(path) as store:
        assert _found(store) == {(4, "altered")}
        assert not store.trusted and not store.audit_report.acknowledged
        (problem,) = store.audit_report.problems
        assert problem.message == "Event 4 was changed after it was written."
        # The data is still readable for the supervisor to look at.
        entry = store.snapshot().contest(Sheet.A, HOUSE)
        assert entry is not None and entry.votes[GOMEZ] == 8
        store.acknowledge_audit_problems(SUPERVISOR, "Technician's test edit, witnessed")
        assert (store.trusted, store.audit_report.acknowledged) == (True, True)
        event = store.audit_events()[-1]
        assert event.event == "audit.problems_acknowledged"
        listed = event.details["problems"]
        assert event.actor == "Sam Supervisor"
        assert isinstance(listed, list) and listed[0][:2] == [4, "altered"]
    with _open(path) as store:
        assert _found(store) == {(4, "altered")}
        assert store.audit_report.acknowledged and store.trusted
        store.set_vote(Sheet.A, HOUSE, "ahn", 1, CLERK)
    _attack(path, "DELETE FROM audit_event WHERE seq = 6")
    with _open(path) as store:
        assert _found(store) == {(4, "altered"), (6, "missing")}
        assert not store.trusted


def test_a_deleted_row_is_reported_with_its_seq(tmp_path: Path) -> None:
    path = _make_file(tmp_path)
    _attack(path, "DELETE FROM audit_event WHERE seq = 5")
    with _open(path) as store:
        assert _found(store) == {(5, "missing")}
        assert not store.trusted


def test_reordered_rows_are_reported(tmp_path: Path) -> None:
    path = _make_file(tmp_path)
    _attack(
        path,
        "UPDATE audit_event SET seq = 100 WHERE seq = 3",
        "UPDATE audit_event SET seq = 3 WHERE seq = 4",
        "UPDATE audit_event SET seq = 4 WHERE seq = 100",
    )
    with _open(path) as store:
        found = _found(store)
    assert (3, "altered") in found and (4, "altered") in found
    assert not store.trusted


def test_a_truncated_tail_stays_reported_across_opens(tmp_path: Path) -> None:
    path = _make_file(tmp_path)  # events 1..9
    _attack(path, "DELETE FROM audit_event WHERE seq >= 8")
    with _open(path) as store:
        # The cut events set Gomez to 7 then 8: the replayed log (6, set by event 7) no
        # longer matches the table either.
        assert _found(store) == {(7, "count_mismatch"), (8, "truncated")}
        assert "Events 8 to 9 were removed" in store.audit_report.problems[-1].message
        # Later appends (here the refusal of a write) must not hide it.
        with pytest.raises(InputError) as caught:
            store.set_vote(Sheet.A, HOUSE, "ahn", 1, CLERK)
        assert caught.value.code == "untrusted_file"
    with _open(path) as store:
        assert 8 in {seq for seq, _ in _found(store)}
        assert not store.trusted
        store.acknowledge_audit_problems(SUPERVISOR, "Power cut during a backup restore")
    with _open(path) as store:
        assert store.trusted


def test_rows_forged_past_the_head_stay_reported(tmp_path: Path) -> None:
    path = _make_file(tmp_path)
    conn = sqlite3.connect(path)
    last_seq, last_hash = conn.execute(
        "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    conn.close()
    forged = seal_event(
        last_hash, seq=last_seq + 1, at="2026-11-03T23:00:00+00:00", event="contest.vote_set",
        actor="Mallory", role="clerk", disposition="success", details={"new": 500},
    )  # fmt: skip
    _attack(
        path,
        "INSERT INTO audit_event VALUES ("
        + ", ".join(
            repr(v)
            for v in (
                forged.seq,
                forged.at,
                forged.event,
                forged.actor,
                forged.role,
                forged.disposition,
                forged.details,
                forged.prev_hash,
                forged.hash,
            )
        )
        + ")",
    )
    with _open(path) as store:
        # The forged vote_set lacks what a real one carries, so it cannot be replayed either.
        assert _found(store) == {(last_seq + 1, "beyond_head"), (last_seq + 1, "unreadable_event")}
    with _open(path) as store:  # the open above appended after it: still reported
        assert (last_seq + 1, "beyond_head") in _found(store)
        assert not store.trusted


def test_a_changed_definition_is_reported(tmp_path: Path) -> None:
    path = _make_file(tmp_path, votes=1)
    _attack(path, "UPDATE precinct SET definition = x'7b7d' WHERE id = 1")
    with _open(path) as store:
        assert _found(store) == {(0, "definition_changed")}
        assert not store.trusted
