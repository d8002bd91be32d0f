"""The schema comes from recorded migrations; the pragmas DESIGN §4 requires are on."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tally_app.store import schema
from tally_app.store.precinct_store import PrecinctStore
from tests.store_factories import fixed_clock, new_store


def _migration_rows(path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT migration_set, name FROM _sqlite_migrations ORDER BY id"
        ).fetchall()


def test_create_records_every_migration(tmp_path: Path) -> None:
    new_store(tmp_path).close()
    rows = _migration_rows(tmp_path / "precinct.sqlite")
    assert rows == [("precinct_tally", name) for name in schema.known_migrations()]
    assert rows[0] == ("precinct_tally", "m001_initial")


def test_reopen_applies_nothing_new(tmp_path: Path) -> None:
    new_store(tmp_path).close()
    path = tmp_path / "precinct.sqlite"
    before = _migration_rows(path)
    with PrecinctStore.open(path, clock=fixed_clock()) as store:
        events = [e.event for e in store.audit_events()]
    assert _migration_rows(path) == before
    assert "store.migrated" not in events
    assert events[-1] == "store.opened"


def test_every_app_table_is_strict(tmp_path: Path) -> None:
    new_store(tmp_path).close()
    with sqlite3.connect(tmp_path / "precinct.sqlite") as conn:
        tables = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name <> '_sqlite_migrations'"
        ).fetchall()
    names = {name for name, _ in tables}
    assert {"precinct", "selection_count", "contest_count", "audit_event", "write_in"} <= names
    for name, sql in tables:
        assert sql.rstrip().endswith("STRICT"), name


def test_pragmas_are_set_on_the_open_connection(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        db = store._db  # the pragmas are per connection: read them on the store's own
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] > 0


def test_wal_mode_is_persistent_in_the_file(tmp_path: Path) -> None:
    new_store(tmp_path).close()
    with sqlite3.connect(tmp_path / "precinct.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_precinct_is_a_singleton(tmp_path: Path) -> None:
    new_store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "precinct.sqlite")
    try:
        try:
            conn.execute(
                "INSERT INTO precinct (id, election_id, precinct_id, definition, fingerprint, "
                "state, created_at, audit_head_hash) VALUES (2, 'e', 'p', x'00', ?, 'counting', "
                "'now', ?)",
                ["a" * 64, "0" * 64],
            )
        except sqlite3.IntegrityError as error:
            assert "CHECK" in str(error) or "constraint" in str(error).lower()
        else:
            raise AssertionError("a second precinct row was accepted")
    finally:
        conn.close()


def test_schema_rejects_impossible_values_directly(tmp_path: Path) -> None:
    new_store(tmp_path).close()
    conn = sqlite3.connect(tmp_path / "precinct.sqlite")
    conn.execute("PRAGMA foreign_keys=ON")
    try:
        for sql in (
            "UPDATE style_count SET value = -1",
            "UPDATE style_count SET value = 'ten'",
            "UPDATE precinct SET state = 'done'",
            "INSERT INTO selection_count (sheet, contest_id, selection_id) VALUES ('C', 'house-34', 'ahn')",
            "INSERT INTO selection_count (sheet, contest_id, selection_id) VALUES ('A', 'house-34', 'nobody')",
            "INSERT INTO board_member (name, role) VALUES ('   ', 'clerk')",
        ):
            try:
                conn.execute(sql)
            except sqlite3.IntegrityError:
                continue
            raise AssertionError(f"accepted: {sql}")
    finally:
        conn.close()
