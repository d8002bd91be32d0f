"""The ballot accounting page, driven from the keyboard, checked against the store."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.definition.model import BallotStyleId, ElectionDefinition
from tally_app.entries import RosterField, SerialRange, StyleField
from tests.store_factories import small_definition
from ui.context import AppContext
from ui.pages.accounting import AccountingPage

PRECINCT = "0850001A"
CD34, BS1, BS2 = BallotStyleId("cd34"), BallotStyleId("bs-1"), BallotStyleId("bs-2")
INSPECTOR = Actor("Maria López", "inspector")


def open_page(
    qtbot: QtBot, tmp_path: Path, definition: ElectionDefinition | None = None
) -> tuple[AppContext, AccountingPage]:
    ctx = AppContext(tmp_path, definition or service.default_definition())
    assert ctx.open_precinct(PRECINCT)
    ctx.open.add_board_member(INSPECTOR.name, "inspector", INSPECTOR)
    page = AccountingPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 900)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    page.enter()
    page.first_field().setFocus(Qt.FocusReason.TabFocusReason)
    return ctx, page


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def type_enter(qtbot: QtBot, text: str) -> QWidget:
    """Type into whatever has the cursor, then press Enter; return the field typed in."""
    widget = focused()
    widget.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)
    return widget


def answer_next_box(
    qtbot: QtBot, check: Callable[[QMessageBox], QAbstractButton | None]
) -> list[str]:
    """When the next modal box opens, run ``check`` and press the button it returns (None:
    Escape). Returns the box's title, once it has been seen."""
    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen.append(box.windowTitle())
        button = check(box)
        if button is None:
            qtbot.keyClick(box, Qt.Key.Key_Escape)
        else:
            button.setFocus()
            qtbot.keyClick(button, Qt.Key.Key_Space)

    QTimer.singleShot(0, answer)
    return seen


def style(ctx: AppContext, style_id: BallotStyleId = CD34) -> dict[StyleField, int | None]:
    return dict(ctx.open.entries().styles[style_id].values)


def test_every_field_typed_from_the_keyboard_is_saved(qtbot: QtBot, tmp_path: Path) -> None:
    ctx, page = open_page(qtbot, tmp_path)
    assert focused() is page.style_fields[(CD34, StyleField.RECEIVED)]
    for text in ("300", "250", "5", "0", "5", "40"):
        type_enter(qtbot, text)
    # The unused serial range: First, Enter, Last, Enter adds it and comes back to First.
    ranges = page.ranges[CD34]
    assert focused() is ranges.first
    type_enter(qtbot, "1001")
    assert focused() is ranges.last
    type_enter(qtbot, "1040")
    assert focused() is ranges.first
    qtbot.keyClick(ranges.first, Qt.Key.Key_Return)  # both empty: on to the next count
    for text in ("7", "5", "245", "0", "12", "3"):
        type_enter(qtbot, text)

    assert style(ctx) == {
        StyleField.RECEIVED: 300,
        StyleField.VOTED: 250,
        StyleField.PROVISIONAL: 5,
        StyleField.REJECTED: 0,
        StyleField.SPOILED: 5,
        StyleField.UNUSED: 40,
        StyleField.BLANK: 7,
        StyleField.PROVISIONAL_ISSUED: 5,
    }
    assert ctx.open.entries().styles[CD34].unused_ranges == (SerialRange(1001, 1040),)
    assert dict(ctx.open.entries().roster) == {
        RosterField.SIGNATURES: 245,
        RosterField.NOT_VOTED: 0,
        RosterField.VBM_DROPPED: 12,
        RosterField.VBM_SURRENDERED: 3,
    }
    # R = 300, V + S + U = 295: A1 is off by +5, with its arithmetic shown.
    a1 = page.a1_views[CD34]
    assert a1.arithmetic.text() == (
        "Ballots received 300 = voted ballots 250 + spoiled ballots 5 + unused ballots 40 = 295"
    )
    assert a1.badge.text() == "✗ Does not balance: difference +5"
    assert "Recount the unused and the spoiled ballots" in a1.advice.text()
    # V − V_prov = 245 = Sig − NV: A2 balances.
    assert page.a2_view.arithmetic.text() == (
        "Voted ballots 250 − provisional envelopes 5 = 245"
        " = roster signatures 245 − signed but did not vote 0 = 245"
    )
    assert page.a2_view.badge.text() == "✓ Balanced"
    assert page.blanks.text().startswith("✓ Every box is filled in")

    # Correct U: A1 balances; the store has the new value.
    unused = page.style_fields[(CD34, StyleField.UNUSED)]
    unused.setFocus(Qt.FocusReason.TabFocusReason)
    type_enter(qtbot, "45")
    assert style(ctx)[StyleField.UNUSED] == 45
    assert a1.badge.text() == "✓ Balanced"
    assert not a1.advice.isVisible()
    # Now A9 (45 unused, 40 in the ranges) is one of the other findings, with its numbers.
    assert any("(A9)" in t and "difference +5" in t for t in page.findings.texts())


