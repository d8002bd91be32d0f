"""The precinct file after the review of issue 2: what an attacker with sqlite3 can no longer do.

Every test acts as the review's repro scripts did: a real file, changed with plain
``sqlite3`` (dropping the triggers that stand in the way), then opened by the store. The
tables are now checked against the replayed audit log (1.1), the log must start with the
file's creation (1.2), an acknowledgement covers only the evidence it saw (1.3), an
untrusted file takes no write (1.8), counts have a ceiling (1.9), finalizing is one
transaction (1.10), corrections and acknowledgements need a supervisor (§2), and nothing
secret-looking reaches the log (§4).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from tally_app.audit.catalogue import EventId
from tally_app.audit.events import Actor, check_details_safe
from tally_app.clock import iso_seconds
from tally_app.entries import ContestLine, RosterField, Sheet, StyleField
from tally_app.errors import InputError
from tally_app.store import audit_log, connection, replay, schema
from tally_app.store.populate import populate
from tally_app.store.precinct_store import PrecinctStore
from tests.store_factories import (
    CLERK,
    COUNCIL,
    GOMEZ,
    HOUSE,
    INSPECTOR,
    MEASURE,
    PRECINCT,
    STYLE_1,
    STYLE_2,
    SUPERVISOR,
    fixed_clock,
    new_store,
    small_definition,
)
from tests.test_store_transactions import CASES, Case

PIN_HASH = "scrypt$16384$8$1$c2FsdA==$aGFzaA=="
LATE = "2026-11-03T23:59:59+00:00"


def _attack(path: Path, *statements: str) -> None:
    """Change the file as an attacker would: plain sqlite3, triggers out of the way."""
    conn = sqlite3.connect(path)
    try:
        for trigger in (
            "audit_event_no_update",
            "audit_event_no_delete",
            "precinct_definition_fixed",
        ):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for table in schema.LOCKED_TABLES:
            for op in ("insert", "update", "delete"):
                conn.execute(f"DROP TRIGGER IF EXISTS {table}_locked_{op}")
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def _open(path: Path, **kwargs: bool) -> PrecinctStore:
    return PrecinctStore.open(path, clock=fixed_clock(), **kwargs)


def _found(store: PrecinctStore) -> set[tuple[int, str]]:
    return {(p.seq, p.code) for p in store.audit_report.problems}


def _codes(store: PrecinctStore) -> set[str]:
    return {p.code for p in store.audit_report.problems}


def _seq_of_last(store: PrecinctStore, event: str) -> int:
    return [e.seq for e in store.audit_events() if e.event == event][-1]


def _full_file(tmp_path: Path) -> Path:
    """A file written through every kind of write the store has, left counting."""
    with new_store(tmp_path) as store:
        store.set_style_field(STYLE_1, StyleField.RECEIVED, 120, CLERK)
        store.set_roster_field(RosterField.SIGNATURES, 100, CLERK)
        store.add_unused_range(STYLE_1, 1001, 1018, CLERK)
        gone = store.add_unused_range(STYLE_2, 5, 9, CLERK)
        store.remove_unused_range(gone, CLERK)
        store.set_vote(Sheet.A, HOUSE, "gomez", 102, CLERK)
        store.set_vote(Sheet.B, HOUSE, "gomez", 101, CLERK)
        store.resolve_difference(HOUSE, "gomez", 102, "A", INSPECTOR)
        store.set_line(Sheet.A, HOUSE, ContestLine.BALLOTS, 110, CLERK, reason="Two found late")
        store.set_line(Sheet.B, HOUSE, ContestLine.BALLOTS, 109, CLERK)
        store.resolve_difference(HOUSE, "ballots", 110, "A", INSPECTOR)
        mickey = store.add_write_in(Sheet.A, HOUSE, "Mickey Mouse", CLERK)
        store.set_write_in(mickey, count=2, actor=CLERK)
        donald = store.add_write_in(Sheet.B, HOUSE, "Donald", CLERK)
        store.set_write_in(donald, name="Donald Duck", actor=CLERK)
        goofy = store.add_write_in(Sheet.B, HOUSE, "Goofy", CLERK)
        store.remove_write_in(goofy, CLERK)
        store.fill_blanks_with_zero(CLERK, sheet=Sheet.A, contest_id=MEASURE)
        store.fill_blanks_with_zero(CLERK, accounting=True)
        store.fill_blanks_with_zero(CLERK, sheet=Sheet.B)  # Donald's count too
        ana = store.add_board_member("Ana", "inspector", INSPECTOR, pin_hash=PIN_HASH)
        bo = store.add_board_member("Bo", "clerk", INSPECTOR)
        cy = store.add_board_member("Cy", "clerk", INSPECTOR)
        store.remove_board_member(cy, INSPECTOR)
        store.add_seal("ballot box", "S-1", INSPECTOR)
        bag = store.add_seal("bag", "S-2", INSPECTOR)
        store.remove_seal(bag, INSPECTOR)
        store.add_explanation(
            "A1", "style:bs-1", "One ballot torn.", [ana, bo], INSPECTOR, expected=119, actual=120
        )
        store.record_event(EventId.REPORT_PRINTED, INSPECTOR, {"document": "tally sheet"})
        store.finalize(INSPECTOR, {"confirmed_by": ["Ana", "Bo"]})
        store.begin_correction("Sheet A misread", SUPERVISOR)
        store.transition("reconciled", INSPECTOR)
        store.transition("counting", INSPECTOR)
        return store.path


# --- 1.1: the tables are checked against the replayed log ---------------------------------


def test_every_write_path_replays_exactly(tmp_path: Path) -> None:
    path = _full_file(tmp_path)
    with _open(path) as store:
        assert store.audit_report.problems == ()
        assert store.trusted and store.amended and store.state == "counting"
        created = store.audit_events()[0]
        assert created.event == "store.created" and len(str(created.details["structure"])) == 64


def test_a_vote_changed_outside_the_app_is_named_with_both_numbers(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store.set_vote(Sheet.A, HOUSE, "gomez", 102, CLERK)
        seq = _seq_of_last(store, "contest.vote_set")
        path = store.path
    _attack(
        path,
        "UPDATE selection_count SET value = 120 "
        "WHERE sheet = 'A' AND contest_id = 'house-34' AND selection_id = 'gomez'",
    )
    with _open(path) as store:
        (problem,) = store.audit_report.problems
        assert (problem.seq, problem.code) == (seq, "count_mismatch")
        assert problem.message == (
            "The stored votes for Jimmy Gomez in house-34 on sheet A (120) differ from the "
            "activity log (102): the file was changed outside the app."
        )
        assert not store.trusted


def test_unlocking_a_finalized_precinct_outside_the_app_is_caught(tmp_path: Path) -> None:
    """Review repro t2: finalize, then UPDATE precinct SET state = 'counting'."""
    with new_store(tmp_path) as store:
        store.finalize(INSPECTOR)
        seq = store.audit_head.seq
        path = store.path
    _attack(path, "UPDATE precinct SET state = 'counting'")
    with _open(path) as store:
        assert _found(store) == {(seq, "state_mismatch")}
        assert "(counting)" in store.audit_report.problems[0].message
        assert "(finalized)" in store.audit_report.problems[0].message
        with pytest.raises(InputError) as caught:
            store.set_vote(Sheet.A, HOUSE, "gomez", 5, CLERK)
        assert caught.value.code == "untrusted_file"
        entry = store.snapshot().contest(Sheet.A, HOUSE)
        assert entry is not None and entry.votes[GOMEZ] is None


TAMPERS = {
    "style count": (
        "UPDATE style_count SET value = 121 WHERE ballot_style_id = 'bs-1' AND field = 'received'",
        "count_mismatch",
    ),
    "style count filled with 0": (
        "UPDATE style_count SET value = 7 WHERE ballot_style_id = 'bs-2' AND field = 'spoiled'",
        "count_mismatch",
    ),
    "roster count": (
        "UPDATE roster_count SET value = 99 WHERE field = 'signatures'",
        "count_mismatch",
    ),
    "vote on sheet B": (
        (
            "UPDATE selection_count SET value = 1 "
            "WHERE sheet = 'B' AND contest_id = 'house-34' AND selection_id = 'gomez'"
        ),
        "count_mismatch",
    ),
    "a filled zero made blank": (
        (
            "UPDATE selection_count SET value = NULL "
            "WHERE sheet = 'A' AND contest_id = 'measure-h' AND selection_id = 'h-yes'"
        ),
        "count_mismatch",
    ),
    "override reason": (
        (
            "UPDATE contest_count SET override_reason = 'none needed' "
            "WHERE sheet = 'A' AND contest_id = 'house-34' AND line = 'ballots'"
        ),
        "count_mismatch",
    ),
    "write-in name": (
        "UPDATE write_in SET name = 'Minnie' WHERE name = 'Mickey Mouse'",
        "count_mismatch",
    ),
    "write-in count": (
        "UPDATE write_in SET value = 9 WHERE name = 'Donald Duck'",
        "count_mismatch",
    ),
    "write-in added": (
        "INSERT INTO write_in (sheet, contest_id, name, value) VALUES ('A', 'house-34', 'X', 5)",
        "count_mismatch",
    ),
    "removed write-in back": (
        (
            "INSERT INTO write_in (id, sheet, contest_id, name, value) "
            "VALUES (3, 'B', 'house-34', 'Goofy', NULL)"
        ),
        "count_mismatch",
    ),
    "unused range changed": ("UPDATE unused_range SET last_serial = 1019", "entry_mismatch"),
    "unused range deleted": ("DELETE FROM unused_range", "entry_mismatch"),
    "board role": (
        "UPDATE board_member SET role = 'supervisor' WHERE name = 'Bo'",
        "record_mismatch",
    ),
    "board PIN set": (
        "UPDATE board_member SET pin_hash = 'scrypt$mine' WHERE name = 'Bo'",
        "record_mismatch",
    ),
    "board member removed": ("DELETE FROM board_member WHERE name = 'Ana'", "record_mismatch"),
    "seal number": ("UPDATE seal SET number = 'S-9'", "record_mismatch"),
    "explanation text": ("UPDATE explanation SET text = 'Nothing happened.'", "record_mismatch"),
    "explanation numbers": ("UPDATE explanation SET actual = 620", "record_mismatch"),
    "explanation signer": (
        "DELETE FROM explanation_signature WHERE board_member_id = 2",
        "record_mismatch",
    ),
    "correction reason": ("UPDATE correction SET reason = 'no reason'", "record_mismatch"),
    "amended mark": ("UPDATE precinct SET amended = 0", "state_mismatch"),
    "state": ("UPDATE precinct SET state = 'finalized'", "state_mismatch"),
    "a choice added": (
        (
            "INSERT INTO selection (contest_id, id, position, name, write_in) "
            "VALUES ('house-34', 'mallory', 9, 'Mallory', 0)"
        ),
        "structure_changed",
    ),
    "a count row removed": (
        (
            "DELETE FROM contest_count WHERE sheet = 'B' AND contest_id = 'council-2' "
            "AND line = 'overvotes'"
        ),
        "structure_changed",
    ),
}


@pytest.mark.parametrize(("sql", "code"), TAMPERS.values(), ids=list(TAMPERS))
def test_every_kind_of_row_changed_outside_the_app_is_caught(
    tmp_path: Path, sql: str, code: str
) -> None:
    path = _full_file(tmp_path)
    _attack(path, sql)
    with _open(path) as store:
        assert code in _codes(store), store.audit_report.problems
        assert not store.trusted
        assert all(
            p.message.endswith(".") and len(p.digest) == 64 for p in store.audit_report.problems
        )


# --- 1.2: the log starts with the file's creation, for the definition it holds ----------------


def test_a_wiped_log_is_caught(tmp_path: Path) -> None:
    """Review repro t4: delete every event and reset the head."""
    path = _full_file(tmp_path)
    _attack(
        path,
        "DELETE FROM audit_event",
        "UPDATE precinct SET audit_head_seq = 0, audit_head_hash = '" + "0" * 64 + "'",
    )
    with _open(path) as store:
        assert (1, "creation_missing") in _found(store)
        assert "wiped" in store.audit_report.problems[0].message
        assert not store.trusted
    with _open(path) as store:  # seq 1 is now the first open's event, not the creation
        assert (1, "creation_missing") in _found(store)
        assert not store.trusted


def test_a_replaced_definition_with_a_matching_fingerprint_is_caught(tmp_path: Path) -> None:
    """Review repro t12: swap the definition and recompute its fingerprint."""
    path = _full_file(tmp_path)
    forged = b'{"election": "test-2026", "vote_for": 0}'
    _attack(
        path,
        f"UPDATE precinct SET definition = x'{forged.hex()}', "
        f"fingerprint = '{hashlib.sha256(forged).hexdigest()}'",
    )
    with _open(path) as store:
        assert _found(store) == {(0, "fingerprint_changed")}
        assert not store.trusted


# --- 1.3: an acknowledgement covers the evidence it saw, not the place --------------------


def test_an_acknowledged_row_changed_again_is_a_new_problem(tmp_path: Path) -> None:
    """Review repro t3."""
    path = _full_file(tmp_path)
    _attack(path, f"UPDATE audit_event SET at = '{LATE}' WHERE seq = 3")
    with _open(path) as store:
        assert _found(store) == {(3, "altered")}
        first = store.audit_report.problems[0].digest
        store.acknowledge_audit_problems(SUPERVISOR, "Clock glitch, witnessed")
        listed = store.audit_events()[-1].details["problems"]
        assert listed == [[3, "altered", "Event 3 was changed after it was written.", first]]
    with _open(path) as store:
        assert store.trusted
    _attack(path, """UPDATE audit_event SET details = '{"x":1}' WHERE seq = 3""")
    with _open(path) as store:
        assert (3, "altered") in _found(store)
        assert not store.trusted
        assert first not in {p.digest for p in store.audit_report.problems}


def test_an_acknowledged_count_changed_again_is_a_new_problem(tmp_path: Path) -> None:
    path = _full_file(tmp_path)
    vote = (
        "UPDATE selection_count SET value = {} "
        "WHERE sheet = 'A' AND contest_id = 'house-34' AND selection_id = 'gomez'"
    )
    _attack(path, vote.format(120))
    with _open(path) as store:
        assert _codes(store) == {"count_mismatch"}
        store.acknowledge_audit_problems(SUPERVISOR, "Recount witnessed by both keepers")
    with _open(path) as store:
        assert store.trusted
    _attack(path, vote.format(130))
    with _open(path) as store:
        assert not store.trusted
        messages = [p.message for p in store.audit_report.problems]
        assert any("(130)" in m for m in messages), messages


def test_fixing_an_acknowledged_count_in_the_app_keeps_the_file_trusted(tmp_path: Path) -> None:
    path = _full_file(tmp_path)
    _attack(
        path,
        "UPDATE roster_count SET value = 99 WHERE field = 'signatures'",
    )
    with _open(path) as store:
        store.acknowledge_audit_problems(SUPERVISOR, "Typed with the shell by the technician")
        assert store.set_roster_field(RosterField.SIGNATURES, 101, CLERK)
    with _open(path) as store:
        # The evidence stays listed (from the earlier open), acknowledged; the table and the
        # log agree again.
        assert _codes(store) == {"count_mismatch"}
        assert store.trusted


# --- 1.8: an untrusted file takes no write but the acknowledgement ------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_an_untrusted_file_refuses_every_write_and_logs_it(tmp_path: Path, case: Case) -> None:
    with new_store(tmp_path) as store:
        ctx = case.setup(store)
        path = store.path
    _attack(path, f"UPDATE audit_event SET at = '{LATE}' WHERE seq = 1")
    with _open(path) as store:
        assert not store.trusted
        count = len(store.audit_events())
        with pytest.raises(InputError) as caught:
            case.action(store, ctx)
        assert caught.value.code == "untrusted_file"
        assert "supervisor" in caught.value.message
        events = store.audit_events()
        assert len(events) == count + 1
        assert (events[-1].disposition, events[-1].details["error"]) == (
            "failure",
            "untrusted_file",
        )
        if case.name != "record_event":  # its check looks for the event, failures included
            assert not case.changed(store, ctx)
        store.acknowledge_audit_problems(SUPERVISOR, "Checked with the county")
        case.action(store, ctx)
        assert case.changed(store, ctx)


def test_an_untrusted_file_refuses_finalize_and_a_correction(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        path = store.path
    _attack(path, f"UPDATE audit_event SET at = '{LATE}' WHERE seq = 1")
    with _open(path) as store:
        with pytest.raises(InputError) as caught:
            store.finalize(INSPECTOR)
        assert caught.value.code == "untrusted_file"
        assert store.state == "counting"
        # A refusal can still be logged, and the supervisor can still look at everything.
        store.record_event(
            EventId.ACTION_REFUSED, INSPECTOR, {"why": "test"}, disposition="failure"
        )
        assert store.snapshot().roster[RosterField.SIGNATURES] is None
        assert store.board() == () and store.seals() == ()


def test_a_read_only_untrusted_file_refuses_without_writing(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        path = store.path
    _attack(path, f"UPDATE audit_event SET at = '{LATE}' WHERE seq = 1")
    with _open(path, read_only=True) as store:
        count = len(store.audit_events())
        with pytest.raises(InputError) as caught:
            store.set_vote(Sheet.A, HOUSE, "gomez", 1, CLERK)
        assert caught.value.code == "untrusted_file"
        assert len(store.audit_events()) == count


# --- 1.9: counts and serial numbers have a ceiling ------------------------------------------


@pytest.mark.parametrize("value", [10**9, 2**62, 2**63, 2**64])
def test_huge_counts_are_a_clear_input_error(tmp_path: Path, value: int) -> None:
    """Review repro t6: 2**63 gave an OverflowError traceback."""
    with new_store(tmp_path) as store:
        wid = store.add_write_in(Sheet.A, HOUSE, "Mickey Mouse", CLERK)
        attempts = [
            lambda: store.set_vote(Sheet.A, HOUSE, "gomez", value, CLERK),
            lambda: store.set_style_field(STYLE_1, StyleField.RECEIVED, value, CLERK),
            lambda: store.set_roster_field(RosterField.SIGNATURES, value, CLERK),
            lambda: store.set_line(Sheet.A, COUNCIL, ContestLine.BALLOTS, value, CLERK),
            lambda: store.set_write_in(wid, count=value, actor=CLERK),
            lambda: store.resolve_difference(HOUSE, "gomez", value, "recount", CLERK),
            lambda: store.add_unused_range(STYLE_1, 0, value, CLERK),
            lambda: store.add_unused_range(STYLE_1, value, value, CLERK),
        ]
        for attempt in attempts:
            with pytest.raises(InputError) as caught:
                attempt()
            assert caught.value.code == "count_too_large"
            assert "999,999,999" in caught.value.message
        assert store.set_vote(Sheet.A, HOUSE, "gomez", 999_999_999, CLERK)
        assert store.add_unused_range(STYLE_1, 0, 999_999_999, CLERK) > 0


# --- 1.10: finalize is one transaction ------------------------------------------------------


def test_finalize_moves_through_reconciled_in_one_transaction(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        with sqlite3.connect(store.path) as conn:
            conn.execute(
                "CREATE TRIGGER test_final_fails BEFORE INSERT ON audit_event "
                """WHEN NEW.details LIKE '%"to":"finalized"%' """
                "BEGIN SELECT RAISE(ABORT, 'audit write failed'); END"
            )
        count = len(store.audit_events())
        with pytest.raises(sqlite3.IntegrityError, match="audit write failed"):
            store.finalize(INSPECTOR, {"confirmed_by": ["Ana", "Bo"]})
        assert store.state == "counting"  # not left half-way at reconciled
        assert len(store.audit_events()) == count
        with sqlite3.connect(store.path) as conn:
            conn.execute("DROP TRIGGER test_final_fails")
        store.finalize(INSPECTOR, {"confirmed_by": ["Ana", "Bo"]})
        assert store.state == "finalized"
        moves = [(e.details["from"], e.details["to"]) for e in store.audit_events()[-2:]]
        assert moves == [("counting", "reconciled"), ("reconciled", "finalized")]
        assert store.audit_events()[-1].details["confirmed_by"] == ["Ana", "Bo"]
        with pytest.raises(InputError) as caught:
            store.finalize(INSPECTOR)
        assert caught.value.code == "bad_transition"


# --- 1.7: the migration that binds explanations to their numbers ---------------------------


def _m001_file(path: Path) -> None:
    """A file as the previous version made it: only m001, an explanation without numbers."""
    definition = small_definition()
    clock = fixed_clock()
    db = connection.connect(path)
    try:
        connection.configure(db, path)
        schema.MIGRATIONS.apply(db, stop_before="m002_explanation_numbers")
        with db.atomic():
            populate(db, definition, PRECINCT, definition.precinct(PRECINCT).ballot_style_ids, "t0")

            def log(event: EventId, details: dict[str, object]) -> None:
                at = iso_seconds(clock.now())
                audit_log.append_event(db, at=at, event=event, actor=INSPECTOR, details=details)

            log(
                EventId.STORE_CREATED,
                {
                    "election_id": definition.id,
                    "precinct_id": PRECINCT,
                    "fingerprint": definition.fingerprint,
                    "migrations": ["m001_initial"],
                    "structure": replay.structure_digest(db),
                },
            )
            db.execute("INSERT INTO board_member (name, role) VALUES ('Ana', 'inspector')")
            log(
                EventId.BOARD_MEMBER_ADDED,
                {"member_id": 1, "name": "Ana", "role": "inspector", "has_pin": False},
            )
            db.execute(
                "INSERT INTO explanation (rule_id, subject, text, created_at) "
                "VALUES ('A1', 'precinct', 'One ballot torn.', 't1')"
            )
            db.execute("INSERT INTO explanation_signature VALUES (1, 1)")
            log(
                EventId.EXPLANATION_ADDED,
                {
                    "explanation_id": 1,
                    "rule_id": "A1",
                    "subject": "precinct",
                    "text": "One ballot torn.",
                    "signers": [{"member_id": 1, "name": "Ana", "role": "inspector"}],
                },
            )
    finally:
        db.close()


def test_a_file_from_the_previous_version_is_migrated_and_stays_trusted(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _m001_file(path)
    with sqlite3.connect(path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(explanation)")}
    assert "expected" not in columns
    with _open(path) as store:
        assert store.audit_report.problems == () and store.trusted
        migrated = [e for e in store.audit_events() if e.event == "store.migrated"]
        assert [e.details["migrations"] for e in migrated] == [["m002_explanation_numbers"]]
        (old,) = store.explanations()
        assert (old.rule_id, old.expected, old.actual) == ("A1", None, None)
        new = store.add_explanation(
            "A2", "precinct", "Two spoiled.", [1], INSPECTOR, expected=4, actual=6
        )
        assert [(e.id, e.expected, e.actual) for e in store.explanations()][-1] == (new, 4, 6)
    with _open(path) as store:
        assert store.trusted and store.audit_report.problems == ()
        assert "store.migrated" not in [e.event for e in store.audit_events()[-1:]]


# --- §2: a supervisor's acts -----------------------------------------------------------------


def test_only_a_supervisor_starts_a_correction(tmp_path: Path) -> None:
    """Review repro t11: a clerk started a correction."""
    with new_store(tmp_path) as store:
        store.finalize(INSPECTOR)
        for actor in (CLERK, INSPECTOR, Actor("Tally clerk", "tally_keeper_a")):
            with pytest.raises(InputError) as caught:
                store.begin_correction("because", actor)
            assert caught.value.code == "supervisor_required"
            last = store.audit_events()[-1]
            assert (last.event, last.disposition, last.details["error"]) == (
                "correction.started",
                "failure",
                "supervisor_required",
            )
        assert (store.state, store.amended, store.corrections()) == ("finalized", False, ())
        store.begin_correction("Sheet A misread", SUPERVISOR)
        assert store.state == "counting"


def test_only_a_supervisor_acknowledges_problems(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        path = store.path
    _attack(path, f"UPDATE audit_event SET at = '{LATE}' WHERE seq = 1")
    with _open(path) as store:
        with pytest.raises(InputError) as caught:
            store.acknowledge_audit_problems(INSPECTOR, "looks fine to me")
        assert caught.value.code == "supervisor_required"
        assert not store.trusted
        assert store.audit_events()[-1].disposition == "failure"
    with _open(path) as store:
        assert not store.trusted


# --- §4: nothing secret-looking in the log; a PIN is stored only hashed -------------------------


@pytest.mark.parametrize(
    "details",
    [
        {"board_pin": "1234"},
        {"pinHash": "x"},
        {"PIN": "1234"},
        {"member": {"newPin": "1234"}},
        {"list": [{"signingPrivateKey": "x"}]},
        {"db_password": "x"},
        {"SecretValue": "x"},
        {"card_passphrase": "x"},
        {"has_pin": "1234"},  # a flag is a bool, never the PIN itself
        {"key": "x"},
    ],
)
def test_secret_looking_keys_are_refused_anywhere(details: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must not carry"):
        check_details_safe(details)


def test_flags_and_ordinary_keys_pass() -> None:
    check_details_safe({"has_pin": True, "name": "Ana", "keys": 2, "subject": "precinct"})


@pytest.mark.parametrize("pin_hash", ["1234", "", "SCRYPT$x", "pbkdf2$x", 1234])
def test_a_pin_must_be_stored_hashed(tmp_path: Path, pin_hash: object) -> None:
    with new_store(tmp_path) as store:
        with pytest.raises(InputError) as caught:
            store.add_board_member("Ana", "inspector", INSPECTOR, pin_hash=pin_hash)  # type: ignore[arg-type]
        assert caught.value.code == "bad_pin_hash"
        assert store.board() == ()
        member = store.add_board_member("Ana", "inspector", INSPECTOR, pin_hash=PIN_HASH)
        assert store.board()[0].id == member


def test_a_file_from_the_previous_version_opens_read_only_unmigrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _m001_file(path)
    with _open(path, read_only=True) as store:
        assert store.trusted and store.audit_report.problems == ()
        (old,) = store.explanations()
        assert (old.text, old.expected, old.actual) == ("One ballot torn.", None, None)
    assert schema.applied_migrations(connection.connect(path, read_only=True)) == ("m001_initial",)
