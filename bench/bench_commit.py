"""Benchmark (DESIGN §14): one committed field vs a bare committed single-row SQLite insert.

    python bench/bench_commit.py [--n 1000] [--dir DIR]

Both run in this process, on the same disk, interleaved in rounds so that disk noise hits
both alike. The app's side is the real path a poll worker's Enter key takes through the
facade: ``PrecinctSession.set_vote`` = one transaction that updates the count, appends the
hash-chained audit row and moves the audit head (WAL, synchronous=FULL). The floor is
``shared/floors/floor_sqlite.py commits``: one sqlite-utils ``insert`` per transaction.
Target: app ÷ floor ≤ 2 (median per commit).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import sqlite_utils

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.clock import SystemClock
from tally_app.entries import Sheet

ACTOR = Actor("Benchmark Clerk", "clerk")


def floor_commits(path: Path, n: int) -> list[float]:
    db = sqlite_utils.Database(path)
    db.enable_wal()
    db.execute("PRAGMA synchronous=FULL")
    table = db["results"]
    if not table.exists():
        table.create(
            {"id": int, "precinct": str, "contest": str, "candidate": str, "votes": int}, pk="id"
        )
    start_id = (db.execute("SELECT max(id) FROM results").fetchone()[0] or 0) + 1
    lat = []
    for i in range(start_id, start_id + n):
        t = time.perf_counter()
        table.insert({"id": i, "precinct": "P", "contest": "C", "candidate": "K", "votes": i})
        lat.append(time.perf_counter() - t)
    db.close()
    return lat


def app_commits(data_dir: Path, n: int, offset: int) -> list[float]:
    definition = service.default_definition()
    precinct = definition.precincts[0].id
    session = service.start_precinct(
        data_dir, definition, precinct, actor=ACTOR, clock=SystemClock()
    )
    contest = session.contests[0]
    selections = contest.selection_ids
    lat = []
    for i in range(n):
        t = time.perf_counter()
        changed = session.set_vote(
            Sheet.A, contest.id, selections[i % len(selections)], offset + i, ACTOR
        )
        lat.append(time.perf_counter() - t)
        assert changed
    session.close()
    return lat


def describe(lat: list[float]) -> str:
    s = sorted(lat)
    return (
        f"median {statistics.median(s) * 1000:.3f} ms, p99 {s[int(0.99 * len(s)) - 1] * 1000:.3f} ms, "
        f"n={len(s)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="commits per side per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--dir", type=Path, default=None, help="where the files go (default: a temp dir)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        root = Path(tmp)
        floor: list[float] = []
        app: list[float] = []
        for r in range(args.rounds):
            floor += floor_commits(root / "floor.db", args.n // args.rounds)
            app += app_commits(root / "data", args.n // args.rounds, r * args.n)
        ratio = statistics.median(app) / statistics.median(floor)
        print(f"floor (bare committed insert): {describe(floor)}")
        print(f"app   (committed field + audit row): {describe(app)}")
        print(f"ratio app/floor (median): {ratio:.2f}  (target <= 2)")


if __name__ == "__main__":
    main()
