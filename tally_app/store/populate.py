"""The rows a new precinct file starts with: the precinct, its definition, every count blank.

Blank is an explicit NULL row from the start (DESIGN §4), on both sheets, so "nobody typed
it" is stored, not inferred from a missing row.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database

from tally_app.audit.chain import GENESIS_HASH
from tally_app.definition.model import CandidateContest, ElectionDefinition, MeasureContest
from tally_app.entries import ContestLine, RosterField, Sheet, StyleField
from tally_app.store.states import State


def populate(
    db: Database,
    definition: ElectionDefinition,
    precinct_id: str,
    style_ids: Sequence[str],
    created_at: str,
) -> None:
    """Write the initial rows; the caller holds the transaction."""
    db.execute(
        "INSERT INTO precinct (id, election_id, precinct_id, definition, fingerprint, state, "
        "amended, created_at, audit_head_seq, audit_head_hash) "
        "VALUES (1, ?, ?, ?, ?, ?, 0, ?, 0, ?)",
        [
            definition.id,
            precinct_id,
            definition.source_bytes,
            definition.fingerprint,
            State.COUNTING.value,
            created_at,
            GENESIS_HASH,
        ],
    )
    for position, style_id in enumerate(style_ids):
        db.execute("INSERT INTO ballot_style (id, position) VALUES (?, ?)", [style_id, position])
        for style_field in StyleField:
            db.execute(
                "INSERT INTO style_count (ballot_style_id, field, value) VALUES (?, ?, NULL)",
                [style_id, style_field.value],
            )
    for roster_field in RosterField:
        db.execute("INSERT INTO roster_count (field, value) VALUES (?, NULL)", [roster_field.value])
    for position, contest in enumerate(definition.contests_for(precinct_id)):
        match contest:
            case CandidateContest():
                selections = [(c.id, c.name, c.write_in) for c in contest.candidates]
                write_ins = contest.unqualified_write_ins
            case MeasureContest():
                selections = [(o.id, o.name, False) for o in contest.options]
                write_ins = False
        db.execute(
            "INSERT INTO contest (id, position, kind, title, vote_for, unqualified_write_ins) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [contest.id, position, contest.kind, contest.title, contest.vote_for, int(write_ins)],
        )
        for sel_position, (selection_id, name, write_in) in enumerate(selections):
            db.execute(
                "INSERT INTO selection (contest_id, id, position, name, write_in) "
                "VALUES (?, ?, ?, ?, ?)",
                [contest.id, selection_id, sel_position, name, int(write_in)],
            )
        for sheet in Sheet:
            for selection_id, _name, _write_in in selections:
                db.execute(
                    "INSERT INTO selection_count (sheet, contest_id, selection_id, value) "
                    "VALUES (?, ?, ?, NULL)",
                    [sheet.value, contest.id, selection_id],
                )
            for line in ContestLine:
                db.execute(
                    "INSERT INTO contest_count (sheet, contest_id, line, value) "
                    "VALUES (?, ?, ?, NULL)",
                    [sheet.value, contest.id, line.value],
                )
