"""Opening a precinct file, and turning SQLite failures into our two error families.

After qutebrowser's ``sql.py``: a full disk, a read-only file, a lock held by another
program or an I/O error is not the user's fault and not a bug (``SystemError_``); a file
that is not a precinct file is the user's (``InputError``); anything else is a bug and is
re-raised unchanged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from tally_app.errors import InputError, SystemError_, TallyError
from tally_app.store.schema import LOCKED_MESSAGE, MIGRATION_SET, known_migrations

BUSY_TIMEOUT_MS = 5000

# Primary SQLite result codes (https://sqlite.org/rescode.html).
SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_CONSTRAINT = 19
SQLITE_NOTADB = 26


def translate(error: sqlite3.Error, path: Path) -> TallyError | None:
    """Our error for a SQLite failure, or None when it is a bug to re-raise as is."""
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    name = path.name
    if primary == SQLITE_FULL:
        return SystemError_(
            "disk_full",
            f"The disk holding {name} is full, so nothing was saved; this is not your "
            "fault: free some space (or ask for help), then try again.",
            path=str(path),
        )
    if primary in (SQLITE_READONLY, SQLITE_PERM):
        return SystemError_(
            "read_only",
            f"{name} cannot be written because the file or its disk is read-only; this is "
            "not your fault: copy the file to a writable disk and open it from there.",
            path=str(path),
        )
    if primary in (SQLITE_BUSY, SQLITE_LOCKED):
        return SystemError_(
            "locked",
            f"{name} is being used by another program, so nothing was saved; this is not "
            "your fault: close the other program (or the other Precinct Tally window) and "
            "try again.",
            path=str(path),
        )
    if primary in (SQLITE_IOERR, SQLITE_CANTOPEN):
        return SystemError_(
            "io_error",
            f"The computer could not read or write {name}; this is not your fault: check "
            "that the disk is still connected, then try again or ask for help.",
            path=str(path),
        )
    if primary in (SQLITE_NOTADB, SQLITE_CORRUPT):
        return not_a_precinct_file(path)
    if primary == SQLITE_CONSTRAINT and LOCKED_MESSAGE in str(error):
        return precinct_locked()
    return None


def not_a_precinct_file(path: Path) -> InputError:
    return InputError(
        "not_a_precinct_file",
        f"{path.name} is not a Precinct Tally precinct file (or it is damaged); choose the "
        "precinct file this app created.",
        path=str(path),
    )


def precinct_locked() -> InputError:
    return InputError(
        "precinct_locked",
        "This precinct is finalized, so its entries are locked; ask a supervisor to start a "
        "correction if something must change.",
    )


@contextmanager
def translated(path: Path) -> Iterator[None]:
    """Run a block, turning SQLite failures into our errors (bugs pass through)."""
    try:
        yield
    except sqlite3.Error as error:
        ours = translate(error, path)
        if ours is None:
            raise
        raise ours from error


def connect(path: Path, *, read_only: bool = False) -> Database:
    """A sqlite-utils Database on ``path``; read-only opens with a ``mode=ro`` URI.

    sqlite-utils plugins are not run: no third-party code touches an election file.
    """
    with translated(path):
        if read_only:
            conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
            return Database(conn, execute_plugins=False)
        return Database(path, execute_plugins=False)


def configure(db: Database, path: Path, *, read_only: bool = False) -> None:
    """Set and check the pragmas DESIGN §4 requires: WAL, synchronous=FULL, foreign keys."""
    with translated(path):
        if not read_only:
            db.enable_wal()
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        journal = db.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = db.execute("PRAGMA synchronous").fetchone()[0]
        foreign_keys = db.execute("PRAGMA foreign_keys").fetchone()[0]
        timeout = db.execute("PRAGMA busy_timeout").fetchone()[0]
    if (journal != "wal" and not read_only) or synchronous != 2 or foreign_keys != 1:
        raise SystemError_(
            "unsafe_storage",
            f"{path.name} is on a disk where it cannot be saved safely (write-ahead logging "
            "is not available); this is not your fault: keep precinct files on the "
            "laptop's own disk.",
            path=str(path),
        )
    if timeout != BUSY_TIMEOUT_MS:  # pragma: no cover - SQLite always honours this
        raise AssertionError("busy_timeout was not set")


def check_ours(db: Database, path: Path) -> None:
    """Refuse, without writing anything, a file that is not a precinct file of ours."""
    with translated(path):
        tables = {
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "_sqlite_migrations" not in tables or "precinct" not in tables:
            raise not_a_precinct_file(path)
        applied = [
            row[0]
            for row in db.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid",
                [MIGRATION_SET],
            )
        ]
        if not applied:
            raise not_a_precinct_file(path)
        unknown = [name for name in applied if name not in known_migrations()]
        if unknown:
            raise InputError(
                "newer_version",
                f"{path.name} was written by a newer version of Precinct Tally; open it with "
                "that version, or update this laptop's app.",
                path=str(path),
                migrations=tuple(unknown),
            )
        if db.execute("SELECT count(*) FROM precinct WHERE id = 1").fetchone()[0] != 1:
            raise not_a_precinct_file(path)
