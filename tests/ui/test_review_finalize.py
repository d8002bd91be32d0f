"""Review (findings, explanations) and finalize, driven by the keyboard, checked in the store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tally_app import service
from tally_app.clock import FixedClock
from tally_app.definition.model import RuleId, Severity
from tally_app.entries import ContestLine, Sheet, StyleField
from tally_app.errors import InputError
from tests.balanced_precinct import enter_balanced
from ui.context import AppContext
from ui.messages import UserMessage
from ui.pages.finalize import FinalizePage
from ui.pages.review import ReviewPage, fix_page

BOARD = (
    ("Maria Lopez", "inspector"),
    ("Sam Park", "tally_keeper_a"),
    ("Ana Nunez", "tally_keeper_b"),
)


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    definition = service.default_definition()
    clock = FixedClock(datetime(2017, 6, 6, 20, 0, tzinfo=UTC), timedelta(seconds=1))
    context = AppContext(tmp_path, definition, clock=clock)
    assert context.open_precinct(definition.precincts[0].id)
    for name, role in BOARD:
        context.open.add_board_member(name, role, context.actor())
    yield context
    context.close_precinct()


@pytest.fixture
def review(qtbot: QtBot, ctx: AppContext) -> ReviewPage:
    p = ReviewPage(ctx)
    qtbot.addWidget(p)
    p.show()
    return p


@pytest.fixture
def finalize(qtbot: QtBot, ctx: AppContext) -> FinalizePage:
    p = FinalizePage(ctx)
    qtbot.addWidget(p)
    p.show()
    return p


def off_by_one(ctx: AppContext) -> None:
    """A balanced precinct, then one ballot too many received: A1 needs an explanation."""
    enter_balanced(ctx.open)
    style = ctx.open.precinct.ballot_style_ids[0]
    ctx.open.set_style_field(style, StyleField.RECEIVED, 301, ctx.actor())


def answer_finalize(qtbot: QtBot, seen: list[QMessageBox], *, yes: bool) -> None:
    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append(box)
        if yes:
            button = next(
                b for b in box.findChildren(QPushButton) if b.text() == "Yes, Finalize and Lock"
            )
            qtbot.keyClick(button, Qt.Key.Key_Space)
        else:
            qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter takes the default: No

    QTimer.singleShot(0, answer)


# --- review ---------------------------------------------------------------------------------


def test_a_new_precinct_lists_what_must_be_fixed(
    qtbot: QtBot, qtmodeltester: ModelTester, review: ReviewPage, ctx: AppContext
) -> None:
    review.enter()
    findings = ctx.open.findings()
    blocks = sum(f.severity is Severity.BLOCK for f in findings)
    assert blocks > 0
    assert review.summary.text().startswith(f"✗ {blocks} must be fixed")
    assert review.model.rowCount() == len(findings)
    qtmodeltester.check(review.model)
    first = review.selected()
    assert first is not None and first.severity is Severity.BLOCK
    assert review.model.data(review.model.index(0, 0)) == "Must be fixed"
    assert review.detail.text().split("\n")[1].startswith("Must be fixed (")
    assert review.explain_box.isHidden()
    with qtbot.waitSignal(ctx.navigate) as sent:
        qtbot.keyClick(review.go_fix, Qt.Key.Key_Space)
    assert sent.args == [fix_page(first)]


def test_an_a1_discrepancy_is_explained_and_confirmed_by_every_member(
    qtbot: QtBot, review: ReviewPage, ctx: AppContext
) -> None:
    off_by_one(ctx)
    review.enter()
    assert "1 needs an explanation" in review.summary.text()
    # Find A1 in the list with the arrow keys.
    review.table.setFocus()
    for _ in range(review.model.rowCount()):
        if review.selected().rule is RuleId.A1:  # type: ignore[union-attr]
            break
        qtbot.keyClick(review.table, Qt.Key.Key_Down)
    a1 = review.selected()
    assert a1 is not None and a1.rule is RuleId.A1
    row = review.table.currentIndex().row()
    assert review.model.data(review.model.index(row, 2)) == "Ballot accounting"
    assert "received 301" in review.model.data(review.model.index(row, 3))
    assert "difference" in review.model.data(review.model.index(row, 3))
    assert not review.explain_box.isHidden()

    # Tab: go-fix button, the text, then each member's checkbox (Space), then Save (Space).
    qtbot.keyClick(review.table, Qt.Key.Key_Tab)
    assert review.go_fix.hasFocus()
    qtbot.keyClick(review.go_fix, Qt.Key.Key_Tab)
    assert review.text.hasFocus()
    qtbot.keyClicks(review.text, "One ballot was stuck to another.")
    qtbot.keyClick(review.text, Qt.Key.Key_Tab)  # moves on, types no tab
    boxes = [box for box, _ in review._boxes]
    assert [b.text() for b in boxes] == [
        "Confirmed by Maria Lopez (Inspector)",
        "Confirmed by Sam Park (Tally keeper A)",
        "Confirmed by Ana Nunez (Tally keeper B)",
    ]
    for box in boxes:
        assert box.hasFocus()
        qtbot.keyClick(box, Qt.Key.Key_Space)
        assert box.isChecked()
        qtbot.keyClick(box, Qt.Key.Key_Tab)
    assert review.save.hasFocus()
    qtbot.keyClick(review.save, Qt.Key.Key_Space)

    (saved,) = ctx.open.explanations()
    assert saved.text == "One ballot was stuck to another."
    assert (saved.rule_id, saved.subject) == ("A1", a1.subject)
    assert {s.name for s in saved.signers} == {name for name, _ in BOARD}
    assert ctx.open.unexplained() == ()
    assert "needs an explanation" not in review.summary.text()
    assert "every difference is explained" in review.summary.text()
    assert "Look at the check below." in review.summary.text()  # A14 still warns
    assert review.model.data(review.model.index(row, 0)) == "Needs an explanation — explained"
    assert "Explained and confirmed by every board member" in review.saved_text.text()


def test_an_explanation_not_confirmed_by_everyone_still_counts_as_unexplained(
    qtbot: QtBot, review: ReviewPage, ctx: AppContext
) -> None:
    off_by_one(ctx)
    review.enter()
    (a1,) = [f for f in ctx.open.findings() if f.rule is RuleId.A1]
    review.table.setCurrentIndex(review.model.index(review.model.items().index(a1), 0))
    review.text.setFocus()
    qtbot.keyClicks(review.text, "Stuck ballots.")
    qtbot.keyClick(review._boxes[0][0], Qt.Key.Key_Space)
    qtbot.keyClick(review.save, Qt.Key.Key_Space)
    assert len(ctx.open.explanations()) == 1
    assert len(ctx.open.unexplained()) == 1
    assert "Not every board member has confirmed it yet" in review.saved_text.text()
    assert review.text.toPlainText() == "Stuck ballots."  # ready to be confirmed again


def test_every_check_passes(review: ReviewPage, ctx: AppContext) -> None:
    session = ctx.open
    enter_balanced(session)
    # Without the write-in (A14 only warns about it), the 2 votes become undervotes.
    contest = session.contests[0]
    for sheet in (Sheet.A, Sheet.B):
        entry = session.entries().contest(sheet, contest.id)
        assert entry is not None
        session.remove_write_in(entry.write_ins[-1].id, ctx.actor())
        session.set_line(sheet, contest.id, ContestLine.UNDERVOTES, 6, ctx.actor())
    assert session.findings() == ()
    review.enter()
    assert review.summary.text() == "✓ Every check passes."


# --- finalize -------------------------------------------------------------------------------


def test_finalize_is_refused_while_something_blocks(
    qtbot: QtBot, qtmodeltester: ModelTester, finalize: FinalizePage, ctx: AppContext
) -> None:
    finalize.enter()
    assert not finalize.finalize.isEnabled()
    assert "cannot be finalized yet" in finalize.state.text()
    assert "must be fixed" in finalize.state.text()
    # The page shows the core's readiness, blank boxes included (finalize() refuses them).
    ready = ctx.open.readiness()
    assert not ready.can_finalize and ready.blank > 1
    assert f"{ready.blank} boxes are still empty" in finalize.state.text()
    assert finalize.first_field() is finalize.go_review
    qtmodeltester.check(finalize.model)
    with qtbot.waitSignal(ctx.navigate) as sent:
        qtbot.keyClick(finalize.go_review, Qt.Key.Key_Space)
    assert sent.args == ["review"]
    assert ctx.open.state == "counting"


def test_finalize_is_refused_while_a_discrepancy_is_unexplained(
    finalize: FinalizePage, ctx: AppContext
) -> None:
    off_by_one(ctx)
    finalize.enter()
    assert not finalize.finalize.isEnabled()
    assert "1 needs an explanation" in finalize.state.text()


def test_a_balanced_precinct_is_finalized_by_keyboard_and_locks(
    qtbot: QtBot, finalize: FinalizePage, ctx: AppContext
) -> None:
    session = ctx.open
    enter_balanced(session)
    finalize.enter()
    assert finalize.finalize.isEnabled()
    assert finalize.blocked_box.isHidden()
    assert finalize.first_field() is finalize.first
    # What the board certifies: sheet A's totals, and the ballots tallied.
    shown = {(r.line, r.count) for r in finalize.model.items()}
    assert ("ballots tallied", 247) in shown and ('write-in "Mickey Mouse"', 2) in shown
    assert "247" in finalize.tallied.text()

    failures: list[UserMessage] = []
    ctx.failed.connect(failures.append)
    seen: list[QMessageBox] = []

    # The same person twice: the core refuses, the page says so and nothing locks.
    finalize.first.setFocus()
    qtbot.keyClick(finalize.first, Qt.Key.Key_Home)
    qtbot.keyClick(finalize.first, Qt.Key.Key_Tab)
    qtbot.keyClick(finalize.second, Qt.Key.Key_Home)
    qtbot.keyClick(finalize.second, Qt.Key.Key_Tab)
    assert finalize.finalize.hasFocus()
    answer_finalize(qtbot, seen, yes=True)
    qtbot.keyClick(finalize.finalize, Qt.Key.Key_Space)
    assert failures[-1].problem == "Finalizing needs two different board members."
    assert session.state == "counting"

    # "No" (the default, Enter) changes nothing.
    qtbot.keyClick(finalize.second, Qt.Key.Key_Down)
    answer_finalize(qtbot, seen, yes=False)
    qtbot.keyClick(finalize.finalize, Qt.Key.Key_Space)
    assert seen[-1].windowTitle() == f"Finalize precinct {session.precinct.id}?"
    assert seen[-1].text() == "After this, the counts are locked. Changing them needs a supervisor."
    assert seen[-1].defaultButton().text() == "No"
    assert session.state == "counting"

    # Yes: finalized and locked.
    answer_finalize(qtbot, seen, yes=True)
    qtbot.keyClick(finalize.finalize, Qt.Key.Key_Space)
    assert session.state == "finalized"
    changed = [e for e in session.store.audit_events() if e.event == "state.changed"]
    assert changed[-1].details["confirmed_by"] == ["Maria Lopez", "Sam Park"]
    locked_at = session.finalized_at()
    assert locked_at is not None
    assert finalize.state.text() == (
        f"✓ Precinct {session.precinct.id} is finalized and locked at "
        f"{locked_at.astimezone().strftime('%Y-%m-%d %H:%M')}."
    )
    assert finalize.confirm_box.isHidden()
    # No print or export button is offered: they are not built yet.
    texts = [
        b.text().replace("&", "").lower()
        for b in finalize.findChildren(QPushButton)
        if b.isVisibleTo(finalize)
    ]
    assert not [t for t in texts if "print" in t or "export" in t]

    # A later edit is refused by the core.
    contest = session.contests[0]
    with pytest.raises(InputError) as locked:
        session.set_vote(Sheet.A, contest.id, contest.selection_ids[0], 101, ctx.actor())
    assert locked.value.code == "precinct_locked"

    # Entering the page again still says it is locked.
    finalize.enter()
    assert "is finalized and locked at" in finalize.state.text()


def test_finalize_needs_two_board_members(
    qtbot: QtBot, finalize: FinalizePage, ctx: AppContext
) -> None:
    session = ctx.open
    enter_balanced(session)
    for member in session.board()[1:]:
        session.remove_board_member(member.id, ctx.actor())
    finalize.enter()
    ready = session.readiness()
    assert not ready.has_two_members and not ready.can_finalize
    assert not finalize.finalize.isEnabled()
    assert "Finalizing needs 2 board members to confirm" in finalize.state.text()
    assert finalize.blocked_box.isHidden()
