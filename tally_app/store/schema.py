"""The precinct file's schema, as recorded migrations: the ONLY place with DDL.

Each migration is a named function run by sqlite-utils ``Migrations`` inside one
transaction together with its record in ``_sqlite_migrations``; pending ones are applied
when a file is created or opened. Tables are explicit ``STRICT`` tables whose CHECKs carry
the rules (blank is NULL, counts are ≥ 0, enums are closed), so even a direct write with
the sqlite3 shell cannot store an impossible value. Never edit a released migration: add
the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from tally_app.entries import ContestLine, RosterField, Sheet, StyleField
from tally_app.store.states import LOCKED, State

MIGRATION_SET = "precinct_tally"
MIGRATIONS = Migrations(MIGRATION_SET)
_NAMES: list[str] = []

# Tables whose rows are the board's entries: locked while finalized or exported.
LOCKED_TABLES = (
    "style_count",
    "roster_count",
    "unused_range",
    "selection_count",
    "contest_count",
    "write_in",
    "board_member",
    "seal",
    "explanation",
    "explanation_signature",
)
LOCKED_MESSAGE = "precinct is locked"
APPEND_ONLY_MESSAGE = "the audit log is append-only"


def _migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    _NAMES.append(fn.__name__)
    return MIGRATIONS()(fn)


def known_migrations() -> tuple[str, ...]:
    """The names of every migration this version of the app knows, in order."""
    return tuple(_NAMES)


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


_COUNT = "INTEGER CHECK (value IS NULL OR value >= 0)"
_SHEET = f"TEXT NOT NULL CHECK (sheet IN {_in(Sheet)})"


@_migration
def m001_initial(db: Database) -> None:
    """The first schema: the precinct, its definition copy, every count, board, log."""
    statements = [
        f"""CREATE TABLE precinct (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            election_id TEXT NOT NULL,
            precinct_id TEXT NOT NULL,
            definition BLOB NOT NULL,
            fingerprint TEXT NOT NULL CHECK (length(fingerprint) = 64),
            state TEXT NOT NULL CHECK (state IN {_in(State)}),
            amended INTEGER NOT NULL DEFAULT 0 CHECK (amended IN (0, 1)),
            resume_page TEXT,
            created_at TEXT NOT NULL,
            audit_head_seq INTEGER NOT NULL DEFAULT 0 CHECK (audit_head_seq >= 0),
            audit_head_hash TEXT NOT NULL CHECK (length(audit_head_hash) = 64)
        ) STRICT""",
        """CREATE TABLE ballot_style (
            id TEXT PRIMARY KEY,
            position INTEGER NOT NULL UNIQUE
        ) STRICT""",
        """CREATE TABLE contest (
            id TEXT PRIMARY KEY,
            position INTEGER NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('candidate', 'measure')),
            title TEXT NOT NULL,
            vote_for INTEGER NOT NULL CHECK (vote_for >= 1),
            unqualified_write_ins INTEGER NOT NULL CHECK (unqualified_write_ins IN (0, 1))
        ) STRICT""",
        """CREATE TABLE selection (
            contest_id TEXT NOT NULL REFERENCES contest(id),
            id TEXT NOT NULL,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            write_in INTEGER NOT NULL CHECK (write_in IN (0, 1)),
            PRIMARY KEY (contest_id, id),
            UNIQUE (contest_id, position)
        ) STRICT""",
        f"""CREATE TABLE style_count (
            ballot_style_id TEXT NOT NULL REFERENCES ballot_style(id),
            field TEXT NOT NULL CHECK (field IN {_in(StyleField)}),
            value {_COUNT},
            PRIMARY KEY (ballot_style_id, field)
        ) STRICT""",
        f"""CREATE TABLE roster_count (
            field TEXT PRIMARY KEY CHECK (field IN {_in(RosterField)}),
            value {_COUNT}
        ) STRICT""",
        """CREATE TABLE unused_range (
            id INTEGER PRIMARY KEY,
            ballot_style_id TEXT NOT NULL REFERENCES ballot_style(id),
            first_serial INTEGER NOT NULL CHECK (first_serial >= 0),
            last_serial INTEGER NOT NULL,
            CHECK (last_serial >= first_serial)
        ) STRICT""",
        f"""CREATE TABLE selection_count (
            sheet {_SHEET},
            contest_id TEXT NOT NULL,
            selection_id TEXT NOT NULL,
            value {_COUNT},
            PRIMARY KEY (sheet, contest_id, selection_id),
            FOREIGN KEY (contest_id, selection_id) REFERENCES selection(contest_id, id)
        ) STRICT""",
        f"""CREATE TABLE contest_count (
            sheet {_SHEET},
            contest_id TEXT NOT NULL REFERENCES contest(id),
            line TEXT NOT NULL CHECK (line IN {_in(ContestLine)}),
            value {_COUNT},
            override_reason TEXT,
            PRIMARY KEY (sheet, contest_id, line)
        ) STRICT""",
        f"""CREATE TABLE write_in (
            id INTEGER PRIMARY KEY,
            sheet {_SHEET},
            contest_id TEXT NOT NULL REFERENCES contest(id),
            name TEXT NOT NULL CHECK (trim(name) <> ''),
            value {_COUNT}
        ) STRICT""",
        """CREATE TABLE board_member (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (trim(name) <> ''),
            role TEXT NOT NULL CHECK (trim(role) <> ''),
            pin_hash TEXT
        ) STRICT""",
        """CREATE TABLE seal (
            id INTEGER PRIMARY KEY,
            purpose TEXT NOT NULL CHECK (trim(purpose) <> ''),
            number TEXT NOT NULL CHECK (trim(number) <> '')
        ) STRICT""",
        """CREATE TABLE explanation (
            id INTEGER PRIMARY KEY,
            rule_id TEXT NOT NULL,
            subject TEXT NOT NULL,
            text TEXT NOT NULL CHECK (trim(text) <> ''),
            created_at TEXT NOT NULL
        ) STRICT""",
        """CREATE TABLE explanation_signature (
            explanation_id INTEGER NOT NULL REFERENCES explanation(id),
            board_member_id INTEGER NOT NULL REFERENCES board_member(id),
            PRIMARY KEY (explanation_id, board_member_id)
        ) STRICT""",
        f"""CREATE TABLE correction (
            id INTEGER PRIMARY KEY,
            reason TEXT NOT NULL CHECK (trim(reason) <> ''),
            actor TEXT NOT NULL,
            role TEXT NOT NULL,
            created_at TEXT NOT NULL,
            from_state TEXT NOT NULL CHECK (from_state IN {_in(sorted(LOCKED))})
        ) STRICT""",
        """CREATE TABLE audit_event (
            seq INTEGER PRIMARY KEY CHECK (seq >= 1),
            at TEXT NOT NULL,
            event TEXT NOT NULL,
            actor TEXT NOT NULL,
            role TEXT NOT NULL,
            disposition TEXT NOT NULL CHECK (disposition IN ('success', 'failure')),
            details TEXT NOT NULL,
            prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
            hash TEXT NOT NULL CHECK (length(hash) = 64)
        ) STRICT""",
        "CREATE INDEX write_in_by_contest ON write_in (contest_id, sheet)",
        "CREATE INDEX unused_range_by_style ON unused_range (ballot_style_id)",
        "CREATE INDEX signature_by_member ON explanation_signature (board_member_id)",
        # The definition a precinct file was made for never changes.
        """CREATE TRIGGER precinct_definition_fixed
            BEFORE UPDATE OF election_id, precinct_id, definition, fingerprint ON precinct
            BEGIN SELECT RAISE(ABORT, 'the election definition of a precinct file cannot change'); END""",
        # The audit log is append-only.
        f"""CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
        f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""",
    ]
    # Defence in depth: entries cannot change while the precinct is locked, even if the
    # Python check were bypassed.
    locked = _in(sorted(LOCKED))
    for table in LOCKED_TABLES:
        for op in ("INSERT", "UPDATE", "DELETE"):
            statements.append(
                f"""CREATE TRIGGER {table}_locked_{op.lower()} BEFORE {op} ON {table}
                WHEN (SELECT state FROM precinct WHERE id = 1) IN {locked}
                BEGIN SELECT RAISE(ABORT, '{LOCKED_MESSAGE}'); END"""
            )
    for statement in statements:
        db.execute(statement)


@_migration
def m002_explanation_numbers(db: Database) -> None:
    """Bind an explanation to the numbers it explains (the finding's expected and actual),
    so that it stops covering the finding once the numbers change."""
    db.execute("ALTER TABLE explanation ADD COLUMN expected INTEGER")
    db.execute("ALTER TABLE explanation ADD COLUMN actual INTEGER")


def applied_migrations(db: Database) -> tuple[str, ...]:
    """Names of this set's migrations recorded in the file (read-only)."""
    return tuple(m.name for m in MIGRATIONS.applied(db))


def apply_pending(db: Database) -> tuple[str, ...]:
    """Apply every pending migration, each in its own transaction; return their names."""
    pending = tuple(m.name for m in MIGRATIONS.pending(db))
    if pending:
        MIGRATIONS.apply(db)
    return pending
