"""One contest as entered from one tally sheet, with its checks redrawn after every number.

The board types each candidate's (or option's) votes, the write-ins, undervotes, overvotes and
the ballots tallied for the contest (K). The core fills K in from the ballot accounting each
time the page is shown, and K follows the accounting until a worker types a value. After each
committed number the page redraws A4 (or A6) and A3 (or A5) with their arithmetic, and the
contest's other findings, by updating texts only: the page is built once
(DESIGN §14: keystroke → saved + checks redrawn within one frame on a 23-candidate contest).

Sheet B is blind: its page reads only sheet B and the ballot accounting, so nothing typed on
sheet A can show through (DESIGN §6).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tally_app.definition.model import CandidateContest, Contest, MeasureContest, SelectionId
from tally_app.entries import ContestEntry, ContestLine, PrecinctEntries, Sheet, WriteIn
from tally_app.reconcile.equations import Equation, contest_equations
from ui.context import AppContext
from ui.equation_view import (
    EquationView,
    FindingsView,
    VerdictBadge,
    advice_for,
    ask,
    blank_text,
    equation_title,
    settle_layout,
    sort_findings,
)
from ui.pages.accounting import ActionButton, FieldGrid, RemoveButton, field_label
from ui.pages.base import CountsPage
from ui.widgets import AdvancingLineEdit, CountField, button_row, chain_tab_order


class _NewNameField(QLineEdit):
    """The name of a write-in being added: Enter adds it, Escape gives up."""

    def __init__(self, page: ContestPage, parent: QWidget) -> None:
        super().__init__(parent)
        self._page = page

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._page.add_write_in()
            return
        if event.key() == Qt.Key.Key_Escape:
            self._page.cancel_write_in()
            return
        super().keyPressEvent(event)


class _WriteInRow(QWidget):
    """One listed write-in: its name, its count and a Remove button."""

    def __init__(self, page: ContestPage, write_in: WriteIn, parent: QWidget) -> None:
        super().__init__(parent)
        self.page = page
        self.write_in_id = write_in.id
        self.stored_name = ""
        box = QHBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.name = AdvancingLineEdit(self)  # a write-in name
        self.count = CountField("", self)
        self.remove = RemoveButton(page.tr("Remove"), self)
        name_label = QLabel(page.tr("Name:"), self)
        name_label.setBuddy(self.name)
        count_label = QLabel(page.tr("Votes:"), self)
        count_label.setBuddy(self.count)
        box.addWidget(name_label)
        box.addWidget(self.name, 1)
        box.addWidget(count_label)
        box.addWidget(self.count)
        box.addWidget(self.remove)
        self.name.editingFinished.connect(lambda: page.rename_write_in(self))
        self.count.committed.connect(lambda v: page.commit_write_in_count(self, v))
        self.remove.clicked.connect(lambda: page.remove_write_in(self))
        self.show_write_in(write_in)

    def show_write_in(self, write_in: WriteIn) -> None:
        self.stored_name = write_in.name
        if self.name.text() != write_in.name:
            self.name.setText(write_in.name)
        self.count.set_stored(write_in.count)
        self.describe()

    def describe(self) -> None:
        page, name = self.page, self.stored_name.strip() or self.page.tr("unnamed")
        sheet = page.sheet.value
        self.name.setAccessibleName(page.tr("Write-in name “{0}”, sheet {1}").format(name, sheet))
        self.count.setAccessibleName(page.tr("{0} — write-in votes, sheet {1}").format(name, sheet))
        self.remove.setAccessibleName(
            page.tr("Remove the write-in “{0}”, sheet {1}").format(name, sheet)
        )

    def set_locked(self, locked: bool) -> None:
        self.name.setReadOnly(locked)
        self.count.setReadOnly(locked)
        self.remove.setEnabled(not locked)


class ContestPage(CountsPage):
    """One contest on one tally sheet."""

    def __init__(
        self,
        ctx: AppContext,
        contest: Contest,
        sheet: Sheet,
        number: int,
        total: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, parent)
        self.contest = contest
        self.sheet = sheet
        self.number = number
        self.total = total
        self.key = f"contest:{sheet.value}:{contest.id}"
        self._blank_count = 0
        layout = QVBoxLayout(self)

        intro = QLabel(self._instruction(), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.locked = VerdictBadge(self.tr("Locked"), self)
        self.locked.hide()
        layout.addWidget(self.locked)
        # The counts on the left and the checks on the right when the text fits side by side
        # (so the live checks stay in view while typing); one column at large text sizes.
        self.columns = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        layout.addLayout(self.columns)
        layout.addStretch(1)  # extra height goes below everything, never between the columns
        layout = QVBoxLayout()  # from here on: the left (or only) column
        self.columns.addLayout(layout, 1)

        self.votes: dict[SelectionId, CountField] = {}
        self.write_in_rows: dict[int, _WriteInRow] = {}
        self.write_in_box: QGroupBox | None = None
        self.add_button: QPushButton | None = None
        self.new_name: _NewNameField | None = None
        self.new_name_row: QWidget | None = None
        match contest:
            case CandidateContest():
                self._candidates(layout, contest)
            case MeasureContest():
                box = QGroupBox(self.tr("Votes for each choice"), self)
                grid = FieldGrid(box)
                for option in contest.options:
                    self._vote_field(grid, box, option.id, option.name, option.name)
                layout.addWidget(box)

        lines = QGroupBox(self.tr("Undervotes, overvotes and ballots"), self)
        grid = FieldGrid(lines)
        self.lines: dict[ContestLine, CountField] = {}
        captions = {
            ContestLine.UNDERVOTES: self.tr("Undervotes"),
            ContestLine.OVERVOTES: self.tr("Overvotes"),
            ContestLine.BALLOTS: self.tr("Ballots tallied for this contest (K)"),
        }
        for line, caption in captions.items():
            field = CountField(
                self.tr("{0} — count, sheet {1}").format(caption, sheet.value), lines
            )
            field.committed.connect(lambda v, ln=line, w=field: self.commit_line(ln, v, w))
            self.lines[line] = field
            grid.add(field_label(caption, field, lines), field)
        self.k_source = QLabel(lines)
        self.k_source.setWordWrap(True)
        self.k_source.setAccessibleName(self.tr("Where K comes from"))
        grid.add_wide(self.k_source)
        self.reason = QLineEdit(lines)
        self.reason.setAccessibleName(
            self.tr("Reason, if K differs from the ballot accounting, sheet {0}").format(
                sheet.value
            )
        )
        self.reason.editingFinished.connect(self.commit_reason)
        reason_label = field_label(
            self.tr("Reason, if K differs from the ballot accounting"), self.reason, lines
        )
        reason_label.setWordWrap(True)
        grid.add_wide(reason_label)
        grid.add_wide(self.reason)
        self.reason_needed = VerdictBadge(self.tr("Reason needed"), lines)
        self.reason_needed.hide()
        grid.add_wide(self.reason_needed)
        layout.addWidget(lines)

        checks = QGroupBox(self.tr("Checks of this contest, sheet {0}").format(sheet.value), self)
        checks_layout = QVBoxLayout(checks)
        self.marks_view = EquationView(self.tr("Check of the votes"), checks)
        self.ballots_view = EquationView(self.tr("Check of the ballots"), checks)
        self.blanks = VerdictBadge(self.tr("Empty boxes"), checks)
        self.findings = FindingsView(self.tr("Other checks of this contest"), checks)
        self.fill = QPushButton(self.tr("Fill the rest with &0"), checks)
        self.fill.setAccessibleName(self.tr("Fill the rest with 0, sheet {0}").format(sheet.value))
        self.fill.clicked.connect(self.fill_with_zero)
        for w in (self.marks_view, self.ballots_view, self.blanks, self.findings):
            checks_layout.addWidget(w)
        layout.addLayout(button_row(self.fill))
        layout.addStretch(1)  # side by side: the shorter column keeps its rows at the top
        self.checks = checks
        checks_column = QVBoxLayout()
        checks_column.addWidget(checks)
        checks_column.addStretch(1)
        self.columns.addLayout(checks_column, 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(event.size().width())

    def _arrange(self, width: int) -> None:
        """Side by side when both columns fit at the current text size, else one column."""
        if not hasattr(self, "checks"):
            return  # still being built
        counts = (
            max(w.sizeHint().width() for w in self._count_groups()) if self._count_groups() else 0
        )
        needed = counts + self.fontMetrics().averageCharWidth() * 50
        direction = (
            QBoxLayout.Direction.LeftToRight
            if width >= needed
            else QBoxLayout.Direction.TopToBottom
        )
        if self.columns.direction() != direction:
            self.columns.setDirection(direction)

    def _count_groups(self) -> list[QWidget]:
        return [
            g for g in self.findChildren(QGroupBox) if g is not self.checks and g.parent() is self
        ]

    # --- building ------------------------------------------------------------------------

    def _instruction(self) -> str:
        if self.sheet is Sheet.A:
            return self.tr("Type the counts from tally sheet A. Press Enter after each number.")
        return self.tr(
            "Type the counts from tally sheet B. Press Enter after each number. Do not look at"
            " sheet A: the two sheets are compared afterwards."
        )

    def _candidates(self, layout: QVBoxLayout, contest: CandidateContest) -> None:
        box = QGroupBox(self.tr("Votes for each candidate"), self)
        grid = FieldGrid(box)
        for c in contest.on_ballot:
            self._vote_field(grid, box, c.id, self._candidate_label(c.party_id, c.name), c.name)
        layout.addWidget(box)
        if contest.qualified_write_ins:
            box = QGroupBox(self.tr("Qualified write-in candidates"), self)
            grid = FieldGrid(box)
            for c in contest.qualified_write_ins:
                self._vote_field(grid, box, c.id, self._candidate_label(c.party_id, c.name), c.name)
            layout.addWidget(box)
        if contest.unqualified_write_ins:
            box = QGroupBox(self.tr("Other write-ins (not counted for anyone)"), self)
            self.write_in_box = box
            outer = QVBoxLayout(box)
            note = QLabel(
                self.tr(
                    "List each other name written in, with its number of votes. These votes"
                    " are not counted for anyone."
                ),
                box,
            )
            note.setWordWrap(True)
            outer.addWidget(note)
            self.write_in_rows_layout = QVBoxLayout()
            outer.addLayout(self.write_in_rows_layout)
            self.new_name_row = QWidget(box)
            row = QHBoxLayout(self.new_name_row)
            row.setContentsMargins(0, 0, 0, 0)
            self.new_name = _NewNameField(self, self.new_name_row)
            self.new_name.setAccessibleName(
                self.tr("Name of the new write-in, sheet {0}").format(self.sheet.value)
            )
            caption = QLabel(self.tr("Name of the new write-in, then Enter:"), self.new_name_row)
            caption.setWordWrap(True)
            caption.setBuddy(self.new_name)
            row.addWidget(caption)
            row.addWidget(self.new_name, 1)
            self.new_name_row.hide()
            # Leaving a typed name (Tab, or Next) adds it too: nothing typed is lost.
            self.new_name.editingFinished.connect(self._new_name_left)
            outer.addWidget(self.new_name_row)
            self.add_button = ActionButton(
                self.tr("Add a &write-in"),
                self.tr("Add a write-in, sheet {0}").format(self.sheet.value),
                box,
            )
            self.add_button.clicked.connect(self.start_write_in)
            outer.addLayout(button_row(self.add_button))
            layout.addWidget(box)

    def _candidate_label(self, party_id: str | None, name: str) -> str:
        if party_id is None:
            return name
        try:
            party = self.ctx.open.definition.party(party_id)
        except KeyError:
            return name
        return f"{name} ({party.abbreviation})"

    def _vote_field(
        self,
        grid: FieldGrid,
        parent: QWidget,
        selection_id: SelectionId,
        caption: str,
        name: str,
    ) -> None:
        field = CountField(self.tr("{0} — votes, sheet {1}").format(name, self.sheet.value), parent)
        field.committed.connect(lambda v, s=selection_id, w=field: self.commit_vote(s, v, w))
        self.votes[selection_id] = field
        grid.add(field_label(caption, field, parent), field)

    # --- the page protocol ---------------------------------------------------------------

    def title(self) -> str:
        return self.tr("{0} — contest {1} of {2}, sheet {3}").format(
            self.contest.title, self.number, self.total, self.sheet.value
        )

    def enter(self) -> None:
        session = self.ctx.open
        locked = session.locked
        # K follows the ballot accounting until a worker types it (the core decides).
        if self.ctx.attempt(
            lambda: session.sync_contest_ballots(
                self.contest.id, self.sheet, self.ctx.actor(self.sheet)
            )
        ):
            self.ctx.entries_changed.emit()
        entries = session.entries()
        entry = self._entry(entries)
        for selection_id, field in self.votes.items():
            field.set_stored(entry.votes.get(selection_id))
        for line, field in self.lines.items():
            field.set_stored(entry.lines.get(line))
        self.reason.setText(session.override_reason(self.contest.id, self.sheet) or "")
        self._show_write_ins(entry)
        if self.new_name_row is not None:
            self.new_name_row.hide()
        for field in self._count_fields():
            field.setReadOnly(locked)
        self.reason.setReadOnly(locked)
        for row in self.write_in_rows.values():
            row.set_locked(locked)
        if self.add_button is not None:
            self.add_button.setEnabled(not locked)
        self.fill.setEnabled(not locked)
        self.show_locked(locked)
        self.redraw_checks(entries)
        settle_layout()

    def first_field(self) -> QWidget:
        fields = self._count_fields()
        return next((f for f in fields if f.stored is None), fields[0])

    # --- reading -------------------------------------------------------------------------

    def _count_fields(self) -> list[CountField]:
        """Every count field in the order shown (write-ins between candidates and lines)."""
        rows = [row.count for row in self.write_in_rows.values()]
        return [*self.votes.values(), *rows, *self.lines.values()]

    def _entry(self, entries: PrecinctEntries) -> ContestEntry:
        return entries.contest(self.sheet, self.contest.id) or ContestEntry(self.contest.id, {}, {})

    def _equations(self, entries: PrecinctEntries) -> tuple[Equation, ...]:
        session = self.ctx.open
        return contest_equations(
            session.definition, session.precinct.id, entries, self.contest.id, self.sheet
        )

    def redraw_checks(self, entries: PrecinctEntries | None = None) -> None:
        """Redraw the equations, the empty-box count, the other findings and the K note."""
        session = self.ctx.open
        entries = entries or session.entries()
        marks, ballots = self._equations(entries)
        found = sort_findings(
            session.contest_findings(self.contest.id, self.sheet), (marks, ballots)
        )
        self.marks_view.heading.setText(
            equation_title(marks, self.tr("every vote and every ballot is counted once"))
        )
        self.marks_view.show_equation(marks, advice_for(found, marks))
        self.ballots_view.heading.setText(
            equation_title(ballots, self.tr("ballots tallied agree with the ballot accounting"))
        )
        self.ballots_view.show_equation(ballots, advice_for(found, ballots))
        self._blank_count = found.blanks
        self.blanks.show_status("ok" if found.blanks == 0 else "warn", blank_text(found.blanks))
        self.findings.show_findings(
            found.others, ok_text=self.tr("No other problem found in this contest.")
        )
        self._show_k_note()

    def _show_k_note(self) -> None:
        """Where K comes from and whether a reason is due: the core's verdict, shown."""
        override = self.ctx.open.ballots_override(self.contest.id, self.sheet)
        k, t = override.k, override.t
        if t is None:
            note = self.tr(
                "The ballot accounting is not complete, so K cannot be filled in from it yet."
            )
        elif k == t and override.automatic:
            note = self.tr(
                "K is {0}, filled in from the ballot accounting; it follows the accounting"
                " until you type another number."
            ).format(t)
        elif k == t:
            note = self.tr("K is {0}, the same as the ballot accounting.").format(t)
        elif k is None:
            note = self.tr("The ballot accounting says {0} ballots were tallied.").format(t)
        else:
            note = self.tr("K differs from the ballot accounting, which says {0}.").format(t)
        self.k_source.setText(note)
        needed = override.reason_needed
        if needed:
            self.reason_needed.show_status(
                "warn",
                self.tr(
                    "Write the reason why K differs from the ballot accounting. The review step"
                    " also asks the board to sign an explanation."
                ),
            )
        if self.reason_needed.isHidden() == needed:
            self.reason_needed.setVisible(needed)

    # --- writing -------------------------------------------------------------------------

    def commit_vote(self, selection_id: SelectionId, value: int | None, widget: CountField) -> None:
        session, actor = self.ctx.open, self.ctx.actor(self.sheet)
        ok = self.ctx.commit(
            lambda: session.set_vote(self.sheet, self.contest.id, selection_id, value, actor)
        )
        self.show_saved(ok, value, widget)

    def commit_line(self, line: ContestLine, value: int | None, widget: CountField) -> None:
        session, actor = self.ctx.open, self.ctx.actor(self.sheet)
        if line is ContestLine.BALLOTS:
            # A typed K: the core keeps the reason only while K differs from the accounting.
            reason = self.reason.text()
            ok = self.ctx.commit(
                lambda: session.set_contest_ballots(
                    self.contest.id, self.sheet, value, actor, reason=reason
                )
            )
            if ok:
                self.reason.setText(session.override_reason(self.contest.id, self.sheet) or "")
        else:
            ok = self.ctx.commit(
                lambda: session.set_line(self.sheet, self.contest.id, line, value, actor)
            )
        self.show_saved(ok, value, widget)

    def commit_reason(self) -> None:
        session = self.ctx.open
        text = self.reason.text().strip()
        stored = session.override_reason(self.contest.id, self.sheet) or ""
        if text == stored or self.reason.isReadOnly():
            return
        k = self.lines[ContestLine.BALLOTS].stored
        actor = self.ctx.actor(self.sheet)
        if self.ctx.commit(
            lambda: session.set_contest_ballots(self.contest.id, self.sheet, k, actor, reason=text)
        ):
            self.redraw_checks()
        else:
            self.reason.setText(stored)

    # --- write-ins -----------------------------------------------------------------------

    def _show_write_ins(self, entry: ContestEntry) -> None:
        """Show this sheet's write-in rows, reusing the rows that are already there."""
        if self.write_in_box is None:
            return
        wanted = {w.id: w for w in entry.write_ins}
        for write_in_id in [i for i in self.write_in_rows if i not in wanted]:
            row = self.write_in_rows.pop(write_in_id)
            row.hide()
            row.deleteLater()
        for w in entry.write_ins:
            existing = self.write_in_rows.get(w.id)
            if existing is None:
                added = _WriteInRow(self, w, self.write_in_box)
                self.write_in_rows[w.id] = added
                self.write_in_rows_layout.addWidget(added)
                added.show()  # now, not at the next event loop turn: the cursor goes there
            else:
                existing.show_write_in(w)
        self._fix_tab_order()

    def _fix_tab_order(self) -> None:
        """Rows added later must still come before the lines in the Tab order."""
        chain: list[QWidget] = list(self.votes.values())
        for row in self.write_in_rows.values():
            chain += [row.name, row.count, row.remove]
        assert self.add_button is not None and self.new_name is not None
        chain += [self.new_name, self.add_button, *self.lines.values()]
        chain_tab_order(chain)

    def start_write_in(self) -> None:
        assert self.new_name_row is not None and self.new_name is not None
        self.new_name_row.show()
        self.new_name.setFocus(Qt.FocusReason.OtherFocusReason)

    def _new_name_left(self) -> None:
        if self.new_name is not None and self.new_name.text().strip():
            self.add_write_in()

    def cancel_write_in(self) -> None:
        assert self.new_name_row is not None and self.new_name is not None
        self.new_name.clear()
        self.new_name_row.hide()
        if self.add_button is not None:
            self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def add_write_in(self) -> None:
        """Add the typed name; the cursor goes to its count (what users of other tools lacked)."""
        assert self.new_name is not None and self.new_name_row is not None
        name = self.new_name.text().strip()
        if not name:
            self.cancel_write_in()
            return
        session, actor = self.ctx.open, self.ctx.actor(self.sheet)
        new_id: list[int] = []
        if not self.ctx.commit(
            lambda: new_id.append(session.add_write_in(self.sheet, self.contest.id, name, actor))
        ):
            return
        self.new_name.clear()
        self.new_name_row.hide()
        entries = session.entries()
        self._show_write_ins(self._entry(entries))
        self.redraw_checks(entries)
        row = self.write_in_rows.get(new_id[0])
        if row is not None:
            row.count.setFocus(Qt.FocusReason.OtherFocusReason)

    def rename_write_in(self, row: _WriteInRow) -> None:
        name = row.name.text().strip()
        if name == row.stored_name.strip() or row.name.isReadOnly():
            return
        session, actor = self.ctx.open, self.ctx.actor(self.sheet)
        if self.ctx.commit(lambda: session.set_write_in(row.write_in_id, actor=actor, name=name)):
            row.stored_name = name
            row.describe()
            self.redraw_checks()
        else:
            row.name.setText(row.stored_name)

    def commit_write_in_count(self, row: _WriteInRow, value: int | None) -> None:
        session, actor = self.ctx.open, self.ctx.actor(self.sheet)
        ok = self.ctx.commit(
            lambda: session.set_write_in(row.write_in_id, actor=actor, count=value)
        )
        self.show_saved(ok, value, row.count)

    def remove_write_in(self, row: _WriteInRow) -> None:
        name = row.stored_name.strip() or self.tr("unnamed")
        if not ask(
            self,
            self.tr("Remove the write-in “{0}”?").format(name),
            self.tr("The name and its votes are taken off sheet {0}.").format(self.sheet.value),
            self.tr("Yes, remove the write-in"),
        ):
            return
        session, actor = self.ctx.open, self.ctx.actor(self.sheet)
        if self.ctx.commit(lambda: session.remove_write_in(row.write_in_id, actor)):
            entries = session.entries()
            self._show_write_ins(self._entry(entries))
            self.redraw_checks(entries)
            if self.add_button is not None:
                self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def fill_blanks(self) -> bool:
        session, actor = self.ctx.open, self.ctx.actor(self.sheet)
        return self.ctx.commit(
            lambda: session.fill_blanks_with_zero(
                actor, sheet=self.sheet, contest_id=self.contest.id
            )
        )
