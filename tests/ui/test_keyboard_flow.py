"""The whole close-of-polls journey by keyboard alone (issue 3; usability check 7).

Start → board → ballot accounting → every contest on sheet A → every contest on sheet B
with a deliberate mismatch → resolve it → review → finalize, for a CA-34 runoff precinct and
for a 23-candidate primary precinct. Only key presses reach the window (the mouse helpers
are made to fail); at the end the test reads what the precinct file holds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QMessageBox, QWidget

from tally_app import service
from tally_app.definition.model import CandidateContest
from tally_app.entries import ContestLine, Sheet, StyleField
from tests.ui.pages_fixture import election
from ui.context import AppContext
from ui.main_window import MainWindow

KEY = Qt.Key
ALT = Qt.KeyboardModifier.AltModifier
BOARD = [
    ("Maria López", "inspector"),
    ("Sam Park", "clerk"),
    ("Dee Chan", "clerk"),
    ("Ana Núñez", "tally_keeper_a"),
    ("Lee Ortiz", "tally_keeper_b"),
]


@pytest.fixture(autouse=True)
def no_mouse(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("this journey must not need a mouse")

    monkeypatch.setattr(QTest, "mouseClick", refuse)
    monkeypatch.setattr(QTest, "mouseDClick", refuse)


def type_text(widget: QWidget, text: str) -> None:
    """Key presses for each character; QTest.keyClicks only knows ASCII ("López" has ó)."""
    for char in text:
        if char.isascii():
            QTest.keyClicks(widget, char)
        else:
            QTest.sendKeyEvent(
                QTest.KeyAction.Click, widget, KEY.Key_unknown, char, Qt.KeyboardModifier.NoModifier
            )


class Keyboard:
    """Types into whatever has the focus, as a person at the keyboard would."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    @property
    def focus(self) -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def expect(self, name_part: str) -> QWidget:
        widget = self.focus
        assert name_part in widget.accessibleName(), (
            f"the cursor is on {widget.accessibleName()!r}, expected {name_part!r}"
        )
        return widget

    def enter(self, name_part: str, text: str) -> None:
        """The focused field must be the one named; type the text and press Enter."""
        widget = self.expect(name_part)
        type_text(widget, text)
        QTest.keyClick(widget, KEY.Key_Return)

    def key(
        self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
    ) -> None:
        QTest.keyClick(self.focus, key, modifier)

    def tab_to(self, name_part: str, limit: int = 40) -> QWidget:
        for _ in range(limit):
            if name_part in self.focus.accessibleName():
                return self.focus
            self.key(KEY.Key_Tab)
        raise AssertionError(f"Tab never reached {name_part!r}")

    def next_step(self) -> None:
        self.key(KEY.Key_Right, ALT)

    def answer_modal(self, button_text: str) -> None:
        """When the question box appears, Tab to the named answer and press Space.

        A failure closes the box (so the test fails instead of waiting on it forever) and is
        re-raised by ``check_answered``.
        """
        self._answer_error: BaseException | None = None

        def answer() -> None:
            box = QApplication.activeModalWidget()
            try:
                assert isinstance(box, QMessageBox), box
                box.activateWindow()
                if not box.isAncestorOf(QApplication.focusWidget()):
                    box.setFocus(Qt.FocusReason.ActiveWindowFocusReason)  # the window manager's job
                for _ in range(10):
                    focused = QApplication.focusWidget()
                    if (
                        focused is not None
                        and getattr(focused, "text", lambda: "")() == button_text
                    ):
                        QTest.keyClick(focused, KEY.Key_Space)
                        return
                    QTest.keyClick(QApplication.focusWidget() or box, KEY.Key_Tab)
                raise AssertionError(f"Tab never reached the answer {button_text!r}")
            except BaseException as error:
                self._answer_error = error
                if isinstance(box, QMessageBox):
                    box.done(0)

        QTimer.singleShot(0, answer)

    def check_answered(self) -> None:
        if self._answer_error is not None:
            raise self._answer_error

    def choose_in_combo(self, combo_name: str, text: str) -> None:
        combo = self.tab_to(combo_name)
        assert isinstance(combo, QComboBox)
        for _ in range(combo.count()):
            if combo.currentText().startswith(text):
                return
            QTest.keyClick(combo, KEY.Key_Down)
        raise AssertionError(f"{text!r} is not in {combo_name!r}")


