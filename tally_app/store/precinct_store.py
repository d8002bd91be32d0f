"""The precinct store: one SQLite file per precinct per election (DESIGN §4, §6, §7).

Transaction policy, followed by every method: one user action is ONE ``db.atomic()`` that
holds the change, its audit event and the audit head update, so a field the UI shows as
saved is on disk with its audit row. Nothing else commits. A write that would not change
anything writes nothing and returns False. A refused action (the precinct is locked, a
transition that is not allowed) first records a ``failure`` event in its own transaction,
then raises ``InputError``. SQLite failures become our errors (``connection.translated``).

A file that is not trusted (its log or tables were changed outside the app, and no
supervisor has acknowledged it yet) takes no write but that acknowledgement: each refusal
is logged as a failure when the log can still be appended, then raises ``untrusted_file``.
Every event that changes a row carries what the row became, so that opening the file can
replay the log and compare it with the tables (``replay``).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import EllipsisType, TracebackType
from typing import Any, Self, TypeVar

from sqlite_utils import Database

from tally_app.audit.catalogue import EventId
from tally_app.audit.chain import ChainHead, ChainReport, parse_event
from tally_app.audit.events import SYSTEM, Actor, AuditEvent
from tally_app.clock import Clock, iso_seconds
from tally_app.definition.model import ElectionDefinition, RuleId
from tally_app.entries import ContestLine, PrecinctEntries, RosterField, Sheet, StyleField
from tally_app.errors import InputError, TallyError
from tally_app.store import audit_log, connection, reads, replay, schema
from tally_app.store.populate import populate
from tally_app.store.records import BoardMember, Correction, Explanation, Seal
from tally_app.store.states import LOCKED, State, can_transition, is_locked
from tally_app.store.validation import (
    MAX_COUNT,
    bad_transition,
    check_count,
    check_pin_hash,
    check_serial,
    parse_enum,
    require_supervisor,
    require_text,
    unknown,
    untrusted_file,
)

RESOLVE_CHOICES = ("A", "B", "recount")

_T = TypeVar("_T")


class PrecinctStore:
    """The only way the app reads or writes a precinct file."""

    def __init__(self, db: Database, path: Path, clock: Clock, *, read_only: bool = False) -> None:
        # Use create() or open(): they check the file before a store exists.
        self._db = db
        self.path = path
        self._clock = clock
        self.read_only = read_only
        row = db.execute(
            "SELECT election_id, precinct_id, fingerprint, definition FROM precinct WHERE id = 1"
        ).fetchone()
        self.election_id: str = row[0]
        self.precinct_id: str = row[1]
        self.fingerprint: str = row[2]
        self.definition_bytes: bytes = bytes(row[3])
        self.audit_report = ChainReport()

    # --- life cycle -----------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        definition: ElectionDefinition,
        precinct_id: str,
        *,
        clock: Clock,
        actor: Actor,
    ) -> PrecinctStore:
        """Create the file for one precinct of ``definition``, with every count blank."""
        path = Path(path)
        try:
            precinct = definition.precinct(precinct_id)
        except KeyError:
            raise InputError(
                "unknown_precinct",
                f"Precinct {precinct_id} is not in election {definition.id}; choose one of "
                "its precincts.",
                precinct_id=precinct_id,
            ) from None
        if path.exists() or path.is_symlink():
            raise InputError(
                "store_exists",
                f"A precinct file already exists at {path}; open it instead of creating it.",
                path=str(path),
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        # Built under a temporary name and linked into place only when complete, so a
        # crash mid-create never leaves a half-made file under the precinct's name.
        for leftover in path.parent.glob(f".{path.name}.*.creating*"):
            leftover.unlink(missing_ok=True)  # from a create that was killed
        building = path.with_name(f".{path.name}.{secrets.token_hex(8)}.creating")
        db = connection.connect(building)
        try:
            connection.configure(db, building)
            with connection.translated(path):
                applied = schema.apply_pending(db)
                with db.atomic():
                    populate(
                        db,
                        definition,
                        precinct_id,
                        precinct.ballot_style_ids,
                        iso_seconds(clock.now()),
                    )
                    store = cls(db, building, clock)
                    store._append(
                        EventId.STORE_CREATED,
                        actor,
                        {
                            "election_id": definition.id,
                            "precinct_id": precinct_id,
                            "fingerprint": definition.fingerprint,
                            "migrations": list(applied),
                            "structure": replay.structure_digest(db),
                        },
                    )
                db.close()  # checkpoints the WAL into the file and removes it
                _publish(building, path)
        except BaseException:
            db.close()
            _remove_database_files(building)
            raise
        return cls.open(path, clock=clock, quiet=True)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        clock: Clock,
        read_only: bool = False,
        quiet: bool = False,
    ) -> PrecinctStore:
        """Open an existing file: apply pending migrations, verify the audit chain.

        A broken chain never raises: it is in ``audit_report`` and ``trusted`` is False
        until a supervisor acknowledges it. ``read_only`` opens without writing anything
        (no migration, no ``store.opened`` event); every write then fails with ``read_only``.
        ``quiet`` skips the ``store.opened`` event (right after ``create``, which logged).
        """
        path = Path(path)
        if not path.exists():
            raise InputError(
                "store_missing",
                f"There is no precinct file at {path}; check the folder, or create the "
                "precinct again.",
                path=str(path),
            )
        if not path.is_file():
            raise connection.not_a_precinct_file(path)
        db = connection.connect(path, read_only=read_only)
        try:
            connection.check_ours(db, path)
            connection.configure(db, path, read_only=read_only)
            with connection.translated(path):
                applied = () if read_only else schema.apply_pending(db)
                store = cls(db, path, clock, read_only=read_only)
                store.audit_report = store._verify()
                if not read_only and (applied or not quiet):
                    store._after_open(applied)
        except BaseException:
            db.close()
            raise
        return store

    def _after_open(self, applied: tuple[str, ...]) -> None:
        report = self.audit_report
        with self._db.atomic():
            if applied:
                self._append(EventId.STORE_MIGRATED, SYSTEM, {"migrations": list(applied)})
            self._append(
                EventId.STORE_OPENED,
                SYSTEM,
                {
                    "audit_ok": report.ok,
                    "acknowledged": report.acknowledged,
                    "problems": audit_log.problems_details(report.problems),
                },
            )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- simple reads -----------------------------------------------------------------

    @property
    def state(self) -> str:
        with self._guard():
            return str(self._scalar("SELECT state FROM precinct WHERE id = 1"))

    @property
    def amended(self) -> bool:
        with self._guard():
            return bool(self._scalar("SELECT amended FROM precinct WHERE id = 1"))

    @property
    def resume_page(self) -> str | None:
        with self._guard():
            value = self._scalar("SELECT resume_page FROM precinct WHERE id = 1")
        return None if value is None else str(value)

    @property
    def trusted(self) -> bool:
        return self.audit_report.trusted

    @property
    def audit_head(self) -> ChainHead:
        """The last event's seq and hash (printed on documents to anchor the log)."""
        with self._guard():
            return audit_log.read_head(self._db)

    # --- accounting -------------------------------------------------------------------

    def set_style_field(
        self, style_id: str, field: StyleField, value: int | None, actor: Actor
    ) -> bool:
        """Enter one ballot-accounting count of a ballot style (None = blank)."""
        field = parse_enum(StyleField, field, "accounting field")
        check_count(value)
        with self._guard():
            self._require(
                "SELECT 1 FROM ballot_style WHERE id = ?", [style_id], "ballot style", style_id
            )
            where = "ballot_style_id = ? AND field = ?"
            return self._set_value(
                EventId.ACCOUNTING_FIELD_SET,
                actor,
                "style_count",
                where,
                [style_id, field.value],
                value,
                {"style_id": style_id, "field": field.value},
            )

    def set_roster_field(self, field: RosterField, value: int | None, actor: Actor) -> bool:
        """Enter one roster count, kept once per precinct (None = blank)."""
        field = parse_enum(RosterField, field, "roster field")
        check_count(value)
        with self._guard():
            return self._set_value(
                EventId.ACCOUNTING_FIELD_SET,
                actor,
                "roster_count",
                "field = ?",
                [field.value],
                value,
                {"style_id": None, "field": field.value},
            )

    def add_unused_range(self, style_id: str, first: int, last: int, actor: Actor) -> int:
        """Record a range of unused ballot serials (both ends included); returns its id."""
        first, last = check_serial(first), check_serial(last)
        if last < first:
            raise InputError(
                "bad_range",
                f"The serial range {first}–{last} ends before it starts; enter the first "
                "serial number, then the last.",
            )
        details: dict[str, object] = {"style_id": style_id, "first": first, "last": last}
        with self._guard():
            self._require(
                "SELECT 1 FROM ballot_style WHERE id = ?", [style_id], "ballot style", style_id
            )
            return self._add_row(
                EventId.ACCOUNTING_RANGE_ADDED,
                actor,
                details,
                "INSERT INTO unused_range (ballot_style_id, first_serial, last_serial) "
                "VALUES (?, ?, ?)",
                [style_id, first, last],
                id_key="range_id",
            )

    def remove_unused_range(self, range_id: int, actor: Actor) -> None:
        with self._guard():
            row = self._db.execute(
                "SELECT ballot_style_id, first_serial, last_serial FROM unused_range WHERE id = ?",
                [range_id],
            ).fetchone()
            if row is None:
                raise unknown("unused serial range", str(range_id))
            details = {"range_id": range_id, "style_id": row[0], "first": row[1], "last": row[2]}
            self._run_edit(
                EventId.ACCOUNTING_RANGE_REMOVED,
                actor,
                details,
                "DELETE FROM unused_range WHERE id = ?",
                [range_id],
            )

    # --- contests ---------------------------------------------------------------------

    def set_vote(
        self,
        sheet: Sheet,
        contest_id: str,
        selection_id: str,
        value: int | None,
        actor: Actor,
    ) -> bool:
        """Enter a selection's votes on one tally sheet (None = blank)."""
        sheet = parse_enum(Sheet, sheet, "sheet")
        check_count(value)
        with self._guard():
            self._require_selection(contest_id, selection_id)
            return self._set_value(
                EventId.CONTEST_VOTE_SET,
                actor,
                "selection_count",
                "sheet = ? AND contest_id = ? AND selection_id = ?",
                [sheet.value, contest_id, selection_id],
                value,
                {"sheet": sheet.value, "contest_id": contest_id, "selection_id": selection_id},
            )

    def set_line(
        self,
        sheet: Sheet,
        contest_id: str,
        line: ContestLine,
        value: int | None,
        actor: Actor,
        *,
        reason: str | None = None,
    ) -> bool:
        """Enter undervotes, overvotes or ballots tallied (K_c) on one sheet.

        ``reason`` says why K_c was overridden; it is stored with the value and replaced
        (or cleared, when not given) by each later write of the line.
        """
        sheet = parse_enum(Sheet, sheet, "sheet")
        line = parse_enum(ContestLine, line, "contest line")
        check_count(value)
        reason = reason.strip() or None if reason is not None else None
        with self._guard():
            self._require_contest(contest_id)
            return self._set_value(
                EventId.CONTEST_LINE_SET,
                actor,
                "contest_count",
                "sheet = ? AND contest_id = ? AND line = ?",
                [sheet.value, contest_id, line.value],
                value,
                {"sheet": sheet.value, "contest_id": contest_id, "line": line.value},
                reason=reason,
            )

    def add_write_in(self, sheet: Sheet, contest_id: str, name: str, actor: Actor) -> int:
        """List an unqualified write-in name on a sheet, count blank; returns its id."""
        sheet = parse_enum(Sheet, sheet, "sheet")
        name = require_text(name, "blank_name", "Type the write-in name as it was written.")
        with self._guard():
            self._require_contest(contest_id)
            allowed = self._scalar(
                "SELECT unqualified_write_ins FROM contest WHERE id = ?", [contest_id]
            )
            if not allowed:
                raise InputError(
                    "write_ins_not_recorded",
                    f"Contest {contest_id} does not record write-in names; count them as the "
                    "election's instructions say.",
                    contest_id=contest_id,
                )
            details: dict[str, object] = {
                "sheet": sheet.value,
                "contest_id": contest_id,
                "name": name,
            }
            return self._add_row(
                EventId.CONTEST_WRITE_IN_ADDED,
                actor,
                details,
                "INSERT INTO write_in (sheet, contest_id, name, value) VALUES (?, ?, ?, NULL)",
                [sheet.value, contest_id, name],
                id_key="write_in_id",
            )

    def set_write_in(
        self,
        write_in_id: int,
        *,
        name: str | None = None,
        count: int | EllipsisType | None = ...,
        actor: Actor,
    ) -> bool:
        """Rename a write-in and/or set its count (``...`` leaves the count as it is)."""
        if name is not None:
            name = require_text(name, "blank_name", "Type the write-in name as it was written.")
        if not isinstance(count, EllipsisType):
            check_count(count)
        with self._guard():
            row = self._db.execute(
                "SELECT sheet, contest_id, name, value FROM write_in WHERE id = ?", [write_in_id]
            ).fetchone()
            if row is None:
                raise unknown("write-in", str(write_in_id))
            sheet, contest_id, old_name, old_count = row
            new_name = old_name if name is None else name
            new_count = old_count if isinstance(count, EllipsisType) else count
            details: dict[str, object] = {
                "write_in_id": write_in_id,
                "sheet": sheet,
                "contest_id": contest_id,
                "old_name": old_name,
                "new_name": new_name,
                "old": old_count,
                "new": new_count,
            }

            def change() -> tuple[bool, dict[str, object] | None]:
                if new_name == old_name and new_count == old_count:
                    return False, None
                self._db.execute(
                    "UPDATE write_in SET name = ?, value = ? WHERE id = ?",
                    [new_name, new_count, write_in_id],
                )
                return True, details

            return self._edit(EventId.CONTEST_WRITE_IN_CHANGED, actor, details, change)

    def remove_write_in(self, write_in_id: int, actor: Actor) -> None:
        with self._guard():
            row = self._db.execute(
                "SELECT sheet, contest_id, name, value FROM write_in WHERE id = ?", [write_in_id]
            ).fetchone()
            if row is None:
                raise unknown("write-in", str(write_in_id))
            details = {
                "write_in_id": write_in_id,
                "sheet": row[0],
                "contest_id": row[1],
                "name": row[2],
                "old": row[3],
            }
            self._run_edit(
                EventId.CONTEST_WRITE_IN_REMOVED,
                actor,
                details,
                "DELETE FROM write_in WHERE id = ?",
                [write_in_id],
            )

    def fill_blanks_with_zero(
        self,
        actor: Actor,
        *,
        sheet: Sheet | None = None,
        contest_id: str | None = None,
        accounting: bool = False,
    ) -> int:
        """Set every blank field in the scope to 0, as one action; return how many.

        ``accounting=True`` fills the ballot-accounting fields (per style and roster);
        otherwise the contest fields (votes, lines, write-in counts), optionally only on
        one ``sheet`` and/or one ``contest_id``.
        """
        if accounting and (sheet is not None or contest_id is not None):
            raise ValueError("accounting fills take no sheet or contest")
        sheet_value = None if sheet is None else parse_enum(Sheet, sheet, "sheet").value
        details: dict[str, object] = {
            "accounting": accounting,
            "sheet": sheet_value,
            "contest_id": contest_id,
        }
        scopes: list[tuple[str, str, str, list[object]]]
        if accounting:
            scopes = [
                ("style_count", "'style', ballot_style_id, field", "", []),
                ("roster_count", "'roster', field", "", []),
            ]
        else:
            where, params = "", list[object]()
            if sheet_value is not None:
                where += " AND sheet = ?"
                params.append(sheet_value)
            if contest_id is not None:
                where += " AND contest_id = ?"
                params.append(contest_id)
            scopes = [
                ("selection_count", "'vote', sheet, contest_id, selection_id", where, params),
                ("contest_count", "'line', sheet, contest_id, line", where, params),
                ("write_in", "'write_in', id", where, params),
            ]

        def fill() -> tuple[int, dict[str, object] | None]:
            # Each filled field is named in the event, so the log replays exactly.
            fields: list[list[object]] = []
            for table, key, where, params in scopes:
                condition = f"value IS NULL{where}"
                fields += [
                    list(row)
                    for row in self._db.execute(
                        f"SELECT {key} FROM {table} WHERE {condition} ORDER BY rowid", params
                    )
                ]
                self._db.execute(f"UPDATE {table} SET value = 0 WHERE {condition}", params)
            if not fields:
                return 0, None
            return len(fields), {**details, "filled": len(fields), "fields": fields}

        with self._guard():
            if contest_id is not None:
                self._require_contest(contest_id)
            return self._edit(EventId.ENTRY_BLANKS_FILLED, actor, details, fill)

    def resolve_difference(
        self, contest_id: str, field: str, value: int, choice: str, actor: Actor
    ) -> None:
        """Settle a sheet A / sheet B difference: both sheets get ``value``.

        ``field`` is a selection id of the contest or a ContestLine value; ``choice`` says
        whose number was right ('A', 'B') or that the board recounted ('recount').
        """
        if choice not in RESOLVE_CHOICES:
            raise InputError(
                "bad_choice",
                f"{choice!r} is not a way to resolve a difference; choose sheet A, sheet B "
                "or a recount.",
            )
        check_count(value)
        if value is None:
            raise InputError("blank_value", "Enter the agreed number before resolving.")
        with self._guard():
            self._require_contest(contest_id)
            if self._exists(
                "SELECT 1 FROM selection WHERE contest_id = ? AND id = ?", [contest_id, field]
            ):
                kind, table, where = (
                    "vote",
                    "selection_count",
                    "contest_id = ? AND selection_id = ?",
                )
            elif field in tuple(ContestLine):
                kind, table, where = "line", "contest_count", "contest_id = ? AND line = ?"
            else:
                raise unknown("field of contest " + contest_id, field)
            values = dict(
                self._db.execute(
                    f"SELECT sheet, value FROM {table} WHERE {where}", [contest_id, field]
                ).fetchall()
            )
            a, b = values.get("A"), values.get("B")
            if (choice == "A" and value != a) or (choice == "B" and value != b):
                raise InputError(
                    "bad_choice",
                    f"Sheet {choice} says {values.get(choice)}, not {value}; choose the value "
                    "that is on that sheet, or record a recount.",
                )
            details: dict[str, object] = {
                "contest_id": contest_id,
                "field": field,
                "kind": kind,
                "a": a,
                "b": b,
                "choice": choice,
                "value": value,
            }
            self._run_edit(
                EventId.DOUBLE_ENTRY_DIFFERENCE_RESOLVED,
                actor,
                details,
                f"UPDATE {table} SET value = ? WHERE {where}",
                [value, contest_id, field],
            )

    # --- board, seals, explanations ---------------------------------------------------

    def add_board_member(
        self, name: str, role: str, actor: Actor, *, pin_hash: str | None = None
    ) -> int:
        """Add a board member; ``pin_hash`` is stored but never logged."""
        name = require_text(name, "blank_name", "Type the board member's name.")
        role = require_text(role, "blank_role", "Choose the board member's role.")
        check_pin_hash(pin_hash)
        details: dict[str, object] = {"name": name, "role": role}
        with self._guard():
            return self._add_row(
                EventId.BOARD_MEMBER_ADDED,
                actor,
                details,
                "INSERT INTO board_member (name, role, pin_hash) VALUES (?, ?, ?)",
                [name, role, pin_hash],
                id_key="member_id",
                extra={"has_pin": pin_hash is not None},
                counts=False,
            )

    def remove_board_member(self, member_id: int, actor: Actor) -> None:
        with self._guard():
            row = self._db.execute(
                "SELECT name, role FROM board_member WHERE id = ?", [member_id]
            ).fetchone()
            if row is None:
                raise unknown("board member", str(member_id))
            details = {"member_id": member_id, "name": row[0], "role": row[1]}

            def remove() -> tuple[None, dict[str, object]]:
                if self._exists(
                    "SELECT 1 FROM explanation_signature WHERE board_member_id = ?", [member_id]
                ):
                    raise InputError(
                        "member_has_signed",
                        f"{row[0]} signed an explanation, so they stay on the board record; "
                        "add the new member instead.",
                        member_id=member_id,
                    )
                self._db.execute("DELETE FROM board_member WHERE id = ?", [member_id])
                return None, details

            self._edit(EventId.BOARD_MEMBER_REMOVED, actor, details, remove, counts=False)

    def board(self) -> tuple[BoardMember, ...]:
        with self._guard():
            return reads.read_board(self._db)

    def add_seal(self, purpose: str, number: str, actor: Actor) -> int:
        purpose = require_text(purpose, "blank_purpose", "Say what the seal closes.")
        number = require_text(number, "blank_number", "Type the number printed on the seal.")
        details: dict[str, object] = {"purpose": purpose, "number": number}
        with self._guard():
            return self._add_row(
                EventId.SEAL_ADDED,
                actor,
                details,
                "INSERT INTO seal (purpose, number) VALUES (?, ?)",
                [purpose, number],
                id_key="seal_id",
                counts=False,
            )

    def remove_seal(self, seal_id: int, actor: Actor) -> None:
        with self._guard():
            row = self._db.execute(
                "SELECT purpose, number FROM seal WHERE id = ?", [seal_id]
            ).fetchone()
            if row is None:
                raise unknown("seal", str(seal_id))
            details = {"seal_id": seal_id, "purpose": row[0], "number": row[1]}
            self._run_edit(
                EventId.SEAL_REMOVED,
                actor,
                details,
                "DELETE FROM seal WHERE id = ?",
                [seal_id],
                counts=False,
            )

    def seals(self) -> tuple[Seal, ...]:
        with self._guard():
            return reads.read_seals(self._db)

    def add_explanation(
        self,
        rule_id: str,
        subject: str,
        text: str,
        signer_ids: Sequence[int],
        actor: Actor,
        *,
        expected: int | None = None,
        actual: int | None = None,
    ) -> int:
        """Record an explanation of a finding, signed by the given board members.

        ``expected`` and ``actual`` are the finding's numbers: the explanation is bound to
        them, and stops covering the finding when they change.
        """
        rule = parse_enum(RuleId, rule_id, "reconciliation rule")
        text = require_text(text, "blank_text", "Write what happened and why.")
        for number in (expected, actual):
            _check_finding_number(number)
        signers = list(dict.fromkeys(signer_ids))
        with self._guard():
            names = []
            for member_id in signers:
                row = self._db.execute(
                    "SELECT name, role FROM board_member WHERE id = ?", [member_id]
                ).fetchone()
                if row is None:
                    raise unknown("board member", str(member_id))
                names.append({"member_id": member_id, "name": row[0], "role": row[1]})
            details: dict[str, object] = {
                "rule_id": rule.value,
                "subject": subject,
                "text": text,
                "expected": expected,
                "actual": actual,
                "signers": names,
            }

            def insert() -> tuple[int, dict[str, object]]:
                created_at = iso_seconds(self._clock.now())
                cursor = self._db.execute(
                    "INSERT INTO explanation (rule_id, subject, text, created_at, expected, "
                    "actual) VALUES (?, ?, ?, ?, ?, ?)",
                    [rule.value, subject, text, created_at, expected, actual],
                )
                explanation_id = int(cursor.lastrowid or 0)
                for member_id in signers:
                    self._db.execute(
                        "INSERT INTO explanation_signature (explanation_id, board_member_id) "
                        "VALUES (?, ?)",
                        [explanation_id, member_id],
                    )
                logged = {"explanation_id": explanation_id, **details, "created_at": created_at}
                return explanation_id, logged

            return self._edit(EventId.EXPLANATION_ADDED, actor, details, insert, counts=False)

    def explanations(self) -> tuple[Explanation, ...]:
        with self._guard():
            return reads.read_explanations(self._db)

    # --- state ------------------------------------------------------------------------

    def transition(
        self,
        to_state: str,
        actor: Actor,
        *,
        details: Mapping[str, object] | None = None,
    ) -> None:
        """Move the precinct along its state machine (``states.ALLOWED``).

        ``details`` (e.g. the two members who confirmed a finalize) go into the event.
        A move that is not allowed is logged as a failure and raises ``bad_transition``.
        """
        with self._guard():
            current = self.state
            extra = dict(details or {})
            event_details: dict[str, object] = {**extra, "from": current, "to": str(to_state)}
            self._refuse_if_untrusted(EventId.STATE_CHANGED, actor, event_details)
            if not can_transition(current, to_state):
                self._record_failure(EventId.STATE_CHANGED, actor, event_details, "bad_transition")
                raise bad_transition(current, str(to_state))
            with self._db.atomic():
                self._db.execute("UPDATE precinct SET state = ? WHERE id = 1", [str(to_state)])
                self._append(EventId.STATE_CHANGED, actor, event_details)

    def finalize(self, actor: Actor, details: Mapping[str, object] | None = None) -> None:
        """Lock the precinct in ONE transaction: counting → reconciled → finalized.

        Both ``state.changed`` events are written with the moves, so a crash or a failed
        write leaves the precinct where it was, never half-way. ``details`` (who confirmed,
        the discrepancies explained) go into the event of the move to finalized. The checks
        that gate finalizing are the session's; this only refuses what the state machine or
        an untrusted file does not allow.
        """
        with self._guard():
            current = self.state
            extra = dict(details or {})
            final: dict[str, object] = {
                **extra,
                "from": State.RECONCILED.value,
                "to": State.FINALIZED.value,
            }
            refused = {**extra, "from": current, "to": State.FINALIZED.value}
            self._refuse_if_untrusted(EventId.STATE_CHANGED, actor, refused)
            if current not in (State.COUNTING, State.RECONCILED):
                self._record_failure(EventId.STATE_CHANGED, actor, refused, "bad_transition")
                raise bad_transition(current, State.FINALIZED.value)
            with self._db.atomic():
                if current == State.COUNTING:
                    self._db.execute(
                        "UPDATE precinct SET state = ? WHERE id = 1", [State.RECONCILED.value]
                    )
                    self._append(
                        EventId.STATE_CHANGED,
                        actor,
                        {"from": State.COUNTING.value, "to": State.RECONCILED.value},
                    )
                self._db.execute(
                    "UPDATE precinct SET state = ? WHERE id = 1", [State.FINALIZED.value]
                )
                self._append(EventId.STATE_CHANGED, actor, final)

    def record_export(self, actor: Actor, details: Mapping[str, object]) -> None:
        """Record a bundle written and read back: finalized → exported, with its event, in one
        transaction. Exporting again (a second drive) adds the event and keeps the state."""
        with self._guard():
            current = self.state
            event_details: dict[str, object] = dict(details)
            self._refuse_if_untrusted(EventId.EXPORT_WRITTEN, actor, event_details)
            if current not in LOCKED:
                self._record_failure(EventId.EXPORT_WRITTEN, actor, event_details, "not_finalized")
                raise bad_transition(current, State.EXPORTED.value)
            with self._db.atomic():
                if current == State.FINALIZED:
                    self._db.execute(
                        "UPDATE precinct SET state = ? WHERE id = 1", [State.EXPORTED.value]
                    )
                    self._append(
                        EventId.STATE_CHANGED,
                        actor,
                        {"from": State.FINALIZED.value, "to": State.EXPORTED.value},
                    )
                self._append(EventId.EXPORT_WRITTEN, actor, event_details)

    def begin_correction(self, reason: str, actor: Actor) -> int:
        """Unlock a finalized or exported precinct for a correction (a supervisor's act)."""
        reason = require_text(
            reason, "reason_required", "Write why the finalized results must be corrected."
        )
        with self._guard():
            current = self.state
            details: dict[str, object] = {
                "reason": reason,
                "from": current,
                "to": State.COUNTING.value,
            }
            not_supervisor = require_supervisor(actor.role, "start a correction")
            if not_supervisor is not None:
                self._record_failure(
                    EventId.CORRECTION_STARTED, actor, details, "supervisor_required"
                )
                raise not_supervisor
            self._refuse_if_untrusted(EventId.CORRECTION_STARTED, actor, details)
            if current not in LOCKED:
                self._record_failure(EventId.CORRECTION_STARTED, actor, details, "bad_transition")
                raise bad_transition(current, "correction")
            with self._db.atomic():
                created_at = iso_seconds(self._clock.now())
                cursor = self._db.execute(
                    "INSERT INTO correction (reason, actor, role, created_at, from_state) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [reason, actor.name, actor.role, created_at, current],
                )
                details["created_at"] = created_at
                correction_id = int(cursor.lastrowid or 0)
                self._db.execute(
                    "UPDATE precinct SET state = ?, amended = 1 WHERE id = 1",
                    [State.COUNTING.value],
                )
                self._append(
                    EventId.CORRECTION_STARTED,
                    actor,
                    {"correction_id": correction_id, **details},
                )
        return correction_id

    def corrections(self) -> tuple[Correction, ...]:
        with self._guard():
            return reads.read_corrections(self._db)

    def set_resume_page(self, page: str) -> None:
        """The UI's bookmark, so a restart resumes on the same page; not an audit event."""
        with self._guard(), self._db.atomic():
            self._db.execute("UPDATE precinct SET resume_page = ? WHERE id = 1", [page])

    # --- audit ------------------------------------------------------------------------

    def acknowledge_audit_problems(self, supervisor: Actor, reason: str) -> None:
        """A supervisor accepts the audit problems found now; the file is trusted again.

        The event names each problem (seq, code and the digest of its evidence); on a later
        open the file stays trusted as long as every problem found is one of those
        acknowledged, unchanged. Only a ``supervisor`` may do it, and it is the one write an
        untrusted file takes.
        """
        reason = require_text(
            reason, "reason_required", "Write why the audit-log problems are accepted."
        )
        with self._guard():
            not_supervisor = require_supervisor(supervisor.role, "acknowledge audit-log problems")
            if not_supervisor is not None:
                self._record_failure(
                    EventId.AUDIT_PROBLEMS_ACKNOWLEDGED,
                    supervisor,
                    {"reason": reason},
                    "supervisor_required",
                )
                raise not_supervisor
            report = self._verify()
            if not report.problems:
                raise InputError(
                    "nothing_to_acknowledge",
                    "The audit log has no problems to acknowledge; nothing was recorded.",
                )
            with self._db.atomic():
                self._append(
                    EventId.AUDIT_PROBLEMS_ACKNOWLEDGED,
                    supervisor,
                    {"reason": reason, "problems": audit_log.problems_details(report.problems)},
                )
            self.audit_report = ChainReport(report.problems, acknowledged=True)

    def verify_audit(self) -> ChainReport:
        """Verify the chain now (open does this too) without recording anything."""
        with self._guard():
            return self._verify()

    def record_event(
        self,
        event: EventId,
        actor: Actor,
        details: Mapping[str, object],
        *,
        disposition: str = "success",
    ) -> None:
        """Log a service-level event that changes no row (a print, a refused finalize).

        An untrusted file takes only failures (a refusal is logged wherever it can be).
        """
        with self._guard():
            if disposition == "success":
                self._refuse_if_untrusted(EventId(event), actor, details)
            with self._db.atomic():
                self._append(EventId(event), actor, details, disposition=disposition)

    def audit_events(self) -> tuple[AuditEvent, ...]:
        with self._guard():
            return tuple(parse_event(r) for r in audit_log.read_records(self._db))

    # --- reads ------------------------------------------------------------------------

    def snapshot(self) -> PrecinctEntries:
        """Everything entered, as immutable values (blank = None)."""
        with self._guard():
            return reads.read_snapshot(self._db)

    def override_reasons(self) -> Mapping[tuple[Sheet, str, ContestLine], str]:
        """Why a contest line (usually K_c) was overridden, where the board said so."""
        with self._guard():
            return reads.read_override_reasons(self._db)

    # --- internals --------------------------------------------------------------------

    @contextmanager
    def _guard(self) -> Iterator[None]:
        with connection.translated(self.path):
            yield

    def _scalar(self, sql: str, params: Sequence[object] = ()) -> Any:
        row = self._db.execute(sql, list(params)).fetchone()
        return None if row is None else row[0]

    def _exists(self, sql: str, params: Sequence[object]) -> bool:
        return self._db.execute(sql, list(params)).fetchone() is not None

    def _require(self, sql: str, params: Sequence[object], what: str, ident: str) -> None:
        if not self._exists(sql, params):
            raise unknown(what, ident)

    def _require_contest(self, contest_id: str) -> None:
        self._require("SELECT 1 FROM contest WHERE id = ?", [contest_id], "contest", contest_id)

    def _require_selection(self, contest_id: str, selection_id: str) -> None:
        self._require_contest(contest_id)
        self._require(
            "SELECT 1 FROM selection WHERE contest_id = ? AND id = ?",
            [contest_id, selection_id],
            f"selection of contest {contest_id}",
            selection_id,
        )

    def _set_value(
        self,
        event: EventId,
        actor: Actor,
        table: str,
        where: str,
        params: list[object],
        value: int | None,
        details: dict[str, object],
        *,
        reason: str | None = None,
    ) -> bool:
        """The one write path of a single count: compare, update, log, in one transaction."""
        has_reason = table == "contest_count"
        columns = "value, override_reason" if has_reason else "value"

        def update() -> tuple[bool, dict[str, object] | None]:
            row = self._db.execute(
                f"SELECT {columns} FROM {table} WHERE {where}", params
            ).fetchone()
            old = row[0]
            old_reason = row[1] if has_reason else None
            if old == value and old_reason == reason:
                return False, None
            if has_reason:
                self._db.execute(
                    f"UPDATE {table} SET value = ?, override_reason = ? WHERE {where}",
                    [value, reason, *params],
                )
            else:
                self._db.execute(f"UPDATE {table} SET value = ? WHERE {where}", [value, *params])
            logged = {**details, "old": old, "new": value}
            if has_reason:
                logged["reason"] = reason
            return True, logged

        return self._edit(event, actor, {**details, "new": value}, update)

    def _edit(
        self,
        event: EventId,
        actor: Actor,
        details: Mapping[str, object],
        change: Callable[[], tuple[_T, Mapping[str, object] | None]],
        *,
        counts: bool = True,
    ) -> _T:
        """The shared tail of every add, remove and set of the entries, once the caller has
        validated its input and read the row: refuse a locked precinct or an untrusted file
        (a ``failure`` event with ``details``), then ONE transaction that runs ``change``
        and, when it returns what to log (None: nothing changed), sends a reconciled
        precinct back to counting (only for ``counts``) and appends ``event``. Returns what
        ``change`` returned first."""
        self._refuse_if_locked(event, actor, details)
        with self._db.atomic():
            result, logged = change()
            if logged is not None:
                if counts:
                    self._edited(actor)
                self._append(event, actor, logged)
        return result

    def _add_row(
        self,
        event: EventId,
        actor: Actor,
        details: Mapping[str, object],
        sql: str,
        params: Sequence[object],
        *,
        id_key: str,
        extra: Mapping[str, object] | None = None,
        counts: bool = True,
    ) -> int:
        """``_edit`` of one INSERT: the new row's id is logged as ``id_key`` and returned."""

        def insert() -> tuple[int, dict[str, object]]:
            row_id = int(self._db.execute(sql, list(params)).lastrowid or 0)
            return row_id, {id_key: row_id, **details, **(extra or {})}

        return self._edit(event, actor, details, insert, counts=counts)

    def _run_edit(
        self,
        event: EventId,
        actor: Actor,
        details: Mapping[str, object],
        sql: str,
        params: Sequence[object],
        *,
        counts: bool = True,
    ) -> None:
        """``_edit`` of one UPDATE or DELETE, logged with ``details`` as they are."""

        def run() -> tuple[None, Mapping[str, object]]:
            self._db.execute(sql, list(params))
            return None, details

        self._edit(event, actor, details, run, counts=counts)

    def _refuse_if_locked(
        self, event: EventId, actor: Actor, details: Mapping[str, object]
    ) -> None:
        """Refuse an edit of the entries: the file is not trusted, or the precinct is locked."""
        self._refuse_if_untrusted(event, actor, details)
        if is_locked(self.state):
            self._record_failure(event, actor, details, "precinct_locked")
            raise connection.precinct_locked()

    def _refuse_if_untrusted(
        self, event: EventId, actor: Actor, details: Mapping[str, object]
    ) -> None:
        if self.trusted:
            return
        try:
            self._record_failure(event, actor, details, "untrusted_file")
        except (TallyError, sqlite3.Error):
            pass  # a read-only or damaged file: the refusal itself still stands
        raise untrusted_file()

    def _record_failure(
        self, event: EventId, actor: Actor, details: Mapping[str, object], error: str
    ) -> None:
        with self._db.atomic():
            self._append(event, actor, {**details, "error": error}, disposition="failure")

    def _edited(self, actor: Actor) -> None:
        """An edit of a count while reconciled sends the precinct back to counting, in the
        same transaction. Board members, seals and explanations are not counts: the review
        step adds them while reconciled, before finalizing."""
        if self.state == State.RECONCILED:
            self._db.execute("UPDATE precinct SET state = ? WHERE id = 1", [State.COUNTING.value])
            self._append(
                EventId.STATE_CHANGED,
                actor,
                {"from": State.RECONCILED.value, "to": State.COUNTING.value, "cause": "edit"},
            )

    def _append(
        self,
        event: EventId,
        actor: Actor,
        details: Mapping[str, object],
        *,
        disposition: str = "success",
    ) -> None:
        audit_log.append_event(
            self._db,
            at=iso_seconds(self._clock.now()),
            event=event,
            actor=actor,
            details=details,
            disposition=disposition,
        )

    def _verify(self) -> ChainReport:
        return audit_log.verify_log(self._db, self.definition_bytes, self.fingerprint)


def _check_finding_number(value: object) -> None:
    """A finding's expected or actual number: whole, or None; never more than SQLite holds."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(
            "not_a_count",
            f"{value!r} is not a number of ballots or votes; the explanation was not saved.",
        )
    if abs(value) > MAX_COUNT * 1000:
        raise InputError(
            "count_too_large",
            f"{value} is too large to be a number of ballots or votes; the explanation was "
            "not saved.",
            value=value,
        )


def _publish(building: Path, path: Path) -> None:
    """Give the finished file its final name, atomically and without replacing anything."""
    with open(building, "rb") as f:
        os.fsync(f.fileno())
    try:
        os.link(building, path)  # fails if the name was taken meanwhile: never clobber
    except FileExistsError:
        raise InputError(
            "store_exists",
            f"A precinct file already exists at {path}; open it instead of creating it.",
            path=str(path),
        ) from None
    building.unlink()
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_database_files(path: Path) -> None:
    """Best effort after a failed create, so that a retry does not meet ``store_exists``."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            Path(str(path) + suffix).unlink()
        except OSError:
            pass
