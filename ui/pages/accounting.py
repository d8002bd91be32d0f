"""Ballot accounting (DESIGN §5.1): every field, with A1 and A2 shown live with their numbers.

Per ballot style the board types ballots received, voted, provisional, rejected, spoiled,
unused (with the serial ranges of the unused ballots), blank and provisional ballots issued;
once for the precinct the roster counts. Each committed field is saved at once through the
facade, then the equations (A1 per style, A2) and the other accounting findings are redrawn
from the core. Empty boxes are counted, not listed one by one: blank is not zero, and "Fill the
rest with 0" asks first.
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tally_app.definition.model import BallotStyleId
from tally_app.entries import PrecinctEntries, RosterField, SerialRange, StyleField
from tally_app.reconcile.equations import Equation, accounting_equations
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
from ui.messages import UserMessage
from ui.pages.base import CountsPage
from ui.widgets import CountField, EnterButton, button_row, chain_tab_order

SERIAL_DIGITS = 12


class ActionButton(EnterButton):
    """A button that Enter (as well as Space) presses: for adding, never for removing."""

    def __init__(self, text: str, accessible_name: str, parent: QWidget) -> None:
        super().__init__(text, parent)
        self.setAccessibleName(accessible_name)
        self.setAutoDefault(False)


class RemoveButton(QPushButton):
    """A Remove button: Space presses it (and it asks first); Enter moves on, as in the fields.

    Enter advances through a page of counts; landing on a Remove button must not stop that,
    and must never remove anything.
    """

    def __init__(self, text: str, parent: QWidget) -> None:
        super().__init__(text, parent)
        self.setAutoDefault(False)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.focusNextChild()
            return
        super().keyPressEvent(event)


class _SerialField(QLineEdit):
    """A ballot serial number: digits only. Enter is handled by the range list."""

    def __init__(self, accessible_name: str, ranges: _RangeList) -> None:
        super().__init__(ranges)
        self._ranges = ranges
        self.setValidator(
            QRegularExpressionValidator(QRegularExpression(rf"\d{{0,{SERIAL_DIGITS}}}"), self)
        )
        self.setAccessibleName(accessible_name)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("0" * (SERIAL_DIGITS + 2)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._ranges.enter_pressed(self)
            return
        super().keyPressEvent(event)


class _RangeList(QWidget):
    """One ballot style's unused serial ranges, each with its Remove button, and Add range.

    Enter in First goes to Last; Enter in Last adds the range and comes back to First for the
    next one; Enter with both empty moves on to the next count (``after``).
    """

    def __init__(self, page: AccountingPage, style_id: str, where: str, before: QWidget) -> None:
        super().__init__(page)
        self._page = page
        self.style_id = style_id
        self._where = where
        self._before = before  # the field just before the ranges in the Tab order
        self.after: QWidget | None = None  # the field just after them
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._rows_box = QVBoxLayout()
        layout.addLayout(self._rows_box)
        self.empty = QLabel(self.tr("No serial range entered yet."), self)
        self.empty.setWordWrap(True)
        self._rows_box.addWidget(self.empty)
        self._rows: list[tuple[QWidget, QLabel, QPushButton]] = []
        self.ranges: tuple[SerialRange, ...] = ()

        add_row = QHBoxLayout()
        self.first = _SerialField(
            self.tr("First serial number of an unused range{0}").format(where), self
        )
        self.last = _SerialField(
            self.tr("Last serial number of an unused range{0}").format(where), self
        )
        first_label = QLabel(self.tr("First:"), self)
        first_label.setBuddy(self.first)
        last_label = QLabel(self.tr("Last:"), self)
        last_label.setBuddy(self.last)
        self.add = ActionButton(
            self.tr("Add range"), self.tr("Add range of unused ballots{0}").format(where), self
        )
        for w in (first_label, self.first, last_label, self.last, self.add):
            add_row.addWidget(w)
        add_row.addStretch(1)
        layout.addLayout(add_row)
        self.add.clicked.connect(self.add_range)

    def enter_pressed(self, field: _SerialField) -> None:
        both_blank = not self.first.text().strip() and not self.last.text().strip()
        if both_blank and self.after is not None:
            self.after.setFocus(Qt.FocusReason.TabFocusReason)
        elif field is self.first:
            self.last.setFocus(Qt.FocusReason.TabFocusReason)
        else:
            self.add_range()

    def show_ranges(self, ranges: tuple[SerialRange, ...]) -> None:
        """Show the stored ranges, reusing the row widgets."""
        self.ranges = ranges
        while len(self._rows) < len(ranges):
            row = QWidget(self)
            box = QHBoxLayout(row)
            box.setContentsMargins(0, 0, 0, 0)
            label = QLabel(row)
            button = RemoveButton(self.tr("Remove"), row)
            index = len(self._rows)
            button.clicked.connect(lambda _=False, i=index: self.remove_range(i))
            box.addWidget(label)
            box.addWidget(button)
            box.addStretch(1)
            self._rows_box.addWidget(row)
            row.show()  # now, not at the next event loop turn: Tab may go there at once
            self._rows.append((row, label, button))
            chain = [self._before, *(r[2] for r in self._rows), self.first]
            chain_tab_order(chain)
        for i, (row, label, remove) in enumerate(self._rows):
            row.setVisible(i < len(ranges))
            if i < len(ranges):
                r = ranges[i]
                text = self.tr("{0} to {1} ({2} ballots)").format(r.first, r.last, r.size)
                label.setText(text)
                remove.setAccessibleName(
                    self.tr("Remove the unused range {0} to {1}{2}").format(
                        r.first, r.last, self._where
                    )
                )
        self.empty.setVisible(not ranges)

    def set_locked(self, locked: bool) -> None:
        for w in (self.first, self.last):
            w.setReadOnly(locked)
        self.add.setEnabled(not locked)
        for _, _, remove in self._rows:
            remove.setEnabled(not locked)

    def add_range(self) -> bool:
        first, last = self.first.text().strip(), self.last.text().strip()
        if self._page.add_range(self.style_id, first, last):
            self.first.clear()
            self.last.clear()
            self.first.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return False

    def commit_pending(self) -> bool:
        """A range typed but not added: add it when both ends are typed, else say what to do."""
        first, last = self.first.text().strip(), self.last.text().strip()
        if not first and not last:
            return True
        if first and last:
            return self.add_range()
        if first:
            problem = self.tr("The unused range starting at {0} has no last serial number.")
            action = self.tr("Type the last serial number, or clear the first.")
            missing, value = self.last, first
        else:
            problem = self.tr("The unused range ending at {0} has no first serial number.")
            action = self.tr("Type the first serial number, or clear the last.")
            missing, value = self.first, last
        self._page.ctx.report(
            UserMessage(
                self.tr("Please check"),
                problem.format(value),
                self.tr("This is about what was entered or chosen."),
                action,
            )
        )
        missing.setFocus(Qt.FocusReason.OtherFocusReason)
        return False

    def remove_range(self, index: int) -> None:
        if index < len(self.ranges):
            self._page.remove_range(self.ranges[index])


class AccountingPage(CountsPage):
    key = "accounting"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        session = ctx.open
        self.style_ids: tuple[BallotStyleId, ...] = session.precinct.ballot_style_ids
        several = len(self.style_ids) > 1
        layout = QVBoxLayout(self)

        intro = QLabel(
            self.tr(
                "Type the counts from the ballot statement. Press Enter after each number."
                " Leave a box empty if it is not counted yet; type 0 if there were none."
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.locked = VerdictBadge(self.tr("Locked"), self)
        self.locked.hide()
        layout.addWidget(self.locked)

        self.style_fields: dict[tuple[BallotStyleId, StyleField], CountField] = {}
        self.ranges: dict[BallotStyleId, _RangeList] = {}
        self.a1_views: dict[str, EquationView] = {}
        for style_id in self.style_ids:
            where = self.tr(", ballot style {0}").format(style_id) if several else ""
            box = QGroupBox(
                self.tr("Ballot style {0}").format(style_id) if several else self.tr("Ballots"),
                self,
            )
            grid = FieldGrid(box)
            for field, text in self.style_labels().items():
                count = CountField(text + where, box)
                count.committed.connect(
                    lambda v, s=style_id, f=field, w=count: self._commit_style(s, f, v, w)
                )
                self.style_fields[(style_id, field)] = count
                if field is StyleField.BLANK:
                    self.ranges[style_id].after = count
                grid.add(field_label(text, count, box), count)
                if field is StyleField.UNUSED:
                    ranges = _RangeList(self, style_id, where, count)
                    self.ranges[style_id] = ranges
                    caption = QLabel(self.tr("Serial numbers of the unused ballots:"), box)
                    caption.setWordWrap(True)
                    caption.setBuddy(ranges.first)
                    grid.add_wide(caption)
                    grid.add_wide(ranges)
            view = EquationView(self.tr("Check A1"), box)
            self.a1_views[style_id] = view
            grid.add_wide(view)
            layout.addWidget(box)

        roster = QGroupBox(self.tr("Roster and vote-by-mail (whole precinct)"), self)
        grid = FieldGrid(roster)
        self.roster_fields: dict[RosterField, CountField] = {}
        for rfield, text in self.roster_labels().items():
            count = CountField(text, roster)
            count.committed.connect(lambda v, f=rfield, w=count: self._commit_roster(f, v, w))
            self.roster_fields[rfield] = count
            grid.add(field_label(text, count, roster), count)
        self.a2_view = EquationView(self.tr("Check A2"), roster)
        grid.add_wide(self.a2_view)
        layout.addWidget(roster)

        checks = QGroupBox(self.tr("Other checks of the ballot accounting"), self)
        checks_layout = QVBoxLayout(checks)
        self.blanks = VerdictBadge(self.tr("Empty boxes"), checks)
        self.findings = FindingsView(self.tr("Other checks of the ballot accounting"), checks)
        self.fill = QPushButton(self.tr("Fill the rest with &0"), checks)
        self.fill.setAccessibleName(self.tr("Fill the rest with 0"))
        self.fill.clicked.connect(self.fill_with_zero)
        checks_layout.addWidget(self.blanks)
        checks_layout.addWidget(self.findings)
        checks_layout.addLayout(button_row(self.fill))
        layout.addWidget(checks)
        layout.addStretch(1)
        self._blank_count = 0

    def style_labels(self) -> dict[StyleField, str]:
        return {
            StyleField.RECEIVED: self.tr("Ballots received (R)"),
            StyleField.VOTED: self.tr("Voted ballots in the box (V)"),
            StyleField.PROVISIONAL: self.tr("Provisional envelopes, sealed (V_prov)"),
            StyleField.REJECTED: self.tr("Rejected ballots (X)"),
            StyleField.SPOILED: self.tr("Spoiled ballots (S)"),
            StyleField.UNUSED: self.tr("Unused ballots (U)"),
            StyleField.BLANK: self.tr("Blank ballots (B)"),
            StyleField.PROVISIONAL_ISSUED: self.tr("Provisional ballots issued"),
        }

    def roster_labels(self) -> dict[RosterField, str]:
        return {
            RosterField.SIGNATURES: self.tr("Roster signatures (Sig)"),
            RosterField.NOT_VOTED: self.tr("Signed but did not vote (NV)"),
            RosterField.VBM_DROPPED: self.tr("Vote-by-mail envelopes dropped off"),
            RosterField.VBM_SURRENDERED: self.tr("Vote-by-mail packets surrendered"),
        }

    # --- the page protocol ---------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Ballot accounting")

    def enter(self) -> None:
        entries = self.ctx.open.entries()
        for (style_id, field), count in self.style_fields.items():
            style = entries.styles.get(style_id)
            count.set_stored(None if style is None else style[field])
        for rfield, count in self.roster_fields.items():
            count.set_stored(entries.roster.get(rfield))
        self._show_ranges()
        locked = self.ctx.open.locked
        for count in self.count_fields():
            count.setReadOnly(locked)
        for ranges in self.ranges.values():
            ranges.set_locked(locked)
        self.fill.setEnabled(not locked)
        self.show_locked(locked)
        self.redraw_checks(entries)
        settle_layout()

    def first_field(self) -> QWidget:
        fields = self.count_fields()
        return next((f for f in fields if f.stored is None), fields[0])

    def commit_pending(self) -> bool:
        """Serial ranges typed but not added are added (or the page says what is missing)."""
        if self.ctx.open.locked:
            return True
        return all(ranges.commit_pending() for ranges in self.ranges.values())

    # --- reading -------------------------------------------------------------------------

    def count_fields(self) -> list[CountField]:
        """Every count field, in the order they are shown."""
        return [*self.style_fields.values(), *self.roster_fields.values()]

    def equations(self) -> tuple[Equation, ...]:
        session = self.ctx.open
        return accounting_equations(session.definition, session.precinct.id, session.entries())

    def redraw_checks(self, entries: PrecinctEntries | None = None) -> None:
        """Redraw A1, A2, the count of empty boxes and the other findings from the core."""
        session = self.ctx.open
        entries = entries or session.entries()
        equations = accounting_equations(session.definition, session.precinct.id, entries)
        found = sort_findings(session.accounting_findings(), equations)
        several = len(self.style_ids) > 1
        for eq in equations:
            if eq.subject == "precinct":
                what = self.tr("ballots in the box and voters on the roster")
                view = self.a2_view
            else:
                style_id = eq.subject.removeprefix("style:")
                view = self.a1_views[style_id]
                what = (
                    self.tr("every ballot of style {0} is accounted for").format(style_id)
                    if several
                    else self.tr("every ballot received is accounted for")
                )
            view.heading.setText(equation_title(eq, what))
            view.show_equation(eq, advice_for(found, eq))
        self._blank_count = found.blanks
        self.blanks.show_status("ok" if found.blanks == 0 else "warn", blank_text(found.blanks))
        self.findings.show_findings(
            found.others, ok_text=self.tr("No other problem found in the ballot accounting.")
        )

    def _show_ranges(self) -> None:
        entries = self.ctx.open.entries()
        for style_id, widget in self.ranges.items():
            style = entries.styles.get(style_id)
            widget.show_ranges(() if style is None else style.unused_ranges)

    # --- writing -------------------------------------------------------------------------

    def _commit_style(
        self, style_id: str, field: StyleField, value: int | None, widget: CountField
    ) -> None:
        ok = self.ctx.commit(
            lambda: self.ctx.open.set_style_field(style_id, field, value, self.ctx.actor())
        )
        self.show_saved(ok, value, widget)

    def _commit_roster(self, field: RosterField, value: int | None, widget: CountField) -> None:
        ok = self.ctx.commit(lambda: self.ctx.open.set_roster_field(field, value, self.ctx.actor()))
        self.show_saved(ok, value, widget)

    def add_range(self, style_id: str, first: str, last: str) -> bool:
        """Add an unused serial range; blank ends are refused by the core with a message."""
        # A blank end is passed on as None: the core refuses it with its own message.
        first_value = cast(int, int(first) if first else None)
        last_value = cast(int, int(last) if last else None)
        ok = self.ctx.commit(
            lambda: self.ctx.open.add_unused_range(
                style_id, first_value, last_value, self.ctx.actor()
            )
        )
        if ok:
            self._show_ranges()
            self.redraw_checks()
        return ok

    def remove_range(self, r: SerialRange) -> None:
        range_id = r.id
        if range_id is None:
            return
        if not ask(
            self,
            self.tr("Remove the range {0} to {1}?").format(r.first, r.last),
            self.tr("The serial range of unused ballots is taken off the ballot accounting."),
            self.tr("Yes, remove the range"),
        ):
            return
        if self.ctx.commit(lambda: self.ctx.open.remove_unused_range(range_id, self.ctx.actor())):
            self._show_ranges()
            self.redraw_checks()

    def fill_blanks(self) -> bool:
        return self.ctx.commit(
            lambda: self.ctx.open.fill_blanks_with_zero(self.ctx.actor(), accounting=True)
        )


class FieldGrid:
    """A group's rows: a label and a count field at its natural width, or one wide widget.

    A grid rather than a QFormLayout: the form layout clips word-wrapped rows and nested
    widgets when the text is scaled up.
    """

    def __init__(self, box: QGroupBox) -> None:
        self.layout = QGridLayout(box)
        self.layout.setColumnStretch(2, 1)
        self.row = 0

    def add(self, label: QLabel, field: QWidget) -> None:
        self.layout.addWidget(label, self.row, 0)
        self.layout.addWidget(field, self.row, 1)
        self.row += 1

    def add_wide(self, widget: QWidget) -> None:
        self.layout.addWidget(widget, self.row, 0, 1, 3)
        self.row += 1


def field_label(text: str, buddy: QWidget, parent: QWidget) -> QLabel:
    label = QLabel(text + ":", parent)
    label.setBuddy(buddy)
    return label
