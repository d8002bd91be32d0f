"""The closed catalogue of audit events (DESIGN §7).

Every event the app writes has an id from this list and a one-sentence description, which
the NIST SP 1500-101 export publishes as its event-code documentation. An id that is not
here cannot be written: the store refuses it, and a test checks that every id has words.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class EventId(StrEnum):
    STORE_CREATED = "store.created"
    STORE_OPENED = "store.opened"
    STORE_MIGRATED = "store.migrated"
    ACCOUNTING_FIELD_SET = "accounting.field_set"
    ACCOUNTING_RANGE_ADDED = "accounting.range_added"
    ACCOUNTING_RANGE_REMOVED = "accounting.range_removed"
    CONTEST_VOTE_SET = "contest.vote_set"
    CONTEST_LINE_SET = "contest.line_set"
    CONTEST_WRITE_IN_ADDED = "contest.write_in_added"
    CONTEST_WRITE_IN_CHANGED = "contest.write_in_changed"
    CONTEST_WRITE_IN_REMOVED = "contest.write_in_removed"
    ENTRY_BLANKS_FILLED = "entry.blanks_filled"
    DOUBLE_ENTRY_DIFFERENCE_RESOLVED = "double_entry.difference_resolved"
    BOARD_MEMBER_ADDED = "board.member_added"
    BOARD_MEMBER_REMOVED = "board.member_removed"
    BOARD_PIN_FAILED = "board.pin_failed"
    SEAL_ADDED = "seal.added"
    SEAL_REMOVED = "seal.removed"
    EXPLANATION_ADDED = "explanation.added"
    STATE_CHANGED = "state.changed"
    CORRECTION_STARTED = "correction.started"
    AUDIT_PROBLEMS_ACKNOWLEDGED = "audit.problems_acknowledged"
    AUDIT_EXPORTED = "audit.exported"
    ACTION_REFUSED = "action.refused"
    PRECINCT_FINALIZE_REFUSED = "precinct.finalize_refused"
    FINALIZE_REFUSED = "precinct.finalize_refused"  # an alias of the member above (session.py)
    REPORT_PRINTED = "report.printed"
    EXPORT_WRITTEN = "export.written"


DESCRIPTIONS: Mapping[EventId, str] = MappingProxyType(
    {
        EventId.STORE_CREATED: "The precinct file was created for one precinct of one election definition.",
        EventId.STORE_OPENED: "The precinct file was opened and its audit log verified.",
        EventId.STORE_MIGRATED: "The precinct file's schema was upgraded by the named migrations.",
        EventId.ACCOUNTING_FIELD_SET: "A ballot-accounting count (per ballot style or per roster) was entered or changed.",
        EventId.ACCOUNTING_RANGE_ADDED: "A range of unused ballot serial numbers was recorded.",
        EventId.ACCOUNTING_RANGE_REMOVED: "A range of unused ballot serial numbers was removed.",
        EventId.CONTEST_VOTE_SET: "A selection's vote count was entered or changed on a tally sheet.",
        EventId.CONTEST_LINE_SET: "A contest's undervotes, overvotes or ballots tallied were entered or changed on a tally sheet.",
        EventId.CONTEST_WRITE_IN_ADDED: "An unqualified write-in name was added to a contest on a tally sheet.",
        EventId.CONTEST_WRITE_IN_CHANGED: "An unqualified write-in's name or count was changed.",
        EventId.CONTEST_WRITE_IN_REMOVED: "An unqualified write-in was removed from a tally sheet.",
        EventId.ENTRY_BLANKS_FILLED: "The board confirmed that every remaining blank field in the named scope is zero.",
        EventId.DOUBLE_ENTRY_DIFFERENCE_RESOLVED: "A difference between tally sheets A and B was resolved and both sheets set to the chosen value.",
        EventId.BOARD_MEMBER_ADDED: "A board member was added with a name and role.",
        EventId.BOARD_MEMBER_REMOVED: "A board member was removed.",
        EventId.BOARD_PIN_FAILED: "A wrong PIN was entered for a board member or the supervisor.",
        EventId.SEAL_ADDED: "A seal number was recorded.",
        EventId.SEAL_REMOVED: "A seal number was removed.",
        EventId.EXPLANATION_ADDED: "A written explanation of a discrepancy was added and signed by the named board members.",
        EventId.STATE_CHANGED: "The precinct moved between counting, reconciled, finalized and exported.",
        EventId.CORRECTION_STARTED: "A supervisor unlocked a finalized precinct for a correction, with a reason.",
        EventId.AUDIT_PROBLEMS_ACKNOWLEDGED: "A supervisor acknowledged the listed audit-log problems, with a reason.",
        EventId.AUDIT_EXPORTED: "The audit log was exported as a NIST SP 1500-101 event log.",
        EventId.ACTION_REFUSED: "An action was refused because the precinct's state or the input did not allow it.",
        EventId.PRECINCT_FINALIZE_REFUSED: "Finalizing was refused because a check still blocks it.",
        EventId.REPORT_PRINTED: "A document (tally sheet, certificate) was printed or saved as PDF.",
        EventId.EXPORT_WRITTEN: "The signed results bundle was written to removable media.",
    }
)


def describe(event: EventId) -> str:
    """The documented meaning of an event id."""
    return DESCRIPTIONS[event]
