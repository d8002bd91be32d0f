"""The event catalogue is closed and documented; the store writes only catalogued events."""

from __future__ import annotations

from pathlib import Path

import pytest

from tally_app.audit.catalogue import DESCRIPTIONS, EventId, describe
from tally_app.entries import ContestLine, RosterField, Sheet, StyleField
from tally_app.errors import InputError
from tally_app.store.precinct_store import PrecinctStore
from tests.store_factories import (
    CLERK,
    HOUSE,
    INSPECTOR,
    STYLE_1,
    SUPERVISOR,
    fixed_clock,
    new_store,
)


@pytest.mark.parametrize("event", list(EventId))
def test_every_event_has_a_one_sentence_description(event: EventId) -> None:
    text = describe(event)
    assert text and text[0].isupper() and text.endswith(".")
    assert text.count(". ") == 0, "one sentence"


def test_descriptions_cover_exactly_the_catalogue() -> None:
    assert set(DESCRIPTIONS) == set(EventId)
    assert len({e.value for e in EventId}) == len(EventId)


def test_the_brief_events_are_catalogued() -> None:
    required = {
        "store.created", "store.opened", "store.migrated", "accounting.field_set",
        "accounting.range_added", "accounting.range_removed", "contest.vote_set",
        "contest.line_set", "contest.write_in_added", "contest.write_in_changed",
        "contest.write_in_removed", "entry.blanks_filled", "double_entry.difference_resolved",
        "board.member_added", "board.member_removed", "seal.added", "seal.removed",
        "explanation.added", "state.changed", "correction.started",
        "audit.problems_acknowledged", "action.refused", "report.printed", "export.written",
        "precinct.finalize_refused",
    }  # fmt: skip
    assert required <= {e.value for e in EventId}


def test_every_event_the_store_writes_is_catalogued(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store.set_style_field(STYLE_1, StyleField.RECEIVED, 10, CLERK)
        store.set_roster_field(RosterField.SIGNATURES, 10, CLERK)
        rid = store.add_unused_range(STYLE_1, 1, 3, CLERK)
        store.remove_unused_range(rid, CLERK)
        store.set_vote(Sheet.A, HOUSE, "ahn", 1, CLERK)
        store.set_vote(Sheet.B, HOUSE, "ahn", 2, CLERK)
        store.set_line(Sheet.A, HOUSE, ContestLine.OVERVOTES, 0, CLERK)
        wid = store.add_write_in(Sheet.A, HOUSE, "X", CLERK)
        store.set_write_in(wid, count=1, actor=CLERK)
        store.remove_write_in(wid, CLERK)
        store.resolve_difference(HOUSE, "ahn", 2, "B", CLERK)
        store.fill_blanks_with_zero(CLERK)
        mid = store.add_board_member("Ana", "inspector", INSPECTOR)
        store.add_explanation("A1", "precinct", "why", [mid], INSPECTOR)
        sid = store.add_seal("box", "1", INSPECTOR)
        store.remove_seal(sid, INSPECTOR)
        store.transition("reconciled", INSPECTOR)
        store.set_vote(Sheet.A, HOUSE, "ahn", 5, CLERK)  # back to counting
        assert store.state == "counting"
        store.transition("reconciled", INSPECTOR)
        store.transition("finalized", INSPECTOR)
        with pytest.raises(InputError):
            store.set_vote(Sheet.A, HOUSE, "ahn", 3, CLERK)
        store.begin_correction("fix", SUPERVISOR)
        for event in (
            EventId.REPORT_PRINTED,
            EventId.EXPORT_WRITTEN,
            EventId.PRECINCT_FINALIZE_REFUSED,
        ):
            store.record_event(event, INSPECTOR, {"what": "test"})
        with pytest.raises(ValueError):
            store.record_event("made.up", INSPECTOR, {})  # type: ignore[arg-type]
    with PrecinctStore.open(tmp_path / "precinct.sqlite", clock=fixed_clock()) as store:
        written = {e.event for e in store.audit_events()}
    assert written <= {e.value for e in EventId}
    assert len(written) >= 20
