"""The hash chain as pure functions: canonical form, hashing, and every kind of tamper."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time

import pytest

from tally_app.audit.chain import (
    GENESIS_HASH,
    ChainHead,
    ChainReport,
    canonical_json,
    parse_event,
    recompute_hash,
    seal_event,
    verify_chain,
)
from tally_app.audit.events import EventRecord, check_details_safe


def make_chain(n: int) -> list[EventRecord]:
    rows: list[EventRecord] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        row = seal_event(
            prev,
            seq=seq,
            at=f"2026-11-03T20:{seq // 60 % 60:02d}:{seq % 60:02d}+00:00",
            event="contest.vote_set",
            actor="Bo Clerk",
            role="clerk",
            disposition="success",
            details={"sheet": "A", "contest_id": "house-34", "old": None, "new": seq, "é": "ü"},
        )
        rows.append(row)
        prev = row.hash
    return rows


def head_of(rows: list[EventRecord]) -> ChainHead:
    return ChainHead(rows[-1].seq, rows[-1].hash)


def codes(problems: tuple[object, ...]) -> list[tuple[int, str]]:
    return [(p.seq, p.code) for p in problems]  # type: ignore[attr-defined]


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": [1, None, "é"]}) == '{"a":[1,null,"é"],"b":1}'
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_hash_is_sha256_of_prev_plus_canonical_body() -> None:
    row = make_chain(1)[0]
    body = {
        "seq": 1, "at": row.at, "event": row.event, "actor": row.actor, "role": row.role,
        "disposition": row.disposition, "details": json.loads(row.details),
    }  # fmt: skip
    text = GENESIS_HASH + json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert row.hash == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert row.prev_hash == GENESIS_HASH and recompute_hash(row) == row.hash
    assert row.details == canonical_json(json.loads(row.details))
    assert parse_event(row).details["new"] == 1


def test_an_intact_chain_has_no_problems() -> None:
    rows = make_chain(20)
    assert verify_chain(rows, head_of(rows)) == ()
    assert verify_chain([], ChainHead(0, GENESIS_HASH)) == ()
    assert verify_chain(list(reversed(rows)), head_of(rows)) == ()  # order of reading is irrelevant


@pytest.mark.parametrize("field", ["at", "event", "actor", "role", "disposition", "details"])
def test_a_changed_field_is_detected_at_its_seq(field: str) -> None:
    rows = make_chain(10)
    value = {"details": '{"new":999}', "disposition": "failure"}.get(field, "forged")
    rows[4] = dataclasses.replace(rows[4], **{field: value})  # type: ignore[arg-type]
    assert codes(verify_chain(rows, head_of(rows))) == [(5, "altered")]


def test_a_rehashed_row_breaks_the_next_link() -> None:
    rows = make_chain(10)
    forged = seal_event(
        rows[3].hash, seq=5, at=rows[4].at, event=rows[4].event, actor="Mallory",
        role="clerk", disposition="success", details={"new": 999},
    )  # fmt: skip
    rows[4] = forged
    assert codes(verify_chain(rows, head_of(rows))) == [(6, "broken_link")]


def test_a_deleted_row_is_a_gap() -> None:
    rows = make_chain(10)
    del rows[6]
    problems = verify_chain(rows, head_of(rows))
    assert codes(problems) == [(7, "missing")]
    assert "Event 7 was deleted" in problems[0].message


def test_deleted_first_rows() -> None:
    rows = make_chain(10)[3:]
    assert codes(verify_chain(rows, head_of(rows))) == [(1, "missing")]


def test_reordered_rows_are_detected() -> None:
    rows = make_chain(10)
    a, b = rows[3], rows[4]
    rows[3] = dataclasses.replace(b, seq=4)
    rows[4] = dataclasses.replace(a, seq=5)
    found = codes(verify_chain(rows, head_of(rows)))
    assert (4, "altered") in found and (5, "altered") in found
    assert (4, "out_of_order") in found


def test_a_truncated_tail_is_detected_against_the_head() -> None:
    rows = make_chain(10)
    head = head_of(rows)
    problems = verify_chain(rows[:7], head)
    assert codes(problems) == [(8, "truncated")]
    assert "Events 8 to 10 were removed" in problems[0].message
    assert codes(verify_chain([], head)) == [(1, "truncated")]


def test_rows_past_the_head_and_a_replaced_last_row() -> None:
    rows = make_chain(10)
    assert codes(verify_chain(rows, ChainHead(8, rows[7].hash))) == [(9, "beyond_head")]
    assert codes(verify_chain(rows, ChainHead(10, "f" * 64))) == [(10, "head_mismatch")]


def test_unreadable_details_are_reported_not_raised() -> None:
    rows = make_chain(3)
    rows[1] = dataclasses.replace(rows[1], details="{not json")
    assert codes(verify_chain(rows, head_of(rows))) == [(2, "altered")]
    assert parse_event(rows[1]).details == {}


def test_report_trust() -> None:
    assert ChainReport().trusted and ChainReport().ok
    problem = verify_chain(make_chain(2)[1:], None)
    assert not ChainReport(problem).trusted
    assert ChainReport(problem, acknowledged=True).trusted


def test_secrets_are_refused_in_details() -> None:
    for bad in ({"pin": "1234"}, {"member": {"pin_hash": "x"}}, {"list": [{"Passphrase": "x"}]}):
        with pytest.raises(ValueError):
            check_details_safe(bad)
    check_details_safe({"has_pin": True, "name": "Ana"})


def test_verifying_ten_thousand_events_is_fast() -> None:
    rows = make_chain(10_000)
    start = time.perf_counter()
    problems = verify_chain(rows, head_of(rows))
    elapsed = time.perf_counter() - start
    assert problems == ()
    assert elapsed < 0.5, f"verification took {elapsed:.2f} s"
