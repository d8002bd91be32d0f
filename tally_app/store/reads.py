"""Reading a precinct file into immutable values (the snapshot and the record lists)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sqlite_utils import Database

from tally_app.definition.model import BallotStyleId, ContestId, SelectionId
from tally_app.entries import (
    ContestEntry,
    ContestLine,
    Count,
    PrecinctEntries,
    RosterField,
    SerialRange,
    Sheet,
    StyleAccounting,
    StyleField,
    WriteIn,
)
from tally_app.store.records import BoardMember, Correction, Explanation, Seal, Signer


def read_snapshot(db: Database) -> PrecinctEntries:
    """Every style (in precinct order), the roster, and every contest on both sheets:
    votes for every selection in ballot order, every line, write-ins in entry order."""
    style_values: dict[str, dict[StyleField, Count]] = {}
    for style_id, field, value in db.execute(
        "SELECT c.ballot_style_id, c.field, c.value FROM style_count c "
        "JOIN ballot_style s ON s.id = c.ballot_style_id ORDER BY s.position"
    ):
        style_values.setdefault(style_id, {})[StyleField(field)] = value
    ranges: dict[str, list[SerialRange]] = {}
    for range_id, style_id, first, last in db.execute(
        "SELECT id, ballot_style_id, first_serial, last_serial FROM unused_range ORDER BY id"
    ):
        ranges.setdefault(style_id, []).append(SerialRange(first, last, range_id))
    styles = {
        BallotStyleId(style_id): StyleAccounting(
            values=MappingProxyType({f: values.get(f) for f in StyleField}),
            unused_ranges=tuple(ranges.get(style_id, ())),
        )
        for style_id, values in style_values.items()
    }
    roster_rows = dict(db.execute("SELECT field, value FROM roster_count").fetchall())
    roster = MappingProxyType({f: roster_rows.get(f.value) for f in RosterField})

    contest_ids = [r[0] for r in db.execute("SELECT id FROM contest ORDER BY position")]
    votes: dict[tuple[str, str], dict[SelectionId, Count]] = {}
    for sheet, contest_id, selection_id, value in db.execute(
        "SELECT v.sheet, v.contest_id, v.selection_id, v.value FROM selection_count v "
        "JOIN selection s ON s.contest_id = v.contest_id AND s.id = v.selection_id "
        "ORDER BY v.sheet, v.contest_id, s.position"
    ):
        votes.setdefault((sheet, contest_id), {})[SelectionId(selection_id)] = value
    lines: dict[tuple[str, str], dict[ContestLine, Count]] = {}
    for sheet, contest_id, line, value in db.execute(
        "SELECT sheet, contest_id, line, value FROM contest_count"
    ):
        lines.setdefault((sheet, contest_id), {})[ContestLine(line)] = value
    write_ins: dict[tuple[str, str], list[WriteIn]] = {}
    for wid, sheet, contest_id, name, value in db.execute(
        "SELECT id, sheet, contest_id, name, value FROM write_in ORDER BY id"
    ):
        write_ins.setdefault((sheet, contest_id), []).append(WriteIn(wid, name, value))

    sheets: dict[Sheet, Mapping[ContestId, ContestEntry]] = {}
    for sheet in Sheet:
        entries: dict[ContestId, ContestEntry] = {}
        for contest_id in contest_ids:
            key = (sheet.value, contest_id)
            contest_lines = lines.get(key, {})
            entries[ContestId(contest_id)] = ContestEntry(
                contest_id=ContestId(contest_id),
                votes=MappingProxyType(votes.get(key, {})),
                lines=MappingProxyType({ln: contest_lines.get(ln) for ln in ContestLine}),
                write_ins=tuple(write_ins.get(key, ())),
            )
        sheets[sheet] = MappingProxyType(entries)
    return PrecinctEntries(
        styles=MappingProxyType(styles), roster=roster, sheets=MappingProxyType(sheets)
    )


def read_override_reasons(db: Database) -> Mapping[tuple[Sheet, str, ContestLine], str]:
    rows = db.execute(
        "SELECT sheet, contest_id, line, override_reason FROM contest_count "
        "WHERE override_reason IS NOT NULL"
    ).fetchall()
    return MappingProxyType({(Sheet(s), c, ContestLine(ln)): r for s, c, ln, r in rows})


def read_board(db: Database) -> tuple[BoardMember, ...]:
    rows = db.execute("SELECT id, name, role, pin_hash FROM board_member ORDER BY id")
    return tuple(BoardMember(r[0], r[1], r[2], r[3]) for r in rows)


def read_seals(db: Database) -> tuple[Seal, ...]:
    rows = db.execute("SELECT id, purpose, number FROM seal ORDER BY id")
    return tuple(Seal(r[0], r[1], r[2]) for r in rows)


def read_explanations(db: Database) -> tuple[Explanation, ...]:
    # A file opened read-only is not migrated: before m002 it has no numbers to read.
    columns = {row[1] for row in db.execute("PRAGMA table_info(explanation)")}
    numbers = "expected, actual" if "expected" in columns else "NULL, NULL"
    rows = db.execute(
        f"SELECT id, rule_id, subject, text, created_at, {numbers} FROM explanation ORDER BY id"
    ).fetchall()
    signed: dict[int, list[Signer]] = {}
    for eid, mid, name, role in db.execute(
        "SELECT s.explanation_id, m.id, m.name, m.role FROM explanation_signature s "
        "JOIN board_member m ON m.id = s.board_member_id ORDER BY s.explanation_id, m.id"
    ):
        signed.setdefault(eid, []).append(Signer(mid, name, role))
    return tuple(
        Explanation(r[0], r[1], r[2], r[3], r[4], tuple(signed.get(r[0], ())), r[5], r[6])
        for r in rows
    )


def read_corrections(db: Database) -> tuple[Correction, ...]:
    rows = db.execute(
        "SELECT id, reason, actor, role, created_at, from_state FROM correction ORDER BY id"
    )
    return tuple(Correction(*r) for r in rows)
