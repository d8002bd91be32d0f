"""The audit log table: appending an event with its head, reading and verifying it (§7).

The hashing and the checks are pure functions in ``tally_app.audit.chain``; this module
only moves rows between them and SQLite, and weighs what it finds against what a
supervisor acknowledged before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from sqlite_utils import Database

from tally_app.audit.catalogue import EventId
from tally_app.audit.chain import ChainHead, ChainProblem, ChainReport, seal_event, verify_chain
from tally_app.audit.events import Actor, EventRecord, check_details_safe

DISPOSITIONS = ("success", "failure")
_COLUMNS = "seq, at, event, actor, role, disposition, details, prev_hash, hash"


def append_event(
    db: Database,
    *,
    at: str,
    event: EventId,
    actor: Actor,
    details: Mapping[str, object],
    disposition: str = "success",
) -> EventRecord:
    """Append one event and move the head; only ever inside the caller's transaction."""
    if not db.conn.in_transaction:
        raise AssertionError("audit events are written inside the action's transaction")
    if disposition not in DISPOSITIONS:
        raise ValueError(f"unknown disposition {disposition!r}")
    event = EventId(event)  # the catalogue is closed: an unknown id is a bug
    check_details_safe(details)
    head_seq, head_hash, last_seq = db.execute(
        "SELECT audit_head_seq, audit_head_hash, (SELECT max(seq) FROM audit_event) "
        "FROM precinct WHERE id = 1"
    ).fetchone()
    if last_seq is not None and last_seq > head_seq:
        # Rows were added past the head outside the app: continue after them (open has
        # reported and recorded them, so this hides nothing).
        seq = last_seq + 1
        prev = db.execute("SELECT hash FROM audit_event WHERE seq = ?", [last_seq]).fetchone()[0]
    else:
        # Link to the head the app last wrote, even if the tail was cut: the cut stays a gap.
        seq, prev = head_seq + 1, head_hash
    record = seal_event(
        prev,
        seq=seq,
        at=at,
        event=event.value,
        actor=actor.name,
        role=actor.role,
        disposition=disposition,
        details=details,
    )
    db.execute(
        f"INSERT INTO audit_event ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            record.seq,
            record.at,
            record.event,
            record.actor,
            record.role,
            record.disposition,
            record.details,
            record.prev_hash,
            record.hash,
        ],
    )
    db.execute(
        "UPDATE precinct SET audit_head_seq = ?, audit_head_hash = ? WHERE id = 1",
        [record.seq, record.hash],
    )
    return record


def read_records(db: Database) -> list[EventRecord]:
    return [
        EventRecord(*row) for row in db.execute(f"SELECT {_COLUMNS} FROM audit_event ORDER BY seq")
    ]


def read_head(db: Database) -> ChainHead:
    seq, hash_ = db.execute(
        "SELECT audit_head_seq, audit_head_hash FROM precinct WHERE id = 1"
    ).fetchone()
    return ChainHead(seq, hash_)


def verify_log(db: Database, definition_bytes: bytes, fingerprint: str) -> ChainReport:
    """Verify the stored chain and weigh it against earlier acknowledgements.

    Problems recorded by an earlier open (in its ``store.opened`` event) stay listed even
    if later appends hid their symptom, so no evidence is lost before a supervisor has
    accepted it. A problem counts as acknowledged when a verified
    ``audit.problems_acknowledged`` event lists its seq.
    """
    records = read_records(db)
    problems = list(verify_chain(records, read_head(db)))
    if hashlib.sha256(definition_bytes).hexdigest() != fingerprint:
        problems.insert(
            0,
            ChainProblem(
                0,
                "definition_changed",
                "The election definition stored in the file no longer matches its fingerprint.",
            ),
        )
    suspect = {p.seq for p in problems}
    seen = set(suspect)
    acknowledged: set[int] = set()
    for record in records:
        if record.seq in suspect or record.event not in _CARRY_PROBLEMS:
            continue
        for seq, code, message in _listed_problems(record.details):
            if record.event == EventId.AUDIT_PROBLEMS_ACKNOWLEDGED:
                acknowledged.add(seq)
            elif seq not in seen:
                problems.append(ChainProblem(seq, code, message))
                seen.add(seq)
    problems.sort(key=lambda p: p.seq)
    return ChainReport(
        problems=tuple(problems),
        acknowledged=bool(problems) and all(p.seq in acknowledged for p in problems),
    )


_CARRY_PROBLEMS = frozenset({EventId.STORE_OPENED.value, EventId.AUDIT_PROBLEMS_ACKNOWLEDGED.value})


def problems_details(problems: tuple[ChainProblem, ...]) -> list[list[object]]:
    """The JSON form of problems in an event's details: ``[seq, code, message]`` each."""
    return [[p.seq, p.code, p.message] for p in problems]


def _listed_problems(details_text: str) -> list[tuple[int, str, str]]:
    try:
        details = json.loads(details_text)
    except ValueError:
        return []
    listed = details.get("problems") if isinstance(details, dict) else None
    if not isinstance(listed, list):
        return []
    return [
        (item[0], str(item[1]), str(item[2]))
        for item in listed
        if isinstance(item, list)
        and len(item) == 3
        and isinstance(item[0], int)
        and not isinstance(item[0], bool)
    ]
