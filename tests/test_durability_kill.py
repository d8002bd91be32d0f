"""DESIGN §4: kill the process at any instant; everything reported as saved is there.

A writer subprocess commits fields through the facade and reports each one saved; the
test kills it with SIGKILL at a random instant, reopens the file, and checks that every
field reported saved holds its value (or the one write that was in flight), that SQLite's
integrity check is ok and that the audit chain verifies. 36 kills in all, on one file that
keeps growing, so recovery after recovery is tested too.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tally_app import service
from tally_app.entries import ContestLine, PrecinctEntries, RosterField, Sheet, StyleField

REPO = Path(__file__).resolve().parent.parent
KILLS = 36


def stored_value(entries: PrecinctEntries, key: tuple[str, ...]) -> int | None:
    match key:
        case ("style", style_id, name):
            return entries.styles[style_id][StyleField(name)]
        case ("roster", name):
            return entries.roster[RosterField(name)]
        case ("vote", sheet, contest_id, selection_id):
            return entries.sheets[Sheet(sheet)][contest_id].votes[selection_id]
        case ("line", sheet, contest_id, line):
            return entries.sheets[Sheet(sheet)][contest_id].lines[ContestLine(line)]
    raise AssertionError(key)


def run_and_kill(data_dir: Path, start: int, rng: random.Random) -> list[str]:
    """Start a writer, kill it at a random instant, return the lines it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.durability_writer", str(data_dir), str(start)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    ready = threading.Event()

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if not line.endswith("\n"):
                break  # cut short by the kill: the writer never finished reporting it
            lines.append(line.rstrip("\n"))
            if line.startswith("READY"):
                ready.set()

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    if rng.random() < 0.15:
        time.sleep(rng.uniform(0.0, 0.4))  # sometimes while it is still opening the file
    else:
        assert ready.wait(30), "the writer never became ready: " + (
            proc.stderr.read() if proc.stderr else ""
        )
        time.sleep(rng.uniform(0.0, 0.25))
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    thread.join(10)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    return lines


@pytest.mark.slow
def test_every_saved_field_survives_sigkill(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("DURABILITY_SEED", "20170606")))
    saved: dict[tuple[str, ...], int] = {}
    writes_seen = 0
    definition = service.default_definition()
    path = service.precinct_file(tmp_path, definition.id, definition.precincts[0].id)
    for round_no in range(KILLS):
        start = (round_no + 1) * 1_000_000
        lines = run_and_kill(tmp_path, start, rng)
        in_flight: dict[tuple[str, ...], int] = {}
        for line in lines:
            kind, _, rest = line.partition(" ")
            if kind not in ("T", "S"):
                continue
            key_text, _, value_text = rest.rpartition(" ")
            key, value = tuple(key_text.split("|")), int(value_text)
            if kind == "T":
                in_flight[key] = value
            else:
                saved[key] = value
                in_flight.pop(key, None)
                writes_seen += 1
        if not path.exists():
            continue  # killed before the file was first created
        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        with service.open_precinct(path) as session:
            assert session.store.audit_report.ok, session.store.audit_report
            entries = session.entries()
            for key, value in saved.items():
                got = stored_value(entries, key)
                # Saved, or overwritten by the one write in flight when the kill came.
                assert got == value or got == in_flight.get(key), (round_no, key, value, got)
                saved[key] = got  # type: ignore[assignment]
            for key, value in in_flight.items():
                if key not in saved:
                    assert stored_value(entries, key) in (None, value)
    assert writes_seen > 100, "the writer should have committed many fields before the kills"
