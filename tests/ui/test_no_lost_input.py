"""Nothing typed is lost: not by moving on, not by a failed save, not by closing the window.

Each test drives the real window with the keyboard and then reads what the precinct file
holds (review issue 3: items 1a-1d, 2b, 2c and 3).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from tally_app import service
from tally_app.entries import RosterField, StyleField
from tally_app.errors import SystemError_
from tests.balanced_precinct import enter_balanced
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.pages.accounting import AccountingPage
from ui.pages.board import BoardPage
from ui.pages.review import ReviewPage
from ui.widgets import CountField

KEY = Qt.Key
ALT = Qt.KeyboardModifier.AltModifier
BOARD = [
    ("Maria López", "inspector"),
    ("Sam Park", "tally_keeper_a"),
    ("Ana Núñez", "tally_keeper_b"),
]


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[MainWindow]:
    """A real window on a real precinct file with a board of three (closed by this fixture,
    after dropping any draft a failed test left: closing would stop to ask about it)."""
    definition = service.default_definition()
    opened = MainWindow(AppContext(tmp_path, definition), resume=False)
    opened.resize(1366, 768)
    opened.show()
    opened.open_precinct(definition.precincts[0].id)
    ctx = opened.ctx
    for name, role in BOARD:
        ctx.open.add_board_member(name, role, ctx.actor())
    yield opened
    for step in opened.steps:
        if isinstance(step.built, ReviewPage):
            step.built._drafts.clear()
    opened.close()
    opened.deleteLater()


def focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def alt(key: Qt.Key) -> None:
    """Alt+Right / Alt+Left, pressed wherever the cursor is (the Go menu's shortcuts)."""
    QApplication.processEvents()
    QTest.keyClick(focus(), key, ALT)


def answer(qtbot: QtBot, button_text: str, seen: list[QMessageBox]) -> None:
    """When the question box is up, record it and press the named button with Space."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, press)
            return
        seen.append(box)
        found = [b for b in box.findChildren(QPushButton) if b.text() == button_text]
        if not found:
            box.done(0)  # fail the test, do not hang it
            return
        qtbot.keyClick(found[0], KEY.Key_Space)

    QTimer.singleShot(0, press)


def unsaved(field: CountField) -> bool:
    """Read afresh (a helper, so that type checkers do not keep an earlier assert's answer)."""
    return field.is_unsaved


def disk_full(*args: object, **kwargs: object) -> None:
    raise SystemError_("disk_full", "No space left on the device.")


# --- 1a: a name typed on the board page --------------------------------------------------


def test_a_typed_board_name_is_added_when_moving_on(qtbot: QtBot, window: MainWindow) -> None:
    window.go_to_key("board")
    page = window.current()
    assert isinstance(page, BoardPage) and page.name.hasFocus()
    before = len(window.ctx.open.board())
    qtbot.keyClicks(page.name, "Dee Chan")  # the first role still needed is preselected
    role = page.role.currentData()
    alt(KEY.Key_Right)
    assert window.current().key == "accounting"
    assert [(m.name, m.role) for m in window.ctx.open.board()[before:]] == [("Dee Chan", role)]


def test_a_typed_name_without_a_role_keeps_the_worker_on_the_board_page(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.go_to_key("board")
    page = window.current()
    assert isinstance(page, BoardPage)
    before = window.ctx.open.board()
    qtbot.keyClicks(page.name, "Dee Chan")
    page.role.setCurrentIndex(-1)  # no role chosen (a definition without the role, say)
    page.name.setFocus()
    alt(KEY.Key_Right)
    assert window.current().key == "board"
    assert window.ctx.open.board() == before
    assert page.name.text() == "Dee Chan"
    assert "no role is chosen" in window.problem.text()
    assert page.role.hasFocus()


# --- 1b: a serial range typed but not added ------------------------------------------------


def test_a_typed_serial_range_is_added_when_moving_on(qtbot: QtBot, window: MainWindow) -> None:
    window.go_to_key("accounting")
    page = window.current()
    assert isinstance(page, AccountingPage)
    style = page.style_ids[0]
    ranges = page.ranges[style]
    ranges.first.setFocus()
    qtbot.keyClicks(ranges.first, "1001")
    qtbot.keyClick(ranges.first, KEY.Key_Tab)
    qtbot.keyClicks(focus(), "1045")
    assert focus() is ranges.last
    alt(KEY.Key_Right)
    assert window.current().key.startswith("contest:A:")
    (stored,) = window.ctx.open.entries().styles[style].unused_ranges
    assert (stored.first, stored.last) == (1001, 1045)


def test_half_a_serial_range_keeps_the_worker_on_the_page(qtbot: QtBot, window: MainWindow) -> None:
    window.go_to_key("accounting")
    page = window.current()
    assert isinstance(page, AccountingPage)
    style = page.style_ids[0]
    ranges = page.ranges[style]
    ranges.first.setFocus()
    qtbot.keyClicks(ranges.first, "1001")
    alt(KEY.Key_Right)
    assert window.current().key == "accounting"
    assert window.ctx.open.entries().styles[style].unused_ranges == ()
    assert "Type the last serial number, or clear the first." in window.problem.text()
    assert ranges.last.hasFocus() and ranges.first.text() == "1001"
    # Clearing the first number lets the worker go on; nothing half-typed is stored.
    ranges.first.setFocus()
    ranges.first.selectAll()
    qtbot.keyClick(ranges.first, KEY.Key_Delete)
    alt(KEY.Key_Right)
    assert window.current().key.startswith("contest:A:")
    assert window.ctx.open.entries().styles[style].unused_ranges == ()


# --- 1c: explanation drafts on the review page ---------------------------------------------


def review_with_two_differences(window: MainWindow) -> ReviewPage:
    session = window.ctx.open
    enter_balanced(session)
    style = session.precinct.ballot_style_ids[0]
    session.set_style_field(style, StyleField.RECEIVED, 301, window.ctx.actor())  # A1 off
    session.set_roster_field(RosterField.SIGNATURES, 251, window.ctx.actor())  # A2 off
    window.go_to_key("review")
    page = window.current()
    assert isinstance(page, ReviewPage)
    rules = [f.rule.value for f in page.model.items()]
    assert rules[:2] == ["A1", "A2"]
    return page


def type_draft(qtbot: QtBot, page: ReviewPage, row: int, text: str) -> None:
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(row, 0))
    page.text.setFocus()
    page.text.selectAll()
    qtbot.keyClicks(page.text, text)


def test_drafts_are_kept_per_finding_while_moving_between_them(
    qtbot: QtBot, window: MainWindow
) -> None:
    page = review_with_two_differences(window)
    type_draft(qtbot, page, 0, "One ballot stuck to another")
    type_draft(qtbot, page, 1, "A voter signed twice")
    page.table.setFocus()
    qtbot.keyClick(page.table, KEY.Key_Up)  # back to A1 by the keyboard
    selected = page.selected()
    assert selected is not None and selected.rule.value == "A1"
    assert page.text.toPlainText() == "One ballot stuck to another"
    qtbot.keyClick(page.table, KEY.Key_Down)
    assert page.text.toPlainText() == "A voter signed twice"
    assert window.ctx.open.explanations() == ()
    # A cleared draft is no draft: the worker leaves without a question.
    for row in (0, 1):
        type_draft(qtbot, page, row, "")
        qtbot.keyClick(page.text, KEY.Key_Delete)
    assert page.unsaved_drafts() == []
    alt(KEY.Key_Right)
    assert window.current().key == "finalize"
    assert window.ctx.open.explanations() == ()


def test_leaving_review_with_a_draft_asks_and_keep_editing_stays(
    qtbot: QtBot, window: MainWindow
) -> None:
    page = review_with_two_differences(window)
    type_draft(qtbot, page, 1, "A voter signed twice")
    seen: list[QMessageBox] = []
    answer(qtbot, "No, Keep Editing", seen)
    alt(KEY.Key_Right)
    (box,) = seen
    assert box.windowTitle() == "Save the explanation?"
    assert box.defaultButton().text() == "No, Keep Editing"
    assert window.current().key == "review"
    assert window.ctx.open.explanations() == ()
    assert page.text.toPlainText() == "A voter signed twice"
    assert window.focusWidget() is page.text  # the cursor is back in the draft
    window.activateWindow()  # the window manager's job, once the question has closed
    qtbot.waitUntil(page.text.hasFocus)

    answer(qtbot, "Yes, Save It", seen)
    alt(KEY.Key_Right)
    assert window.current().key == "finalize"
    (saved,) = window.ctx.open.explanations()
    assert (saved.rule_id, saved.text, saved.signers) == ("A2", "A voter signed twice", ())


def test_a_draft_every_member_ticked_is_saved_on_leaving(qtbot: QtBot, window: MainWindow) -> None:
    page = review_with_two_differences(window)
    type_draft(qtbot, page, 0, "One ballot stuck to another")
    qtbot.keyClick(page.text, KEY.Key_Tab)
    for _ in window.ctx.open.board():  # each member ticks their box with Space
        qtbot.keyClick(focus(), KEY.Key_Space)
        qtbot.keyClick(focus(), KEY.Key_Tab)
    alt(KEY.Key_Left)  # no question: the whole board confirmed this text
    assert window.current().key == "compare"
    (saved,) = window.ctx.open.explanations()
    assert saved.text == "One ballot stuck to another"
    assert {s.member_id for s in saved.signers} == {m.id for m in window.ctx.open.board()}
    assert "A1" not in {f.rule.value for f in window.ctx.open.unexplained()}


def test_closing_the_window_with_a_draft_asks_first(qtbot: QtBot, window: MainWindow) -> None:
    page = review_with_two_differences(window)
    type_draft(qtbot, page, 0, "One ballot stuck to another")
    seen: list[QMessageBox] = []
    answer(qtbot, "No, Keep Editing", seen)
    window.close()
    assert seen and window.isVisible() and window.ctx.open.state == "counting"
    answer(qtbot, "Yes, Save It", seen)
    path = window.ctx.open.path
    window.close()
    assert not window.isVisible()
    assert window.ctx.session is None
    with service.open_precinct(path) as reopened:
        (saved,) = reopened.explanations()
        assert saved.text == "One ballot stuck to another"


# --- 1d: a failed save never looks saved ---------------------------------------------------


def test_a_failed_save_keeps_the_number_and_the_worker_on_the_page(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.go_to_key("accounting")
    page = window.current()
    assert isinstance(page, AccountingPage)
    style = page.style_ids[0]
    received = page.style_fields[(style, StyleField.RECEIVED)]
    assert received.hasFocus()
    session = window.ctx.open
    monkeypatch.setattr(session, "set_style_field", disk_full)  # fault injection: disk full

    qtbot.keyClicks(received, "300")
    qtbot.keyClick(received, KEY.Key_Return)
    assert session.entries().styles[style][StyleField.RECEIVED] is None
    assert received.text() == "300" and received.is_unsaved
    assert received.hasFocus()  # Enter did not move past the value that was not saved
    assert received.accessibleDescription() == "not saved"
    assert received._marker.isVisible() and "not saved" in received._marker.text()
    assert window.saved.text().startswith("✗ Not saved: Ballots received (R) = 300.")
    assert "The disk is full" in window.saved.text()
    assert window.saved.property("status") == "bad"

    alt(KEY.Key_Right)  # the save fails again: the window stays
    assert window.current().key == "accounting"
    assert received.text() == "300" and received.hasFocus()
    alt(KEY.Key_Left)
    assert window.current().key == "accounting"

    monkeypatch.undo()  # the disk has room again: moving on saves the number first
    alt(KEY.Key_Right)
    assert session.entries().styles[style][StyleField.RECEIVED] == 300
    assert window.current().key.startswith("contest:A:")
    assert window.saved.property("status") == "ok"
    assert not unsaved(received) and received.accessibleDescription() == ""


def test_a_later_save_does_not_hide_an_earlier_failure(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.go_to_key("accounting")
    page = window.current()
    assert isinstance(page, AccountingPage)
    session = window.ctx.open
    received = page.style_fields[(page.style_ids[0], StyleField.RECEIVED)]
    signatures = page.roster_fields[RosterField.SIGNATURES]
    monkeypatch.setattr(session, "set_style_field", disk_full)
    qtbot.keyClicks(received, "300")
    qtbot.keyClick(received, KEY.Key_Return)
    signatures.setFocus()  # the worker goes on to a field whose save works
    qtbot.keyClicks(signatures, "250")
    qtbot.keyClick(signatures, KEY.Key_Return)
    assert session.entries().roster[RosterField.SIGNATURES] == 250
    assert window.saved.text().startswith("✗ Not saved: Ballots received (R) = 300.")
    alt(KEY.Key_Right)  # the unsaved field takes the cursor back
    assert window.current().key == "accounting" and received.hasFocus()
    # Typing back what the store holds (nothing) clears the mark.
    received.selectAll()
    qtbot.keyClick(received, KEY.Key_Delete)
    qtbot.keyClick(received, KEY.Key_Return)
    assert not unsaved(received) and window.saved.property("status") == "ok"


def test_a_failed_board_add_keeps_the_name(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.go_to_key("board")
    page = window.current()
    assert isinstance(page, BoardPage)
    before = window.ctx.open.board()
    monkeypatch.setattr(window.ctx.open, "add_board_member", disk_full)
    qtbot.keyClicks(page.name, "Dee Chan")
    alt(KEY.Key_Right)
    assert window.current().key == "board" and page.name.text() == "Dee Chan"
    assert window.ctx.open.board() == before
    assert window.saved.text().startswith("✗ Not saved.")


# --- 2b: sheet B is blind --------------------------------------------------------------------


def test_sheet_b_cannot_go_back_to_sheet_a(qtbot: QtBot, window: MainWindow) -> None:
    keys = [s.key for s in window.steps]
    first_b = next(k for k in keys if k.startswith("contest:B:"))
    window.go_to_key(first_b)
    assert not window.previous.isEnabled()
    assert "blind" in window.previous.accessibleDescription()
    alt(KEY.Key_Left)
    assert window.current().key == first_b
    window.go_to_key("compare")
    assert window.previous.isEnabled() and window.previous.accessibleDescription() == ""
    alt(KEY.Key_Left)
    assert window.current().key.startswith("contest:B:")


# --- 2c: locked after finalizing -------------------------------------------------------------


def finalized(window: MainWindow) -> None:
    session = window.ctx.open
    enter_balanced(session)
    first, second = session.board()[:2]
    session.finalize((first.id, second.id), window.ctx.actor())
    assert session.state == "finalized"


def test_the_board_page_is_read_only_once_finalized(qtbot: QtBot, window: MainWindow) -> None:
    finalized(window)
    window.go_to_key("board")
    page = window.current()
    assert isinstance(page, BoardPage)
    before = window.ctx.open.board()
    assert not page.add.isEnabled() and not page.remove.isEnabled()
    assert page.name.isReadOnly() and not page.role.isEnabled()
    assert page.locked.isVisible() and "Finalized and locked" in page.locked.text()
    page.name.setFocus()
    qtbot.keyClicks(page.name, "Late Person")
    qtbot.keyClick(page.name, KEY.Key_Return)
    alt(KEY.Key_Right)
    assert window.ctx.open.board() == before


def test_the_review_page_is_read_only_once_finalized(qtbot: QtBot, window: MainWindow) -> None:
    session = window.ctx.open
    enter_balanced(session)
    style = session.precinct.ballot_style_ids[0]
    session.set_style_field(style, StyleField.RECEIVED, 301, window.ctx.actor())
    (a1,) = [f for f in session.findings() if f.rule.value == "A1"]
    everyone = [m.id for m in session.board()]
    session.add_explanation(a1, "One ballot stuck to another.", everyone, window.ctx.actor())
    first, second = session.board()[:2]
    session.finalize((first.id, second.id), window.ctx.actor())
    window.go_to_key("review")
    page = window.current()
    assert isinstance(page, ReviewPage)
    assert page.locked.isVisible() and "Finalized and locked" in page.locked.text()
    assert not page.save.isEnabled() and page.text.isReadOnly()
    assert all(not box.isEnabled() for box, _ in page._boxes)
    page.text.setFocus()
    qtbot.keyClicks(page.text, " more")
    alt(KEY.Key_Left)
    assert len(session.explanations()) == 1


# --- 3: Enter on a focused Previous or Next ---------------------------------------------------


def test_enter_presses_a_focused_nav_button_but_not_from_a_field(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.go_to_key("accounting")
    page = window.current()
    assert isinstance(page, AccountingPage)
    received = page.style_fields[(page.style_ids[0], StyleField.RECEIVED)]
    qtbot.keyClicks(received, "300")
    qtbot.keyClick(received, KEY.Key_Return)  # a count field: saves and moves the cursor only
    assert window.current().key == "accounting"
    assert window.ctx.open.entries().styles[page.style_ids[0]][StyleField.RECEIVED] == 300
    assert isinstance(focus(), CountField) and focus() is not received
    assert not window.next.isDefault()

    window.next.setFocus()
    qtbot.keyClick(window.next, KEY.Key_Return)
    assert window.current().key.startswith("contest:A:")
    window.previous.setFocus()
    qtbot.keyClick(window.previous, KEY.Key_Enter)
    assert window.current().key == "accounting"


def test_a_field_marked_unsaved_keeps_its_text_through_a_redraw(qtbot: QtBot) -> None:
    field = CountField("Ballots received (R)")
    qtbot.addWidget(field)
    field.show()
    field.set_stored(280)
    field.selectAll()
    qtbot.keyClicks(field, "300")
    field.mark_unsaved()
    field.set_stored(280)  # a page redrawing from the store must not wipe the typed number
    assert field.text() == "300" and unsaved(field)
    assert field.accessibleDescription() == "not saved"
    field.set_stored(300)  # the store now holds it: saved
    assert not unsaved(field) and field.text() == "300"
    field.mark_unsaved()
    field.revert()  # only by the worker's choice
    assert not unsaved(field) and field.text() == "300" and field.stored == 300
