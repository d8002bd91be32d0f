"""Replaying the audit log into what the tables must hold, and comparing (DESIGN §7).

The hash chain proves that the log was not changed; it says nothing about the tables. So
every event that changes a row carries what the row became (its new value, and the id of a
row it made or removed), and opening a file replays the log from ``store.created`` (every
count blank, the precinct counting) into the rows the tables must hold. Any difference from
the tables (a vote changed with the sqlite3 shell, the state set back to counting after
finalizing) is a problem of the file, reported like a broken chain and attributed to the
event that last wrote the row (seq 1 when none did).

Only ``success`` events change anything: a refused action wrote no row. Everything here is
plain dictionaries and one pass over the log, so 10,000 events replay in a few milliseconds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from tally_app.audit.catalogue import EventId
from tally_app.audit.chain import ChainProblem, problem_digest
from tally_app.audit.events import EventRecord
from tally_app.entries import ContestLine
from tally_app.store.states import State

Key = tuple[Any, ...]
Row = tuple[Any, ...]

# Kinds whose rows exist from creation, blank; any other kind of row exists only when made.
_BLANK: Mapping[str, Row] = {
    "style": (None,),
    "roster": (None,),
    "vote": (None,),
    "line": (None, None),
    "signatures": (),
}
_ANY = object()  # a value an older event did not record: it matches whatever is stored

_CODES: Mapping[str, str] = {
    "style": "count_mismatch",
    "roster": "count_mismatch",
    "vote": "count_mismatch",
    "line": "count_mismatch",
    "write_in": "count_mismatch",
    "range": "entry_mismatch",
    "member": "record_mismatch",
    "seal": "record_mismatch",
    "explanation": "record_mismatch",
    "signatures": "record_mismatch",
    "correction": "record_mismatch",
    "state": "state_mismatch",
    "amended": "state_mismatch",
}


@dataclass
class Replayed:
    """What the tables must hold according to the log, and which event wrote each row."""

    rows: dict[Key, Row | None] = field(default_factory=dict)  # None: the row was removed
    seqs: dict[Key, int] = field(default_factory=dict)
    unreadable: list[ChainProblem] = field(default_factory=list)
    created: Mapping[str, object] | None = None  # the store.created details, when seq 1 is it

    def put(self, key: Key, row: Row | None, seq: int) -> None:
        self.rows[key] = row
        self.seqs[key] = seq

    def current(self, key: Key) -> Row | None:
        return self.rows.get(key, _BLANK.get(key[0]))


def structure_digest(db: Database) -> str:
    """A digest of the rows made from the definition: styles, contests, choices, count keys.

    They never change after ``store.created``, which records it; a row of them added or
    removed outside the app changes it.
    """
    queries = (
        "SELECT id, position FROM ballot_style ORDER BY id",
        "SELECT id, position, kind, title, vote_for, unqualified_write_ins FROM contest ORDER BY id",
        "SELECT contest_id, id, position, name, write_in FROM selection ORDER BY contest_id, id",
        "SELECT ballot_style_id, field FROM style_count ORDER BY ballot_style_id, field",
        "SELECT field FROM roster_count ORDER BY field",
        "SELECT sheet, contest_id, selection_id FROM selection_count ORDER BY 1, 2, 3",
        "SELECT sheet, contest_id, line FROM contest_count ORDER BY 1, 2, 3",
    )
    digest = hashlib.sha256()
    for sql in queries:
        rows = [list(r) for r in db.execute(sql).fetchall()]
        digest.update(json.dumps(rows, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


# --- replaying ------------------------------------------------------------------------


def replay(records: Sequence[EventRecord], details: Sequence[Mapping[str, Any] | None]) -> Replayed:
    """Rebuild the rows from the log (``details[i]`` is ``records[i]``'s, parsed)."""
    out = Replayed()
    out.put(("state",), (State.COUNTING.value,), 1)
    out.put(("amended",), (0,), 1)
    for record, parsed in zip(records, details, strict=True):
        if record.seq == 1 and record.event == EventId.STORE_CREATED and parsed is not None:
            out.created = parsed
        if record.disposition != "success":
            continue
        apply = _APPLY.get(record.event)
        if apply is None:
            continue  # an event that changes no row
        try:
            if parsed is None:
                raise ValueError("unreadable details")
            apply(out, record, parsed)
        except (KeyError, TypeError, ValueError, IndexError):
            message = (
                f"Event {record.seq} cannot be read back, so what it changed is unknown: "
                "the log was changed outside the app."
            )
            out.unreadable.append(
                ChainProblem(
                    record.seq,
                    "unreadable_event",
                    message,
                    problem_digest("unreadable_event", message, record.details),
                )
            )
    return out


def _field_set(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    style_id = d["style_id"]
    key = ("roster", d["field"]) if style_id is None else ("style", style_id, d["field"])
    out.put(key, (d["new"],), r.seq)


def _range_added(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    out.put(("range", d["range_id"]), (d["style_id"], d["first"], d["last"]), r.seq)


def _range_removed(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    out.put(("range", d["range_id"]), None, r.seq)


def _vote_set(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    key = ("vote", d["sheet"], d["contest_id"], d["selection_id"])
    out.put(key, (d["new"],), r.seq)


def _line_set(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    key = ("line", d["sheet"], d["contest_id"], d["line"])
    out.put(key, (d["new"], d.get("reason")), r.seq)


def _write_in_added(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    row = (d["sheet"], d["contest_id"], d["name"], None)
    out.put(("write_in", d["write_in_id"]), row, r.seq)


def _write_in_changed(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    row = (d["sheet"], d["contest_id"], d["new_name"], d["new"])
    out.put(("write_in", d["write_in_id"]), row, r.seq)


def _write_in_removed(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    out.put(("write_in", d["write_in_id"]), None, r.seq)


def _blanks_filled(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    for listed in d["fields"]:
        key = tuple(listed)
        old = out.current(key)
        if key[0] == "line":
            row: Row = (0, None if old is None else old[1])
        elif key[0] == "write_in":
            if old is None:
                raise ValueError("a filled write-in that does not exist")
            row = (*old[:3], 0)
        else:
            row = (0,)
        out.put(key, row, r.seq)


def _difference_resolved(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    field_id = d["field"]
    kind = d.get("kind") or ("line" if field_id in tuple(ContestLine) else "vote")
    for sheet in ("A", "B"):
        key = (kind, sheet, d["contest_id"], field_id)
        if kind == "line":
            old = out.current(key)
            out.put(key, (d["value"], None if old is None else old[1]), r.seq)
        else:
            out.put(key, (d["value"],), r.seq)


def _member_added(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    row = (d["name"], d["role"], bool(d.get("has_pin", False)))
    out.put(("member", d["member_id"]), row, r.seq)


def _member_removed(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    out.put(("member", d["member_id"]), None, r.seq)


def _seal_added(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    out.put(("seal", d["seal_id"]), (d["purpose"], d["number"]), r.seq)


def _seal_removed(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    out.put(("seal", d["seal_id"]), None, r.seq)


def _explanation_added(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    eid = d["explanation_id"]
    row = (
        d["rule_id"],
        d["subject"],
        d["text"],
        d.get("expected"),
        d.get("actual"),
        d.get("created_at", _ANY),
    )
    out.put(("explanation", eid), row, r.seq)
    signers = tuple(sorted(int(s["member_id"]) for s in d["signers"]))
    out.put(("signatures", eid), signers, r.seq)


def _state_changed(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    out.put(("state",), (str(d["to"]),), r.seq)


def _correction_started(out: Replayed, r: EventRecord, d: Mapping[str, Any]) -> None:
    row = (d["reason"], r.actor, r.role, d.get("created_at", _ANY), d["from"])
    out.put(("correction", d["correction_id"]), row, r.seq)
    out.put(("state",), (State.COUNTING.value,), r.seq)
    out.put(("amended",), (1,), r.seq)


_APPLY = {
    EventId.ACCOUNTING_FIELD_SET.value: _field_set,
    EventId.ACCOUNTING_RANGE_ADDED.value: _range_added,
    EventId.ACCOUNTING_RANGE_REMOVED.value: _range_removed,
    EventId.CONTEST_VOTE_SET.value: _vote_set,
    EventId.CONTEST_LINE_SET.value: _line_set,
    EventId.CONTEST_WRITE_IN_ADDED.value: _write_in_added,
    EventId.CONTEST_WRITE_IN_CHANGED.value: _write_in_changed,
    EventId.CONTEST_WRITE_IN_REMOVED.value: _write_in_removed,
    EventId.ENTRY_BLANKS_FILLED.value: _blanks_filled,
    EventId.DOUBLE_ENTRY_DIFFERENCE_RESOLVED.value: _difference_resolved,
    EventId.BOARD_MEMBER_ADDED.value: _member_added,
    EventId.BOARD_MEMBER_REMOVED.value: _member_removed,
    EventId.SEAL_ADDED.value: _seal_added,
    EventId.SEAL_REMOVED.value: _seal_removed,
    EventId.EXPLANATION_ADDED.value: _explanation_added,
    EventId.STATE_CHANGED.value: _state_changed,
    EventId.CORRECTION_STARTED.value: _correction_started,
}


# --- reading the tables ------------------------------------------------------------------


def stored_rows(db: Database) -> dict[Key, Row]:
    """Every row the replay covers, as it is stored now, under the replay's keys."""
    rows: dict[Key, Row] = {}
    for style_id, name, value in db.execute(
        "SELECT ballot_style_id, field, value FROM style_count"
    ):
        rows[("style", style_id, name)] = (value,)
    for name, value in db.execute("SELECT field, value FROM roster_count"):
        rows[("roster", name)] = (value,)
    for sheet, contest_id, selection_id, value in db.execute(
        "SELECT sheet, contest_id, selection_id, value FROM selection_count"
    ):
        rows[("vote", sheet, contest_id, selection_id)] = (value,)
    for sheet, contest_id, line, value, reason in db.execute(
        "SELECT sheet, contest_id, line, value, override_reason FROM contest_count"
    ):
        rows[("line", sheet, contest_id, line)] = (value, reason)
    for wid, sheet, contest_id, name, value in db.execute(
        "SELECT id, sheet, contest_id, name, value FROM write_in"
    ):
        rows[("write_in", wid)] = (sheet, contest_id, name, value)
    for rid, style_id, first, last in db.execute(
        "SELECT id, ballot_style_id, first_serial, last_serial FROM unused_range"
    ):
        rows[("range", rid)] = (style_id, first, last)
    for mid, name, role, has_pin in db.execute(
        "SELECT id, name, role, pin_hash IS NOT NULL FROM board_member"
    ):
        rows[("member", mid)] = (name, role, bool(has_pin))
    for sid, purpose, number in db.execute("SELECT id, purpose, number FROM seal"):
        rows[("seal", sid)] = (purpose, number)
    numbers = "expected, actual" if _has_column(db, "explanation", "expected") else "NULL, NULL"
    for eid, rule_id, subject, text, expected, actual, created_at in db.execute(
        f"SELECT id, rule_id, subject, text, {numbers}, created_at FROM explanation"
    ):
        rows[("explanation", eid)] = (rule_id, subject, text, expected, actual, created_at)
    signed: dict[int, list[int]] = {}
    for eid, mid in db.execute("SELECT explanation_id, board_member_id FROM explanation_signature"):
        signed.setdefault(eid, []).append(mid)
    for eid, members in signed.items():
        rows[("signatures", eid)] = tuple(sorted(members))
    for cid, reason, actor, role, created_at, from_state in db.execute(
        "SELECT id, reason, actor, role, created_at, from_state FROM correction"
    ):
        rows[("correction", cid)] = (reason, actor, role, created_at, from_state)
    state, amended = db.execute("SELECT state, amended FROM precinct WHERE id = 1").fetchone()
    rows[("state",)] = (state,)
    rows[("amended",)] = (amended,)
    return rows


def _has_column(db: Database, table: str, column: str) -> bool:
    return any(row[1] == column for row in db.execute(f"PRAGMA table_info({table})"))


# --- comparing ---------------------------------------------------------------------------


def compare(db: Database, replayed: Replayed) -> list[ChainProblem]:
    """Every row whose stored content differs from the replayed log, as a problem."""
    stored = stored_rows(db)
    names = {
        (contest_id, selection_id): name
        for contest_id, selection_id, name in db.execute(
            "SELECT contest_id, id, name FROM selection"
        )
    }
    problems = list(replayed.unreadable)
    for key in _ordered(stored.keys() | replayed.rows.keys()):
        expected = replayed.current(key)
        actual = stored.get(key, _BLANK.get(key[0]) if key[0] == "signatures" else None)
        if _same(expected, actual):
            continue
        code = _CODES[key[0]]
        what, plural = _describe(key, names)
        message = (
            f"The stored {what} ({_show(key, actual)}) differ{'' if plural else 's'} from "
            f"the activity log ({_show(key, expected)}): the file was changed outside the app."
        )
        seq = replayed.seqs.get(key, 1)
        evidence = repr((key, actual))  # the row as stored now: changing it is a new problem
        problems.append(ChainProblem(seq, code, message, problem_digest(code, message, evidence)))
    return problems


def _ordered(keys: set[Key]) -> Iterator[Key]:
    return iter(sorted(keys, key=lambda k: tuple(str(part) for part in k)))


def _same(expected: Row | None, actual: Row | None) -> bool:
    if expected is None or actual is None:
        return expected is actual
    if len(expected) != len(actual):
        return False
    return all(e is _ANY or _equal(e, a) for e, a in zip(expected, actual, strict=True))


def _equal(a: object, b: object) -> bool:
    # JSON gives back ints and bools; SQLite gives ints: 1 == True is the same flag, but a
    # count of 1 is never the same as a text "1".
    if isinstance(a, str) or isinstance(b, str):
        return type(a) is type(b) and a == b
    return a == b


def _describe(key: Key, names: Mapping[tuple[str, str], str]) -> tuple[str, bool]:
    """What the row is, in words, and whether the words are plural."""
    kind = key[0]
    if kind == "style":
        return f"{key[2]} count of ballot style {key[1]}", False
    if kind == "roster":
        return f"roster count {key[1]}", False
    if kind == "vote":
        name = names.get((key[2], key[3]), key[3])
        return f"votes for {name} in {key[2]} on sheet {key[1]}", True
    if kind == "line":
        return f"{key[3]} of {key[2]} on sheet {key[1]}", True
    if kind == "write_in":
        return f"write-in {key[1]}", False
    if kind == "range":
        return f"unused serial range {key[1]}", False
    if kind == "member":
        return f"board member {key[1]}", False
    if kind == "seal":
        return f"seal {key[1]}", False
    if kind == "explanation":
        return f"explanation {key[1]}", False
    if kind == "signatures":
        return f"signers of explanation {key[1]}", True
    if kind == "correction":
        return f"correction {key[1]}", False
    if kind == "state":
        return "state of the precinct", False
    return "amended mark of the precinct", False


def _count(value: object) -> str:
    return "blank" if value is None else str(value)


def _show(key: Key, row: Row | None) -> str:
    kind = key[0]
    if row is None:
        return "none"
    if kind in ("style", "roster", "vote"):
        return _count(row[0])
    if kind == "line":
        return _count(row[0]) + (f", reason “{row[1]}”" if row[1] else "")
    if kind == "write_in":
        return f"“{row[2]}” on sheet {row[0]} of {row[1]}: {_count(row[3])}"
    if kind == "range":
        return f"{row[1]}–{row[2]} of ballot style {row[0]}"
    if kind == "member":
        return f"{row[0]}, {row[1]}" + (", with a PIN" if row[2] else "")
    if kind == "seal":
        return f"{row[0]}: {row[1]}"
    if kind == "explanation":
        numbers = "" if row[3] is None and row[4] is None else f" ({row[3]} vs {row[4]})"
        return f"{row[0]} {row[1]}{numbers}: “{row[2]}”"
    if kind == "signatures":
        return "members " + ", ".join(str(m) for m in row) if row else "nobody"
    if kind == "correction":
        return f"by {row[1]} ({row[2]}) from {row[4]}: “{row[0]}”"
    if kind == "amended":
        return "amended" if row[0] else "not amended"
    return str(row[0])
