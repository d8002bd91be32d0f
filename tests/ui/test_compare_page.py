"""The comparison of sheet A and sheet B, resolved by keyboard, checked against the store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tally_app import service
from tally_app.clock import FixedClock
from tally_app.definition.model import CandidateContest
from tally_app.entries import ContestLine, Sheet
from tests.balanced_precinct import enter_balanced
from ui.context import AppContext
from ui.pages.compare import ComparePage


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    definition = service.default_definition()
    clock = FixedClock(datetime(2017, 6, 6, 20, 0, tzinfo=UTC), timedelta(seconds=1))
    context = AppContext(tmp_path, definition, clock=clock)
    assert context.open_precinct(definition.precincts[0].id)
    context.open.add_board_member("Maria Lopez", "inspector", context.actor())
    yield context
    context.close_precinct()


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext) -> ComparePage:
    p = ComparePage(ctx)
    qtbot.addWidget(p)
    p.show()
    return p


def test_a_contest_missing_on_sheet_b_is_named_with_a_way_there(
    qtbot: QtBot, page: ComparePage, ctx: AppContext
) -> None:
    contest = ctx.open.contests[0]
    ctx.open.set_vote(Sheet.A, contest.id, contest.selection_ids[0], 10, ctx.actor())
    page.enter()
    assert ctx.open.b_missing_contests() == (contest.id,)
    assert "Sheet B is not entered yet for: " + contest.title in page.status.text()
    assert page.diff_box.isHidden()
    go = page.enter_b
    assert page.first_field() is go
    assert contest.title in go.accessibleName()
    with qtbot.waitSignal(ctx.navigate) as sent:
        qtbot.keyClick(go, Qt.Key.Key_Space)
    assert sent.args == [f"contest:B:{contest.id}"]


def test_differences_are_resolved_by_a_by_b_and_by_recount(
    qtbot: QtBot, qtmodeltester: ModelTester, page: ComparePage, ctx: AppContext
) -> None:
    session = ctx.open
    enter_balanced(session, ahn_on_b=99)  # Ahn: A 100, B 99
    contest = session.contests[0]
    assert isinstance(contest, CandidateContest)
    gomez = contest.on_ballot[1].id
    session.set_vote(Sheet.B, contest.id, gomez, 141, ctx.actor())  # Gomez: A 140, B 141
    session.set_line(Sheet.A, contest.id, ContestLine.UNDERVOTES, 3, ctx.actor())  # A 3, B 4
    page.enter()
    assert len(session.sheet_differences()) == 3
    assert page.model.rowCount() == 3
    qtmodeltester.check(page.model)
    assert "3 lines differ" in page.status.text()
    assert page.first_field() is page.table

    # Row 1, Ahn: sheet A was right. Tab from the table to "Use sheet A (100)", Space.
    page.table.setFocus()
    assert page.selected().field == contest.on_ballot[0].id  # type: ignore[union-attr]
    assert page.use_a.text() == "Use sheet &A (100)"
    qtbot.keyClick(page.table, Qt.Key.Key_Tab)
    assert page.use_a.hasFocus()
    qtbot.keyClick(page.use_a, Qt.Key.Key_Space)
    assert len(session.sheet_differences()) == 2
    assert page.table.hasFocus()

    # The next one is selected: Gomez, sheet B was right.
    assert page.selected().field == gomez  # type: ignore[union-attr]
    qtbot.keyClick(page.table, Qt.Key.Key_Tab)
    qtbot.keyClick(page.use_a, Qt.Key.Key_Tab)
    assert page.use_b.hasFocus()
    qtbot.keyClick(page.use_b, Qt.Key.Key_Space)

    # Undervotes: the board recounted, and it is neither sheet's number.
    assert page.selected().field == ContestLine.UNDERVOTES.value  # type: ignore[union-attr]
    for _ in range(3):
        qtbot.keyClick(page.focusWidget(), Qt.Key.Key_Tab)
    assert page.recount.hasFocus()
    qtbot.keyClicks(page.recount, "5")
    qtbot.keyClick(page.recount, Qt.Key.Key_Return)  # Enter advances to "Use recount"
    assert page.use_recount.hasFocus()
    qtbot.keyClick(page.use_recount, Qt.Key.Key_Space)

    assert session.sheet_differences() == ()
    entries = session.entries()
    for sheet in (Sheet.A, Sheet.B):
        entry = entries.contest(sheet, contest.id)
        assert entry is not None
        assert entry.votes[contest.on_ballot[0].id] == 100
        assert entry.votes[gomez] == 141
        assert entry.lines[ContestLine.UNDERVOTES] == 5
    resolved = [
        e for e in session.store.audit_events() if e.event == "double_entry.difference_resolved"
    ]
    assert [(e.details["choice"], e.details["value"]) for e in resolved] == [
        ("A", 100),
        ("B", 141),
        ("recount", 5),
    ]
    assert page.status.text() == "✓ Sheets A and B agree on every line."
    assert page.diff_box.isHidden()


def test_a_recount_needs_a_number(qtbot: QtBot, page: ComparePage, ctx: AppContext) -> None:
    enter_balanced(ctx.open, ahn_on_b=99)
    page.enter()
    qtbot.keyClick(page.use_recount, Qt.Key.Key_Space)
    assert "Type the recounted number first" in page.status.text()
    assert len(ctx.open.sheet_differences()) == 1


def test_a_write_in_difference_is_corrected_on_the_sheet_page(
    qtbot: QtBot, page: ComparePage, ctx: AppContext
) -> None:
    session = ctx.open
    enter_balanced(session)
    contest = session.contests[0]
    entry_b = session.entries().contest(Sheet.B, contest.id)
    assert entry_b is not None
    session.set_write_in(entry_b.write_ins[-1].id, count=3, actor=ctx.actor())
    page.enter()
    (diff,) = session.sheet_differences()
    assert diff.field.startswith("write_in:")
    # The core cannot settle a write-in by field, so the page does not offer it ...
    assert page.resolve_box.isHidden() and not page.write_in_box.isHidden()
    # ... and sends the board to the sheet where the write-in is typed.
    with qtbot.waitSignal(ctx.navigate) as sent:
        qtbot.keyClick(page.open_b, Qt.Key.Key_Space)
    assert sent.args == [f"contest:B:{contest.id}"]
    assert len(session.sheet_differences()) == 1


def test_agreeing_sheets_say_so(page: ComparePage, ctx: AppContext) -> None:
    enter_balanced(ctx.open)
    page.enter()
    assert page.status.text() == "✓ Sheets A and B agree on every line."
    assert page.model.rowCount() == 0
