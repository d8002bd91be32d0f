"""Blank is not zero (DESIGN §4): NULL and 0 round-trip through the file distinctly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tally_app.entries import ContestLine, RosterField, Sheet, StyleField
from tally_app.store.precinct_store import PrecinctStore
from tests.store_factories import AHN, CLERK, GOMEZ, HOUSE, MEASURE, STYLE_1, fixed_clock, new_store


def test_every_count_starts_blank_on_both_sheets(tmp_path: Path) -> None:
    new_store(tmp_path).close()
    with sqlite3.connect(tmp_path / "precinct.sqlite") as conn:
        for table in ("style_count", "roster_count", "selection_count", "contest_count"):
            total, blank = conn.execute(
                f"SELECT count(*), count(*) - count(value) FROM {table}"
            ).fetchone()
            assert total > 0 and total == blank, table
        sheets = {r[0] for r in conn.execute("SELECT DISTINCT sheet FROM selection_count")}
    assert sheets == {"A", "B"}


def test_zero_and_blank_round_trip_through_reopen(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store.set_style_field(STYLE_1, StyleField.SPOILED, 0, CLERK)
        store.set_roster_field(RosterField.NOT_VOTED, 0, CLERK)
        store.set_vote(Sheet.A, HOUSE, "ahn", 0, CLERK)
        store.set_line(Sheet.B, MEASURE, ContestLine.OVERVOTES, 0, CLERK)
    with PrecinctStore.open(tmp_path / "precinct.sqlite", clock=fixed_clock()) as store:
        snap = store.snapshot()
    assert snap.styles[STYLE_1][StyleField.SPOILED] == 0
    assert snap.styles[STYLE_1][StyleField.UNUSED] is None
    assert snap.roster[RosterField.NOT_VOTED] == 0
    assert snap.roster[RosterField.SIGNATURES] is None
    house_a = snap.contest(Sheet.A, HOUSE)
    assert house_a is not None and house_a.votes[AHN] == 0 and house_a.votes[GOMEZ] is None
    measure_b = snap.contest(Sheet.B, MEASURE)
    assert measure_b is not None and measure_b.overvotes == 0 and measure_b.undervotes is None


def test_clearing_a_field_makes_it_blank_again(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        assert store.set_vote(Sheet.A, HOUSE, "gomez", 12, CLERK) is True
        assert store.set_vote(Sheet.A, HOUSE, "gomez", None, CLERK) is True
        entry = store.snapshot().contest(Sheet.A, HOUSE)
        assert entry is not None and entry.votes[GOMEZ] is None
        events = [e for e in store.audit_events() if e.event == "contest.vote_set"]
        assert [(e.details["old"], e.details["new"]) for e in events] == [(None, 12), (12, None)]


def test_an_unchanged_value_writes_nothing(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        assert store.set_vote(Sheet.A, HOUSE, "gomez", 7, CLERK) is True
        count = len(store.audit_events())
        assert store.set_vote(Sheet.A, HOUSE, "gomez", 7, CLERK) is False
        assert store.set_style_field(STYLE_1, StyleField.RECEIVED, None, CLERK) is False
        assert len(store.audit_events()) == count


def test_fill_blanks_sets_only_blanks_and_logs_one_event(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store.set_vote(Sheet.A, HOUSE, "gomez", 9, CLERK)
        wid = store.add_write_in(Sheet.A, HOUSE, "Mickey Mouse", CLERK)
        before = len(store.audit_events())
        filled = store.fill_blanks_with_zero(CLERK, sheet=Sheet.A, contest_id=HOUSE)
        # ahn, walker, 3 lines, 1 write-in count
        assert filled == 6
        entry = store.snapshot().contest(Sheet.A, HOUSE)
        assert entry is not None
        assert dict(entry.votes) == {"ahn": 0, "gomez": 9, "walker": 0}
        assert entry.write_ins[0].id == wid and entry.write_ins[0].count == 0
        other = store.snapshot().contest(Sheet.B, HOUSE)
        assert other is not None and other.votes[AHN] is None
        events = store.audit_events()
        assert len(events) == before + 1
        assert events[-1].event == "entry.blanks_filled" and events[-1].details["filled"] == 6
        assert store.fill_blanks_with_zero(CLERK, sheet=Sheet.A, contest_id=HOUSE) == 0
        assert len(store.audit_events()) == before + 1


def test_fill_blanks_for_accounting_leaves_contests_blank(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store.set_style_field(STYLE_1, StyleField.RECEIVED, 300, CLERK)
        filled = store.fill_blanks_with_zero(CLERK, accounting=True)
        snap = store.snapshot()
    # 2 styles × 8 fields + 4 roster fields, minus the one typed
    assert filled == 2 * len(StyleField) + len(RosterField) - 1
    assert snap.styles[STYLE_1][StyleField.RECEIVED] == 300
    assert all(v == 0 for v in snap.roster.values())
    house = snap.contest(Sheet.A, HOUSE)
    assert house is not None and house.votes[AHN] is None
