"""The hash chain of the audit log: canonical form, hashing and verification (DESIGN §7).

Each event's hash is ``SHA-256(prev_hash_hex + canonical_json(body))`` where the body is the
event without its hashes: ``seq, at, event, actor, role, disposition, details``. The first
event links to 64 zeros. Canonical JSON is ``json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)`` encoded as UTF-8, so that any language can
recompute a hash from an exported log.

Everything here is a pure function over values, so verification can be tested on plain
lists and run on 10,000 rows in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from json.encoder import encode_basestring as _string  # the C encoder: ensure_ascii=False
from typing import NamedTuple

from tally_app.audit.events import AuditEvent, EventRecord

GENESIS_HASH = "0" * 64


def canonical_json(value: object) -> str:
    """The one serialisation that is hashed; NaN and Infinity are refused."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def event_body(
    *,
    seq: int,
    at: str,
    event: str,
    actor: str,
    role: str,
    disposition: str,
    details: Mapping[str, object],
) -> dict[str, object]:
    """The hashed part of an event: everything except ``prev_hash`` and ``hash``."""
    return {
        "seq": seq,
        "at": at,
        "event": event,
        "actor": actor,
        "role": role,
        "disposition": disposition,
        "details": dict(details),
    }


def chain_hash(prev_hash: str, body: Mapping[str, object]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(body)).encode("utf-8")).hexdigest()


def seal_event(
    prev_hash: str,
    *,
    seq: int,
    at: str,
    event: str,
    actor: str,
    role: str,
    disposition: str,
    details: Mapping[str, object],
) -> EventRecord:
    """Build the row to store for a new event, linked to ``prev_hash``."""
    body = event_body(
        seq=seq,
        at=at,
        event=event,
        actor=actor,
        role=role,
        disposition=disposition,
        details=details,
    )
    return EventRecord(
        seq=seq,
        at=at,
        event=event,
        actor=actor,
        role=role,
        disposition=disposition,
        details=canonical_json(body["details"]),
        prev_hash=prev_hash,
        hash=chain_hash(prev_hash, body),
    )


def body_text(record: EventRecord) -> str:
    """``canonical_json`` of the record's body, built around its stored details text.

    The stored details are the canonical JSON the app wrote, and canonical JSON nests
    unchanged, so this equals ``canonical_json(event_body(...))`` for every untouched row
    without parsing it, and any change to the stored text (even whitespace) changes it.
    Keys appear in sorted order: actor, at, details, disposition, event, role, seq.
    """
    return (
        f'{{"actor":{_string(record.actor)},"at":{_string(record.at)},'
        f'"details":{record.details},"disposition":{_string(record.disposition)},'
        f'"event":{_string(record.event)},"role":{_string(record.role)},"seq":{int(record.seq)}}}'
    )


def recompute_hash(record: EventRecord) -> str:
    """The hash a stored row should carry, given its content and its prev_hash."""
    return hashlib.sha256((record.prev_hash + body_text(record)).encode("utf-8")).hexdigest()


def parse_event(record: EventRecord) -> AuditEvent:
    """The event with its details parsed; unreadable details read as an empty mapping."""
    from types import MappingProxyType

    try:
        details = json.loads(record.details)
    except ValueError:
        details = {}
    if not isinstance(details, dict):
        details = {}
    return AuditEvent(
        seq=record.seq,
        at=record.at,
        event=record.event,
        actor=record.actor,
        role=record.role,
        disposition=record.disposition,
        details=MappingProxyType(details),
        prev_hash=record.prev_hash,
        hash=record.hash,
    )


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last event's seq and hash, kept apart from the log (in the precinct row)."""

    seq: int
    hash: str


class ChainProblem(NamedTuple):
    """One thing wrong with the file: where (seq), what (a stable code), and a sentence.

    ``digest`` fingerprints the evidence as it is now (the stored row, the two numbers that
    differ): an acknowledgement names it, so a later change at the same place is a new
    problem rather than one already accepted.
    """

    seq: int
    code: str
    message: str
    digest: str = ""


