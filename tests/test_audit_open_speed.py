"""Opening a file with 10,000 audit events verifies the whole chain in well under a second."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import astuple
from pathlib import Path

from tally_app.audit.chain import seal_event
from tally_app.store.precinct_store import PrecinctStore
from tests.store_factories import fixed_clock, new_store


def test_open_with_ten_thousand_events(tmp_path: Path) -> None:
    new_store(tmp_path).close()
    path = tmp_path / "precinct.sqlite"
    conn = sqlite3.connect(path)
    try:
        seq, prev = conn.execute(
            "SELECT audit_head_seq, audit_head_hash FROM precinct WHERE id = 1"
        ).fetchone()
        rows = []
        for n in range(10_000):
            seq += 1
            record = seal_event(
                prev,
                seq=seq,
                at="2026-11-03T21:00:00+00:00",
                event="contest.vote_set",
                actor="Bo Clerk",
                role="clerk",
                disposition="success",
                details={
                    "sheet": "A",
                    "contest_id": "house-34",
                    "selection_id": "gomez",
                    "old": n,
                    "new": n + 1,
                },
            )
            rows.append(astuple(record))
            prev = record.hash
        with conn:
            conn.executemany("INSERT INTO audit_event VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.execute(
                "UPDATE precinct SET audit_head_seq = ?, audit_head_hash = ? WHERE id = 1",
                [seq, prev],
            )
            # What the last event set, so that the table agrees with the replayed log.
            conn.execute(
                "UPDATE selection_count SET value = 10000 "
                "WHERE sheet = 'A' AND contest_id = 'house-34' AND selection_id = 'gomez'"
            )
    finally:
        conn.close()
    start = time.perf_counter()
    with PrecinctStore.open(path, clock=fixed_clock()) as store:
        elapsed = time.perf_counter() - start
        assert store.audit_report.ok and store.trusted
        assert store.audit_head.seq == seq + 1  # + store.opened
    assert elapsed < 0.8, f"open took {elapsed:.2f} s"
