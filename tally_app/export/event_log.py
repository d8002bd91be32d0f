"""The audit log as a NIST SP 1500-101 v1 event log, and its event-code documentation.

DESIGN §7 and §10 (``audit-log.json`` and ``audit-log-documentation.json`` in a bundle);
CDF_NOTES §6. The log has one ``Device``, this laptop running Precinct Tally. None of the
NIST device types is a hand-count tally application, so it is ``Type: other`` with an
``OtherType`` rather than ``ems`` (an EMS defines elections and aggregates; this app only
counts one precinct).

Each audit event becomes one ``Event``:

- ``Id``: the catalogue's event id (``contest.vote_set``); ``Type``: its category, the part
  before the dot (``contest``), both documented by `event_log_documentation`;
- ``Sequence``: the event's sequence number as text (the schema wants a string);
- ``TimeStamp``: the stored time, which the app writes as ISO 8601 with a zone;
- ``UserId``: ``"<name> (<role>)"``, since the schema has one string for the user;
- ``Details``: the details as the same canonical JSON that was hashed;
- ``Hash``: the chain hash, ``SHA-256(previous event's Hash + canonical event)`` with 64
  zeros before the first event (`tally_app.audit.chain`), so anyone can re-check the chain
  from the export alone. ``Device.HashType`` is ``sha-256``.

Nothing secret is in the log: the store refuses secret-looking detail keys when an event is
written (`tally_app.audit.events.check_details_safe`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from tally_app.audit.catalogue import DESCRIPTIONS, EventId
from tally_app.audit.chain import canonical_json
from tally_app.audit.events import AuditEvent
from tally_app.clock import iso_seconds
from tally_app.export.results_document import results_json_bytes

T_ = "EventLogging."
MANUFACTURER = "Precinct Tally"
MODEL = "Precinct Tally"
DEVICE_OTHER_TYPE = "hand-count tally application"
CHAIN_DETAILS = (
    "Each event's Hash is the SHA-256 (lowercase hex) of the previous event's Hash followed by "
    "the canonical JSON (sorted keys, no spaces, UTF-8) of the object "
    '{"actor","at","details","disposition","event","role","seq"} (UserId is "actor (role)", '
    "split at its last ' (', TimeStamp is at, Id is event, Sequence is seq as a number, "
    "Details is details); the first event follows 64 zeros."
)

# One sentence per event category (the part of an EventId before the dot).
CATEGORY_DESCRIPTIONS: Mapping[str, str] = {
    "store": "The precinct file itself: created, opened or upgraded.",
    "accounting": "Ballot accounting: counts per ballot style, roster counts and unused serial ranges.",
    "contest": "Tally-sheet entries of a contest: votes, contest lines and unqualified write-ins.",
    "entry": "Bulk changes to entries confirmed by the board.",
    "double_entry": "Differences between tally sheets A and B and how they were resolved.",
    "board": "The precinct board: members and their PIN checks.",
    "seal": "Seal numbers recorded for the precinct.",
    "explanation": "Written, signed explanations of reconciliation discrepancies.",
    "state": "The precinct's workflow state.",
    "correction": "Supervisor corrections of a finalized precinct.",
    "audit": "The audit log itself: acknowledged problems and exports.",
    "action": "Actions the app refused.",
    "precinct": "Checks on the whole precinct, such as a refused finalize.",
    "report": "Documents printed or saved as PDF.",
    "export": "Results bundles written to removable media.",
}


def category(event_id: str) -> str:
    """The category of an event id: the part before the first dot (all of it if none)."""
    return event_id.split(".", 1)[0]


def user_id(actor: str, role: str) -> str:
    """One string for the schema's single ``UserId``: ``"<name> (<role>)"``, always.

    Always both, so a verifier gets the hashed ``actor`` and ``role`` back by splitting at
    the last ``" ("`` (roles are definition ids, which hold no parentheses).
    """
    return f"{actor} ({role})"


def _timestamp(event: AuditEvent) -> str:
    """The event's time as RFC 3339; the app stores ISO 8601 with a zone, so it is unchanged."""
    try:
        moment = datetime.fromisoformat(event.at)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(
            f"Audit event {event.seq} has the time {event.at!r}, which is not a date and time "
            "with a zone; the log was changed outside the app, so check the file before exporting."
        )
    return moment.isoformat()


def _event(event: AuditEvent) -> dict[str, Any]:
    return {
        "@type": T_ + "Event",
        "Id": event.event,
        "Type": category(event.event),
        "Sequence": str(event.seq),
        "TimeStamp": _timestamp(event),
        "Disposition": event.disposition if event.disposition == "success" else "failure",
        "UserId": user_id(event.actor, event.role),
        "Details": canonical_json(dict(event.details)),
        "Hash": event.hash,
    }


def event_log_document(
    events: Sequence[AuditEvent],
    *,
    election_id: str,
    device_id: str,
    generated: datetime,
    app_version: str,
) -> dict[str, Any]:
    """The ``ElectionEventLog`` of one precinct file, events in sequence order."""
    device: dict[str, Any] = {
        "@type": T_ + "Device",
        "Id": device_id,
        "Type": "other",
        "OtherType": DEVICE_OTHER_TYPE,
        "Manufacturer": MANUFACTURER,
        "Model": MODEL,
        "Version": app_version,
        "HashType": "sha-256",
        "Details": CHAIN_DETAILS,
        "Event": [_event(e) for e in sorted(events, key=lambda e: e.seq)],
    }
    return {
        "@type": T_ + "ElectionEventLog",
        "ElectionId": election_id,
        "GeneratedTime": iso_seconds(generated),
        "Device": [device],
    }


def event_log_documentation(*, generated: datetime, app_version: str) -> dict[str, Any]:
    """The ``ElectionEventLogDocumentation``: every event id and category with its meaning."""
    if generated.tzinfo is None:
        raise ValueError("timestamps must carry a time zone")
    ids = list(EventId)  # aliases (FINALIZE_REFUSED) are not repeated by iteration
    categories = sorted({category(e.value) for e in ids})
    return {
        "@type": T_ + "ElectionEventLogDocumentation",
        "DeviceManufacturer": MANUFACTURER,
        "DeviceModel": MODEL,
        "DeviceVersion": app_version,
        "GeneratedDate": generated.date().isoformat(),
        "EventIdDescription": [
            {"@type": T_ + "EventIdDescription", "Id": e.value, "Description": DESCRIPTIONS[e]}
            for e in ids
        ],
        "EventTypeDescription": [
            {
                "@type": T_ + "EventTypeDescription",
                "Type": c,
                "Description": CATEGORY_DESCRIPTIONS[c],
            }
            for c in categories
        ],
    }


def event_log_bytes(doc: Mapping[str, Any]) -> bytes:
    """Canonical bytes like `results_json_bytes` (the same data gives the same bytes), in one
    compact line: a precinct's log runs to thousands of events, read by programs."""
    return results_json_bytes(doc, indent=None)
