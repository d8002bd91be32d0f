"""The board page, driven by the keyboard, checked against what the precinct file holds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tally_app import service
from tally_app.clock import FixedClock
from tally_app.definition.model import RuleId
from tally_app.entries import StyleField
from tally_app.store.records import BoardMember
from tests.balanced_precinct import enter_balanced
from ui.context import AppContext
from ui.messages import UserMessage
from ui.pages.board import BoardPage


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    definition = service.default_definition()
    clock = FixedClock(datetime(2017, 6, 6, 20, 0, tzinfo=UTC), timedelta(seconds=1))
    context = AppContext(tmp_path, definition, clock=clock)
    assert context.open_precinct(definition.precincts[0].id)
    yield context
    context.close_precinct()


@pytest.fixture
def page(qtbot: QtBot, ctx: AppContext) -> BoardPage:
    p = BoardPage(ctx)
    qtbot.addWidget(p)
    p.show()
    p.enter()
    return p


def answer_box(qtbot: QtBot, press: Callable[[QMessageBox], None], seen: list[QMessageBox]) -> None:
    """Once the modal question is up, record it and answer it with the keyboard."""

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append(box)
        press(box)

    QTimer.singleShot(0, answer)


def button(box: QMessageBox, text: str) -> QPushButton:
    return next(b for b in box.findChildren(QPushButton) if b.text() == text)


def roles(ctx: AppContext) -> list[tuple[str, str]]:
    return [(m.name, m.role) for m in ctx.open.board()]


def test_the_board_is_added_by_keyboard(qtbot: QtBot, page: BoardPage, ctx: AppContext) -> None:
    assert page.first_field() is page.name
    assert "Still needed: Inspector" in page.needed.text()
    # The first role still needed is preselected: type the name, press Enter.
    qtbot.keyClicks(page.name, "Maria Lopez")
    qtbot.keyClick(page.name, Qt.Key.Key_Return)
    assert roles(ctx) == [("Maria Lopez", "inspector")]
    assert page.name.text() == ""
    # Another role: Tab to the role box, choose with the arrow keys, Tab to Add, Space.
    qtbot.keyClicks(page.name, "Sam Park")
    qtbot.keyClick(page.name, Qt.Key.Key_Tab)
    qtbot.keyClick(page.role, Qt.Key.Key_End)  # the last role, Tally keeper B
    qtbot.keyClick(page.role, Qt.Key.Key_Up)
    assert page.role.currentData() == "tally_keeper_a"
    qtbot.keyClick(page.role, Qt.Key.Key_Tab)
    qtbot.keyClick(page.add, Qt.Key.Key_Space)
    qtbot.keyClicks(page.name, "Ana Nunez")
    qtbot.keyClick(page.name, Qt.Key.Key_Tab)
    qtbot.keyClick(page.role, Qt.Key.Key_End)
    assert page.role.currentData() == "tally_keeper_b"
    qtbot.keyClick(page.role, Qt.Key.Key_Tab)
    qtbot.keyClick(page.add, Qt.Key.Key_Space)
    assert roles(ctx) == [
        ("Maria Lopez", "inspector"),
        ("Sam Park", "tally_keeper_a"),
        ("Ana Nunez", "tally_keeper_b"),
    ]
    assert [page.model.data(page.model.index(r, 1)) for r in range(3)] == [
        "Inspector",
        "Tally keeper A",
        "Tally keeper B",
    ]
    # Only the clerks are missing now; the page says so, in words, and Next is not blocked.
    assert "Still needed: Clerk (2 more)" in page.needed.text()
    assert "Tally keeper" not in page.needed.text()
    assert page.can_leave_forward()
    assert page.role.currentData() == "clerk"


def test_a_blank_name_is_refused_with_a_message(
    qtbot: QtBot, page: BoardPage, ctx: AppContext
) -> None:
    failures: list[UserMessage] = []
    ctx.failed.connect(failures.append)
    qtbot.keyClick(page.name, Qt.Key.Key_Return)
    assert ctx.open.board() == ()
    assert failures and failures[0].problem == "The name is empty."


def test_remove_asks_first_and_no_keeps_the_person(
    qtbot: QtBot, page: BoardPage, ctx: AppContext
) -> None:
    for name in ("Maria Lopez", "Sam Park"):
        qtbot.keyClicks(page.name, name)
        qtbot.keyClick(page.name, Qt.Key.Key_Return)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Down)  # select Sam Park
    assert page.selected() == ctx.open.board()[1]
    qtbot.keyClick(page.table, Qt.Key.Key_Tab)
    assert page.remove.hasFocus()  # Tab leaves the table for the Remove button

    seen: list[QMessageBox] = []
    answer_box(qtbot, lambda box: qtbot.keyClick(box, Qt.Key.Key_Escape), seen)
    qtbot.keyClick(page.remove, Qt.Key.Key_Space)
    (box,) = seen
    assert box.windowTitle() == "Remove Sam Park from the board?"
    assert box.defaultButton().text() == "No"
    assert len(ctx.open.board()) == 2  # Escape changed nothing

    answer_box(
        qtbot, lambda b: qtbot.keyClick(button(b, "Yes, remove Sam Park"), Qt.Key.Key_Space), seen
    )
    qtbot.keyClick(page.remove, Qt.Key.Key_Space)
    assert roles(ctx) == [("Maria Lopez", "inspector")]
    events = [e.event for e in ctx.open.store.audit_events()]
    assert events[-1] == "board.member_removed"


def test_a_member_who_signed_cannot_be_removed(
    qtbot: QtBot, page: BoardPage, ctx: AppContext
) -> None:
    session = ctx.open
    enter_balanced(session)
    style = session.precinct.ballot_style_ids[0]
    session.set_style_field(style, StyleField.RECEIVED, 301, ctx.actor())
    member = session.add_board_member("Maria Lopez", "inspector", ctx.actor())
    (a1,) = [f for f in session.findings() if f.rule is RuleId.A1]
    session.add_explanation(a1, "One ballot was stuck to another.", [member], ctx.actor())
    page.enter()
    failures: list[UserMessage] = []
    ctx.failed.connect(failures.append)
    page.table.setFocus()
    seen: list[QMessageBox] = []
    answer_box(
        qtbot,
        lambda b: qtbot.keyClick(button(b, "Yes, remove Maria Lopez"), Qt.Key.Key_Space),
        seen,
    )
    qtbot.keyClick(page.remove, Qt.Key.Key_Space)
    assert seen
    assert [m.name for m in session.board()] == ["Maria Lopez"]
    assert failures[-1].problem == (
        "This person has signed an explanation, so they cannot be removed."
    )


def test_board_model(qtmodeltester: ModelTester, page: BoardPage, ctx: AppContext) -> None:
    ctx.open.add_board_member("Maria Lopez", "inspector", ctx.actor())
    ctx.open.add_board_member("Sam Park", "clerk", ctx.actor())
    page.enter()
    assert page.model.rowCount() == 2
    assert isinstance(page.model.items()[0], BoardMember)
    qtmodeltester.check(page.model)