def start(qtbot: object, tmp_path: Path, election_id: str) -> tuple[MainWindow, Keyboard]:
    definition = election(election_id)
    window = MainWindow(AppContext(tmp_path, definition), resume=False)
    qtbot.addWidget(window)  # type: ignore[attr-defined]
    window.resize(1366, 768)
    window.show()
    QApplication.processEvents()
    kb = Keyboard(window)
    kb.enter("Find your precinct", definition.precincts[0].id)
    assert window.current().key == "board"
    return window, kb


def enter_board(kb: Keyboard) -> None:
    for name, _role in BOARD:
        kb.enter("Name of the new board member", name)
    kb.next_step()


def enter_accounting(kb: Keyboard, window: MainWindow) -> int:
    """A balanced ballot statement; returns T, the ballots hand-tallied."""
    assert window.current().key == "accounting"
    for label, value in [
        ("Ballots received", "300"),
        ("Voted ballots", "250"),
        ("Provisional envelopes", "2"),
        ("Rejected ballots", "1"),
        ("Spoiled ballots", "5"),
        ("Unused ballots", "45"),
        ("First serial number", "1001"),
        ("Last serial number", "1045"),
    ]:
        kb.enter(label, value)
    kb.tab_to("Blank ballots")
    for label, value in [
        ("Blank ballots", "1"),
        ("Provisional ballots issued", "2"),
        ("Roster signatures", "250"),
        ("Signed but did not vote", "2"),
        ("Vote-by-mail envelopes dropped off", "12"),
        ("Vote-by-mail packets surrendered", "3"),
    ]:
        kb.enter(label, value)
    kb.next_step()
    return 250 - 2 - 1


def enter_contest(
    kb: Keyboard, window: MainWindow, contest: CandidateContest, sheet: Sheet, votes: dict[str, int]
) -> None:
    assert window.current().key == f"contest:{sheet.value}:{contest.id}"
    for candidate in contest.candidates:
        kb.enter(f"{candidate.name} — votes, sheet {sheet.value}", str(votes[candidate.id]))
    if contest.unqualified_write_ins:
        kb.tab_to(f"Add a write-in, sheet {sheet.value}")
        kb.key(KEY.Key_Space)
        kb.enter("Name of the new write-in", "Mickey Mouse")
        kb.enter("Mickey Mouse", "2")  # the cursor lands on the new write-in's count
    kb.tab_to(f"Undervotes — count, sheet {sheet.value}")
    kb.enter("Undervotes", "4")
    kb.enter("Overvotes", "1")
    k_field = kb.expect("Ballots tallied for this contest (K)")
    assert k_field.text() == str(window.ctx.open.entries().tallied)  # prefilled from T
    kb.next_step()


def resolve_first_difference(kb: Keyboard, window: MainWindow, how: str, recounted: int) -> None:
    assert window.current().key == "compare"
    kb.tab_to("Differences")
    if how == "A":
        kb.tab_to("Use sheet A")
        kb.key(KEY.Key_Space)
    else:
        kb.tab_to("Recounted number")
        QTest.keyClicks(kb.focus, str(recounted))
        kb.tab_to("Use recount")
        kb.key(KEY.Key_Space)
    assert window.ctx.open.sheet_differences() == ()