def test_blank_is_not_zero_and_only_digits_are_taken(qtbot: QtBot, tmp_path: Path) -> None:
    ctx, page = open_page(qtbot, tmp_path)
    rejected = page.style_fields[(CD34, StyleField.REJECTED)]
    rejected.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(rejected, "12a-3")
    assert rejected.text() == "123"
    qtbot.keyClick(rejected, Qt.Key.Key_Return)
    assert style(ctx)[StyleField.REJECTED] == 123
    # Emptying the box makes it blank again, not 0.
    rejected.setFocus(Qt.FocusReason.TabFocusReason)
    rejected.selectAll()
    qtbot.keyClick(rejected, Qt.Key.Key_Delete)
    qtbot.keyClick(rejected, Qt.Key.Key_Return)
    assert style(ctx)[StyleField.REJECTED] is None
    spoiled = page.style_fields[(CD34, StyleField.SPOILED)]
    spoiled.setFocus(Qt.FocusReason.TabFocusReason)
    type_enter(qtbot, "0")
    assert style(ctx)[StyleField.SPOILED] == 0
    assert style(ctx)[StyleField.RECEIVED] is None
    assert (
        page.blanks.text() == "⚠ 11 boxes are still empty. Type their numbers, or 0 where"
        " there were none."
    )
    # The A1 equation waits for its blank terms.
    assert page.a1_views[CD34].badge.text() == "… Not complete: enter the blank boxes"
    assert "ballots received not entered" in page.a1_views[CD34].arithmetic.text().lower()
    # The cursor starts on the first empty box when the page is shown again.
    page.enter()
    assert page.first_field() is page.style_fields[(CD34, StyleField.RECEIVED)]


def test_a2_shows_the_difference_when_off(qtbot: QtBot, tmp_path: Path) -> None:
    ctx, page = open_page(qtbot, tmp_path)
    fields = {
        page.style_fields[(CD34, StyleField.VOTED)]: "250",
        page.style_fields[(CD34, StyleField.PROVISIONAL)]: "5",
        page.roster_fields[RosterField.SIGNATURES]: "252",
        page.roster_fields[RosterField.NOT_VOTED]: "5",
    }
    for field, text in fields.items():
        field.setFocus(Qt.FocusReason.TabFocusReason)
        type_enter(qtbot, text)
    # 250 − 5 = 245 against 252 − 5 = 247: off by −2.
    assert page.a2_view.arithmetic.text() == (
        "Voted ballots 250 − provisional envelopes 5 = 245"
        " = roster signatures 252 − signed but did not vote 5 = 247"
    )
    assert page.a2_view.badge.text() == "✗ Does not balance: difference −2"
    assert ctx.open.entries().roster[RosterField.SIGNATURES] == 252


def test_fill_with_zero_asks_first_and_fills_only_blanks(qtbot: QtBot, tmp_path: Path) -> None:
    ctx, page = open_page(qtbot, tmp_path)
    received = page.style_fields[(CD34, StyleField.RECEIVED)]
    type_enter(qtbot, "300")
    assert style(ctx)[StyleField.RECEIVED] == 300

    def refuse(box: QMessageBox) -> None:
        assert box.defaultButton().text() == "No"
        assert [b.text() for b in box.buttons()] == ["Yes, fill with 0", "No"]

    seen = answer_next_box(qtbot, refuse)
    page.fill.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(page.fill, Qt.Key.Key_Space)
    assert seen == ["Fill 11 empty boxes with 0?"]
    assert style(ctx)[StyleField.SPOILED] is None  # Escape: nothing filled

    def accept(box: QMessageBox) -> QAbstractButton:
        return next(b for b in box.buttons() if b.text() == "Yes, fill with 0")

    seen = answer_next_box(qtbot, accept)
    qtbot.keyClick(page.fill, Qt.Key.Key_Space)
    assert seen == ["Fill 11 empty boxes with 0?"]
    values = style(ctx)
    assert values[StyleField.RECEIVED] == 300  # typed: kept
    assert all(values[f] == 0 for f in StyleField if f is not StyleField.RECEIVED)
    assert all(v == 0 for v in ctx.open.entries().roster.values())
    assert received.text() == "300"
    assert page.style_fields[(CD34, StyleField.SPOILED)].text() == "0"
    assert page.blanks.text().startswith("✓ Every box is filled in")