def problem_digest(code: str, message: str, evidence: str = "") -> str:
    """The digest of a problem: its code, its sentence and the evidence behind it."""
    text = f"{code}\x1f{message}\x1f{evidence}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_evidence(record: EventRecord) -> str:
    """Everything stored in one audit row, as one string (for a problem's digest)."""
    return "\x1f".join(
        (
            str(record.seq),
            record.at,
            record.event,
            record.actor,
            record.role,
            record.disposition,
            record.details,
            record.prev_hash,
            record.hash,
        )
    )


def _problem(seq: int, code: str, message: str, evidence: str = "") -> ChainProblem:
    return ChainProblem(seq, code, message, problem_digest(code, message, evidence))


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What verification found. ``acknowledged``: a supervisor accepted every problem listed."""

    problems: tuple[ChainProblem, ...] = ()
    acknowledged: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def trusted(self) -> bool:
        return self.ok or self.acknowledged


def verify_chain(
    records: Iterable[EventRecord], head: ChainHead | None
) -> tuple[ChainProblem, ...]:
    """Every problem in the log, in seq order.

    Detects a changed row (its hash no longer matches), deleted rows (a gap in seq),
    reordered rows (a row links to an event other than its predecessor), a broken link,
    and, against ``head``, a truncated tail, rows added past the head, or a replaced last row.
    """
    rows = sorted(records, key=lambda r: r.seq)
    problems: list[ChainProblem] = []
    seq_of_hash = {r.hash: r.seq for r in rows}
    prev_hash = GENESIS_HASH
    expected = 1
    for row in rows:
        link_checkable = True
        if row.seq > expected:
            problems.append(_problem(expected, "missing", _missing(expected, row.seq - 1)))
            link_checkable = False
        elif row.seq < expected:
            problems.append(
                _problem(
                    row.seq,
                    "bad_seq",
                    f"Event {row.seq} has an impossible sequence number: the log was edited outside the app.",
                    row_evidence(row),
                )
            )
        if recompute_hash(row) != row.hash:
            problems.append(
                _problem(
                    row.seq,
                    "altered",
                    f"Event {row.seq} was changed after it was written.",
                    row_evidence(row),
                )
            )
        if link_checkable and row.prev_hash != prev_hash:
            other = seq_of_hash.get(row.prev_hash)
            if other is not None and other != row.seq - 1:
                problems.append(
                    _problem(
                        row.seq,
                        "out_of_order",
                        f"Event {row.seq} says it follows event {other}, not event {row.seq - 1}: "
                        "events were reordered outside the app.",
                        row_evidence(row),
                    )
                )
            else:
                problems.append(
                    _problem(
                        row.seq,
                        "broken_link",
                        f"Event {row.seq} does not follow event {row.seq - 1}: "
                        "the log was changed at or before this point.",
                        row_evidence(row),
                    )
                )
        prev_hash = row.hash
        expected = row.seq + 1
    if head is not None:
        last_seq = rows[-1].seq if rows else 0
        if head.seq > last_seq:
            problems.append(
                _problem(
                    last_seq + 1,
                    "truncated",
                    f"{_events(last_seq + 1, head.seq)} removed from the end of the log.",
                    f"{head.seq}\x1f{head.hash}",
                )
            )
        elif head.seq < last_seq:
            problems.append(
                _problem(
                    head.seq + 1,
                    "beyond_head",
                    f"{_events(head.seq + 1, last_seq)} added outside the app after the last recorded event.",
                    f"{head.seq}\x1f{head.hash}",
                )
            )
        elif rows and head.hash != rows[-1].hash:
            problems.append(
                _problem(
                    last_seq,
                    "head_mismatch",
                    f"Event {last_seq}, the last one, is not the event the app last wrote.",
                    f"{row_evidence(rows[-1])}\x1f{head.hash}",
                )
            )
    return tuple(problems)


def _events(first: int, last: int) -> str:
    return f"Event {first} was" if first == last else f"Events {first} to {last} were"


def _missing(first: int, last: int) -> str:
    return f"{_events(first, last)} deleted from the log outside the app."