def finalize(kb: Keyboard, window: MainWindow) -> None:
    kb.next_step()  # compare → review
    assert window.current().key == "review"
    assert [f for f in window.ctx.open.findings() if f.severity.value != "warn"] == []
    kb.next_step()
    assert window.current().key == "finalize"
    kb.choose_in_combo("First board member confirming", "Maria López")
    kb.choose_in_combo("Second board member confirming", "Sam Park")
    kb.tab_to("Finalize and lock")
    kb.answer_modal("Yes, Finalize and Lock")
    kb.key(KEY.Key_Space)
    QApplication.processEvents()
    kb.check_answered()
    assert window.ctx.open.state == "finalized"


def journey(
    qtbot: object,
    tmp_path: Path,
    election_id: str,
    votes: Callable[[CandidateContest], dict[str, int]],
    mismatch: int,
    how: str,
) -> MainWindow:
    window, kb = start(qtbot, tmp_path, election_id)
    enter_board(kb)
    t = enter_accounting(kb, window)
    contest = window.ctx.open.contests[0]
    assert isinstance(contest, CandidateContest)
    counts = votes(contest)
    assert sum(counts.values()) + 2 + 4 + 1 == t  # the write-in, undervotes and overvotes
    enter_contest(kb, window, contest, Sheet.A, counts)
    first = contest.candidates[0].id
    b_counts = {**counts, first: counts[first] + mismatch}
    enter_contest(kb, window, contest, Sheet.B, b_counts)
    (difference,) = window.ctx.open.sheet_differences()
    assert (difference.a, difference.b) == (counts[first], counts[first] + mismatch)
    resolve_first_difference(kb, window, how, recounted=counts[first])
    finalize(kb, window)
    return window


def test_ca34_runoff_precinct_by_keyboard(qtbot: object, tmp_path: Path) -> None:
    def votes(contest: CandidateContest) -> dict[str, int]:
        ahn, gomez = (c.id for c in contest.candidates)
        return {ahn: 100, gomez: 140}

    window = journey(qtbot, tmp_path, "ca34-2017-06-06", votes, mismatch=-1, how="A")
    session = window.ctx.open
    entries = session.entries()
    (style,) = entries.styles.values()
    assert style[StyleField.RECEIVED] == 300 and style.unused_ranges[0].size == 45
    contest = session.contests[0]
    for sheet in Sheet:
        entry = entries.sheets[sheet][contest.id]
        assert dict(entry.votes) == {"robert-lee-ahn": 100, "jimmy-gomez": 140}
        assert entry.lines[ContestLine.BALLOTS] == 247
        assert [(w.name, w.count) for w in entry.write_ins] == [("Mickey Mouse", 2)]
    assert sorted((m.name, m.role) for m in session.board()) == sorted(BOARD)
    events = [e.event for e in session.store.audit_events()]
    assert "double_entry.difference_resolved" in events and events[-1] == "state.changed"
    path = session.path
    window.close()
    with service.open_precinct(path) as reopened:  # what the file holds, read afresh
        assert reopened.state == "finalized" and reopened.store.trusted


def test_23_candidate_primary_precinct_by_keyboard(qtbot: object, tmp_path: Path) -> None:
    def votes(contest: CandidateContest) -> dict[str, int]:
        assert len(contest.on_ballot) == 23 and len(contest.qualified_write_ins) == 1
        counts = {c.id: (i * 7) % 13 for i, c in enumerate(contest.candidates)}
        first = contest.candidates[0].id
        counts[first] += 247 - 7 - sum(counts.values())  # the rest to the first candidate
        return counts

    window = journey(qtbot, tmp_path, "ca34-2017-04-04", votes, mismatch=+3, how="recount")
    session = window.ctx.open
    contest = session.contests[0]
    assert isinstance(contest, CandidateContest)
    a = session.entries().sheets[Sheet.A][contest.id]
    b = session.entries().sheets[Sheet.B][contest.id]
    # Resolved by the recount: both sheets hold the recounted value.
    assert a.votes == b.votes and a.lines == b.lines
    assert [(w.name, w.count) for w in a.write_ins] == [(w.name, w.count) for w in b.write_ins]
    walker = contest.qualified_write_ins[0]
    assert a.votes[walker.id] == (23 * 7) % 13
