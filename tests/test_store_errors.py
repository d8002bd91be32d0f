"""Bad files and bad values give one clear error with a stable code; the disk stays intact."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest

from tally_app.entries import ContestLine, Sheet, StyleField
from tally_app.errors import InputError, SystemError_, TallyError
from tally_app.store.precinct_store import PrecinctStore
from tests.store_factories import (
    CLERK,
    HOUSE,
    INSPECTOR,
    PRECINCT,
    STYLE_1,
    fixed_clock,
    new_store,
    small_definition,
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _open_error(path: Path) -> InputError:
    before = _digest(path)
    with pytest.raises(InputError) as caught:
        PrecinctStore.open(path, clock=fixed_clock())
    assert _digest(path) == before, "a refused file must not be changed"
    assert "\n" not in caught.value.message and "Traceback" not in caught.value.message
    return caught.value


def test_text_file_is_not_a_precinct_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("These are my notes, not a database.\n" * 50)
    assert _open_error(path).code == "not_a_precinct_file"


def test_random_bytes_are_not_a_precinct_file(tmp_path: Path) -> None:
    path = tmp_path / "random.sqlite"
    path.write_bytes(os.urandom(8192))
    assert _open_error(path).code == "not_a_precinct_file"


def test_empty_file_is_not_a_precinct_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    assert _open_error(path).code == "not_a_precinct_file"


def test_sqlite_file_of_another_app(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE songs (title TEXT, artist TEXT)")
        conn.execute("INSERT INTO songs VALUES ('Blue', 'Joni Mitchell')")
    conn.close()
    assert _open_error(path).code == "not_a_precinct_file"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # untouched
    conn.close()


def test_sqlite_utils_file_of_another_app(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE _sqlite_migrations (id INTEGER PRIMARY KEY, migration_set TEXT, "
            "name TEXT, applied_at TEXT)"
        )
        conn.execute("INSERT INTO _sqlite_migrations VALUES (1, 'notes_app', 'm001', 'now')")
        conn.execute("CREATE TABLE precinct (id INTEGER)")
    conn.close()
    assert _open_error(path).code == "not_a_precinct_file"


def test_file_from_a_newer_version(tmp_path: Path) -> None:
    new_store(tmp_path).close()
    path = tmp_path / "precinct.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('precinct_tally', 'm999_from_the_future', 'later')"
        )
    conn.close()
    error = _open_error(path)
    assert error.code == "newer_version"
    assert error.params["migrations"] == ("m999_from_the_future",)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        PrecinctStore.open(tmp_path / "nowhere.sqlite", clock=fixed_clock())
    assert caught.value.code == "store_missing"
    assert not (tmp_path / "nowhere.sqlite").exists()


def test_a_directory_is_not_a_precinct_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        PrecinctStore.open(tmp_path, clock=fixed_clock())
    assert caught.value.code == "not_a_precinct_file"


def test_create_over_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "precinct.sqlite"
    path.write_bytes(b"precious")
    with pytest.raises(InputError) as caught:
        PrecinctStore.create(
            path, small_definition(), PRECINCT, clock=fixed_clock(), actor=INSPECTOR
        )
    assert caught.value.code == "store_exists"
    assert path.read_bytes() == b"precious"


def test_create_for_an_unknown_precinct(tmp_path: Path) -> None:
    path = tmp_path / "precinct.sqlite"
    with pytest.raises(InputError) as caught:
        PrecinctStore.create(
            path, small_definition(), "9999999Z", clock=fixed_clock(), actor=INSPECTOR
        )
    assert caught.value.code == "unknown_precinct"
    assert not path.exists()


def test_create_makes_missing_folders(tmp_path: Path) -> None:
    path = tmp_path / "data" / "test-2026" / "precinct.sqlite"
    PrecinctStore.create(
        path, small_definition(), PRECINCT, clock=fixed_clock(), actor=INSPECTOR
    ).close()
    assert path.is_file()


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda s: s.set_vote(Sheet.A, HOUSE, "nobody", 1, CLERK), "unknown_field"),
        (lambda s: s.set_vote(Sheet.A, "no-contest", "ahn", 1, CLERK), "unknown_field"),
        (lambda s: s.set_vote("C", HOUSE, "ahn", 1, CLERK), "unknown_field"),
        (lambda s: s.set_style_field("bs-9", StyleField.VOTED, 1, CLERK), "unknown_field"),
        (lambda s: s.set_style_field(STYLE_1, "ballots", 1, CLERK), "unknown_field"),
        (lambda s: s.set_roster_field("voters", 1, CLERK), "unknown_field"),
        (lambda s: s.set_line(Sheet.A, HOUSE, "blank", 1, CLERK), "unknown_field"),
        (lambda s: s.resolve_difference(HOUSE, "nobody", 1, "A", CLERK), "unknown_field"),
        (lambda s: s.set_vote(Sheet.A, HOUSE, "ahn", -1, CLERK), "negative_count"),
        (lambda s: s.set_style_field(STYLE_1, StyleField.VOTED, -5, CLERK), "negative_count"),
        (lambda s: s.set_line(Sheet.B, HOUSE, ContestLine.BALLOTS, -1, CLERK), "negative_count"),
        (lambda s: s.set_vote(Sheet.A, HOUSE, "ahn", True, CLERK), "not_a_count"),
        (lambda s: s.set_vote(Sheet.A, HOUSE, "ahn", False, CLERK), "not_a_count"),
        (lambda s: s.set_vote(Sheet.A, HOUSE, "ahn", 1.0, CLERK), "not_a_count"),
        (lambda s: s.set_vote(Sheet.A, HOUSE, "ahn", "3", CLERK), "not_a_count"),
        (lambda s: s.add_unused_range(STYLE_1, 50, 10, CLERK), "bad_range"),
        (lambda s: s.add_unused_range(STYLE_1, -1, 10, CLERK), "negative_count"),
        (lambda s: s.remove_seal(42, CLERK), "unknown_field"),
        (lambda s: s.resolve_difference(HOUSE, "ahn", 1, "C", CLERK), "bad_choice"),
    ],
)
def test_bad_values_are_refused_without_a_change(tmp_path: Path, call, code: str) -> None:  # type: ignore[no-untyped-def]
    with new_store(tmp_path) as store:
        before = (store.snapshot(), len(store.audit_events()))
        with pytest.raises(InputError) as caught:
            call(store)
        assert caught.value.code == code
        assert "\n" not in caught.value.message
        assert (store.snapshot(), len(store.audit_events())) == before


def test_read_only_file_reports_read_only(tmp_path: Path) -> None:
    """A write to a file opened read-only is a system problem, and changes nothing."""
    new_store(tmp_path).close()
    path = tmp_path / "precinct.sqlite"
    before = _digest(path)
    with PrecinctStore.open(path, clock=fixed_clock(), read_only=True) as store:
        assert store.snapshot().contest(Sheet.A, HOUSE) is not None
        assert store.audit_report.ok
        with pytest.raises(SystemError_) as caught:
            store.set_vote(Sheet.A, HOUSE, "ahn", 5, CLERK)
        assert caught.value.code == "read_only"
        assert "not your fault" in caught.value.message
    assert _digest(path) == before


def _open_error_code_as_unprivileged_user(path: Path) -> str:
    """Open ``path`` as an ordinary user: root ignores file modes, so as root the attempt
    runs in a forked child that first drops to ``nobody``."""
    if os.geteuid() != 0:
        try:
            PrecinctStore.open(path, clock=fixed_clock()).close()
        except TallyError as error:
            return error.code
        return "opened"
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = "opened"
        try:
            os.setgid(65534)
            os.setuid(65534)
            PrecinctStore.open(path, clock=fixed_clock()).close()
        except TallyError as error:
            code = error.code
        except BaseException as error:
            code = f"unexpected {type(error).__name__}: {error}"
        os.write(write_end, code.encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as result:
        return result.read().decode()


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize("folder_mode", [0o555, 0o777], ids=["folder read-only", "file only"])
def test_read_only_permissions(tmp_path: Path, folder_mode: int) -> None:
    new_store(tmp_path).close()
    # pytest's own tmp folders are private to root; the unprivileged user needs a path in.
    with tempfile.TemporaryDirectory() as shared:
        Path(shared).chmod(0o755)
        folder = Path(shared) / "ro"
        folder.mkdir()
        path = folder / "precinct.sqlite"
        shutil.copy(tmp_path / "precinct.sqlite", path)
        before = _digest(path)
        path.chmod(0o444)
        folder.chmod(folder_mode)
        try:
            assert _open_error_code_as_unprivileged_user(path) == "read_only"
        finally:
            folder.chmod(0o755)
            path.chmod(0o644)
        assert _digest(path) == before


def test_another_program_holding_the_lock(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store._db.execute("PRAGMA busy_timeout=50")
        other = sqlite3.connect(store.path)
        try:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(SystemError_) as caught:
                store.set_vote(Sheet.A, HOUSE, "ahn", 5, CLERK)
            assert caught.value.code == "locked"
            other.rollback()
        finally:
            other.close()
        assert store.set_vote(Sheet.A, HOUSE, "ahn", 5, CLERK) is True
