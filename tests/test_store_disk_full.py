"""A full disk is a system error (``disk_full``) and leaves the file intact.

Runs on a tiny tmpfs mounted for the test (needs root); skipped with a reason elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tally_app.entries import Sheet
from tally_app.errors import SystemError_
from tally_app.store.precinct_store import PrecinctStore
from tests.store_factories import AHN, CLERK, GOMEZ, HOUSE, fixed_clock, new_store


@contextlib.contextmanager
def small_disk(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir()
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        block = b"\0" * 4096
        with contextlib.suppress(OSError):
            while os.write(fd, block):
                pass
    finally:
        os.close(fd)
    return filler


def test_disk_full_is_reported_and_the_file_stays_intact(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "1m") as disk:
        new_store(disk).close()
        path = disk / "precinct.sqlite"
        with PrecinctStore.open(path, clock=fixed_clock()) as store:
            store.set_vote(Sheet.A, HOUSE, "gomez", 41, CLERK)
            filler = _fill(disk)
            error = None
            for value in range(100, 400):  # the WAL grows until the disk refuses
                try:
                    store.set_vote(Sheet.A, HOUSE, "ahn", value, CLERK)
                except SystemError_ as caught:
                    error = caught
                    break
            assert error is not None, "the disk never filled up"
            assert error.code == "disk_full"
            assert "not your fault" in error.message
            saved_ahn = value - 1 if value > 100 else None
            filler.unlink()
            # The same store goes on working once there is space again.
            assert store.set_vote(Sheet.A, HOUSE, "gomez", 42, CLERK) is True
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        with PrecinctStore.open(path, clock=fixed_clock()) as store:
            entry = store.snapshot().contest(Sheet.A, HOUSE)
            assert store.audit_report.ok
        assert entry is not None
        assert entry.votes[GOMEZ] == 42
        assert entry.votes[AHN] == saved_ahn
