"""A precinct file appears under its name only when complete (a crash mid-create leaves none)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tally_app.errors import InputError
from tally_app.store.precinct_store import PrecinctStore
from tests.store_factories import INSPECTOR, PRECINCT, fixed_clock, small_definition


def test_leftover_from_a_killed_create_is_cleared(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    leftover = tmp_path / ".p.sqlite.0123456789abcdef.creating"
    leftover.write_bytes(b"half a database")
    with PrecinctStore.create(
        path, small_definition(), PRECINCT, clock=fixed_clock(), actor=INSPECTOR
    ):
        pass
    assert not leftover.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        events = [r[0] for r in raw.execute("SELECT event FROM audit_event ORDER BY seq")]
    assert events == ["store.created"]


def test_create_never_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "p.sqlite"
    path.write_bytes(b"somebody else's file")
    with pytest.raises(InputError) as err:
        PrecinctStore.create(
            path, small_definition(), PRECINCT, clock=fixed_clock(), actor=INSPECTOR
        )
    assert err.value.code == "store_exists"
    assert path.read_bytes() == b"somebody else's file"
    assert [p.name for p in tmp_path.iterdir()] == ["p.sqlite"]
