"""Board members, seals and signed explanations; no PIN hash ever reaches the audit log."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tally_app.errors import InputError
from tests.store_factories import INSPECTOR, new_store

PIN_HASH = "scrypt$16384$8$1$c2FsdHNhbHQ=$SECRETHASHVALUE0123456789"


def test_board_members_round_trip_with_their_pin_hash(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        ana = store.add_board_member("Ana Inspector", "inspector", INSPECTOR, pin_hash=PIN_HASH)
        bo = store.add_board_member(" Bo Clerk ", "clerk", INSPECTOR)
        board = store.board()
    assert [(m.id, m.name, m.role, m.pin_hash) for m in board] == [
        (ana, "Ana Inspector", "inspector", PIN_HASH),
        (bo, "Bo Clerk", "clerk", None),
    ]
    assert PIN_HASH not in repr(board)


def test_pin_hash_never_appears_in_the_audit_table(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        member = store.add_board_member("Ana", "inspector", INSPECTOR, pin_hash=PIN_HASH)
        store.remove_board_member(member, INSPECTOR)
        with pytest.raises(ValueError):
            store.record_event("report.printed", INSPECTOR, {"pin_hash": PIN_HASH})  # type: ignore[arg-type]
    with sqlite3.connect(tmp_path / "precinct.sqlite") as conn:
        rows = conn.execute("SELECT * FROM audit_event").fetchall()
    assert rows and not any("SECRETHASH" in str(value) for row in rows for value in row)
    assert any("has_pin" in row[6] for row in rows)


def test_blank_names_are_refused(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        with pytest.raises(InputError) as caught:
            store.add_board_member("   ", "clerk", INSPECTOR)
        assert caught.value.code == "blank_name"
        with pytest.raises(InputError) as caught:
            store.add_seal("ballot box", " ", INSPECTOR)
        assert caught.value.code == "blank_number"
        assert store.board() == () and store.seals() == ()


def test_seals_round_trip(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        box = store.add_seal("ballot box", "SEAL-0042", INSPECTOR)
        bag = store.add_seal("unused ballots", "SEAL-0043", INSPECTOR)
        store.remove_seal(box, INSPECTOR)
        assert [(s.id, s.purpose, s.number) for s in store.seals()] == [
            (bag, "unused ballots", "SEAL-0043")
        ]


def test_explanations_carry_their_signers(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        ana = store.add_board_member("Ana", "inspector", INSPECTOR)
        bo = store.add_board_member("Bo", "clerk", INSPECTOR)
        eid = store.add_explanation(
            "A1", "style:bs-1", "One ballot was torn and replaced.", [bo, ana, bo], INSPECTOR
        )
        (explanation,) = store.explanations()
        assert explanation.id == eid
        assert (explanation.rule_id, explanation.subject) == ("A1", "style:bs-1")
        assert explanation.created_at == "2026-11-03T20:00:04+00:00"
        assert [(s.member_id, s.name, s.role) for s in explanation.signers] == [
            (ana, "Ana", "inspector"),
            (bo, "Bo", "clerk"),
        ]
        event = store.audit_events()[-1]
        assert event.event == "explanation.added"
        signers = event.details["signers"]
        assert isinstance(signers, list) and [s["name"] for s in signers] == ["Bo", "Ana"]
        with pytest.raises(InputError) as caught:
            store.remove_board_member(ana, INSPECTOR)
        assert caught.value.code == "member_has_signed"
        for bad_rule, bad_signers, code in (
            ("A11", [ana], "unknown_field"),
            ("A1", [999], "unknown_field"),
        ):
            with pytest.raises(InputError) as caught:
                store.add_explanation(bad_rule, "precinct", "text", bad_signers, INSPECTOR)
            assert caught.value.code == code
        with pytest.raises(InputError) as caught:
            store.add_explanation("A2", "precinct", "  ", [ana], INSPECTOR)
        assert caught.value.code == "blank_text"
        assert len(store.explanations()) == 1
