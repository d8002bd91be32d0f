"""The contest page, driven from the keyboard, checked against the store.

CA-34's runoff (the default election) and its 23-candidate primary, on precinct 0850001A.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.definition.model import (
    CandidateContest,
    ContestId,
    ElectionDefinition,
    MeasureContest,
    SelectionId,
)
from tally_app.entries import ContestLine, Sheet, StyleField, WriteIn
from tests.store_factories import small_definition
from tests.ui.pages_fixture import open_window
from tests.ui.test_accounting_page import answer_next_box, focused, type_enter
from ui.context import AppContext
from ui.pages.contest import ContestPage
from ui.widgets import CountField

PRECINCT = "0850001A"
INSPECTOR = Actor("Maria López", "inspector")
KEEPER_A = Actor("Sam Park", "tally_keeper_a")
KEEPER_B = Actor("Ana Núñez", "tally_keeper_b")


def primary() -> ElectionDefinition:
    return next(d for d in service.embedded_definitions() if d.id == "ca34-2017-04-04")


def open_context(
    tmp_path: Path, definition: ElectionDefinition, *, tallied: int | None
) -> AppContext:
    """A precinct with its board; with ``tallied``, an accounting where T = ``tallied``."""
    ctx = AppContext(tmp_path, definition)
    assert ctx.open_precinct(PRECINCT)
    session = ctx.open
    roles = {r.id for r in definition.board_roles}
    for actor in (INSPECTOR, KEEPER_A, KEEPER_B):
        if actor.role in roles:
            session.add_board_member(actor.name, actor.role, INSPECTOR)
    if tallied is not None:
        for style_id in session.precinct.ballot_style_ids:
            for field, value in (
                (StyleField.VOTED, tallied + 5),
                (StyleField.PROVISIONAL, 5),
                (StyleField.REJECTED, 0),
            ):
                session.set_style_field(style_id, field, value, INSPECTOR)
            tallied = 0  # the whole T on the first style
    return ctx


def open_page(
    qtbot: QtBot, ctx: AppContext, sheet: Sheet = Sheet.A, contest_index: int = 0
) -> ContestPage:
    contests = ctx.open.contests
    page = ContestPage(ctx, contests[contest_index], sheet, contest_index + 1, len(contests))
    qtbot.addWidget(page)
    page.resize(1200, 900)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    page.enter()
    page.first_field().setFocus(Qt.FocusReason.TabFocusReason)
    return page


def votes(ctx: AppContext, sheet: Sheet, contest_id: str) -> dict[str, int | None]:
    entry = ctx.open.entries().contest(sheet, ContestId(contest_id))
    assert entry is not None
    return {str(k): v for k, v in entry.votes.items()}


def lines(ctx: AppContext, sheet: Sheet, contest_id: str) -> dict[ContestLine, int | None]:
    entry = ctx.open.entries().contest(sheet, ContestId(contest_id))
    assert entry is not None
    return dict(entry.lines)


def write_ins(ctx: AppContext, contest_id: str) -> tuple[WriteIn, ...]:
    entry = ctx.open.entries().contest(Sheet.A, ContestId(contest_id))
    assert entry is not None
    return entry.write_ins


def all_texts(root: QWidget) -> str:
    """Every text a person or a screen reader can get from the page."""
    parts: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        parts += [w.accessibleName(), w.accessibleDescription(), w.toolTip(), w.windowTitle()]
        if isinstance(w, (QLabel, QAbstractButton)):
            parts.append(w.text())
        if isinstance(w, QLineEdit):
            parts += [w.text(), w.placeholderText()]
    return "\n".join(parts)


def test_runoff_typed_from_the_keyboard(qtbot: QtBot, tmp_path: Path) -> None:
    ctx = open_context(tmp_path, service.default_definition(), tallied=245)
    page = open_page(qtbot, ctx)
    contest = ctx.open.contests[0]
    assert isinstance(contest, CandidateContest)
    cid = contest.id
    assert page.title() == "United States Representative, 34th District — contest 1 of 1, sheet A"
    assert page.key == f"contest:A:{cid}"

    # K was filled in from the ballot accounting when the page was shown, and says so.
    assert lines(ctx, Sheet.A, cid)[ContestLine.BALLOTS] == 245
    assert page.lines[ContestLine.BALLOTS].text() == "245"
    assert "from the ballot accounting" in page.k_source.text()
    assert page.ballots_view.badge.text() == "✓ Balanced"

    # Each Enter saves the number and redraws A4 with it.
    assert focused() is page.votes[SelectionId("robert-lee-ahn")]
    type_enter(qtbot, "130")
    assert "Robert Lee Ahn 130 + Jimmy Gomez not entered" in page.marks_view.arithmetic.text()
    type_enter(qtbot, "100")
    assert "Robert Lee Ahn 130 + Jimmy Gomez 100 +" in page.marks_view.arithmetic.text()
    assert votes(ctx, Sheet.A, cid) == {"robert-lee-ahn": 130, "jimmy-gomez": 100}

    # Add a write-in: the cursor lands on its count.
    assert focused() is page.add_button
    qtbot.keyClick(page.add_button, Qt.Key.Key_Return)
    assert focused() is page.new_name
    qtbot.keyClicks(page.new_name, "Mickey Mouse")
    qtbot.keyClick(page.new_name, Qt.Key.Key_Return)
    entry = ctx.open.entries().contest(Sheet.A, cid)
    assert entry is not None and [w.name for w in entry.write_ins] == ["Mickey Mouse"]
    row = page.write_in_rows[entry.write_ins[0].id]
    assert QApplication.focusWidget() is row.count
    assert row.count.accessibleName() == "Mickey Mouse — write-in votes, sheet A"
    type_enter(qtbot, "3")
    entry = ctx.open.entries().contest(Sheet.A, cid)
    assert entry is not None and entry.write_ins[0].count == 3
    assert "unqualified write-ins 3" in page.marks_view.arithmetic.text()
    # Enter on the Remove button moves on; it never removes.
    assert focused() is row.remove
    qtbot.keyClick(row.remove, Qt.Key.Key_Return)
    assert len(write_ins(ctx, cid)) == 1

    # Undervotes and overvotes: then A4 balances (130 + 100 + 3 + 10 + 2 = 245 = 1 × 245).
    assert focused() is page.add_button
    qtbot.keyClick(page.add_button, Qt.Key.Key_Tab)
    assert focused() is page.lines[ContestLine.UNDERVOTES]
    type_enter(qtbot, "10")
    assert page.marks_view.badge.text() == "… Not complete: enter the blank boxes"
    type_enter(qtbot, "2")
    assert lines(ctx, Sheet.A, cid) == {
        ContestLine.UNDERVOTES: 10,
        ContestLine.OVERVOTES: 2,
        ContestLine.BALLOTS: 245,
    }
    assert page.marks_view.arithmetic.text() == (
        "Robert Lee Ahn 130 + Jimmy Gomez 100 + unqualified write-ins 3 + undervotes 10"
        " + overvotes 2 = 245 = 1 votes allowed × ballots tallied (245) 245"
    )
    assert page.marks_view.badge.text() == "✓ Balanced"
    assert page.blanks.text().startswith("✓ Every box is filled in")

    # Override K: the page asks for a reason, and stores it with K.
    assert focused() is page.lines[ContestLine.BALLOTS]
    type_enter(qtbot, "240")
    assert page.reason_needed.isVisible()
    assert "K differs from the ballot accounting, which says 245" in page.k_source.text()
    assert page.ballots_view.badge.text() == "✗ Does not balance: difference −5"
    assert page.marks_view.badge.text() == "✗ Does not balance: difference +5"
    assert focused() is page.reason
    qtbot.keyClicks(page.reason, "5 ballots were found in the provisional bag")
    qtbot.keyClick(page.reason, Qt.Key.Key_Return)
    override = ctx.open.ballots_override(cid, Sheet.A)
    assert override.reason == "5 ballots were found in the provisional bag"
    assert (override.k, override.automatic, override.reason_needed) == (240, False, False)
    assert lines(ctx, Sheet.A, cid)[ContestLine.BALLOTS] == 240
    assert not page.reason_needed.isVisible()
    # Back to the accounting's number: the reason is dropped.
    page.lines[ContestLine.BALLOTS].setFocus(Qt.FocusReason.TabFocusReason)
    type_enter(qtbot, "245")
    assert ctx.open.override_reason(cid, Sheet.A) is None
    assert page.reason.text() == ""
    assert "the same as the ballot accounting" in page.k_source.text()


def test_primary_23_candidates_typed_with_unique_names(qtbot: QtBot, tmp_path: Path) -> None:
    ctx = open_context(tmp_path, primary(), tallied=300)
    page = open_page(qtbot, ctx)
    contest = ctx.open.contests[0]
    assert isinstance(contest, CandidateContest)
    assert len(contest.on_ballot) == 23
    typed = {}
    for i, candidate in enumerate(contest.candidates):
        assert focused() is page.votes[candidate.id]
        typed[candidate.id] = i + 1
        type_enter(qtbot, str(i + 1))
        assert f"{candidate.name} {i + 1}" in page.marks_view.arithmetic.text()
    assert votes(ctx, Sheet.A, contest.id) == typed
    gomez = page.votes[SelectionId("jimmy-gomez")]
    assert gomez.accessibleName() == "Jimmy Gomez — votes, sheet A"
    names = [
        w.accessibleName()
        for w in page.findChildren(QWidget)
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(page)
    ]
    assert all(names), "every control has a name"
    assert len(names) == len(set(names)), "names are unique"
    # Party abbreviations in the visible labels; the qualified write-in has its own group.
    label_texts = [lbl.text() for lbl in page.findChildren(QLabel)]
    assert "Jimmy Gomez (DEM):" in label_texts
    assert 'William "Rodriguez" Morrison (REP):' in label_texts
    from PySide6.QtWidgets import QGroupBox

    titles = [g.title() for g in page.findChildren(QGroupBox)]
    assert "Qualified write-in candidates" in titles
    assert "Other write-ins (not counted for anyone)" in titles


def test_sheet_b_never_shows_sheet_a(qtbot: QtBot, tmp_path: Path) -> None:
    ctx = open_context(tmp_path, service.default_definition(), tallied=245)
    session = ctx.open
    cid = session.contests[0].id
    session.set_vote(Sheet.A, cid, "robert-lee-ahn", 4711, KEEPER_A)
    session.set_vote(Sheet.A, cid, "jimmy-gomez", 3923, KEEPER_A)
    session.set_line(Sheet.A, cid, ContestLine.UNDERVOTES, 8191, KEEPER_A)
    session.set_line(Sheet.A, cid, ContestLine.OVERVOTES, 6029, KEEPER_A)
    session.set_line(Sheet.A, cid, ContestLine.BALLOTS, 9973, KEEPER_A, reason="Zebra reason")
    write_in = session.add_write_in(Sheet.A, cid, "Zorro Unmatched", KEEPER_A)
    session.set_write_in(write_in, actor=KEEPER_A, count=5557)

    page = open_page(qtbot, ctx, Sheet.B)
    assert page.title().endswith("sheet B")
    qtbot.keyClicks(focused(), "12")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    assert votes(ctx, Sheet.B, cid)["robert-lee-ahn"] == 12
    assert votes(ctx, Sheet.A, cid)["robert-lee-ahn"] == 4711
    text = all_texts(page)
    for secret in (
        "4711",
        "4,711",
        "3923",
        "3,923",
        "8191",
        "6029",
        "9973",
        "5557",
        "Zorro",
        "Zebra",
    ):
        assert secret not in text, secret
    # K on sheet B comes from the accounting (245), not from sheet A (9973).
    assert lines(ctx, Sheet.B, cid)[ContestLine.BALLOTS] == 245
    assert "Robert Lee Ahn — votes, sheet B" in text
    # Every write on the page names tally keeper B.
    last = session.store.audit_events()[-1]
    assert last.actor == KEEPER_B.name


def test_fill_with_zero_asks_and_fills_only_this_sheet(qtbot: QtBot, tmp_path: Path) -> None:
    ctx = open_context(tmp_path, service.default_definition(), tallied=None)
    page = open_page(qtbot, ctx)
    cid = ctx.open.contests[0].id
    assert "not complete" in page.k_source.text()
    type_enter(qtbot, "7")

    def accept(box: QMessageBox) -> QAbstractButton:
        assert box.defaultButton().text() == "No"
        return next(b for b in box.buttons() if b.text() == "Yes, fill with 0")

    seen = answer_next_box(qtbot, accept)
    page.fill.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(page.fill, Qt.Key.Key_Space)
    assert seen == ["Fill 4 empty boxes with 0?"]
    assert votes(ctx, Sheet.A, cid) == {"robert-lee-ahn": 7, "jimmy-gomez": 0}
    assert lines(ctx, Sheet.A, cid) == dict.fromkeys(ContestLine, 0)
    assert set(votes(ctx, Sheet.B, cid).values()) == {None}
    assert page.votes[SelectionId("jimmy-gomez")].text() == "0"


def test_write_in_rename_and_remove(qtbot: QtBot, tmp_path: Path) -> None:
    ctx = open_context(tmp_path, service.default_definition(), tallied=245)
    page = open_page(qtbot, ctx)
    cid = ctx.open.contests[0].id
    assert page.add_button is not None and page.new_name is not None
    page.add_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(page.add_button, Qt.Key.Key_Space)
    qtbot.keyClicks(page.new_name, "Micky Mose")
    qtbot.keyClick(page.new_name, Qt.Key.Key_Return)
    (row,) = page.write_in_rows.values()
    row.name.setFocus(Qt.FocusReason.TabFocusReason)
    row.name.selectAll()
    qtbot.keyClicks(row.name, "Mickey Mouse")
    qtbot.keyClick(row.name, Qt.Key.Key_Return)
    entry = ctx.open.entries().contest(Sheet.A, cid)
    assert entry is not None and entry.write_ins[0].name == "Mickey Mouse"
    assert focused() is row.count
    assert row.remove.accessibleName() == "Remove the write-in “Mickey Mouse”, sheet A"

    def accept(box: QMessageBox) -> QAbstractButton:
        assert box.defaultButton().text() == "No"
        return next(b for b in box.buttons() if b.text() == "Yes, remove the write-in")

    seen = answer_next_box(qtbot, accept)
    row.remove.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(row.remove, Qt.Key.Key_Space)
    assert seen == ["Remove the write-in “Mickey Mouse”?"]
    assert write_ins(ctx, cid) == ()
    assert page.write_in_rows == {}


def test_measure_contest_and_a_locked_precinct(qtbot: QtBot, tmp_path: Path) -> None:
    ctx = open_context(tmp_path, small_definition(), tallied=100)
    page = open_page(qtbot, ctx, Sheet.A, contest_index=1)
    contest = ctx.open.contests[1]
    assert isinstance(contest, MeasureContest)
    assert [f.accessibleName() for f in page.votes.values()] == [
        "Yes — votes, sheet A",
        "No — votes, sheet A",
    ]
    for text in ("60", "35", "4", "1"):
        type_enter(qtbot, text)
    assert votes(ctx, Sheet.A, contest.id) == {"h-yes": 60, "h-no": 35}
    assert page.marks_view.arithmetic.text() == (
        "Yes 60 + No 35 + undervotes 4 + overvotes 1 = 100 = ballots tallied 100"
    )
    assert page.marks_view.badge.text() == "✓ Balanced"
    assert page.write_in_box is None

    ctx.open.store.transition("reconciled", INSPECTOR)
    ctx.open.store.transition("finalized", INSPECTOR)
    page.enter()
    assert all(f.isReadOnly() for f in page.findChildren(CountField))
    assert page.reason.isReadOnly() and not page.fill.isEnabled()
    assert page.locked.isVisible() and "Locked" in page.locked.text()


def test_a_name_left_with_tab_is_added_too(qtbot: QtBot, tmp_path: Path) -> None:
    ctx = open_context(tmp_path, service.default_definition(), tallied=245)
    page = open_page(qtbot, ctx)
    cid = ctx.open.contests[0].id
    assert page.add_button is not None and page.new_name is not None
    page.add_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(page.add_button, Qt.Key.Key_Space)
    qtbot.keyClicks(page.new_name, "Donald Duck")
    qtbot.keyClick(page.new_name, Qt.Key.Key_Tab)
    entry = ctx.open.entries().contest(Sheet.A, cid)
    assert entry is not None and [w.name for w in entry.write_ins] == ["Donald Duck"]
    (row,) = page.write_in_rows.values()
    assert focused() is row.count
    # Escape on an empty new name gives up, back on the Add button.
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    page.add_button.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(page.add_button, Qt.Key.Key_Return)
    qtbot.keyClick(page.new_name, Qt.Key.Key_Escape)
    assert focused() is page.add_button
    assert len(write_ins(ctx, cid)) == 1


def test_contest_on_some_styles_checks_a5(qtbot: QtBot, tmp_path: Path) -> None:
    ctx = open_context(tmp_path, small_definition(), tallied=100)
    ctx.open.set_style_field("bs-2", StyleField.VOTED, 45, INSPECTOR)  # T of bs-2 = 40
    page = open_page(qtbot, ctx, Sheet.A, contest_index=2)
    cid = ctx.open.contests[2].id
    assert lines(ctx, Sheet.A, cid)[ContestLine.BALLOTS] == 40
    assert page.ballots_view.heading.text().startswith("Check A5")
    assert page.ballots_view.arithmetic.text() == (
        "Ballots tallied 40 = ballots tallied on ballot style bs-2 40"
    )
    assert page.ballots_view.badge.text() == "✓ Balanced"
    assert page.write_in_box is None  # this contest records no write-in names


def test_checks_sit_beside_the_counts_only_when_they_fit(qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QBoxLayout

    ctx = open_context(tmp_path, service.default_definition(), tallied=245)
    page = open_page(qtbot, ctx)
    page.resize(1600, 900)
    qtbot.waitUntil(lambda: page.columns.direction() is QBoxLayout.Direction.LeftToRight)
    assert page.checks.x() > page.lines[ContestLine.BALLOTS].x()  # to the right
    page.resize(500, 900)
    qtbot.waitUntil(lambda: page.columns.direction() is QBoxLayout.Direction.TopToBottom)
    qtbot.waitUntil(lambda: page.checks.y() > page.fill.y())  # below the counts


def test_k_follows_a_corrected_accounting_until_typed(qtbot: QtBot, tmp_path: Path) -> None:
    """Review 3, E14: V corrected from 250 to 251 on the accounting page → K becomes 248,
    and no reason is asked; a K the worker typed then stays as typed."""
    window = open_window(qtbot, tmp_path, service.default_definition())
    session = window.ctx.open
    style = session.precinct.ballot_style_ids[0]
    for field, value in (
        (StyleField.RECEIVED, 300),
        (StyleField.VOTED, 250),
        (StyleField.PROVISIONAL, 2),
        (StyleField.REJECTED, 1),
    ):
        session.set_style_field(style, field, value, INSPECTOR)
    cid = session.contests[0].id
    window.go_to_key(f"contest:A:{cid}")
    page = window.current()
    assert isinstance(page, ContestPage)
    assert page.lines[ContestLine.BALLOTS].text() == "247"
    assert session.ballots_override(cid, Sheet.A).automatic

    window.go_to_key("accounting")
    voted = window.current().style_fields[(style, StyleField.VOTED)]  # type: ignore[attr-defined]
    voted.setFocus(Qt.FocusReason.TabFocusReason)
    type_enter(qtbot, "251")
    assert session.entries().styles[style][StyleField.VOTED] == 251

    window.go_to_key(f"contest:A:{cid}")
    assert window.current() is page
    assert lines(window.ctx, Sheet.A, cid)[ContestLine.BALLOTS] == 248
    assert page.lines[ContestLine.BALLOTS].text() == "248"
    assert not page.reason_needed.isVisible()
    assert "K is 248, filled in from the ballot accounting" in page.k_source.text()
    assert page.ballots_view.badge.text() == "✓ Balanced"

    # Typed by the worker: it no longer follows, and a reason is asked for.
    page.lines[ContestLine.BALLOTS].setFocus(Qt.FocusReason.TabFocusReason)
    type_enter(qtbot, "246")
    assert page.reason_needed.isVisible()
    window.go_to_key("accounting")
    voted = window.current().style_fields[(style, StyleField.VOTED)]  # type: ignore[attr-defined]
    voted.setFocus(Qt.FocusReason.TabFocusReason)
    type_enter(qtbot, "252")
    window.go_to_key(f"contest:A:{cid}")
    assert lines(window.ctx, Sheet.A, cid)[ContestLine.BALLOTS] == 246
    assert page.lines[ContestLine.BALLOTS].text() == "246"
    assert page.reason_needed.isVisible()
    assert "K differs from the ballot accounting, which says 249" in page.k_source.text()


def test_a_failed_save_keeps_the_typed_number(qtbot: QtBot, tmp_path: Path) -> None:
    """Review 3, 1d: a write the core refuses; the typed number stays, marked not saved."""
    ctx = open_context(tmp_path, service.default_definition(), tallied=245)
    page = open_page(qtbot, ctx)
    session = ctx.open
    cid = session.contests[0].id
    field = page.votes[SelectionId("robert-lee-ahn")]
    assert focused() is field
    type_enter(qtbot, "100")
    # Another window finalizes the precinct behind this page: the next write is refused.
    session.store.transition("reconciled", INSPECTOR)
    session.store.transition("finalized", INSPECTOR)
    field.setFocus(Qt.FocusReason.TabFocusReason)
    type_enter(qtbot, "120")
    assert votes(ctx, Sheet.A, cid)["robert-lee-ahn"] == 100
    assert field.text() == "120" and field.stored == 100 and field.is_unsaved
    assert focused() is field  # the cursor goes back to what was not saved
    # A supervisor opens a correction: Enter again saves the number still shown.
    session.begin_correction("The board recounted Ahn", Actor("Sam Okafor", "supervisor"))
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert votes(ctx, Sheet.A, cid)["robert-lee-ahn"] == 120
    assert field.stored == 120 and not field.is_unsaved