def test_ranges_are_added_and_removed(qtbot: QtBot, tmp_path: Path) -> None:
    ctx, page = open_page(qtbot, tmp_path)
    ranges = page.ranges[CD34]
    for first, last in (("1001", "1040"), ("2001", "2005")):
        ranges.first.setFocus(Qt.FocusReason.TabFocusReason)
        type_enter(qtbot, first)
        type_enter(qtbot, last)
    stored = ctx.open.entries().styles[CD34].unused_ranges
    assert stored == (SerialRange(1001, 1040), SerialRange(2001, 2005))
    # A range that ends before it starts is refused, with the core's message, and kept typed.
    ranges.first.setFocus(Qt.FocusReason.TabFocusReason)
    type_enter(qtbot, "50")
    type_enter(qtbot, "40")
    assert len(ctx.open.entries().styles[CD34].unused_ranges) == 2
    assert ranges.last.text() == "40"

    # Remove the first range: asks first; the Remove buttons are in Tab order after U.
    unused = page.style_fields[(CD34, StyleField.UNUSED)]
    unused.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(unused, Qt.Key.Key_Tab)
    remove = focused()
    assert remove.accessibleName() == "Remove the unused range 1001 to 1040"

    def accept(box: QMessageBox) -> QAbstractButton:
        assert box.defaultButton().text() == "No"
        return next(b for b in box.buttons() if b.text() == "Yes, remove the range")

    seen = answer_next_box(qtbot, accept)
    qtbot.keyClick(remove, Qt.Key.Key_Space)
    assert seen == ["Remove the range 1001 to 1040?"]
    stored = ctx.open.entries().styles[CD34].unused_ranges
    assert stored == (SerialRange(2001, 2005),)
    assert "2001 to 2005 (5 ballots)" in [r[1].text() for r in ranges._rows if r[0].isVisible()]


def test_several_ballot_styles_get_their_own_groups(qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QGroupBox

    ctx, page = open_page(qtbot, tmp_path, small_definition())
    titles = [g.title() for g in page.findChildren(QGroupBox)]
    assert "Ballot style bs-1" in titles and "Ballot style bs-2" in titles
    names = [f.accessibleName() for f in page.count_fields()]
    assert "Ballots received (R), ballot style bs-2" in names
    assert len(names) == len(set(names)) == 2 * 8 + 4
    page.style_fields[(BS2, StyleField.SPOILED)].setFocus(Qt.FocusReason.TabFocusReason)
    type_enter(qtbot, "4")
    assert ctx.open.entries().styles[BS2][StyleField.SPOILED] == 4
    assert ctx.open.entries().styles[BS1][StyleField.SPOILED] is None


def test_locked_precinct_is_read_only(qtbot: QtBot, tmp_path: Path) -> None:
    ctx, page = open_page(qtbot, tmp_path)
    ctx.open.store.transition("reconciled", INSPECTOR)
    ctx.open.store.transition("finalized", INSPECTOR)
    page.enter()
    assert all(f.isReadOnly() for f in page.count_fields())
    assert not page.fill.isEnabled()
    assert page.locked.isVisible() and "Locked" in page.locked.text()


def test_findings_are_stacked_without_overlap(qtbot: QtBot, tmp_path: Path) -> None:
    ctx, page = open_page(qtbot, tmp_path)
    # 2 ranges that overlap (A9) and 45 unused against 20 in the ranges: several findings.
    for first, last in ((1001, 1010), (1005, 1014)):
        ctx.open.add_unused_range(CD34, first, last, INSPECTOR)
    page.style_fields[(CD34, StyleField.UNUSED)].setFocus(Qt.FocusReason.TabFocusReason)
    type_enter(qtbot, "45")
    qtbot.waitUntil(
        lambda: page.findings.height() >= page.findings.heightForWidth(page.findings.width())
    )
    badges = [b for b in page.findings.findChildren(QWidget) if b.isVisible()]
    assert len(badges) == len(page.findings.texts()) >= 2
    rows = sorted((b.y(), b.y() + b.height()) for b in badges)
    assert all(bottom <= next_top for (_, bottom), (next_top, _) in itertools.pairwise(rows))
    assert all(b.height() >= b.heightForWidth(b.width()) for b in badges)  # nothing clipped
