"""The audit log table: appending an event with its head, reading and verifying it (§7).

The hashing and the checks are pure functions in ``tally_app.audit.chain``; this module
only moves rows between them and SQLite, and weighs what it finds against what a
supervisor acknowledged before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlite_utils import Database

from tally_app.audit.catalogue import EventId
from tally_app.audit.chain import (
    ChainHead,
    ChainProblem,
    ChainReport,
    problem_digest,
    seal_event,
    verify_chain,
)
from tally_app.audit.events import Actor, EventRecord, check_details_safe
from tally_app.store import replay

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
    """Verify the stored chain and the tables, and weigh them against acknowledgements.

    Four checks: the hash chain (``verify_chain``); the start of the log (seq 1 is the
    ``store.created`` event and names the file's fingerprint, which is the SHA-256 of the
    stored definition); the structure made from the definition; and the tables against the
    log replayed (``replay``). Problems recorded by an earlier open (in its ``store.opened``
    event) stay listed even if later appends hid their symptom, so no evidence is lost
    before a supervisor has accepted it. A problem counts as acknowledged when a verified
    ``audit.problems_acknowledged`` event lists its seq, code and digest: the same place
    changed again is a new problem.
    """
    records = read_records(db)
    head = read_head(db)
    chain_problems = verify_chain(records, head)
    details = [_parse(record.details) for record in records]
    replayed = replay.replay(records, details)
    problems = list(chain_problems)
    problems.extend(_start_problems(db, records, replayed, definition_bytes, fingerprint))
    problems.extend(replay.compare(db, replayed))
    suspect = {p.seq for p in chain_problems}
    seen = {(p.seq, p.code, p.message) for p in problems}
    acknowledged: set[tuple[int, str, str]] = set()
    for record, parsed in zip(records, details, strict=True):
        if record.seq in suspect or record.event not in _CARRY_PROBLEMS or parsed is None:
            continue
        for seq, code, message, digest in _listed_problems(parsed):
            if record.event == EventId.AUDIT_PROBLEMS_ACKNOWLEDGED:
                acknowledged.add((seq, code, digest))
            elif (seq, code, message) not in seen:
                problems.append(ChainProblem(seq, code, message, digest))
                seen.add((seq, code, message))
    problems.sort(key=lambda p: p.seq)
    return ChainReport(
        problems=tuple(problems),
        acknowledged=bool(problems)
        and all((p.seq, p.code, p.digest) in acknowledged for p in problems),
    )


def _start_problems(
    db: Database,
    records: list[EventRecord],
    replayed: replay.Replayed,
    definition_bytes: bytes,
    fingerprint: str,
) -> list[ChainProblem]:
    """The log must begin with the file's creation, for the definition the file holds."""
    problems: list[ChainProblem] = []
    actual_hash = hashlib.sha256(definition_bytes).hexdigest()
    evidence = f"{fingerprint}\x1f{actual_hash}"
    if actual_hash != fingerprint:
        problems.append(
            _problem(
                0,
                "definition_changed",
                "The election definition stored in the file no longer matches its fingerprint.",
                evidence,
            )
        )
    created = replayed.created
    if created is None:
        first = records[0] if records and records[0].seq == 1 else None
        message = (
            "The activity log is empty: it was wiped outside the app."
            if not records
            else "The activity log does not begin with the creation of the file: its start "
            "was removed or replaced outside the app."
        )
        problems.append(
            _problem(1, "creation_missing", message, "" if first is None else first.hash)
        )
        return problems
    if created.get("fingerprint") != fingerprint:
        problems.append(
            _problem(
                0,
                "fingerprint_changed",
                "The election definition in the file is not the one the file was created "
                "with: it was replaced outside the app.",
                f"{evidence}\x1f{created.get('fingerprint')}",
            )
        )
    structure = created.get("structure")
    if structure is not None and structure != replay.structure_digest(db):
        problems.append(
            _problem(
                1,
                "structure_changed",
                "The ballot styles, contests or choices stored in the file are not the ones "
                "it was created with: they were changed outside the app.",
                str(structure),
            )
        )
    return problems


def _problem(seq: int, code: str, message: str, evidence: str) -> ChainProblem:
    return ChainProblem(seq, code, message, problem_digest(code, message, evidence))


def _parse(details_text: str) -> dict[str, Any] | None:
    try:
        details = json.loads(details_text)
    except ValueError:
        return None
    return details if isinstance(details, dict) else None


_CARRY_PROBLEMS = frozenset({EventId.STORE_OPENED.value, EventId.AUDIT_PROBLEMS_ACKNOWLEDGED.value})


def problems_details(problems: tuple[ChainProblem, ...]) -> list[list[object]]:
    """The JSON form of problems in an event's details: ``[seq, code, message, digest]``."""
    return [[p.seq, p.code, p.message, p.digest] for p in problems]


def _listed_problems(details: Mapping[str, Any]) -> list[tuple[int, str, str, str]]:
    listed = details.get("problems")
    if not isinstance(listed, list):
        return []
    return [
        (item[0], str(item[1]), str(item[2]), str(item[3]) if len(item) == 4 else "")
        for item in listed
        if isinstance(item, list)
        and len(item) in (3, 4)
        and isinstance(item[0], int)
        and not isinstance(item[0], bool)
    ]
