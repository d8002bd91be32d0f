"""The snapshot holds every style, roster field and both sheets of every contest."""

from __future__ import annotations

from pathlib import Path

import pytest

from tally_app.entries import ContestLine, RosterField, SerialRange, Sheet, StyleField
from tally_app.errors import InputError
from tally_app.store.precinct_store import PrecinctStore
from tests.store_factories import (
    CLERK,
    COUNCIL,
    GOMEZ,
    HOUSE,
    INSPECTOR,
    MEASURE,
    PARK,
    STYLE_1,
    STYLE_2,
    fixed_clock,
    new_store,
    small_definition,
)


def test_snapshot_shape_follows_the_definition(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        snap = store.snapshot()
        assert (store.election_id, store.precinct_id) == ("test-2026", "0850001A")
        assert store.fingerprint == small_definition().fingerprint
        assert store.definition_bytes == small_definition().source_bytes
    assert list(snap.styles) == [STYLE_1, STYLE_2]
    assert set(snap.styles[STYLE_1].values) == set(StyleField)
    assert set(snap.roster) == set(RosterField)
    for sheet in Sheet:
        assert list(snap.sheets[sheet]) == [HOUSE, MEASURE, COUNCIL]  # ballot order
        house = snap.sheets[sheet][HOUSE]
        assert list(house.votes) == ["ahn", "gomez", "walker"]  # ballot order, write-in last
        assert set(house.lines) == set(ContestLine)
        assert list(snap.sheets[sheet][MEASURE].votes) == ["h-yes", "h-no"]
    assert snap.tallied is None


def test_snapshot_after_entry_and_reopen(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        for style, (v, p, x) in {STYLE_1: (100, 2, 1), STYLE_2: (50, 0, 0)}.items():
            store.set_style_field(style, StyleField.VOTED, v, CLERK)
            store.set_style_field(style, StyleField.PROVISIONAL, p, CLERK)
            store.set_style_field(style, StyleField.REJECTED, x, CLERK)
        store.add_unused_range(STYLE_1, 1001, 1050, CLERK)
        store.add_unused_range(STYLE_1, 2001, 2010, CLERK)
        store.set_roster_field(RosterField.SIGNATURES, 148, CLERK)
        store.set_vote(Sheet.B, COUNCIL, "c-park", 31, CLERK)
        store.set_line(Sheet.A, HOUSE, ContestLine.BALLOTS, 147, CLERK, reason="two torn")
        first = store.add_write_in(Sheet.A, HOUSE, "Zed Zebra", CLERK)
        second = store.add_write_in(Sheet.A, HOUSE, "Al Aardvark", CLERK)
        store.set_write_in(second, count=2, actor=CLERK)
        store.set_write_in(first, name="Zed Zebra Jr.", actor=CLERK)
        store.set_resume_page("contest:house-34")
    with PrecinctStore.open(tmp_path / "precinct.sqlite", clock=fixed_clock()) as store:
        snap = store.snapshot()
        assert store.resume_page == "contest:house-34"
        reasons = store.override_reasons()
    assert snap.tallied == 97 + 50
    assert snap.styles[STYLE_1].unused_ranges == (SerialRange(1001, 1050), SerialRange(2001, 2010))
    assert snap.styles[STYLE_2].unused_ranges == ()
    assert snap.roster[RosterField.SIGNATURES] == 148
    council_b = snap.contest(Sheet.B, COUNCIL)
    assert council_b is not None and council_b.votes[PARK] == 31
    council_a = snap.contest(Sheet.A, COUNCIL)
    assert council_a is not None and council_a.votes[PARK] is None
    house = snap.contest(Sheet.A, HOUSE)
    assert house is not None and house.ballots == 147
    assert [(w.id, w.name, w.count) for w in house.write_ins] == [
        (first, "Zed Zebra Jr.", None),
        (second, "Al Aardvark", 2),
    ]
    house_b = snap.contest(Sheet.B, HOUSE)
    assert house_b is not None and house_b.write_ins == ()
    assert reasons == {(Sheet.A, HOUSE, ContestLine.BALLOTS): "two torn"}


def test_a_precinct_with_one_style_has_only_its_contests(tmp_path: Path) -> None:
    store = PrecinctStore.create(
        tmp_path / "b.sqlite", small_definition(), "0850002B", clock=fixed_clock(), actor=INSPECTOR
    )
    with store:
        snap = store.snapshot()
        with pytest.raises(InputError) as caught:
            store.set_vote(Sheet.A, COUNCIL, "c-park", 1, CLERK)
    assert list(snap.styles) == [STYLE_1]
    assert list(snap.sheets[Sheet.A]) == [HOUSE, MEASURE]
    assert caught.value.code == "unknown_field"


def test_resolve_difference_sets_both_sheets(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        store.set_vote(Sheet.A, HOUSE, "gomez", 80, CLERK)
        store.set_vote(Sheet.B, HOUSE, "gomez", 81, CLERK)
        with pytest.raises(InputError) as caught:
            store.resolve_difference(HOUSE, "gomez", 81, "A", INSPECTOR)
        assert caught.value.code == "bad_choice"
        store.resolve_difference(HOUSE, "gomez", 82, "recount", INSPECTOR)
        store.set_line(Sheet.A, HOUSE, ContestLine.UNDERVOTES, 3, CLERK)
        store.resolve_difference(HOUSE, "undervotes", 3, "A", INSPECTOR)
        snap = store.snapshot()
        events = [e for e in store.audit_events() if e.event == "double_entry.difference_resolved"]
    for sheet in Sheet:
        entry = snap.contest(sheet, HOUSE)
        assert entry is not None and entry.votes[GOMEZ] == 82 and entry.undervotes == 3
    assert {k: events[0].details[k] for k in ("a", "b", "choice", "value")} == {
        "a": 80, "b": 81, "choice": "recount", "value": 82,
    }  # fmt: skip
    assert events[1].details["b"] is None


def test_write_ins_only_where_the_contest_records_them(tmp_path: Path) -> None:
    with new_store(tmp_path) as store:
        for contest in (MEASURE, COUNCIL):
            with pytest.raises(InputError) as caught:
                store.add_write_in(Sheet.A, contest, "Someone", CLERK)
            assert caught.value.code == "write_ins_not_recorded"
        with pytest.raises(InputError) as caught:
            store.add_write_in(Sheet.A, HOUSE, "  ", CLERK)
        assert caught.value.code == "blank_name"
        wid = store.add_write_in(Sheet.A, HOUSE, "Someone", CLERK)
        assert store.set_write_in(wid, actor=CLERK) is False
        assert store.set_write_in(wid, name="Someone", count=None, actor=CLERK) is False
        store.remove_write_in(wid, CLERK)
        with pytest.raises(InputError) as caught:
            store.remove_write_in(wid, CLERK)
        assert caught.value.code == "unknown_field"
