"""Finalize: the board sees what it certifies, two members confirm, the counts lock (item 8).

The finalize button is only enabled when the core reports nothing that blocks and nothing
unexplained; the core checks it all again (and refuses the same person twice). Print and
Export are the next steps (`ui.pages.print`, `ui.pages.export`), reachable once the counts are
locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tally_app.definition.model import selection_names
from tally_app.entries import ContestLine, Sheet
from tally_app.reconcile.messages import FIELD_LABELS
from ui.context import AppContext
from ui.models import SnapshotTableModel
from ui.pages.base import Page
from ui.pages.board import FittedTable
from ui.widgets import StatusBadge, button_row

if TYPE_CHECKING:  # the session (and the store) loads only when a precinct opens
    from tally_app.session import Readiness


@dataclass(frozen=True, slots=True)
class TotalRow:
    """One line of the summary: a contest, a candidate or line, and sheet A's count."""

    contest: str
    line: str
    count: int | None


class FinalizePage(Page):
    key = "finalize"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        # The page lives as long as its precinct; table cells must draw even while it closes.
        layout = QVBoxLayout(self)
        self.state = StatusBadge(self.tr("Finalize status"), self)
        layout.addWidget(self.state)

        self.blocked_box = QWidget(self)
        blocked_row = QHBoxLayout(self.blocked_box)
        blocked_row.setContentsMargins(0, 0, 0, 0)
        self.go_review = QPushButton(self.tr("Go to r&eview"), self.blocked_box)
        self.go_review.setAccessibleName(self.tr("Go to review"))
        self.go_review.setAutoDefault(False)
        blocked_row.addWidget(self.go_review)
        blocked_row.addStretch(1)
        layout.addWidget(self.blocked_box)

        self.precinct = QLabel(self)
        self.precinct.setWordWrap(True)
        self.precinct.setProperty("role", "heading")
        self.precinct.setAccessibleName(self.tr("Precinct"))
        layout.addWidget(self.precinct)
        self.tallied = QLabel(self)
        self.tallied.setWordWrap(True)
        self.tallied.setAccessibleName(self.tr("Ballots tallied"))
        layout.addWidget(self.tallied)

        totals_label = QLabel(self.tr("Totals as entered on sheet &A:"), self)
        totals_label.setWordWrap(True)
        layout.addWidget(totals_label)
        self.model: SnapshotTableModel[TotalRow] = SnapshotTableModel(
            [self.tr("Contest"), self.tr("Candidate or line"), self.tr("Count")],
            [lambda r: r.contest, lambda r: r.line, lambda r: _count(self, r.count)],
        )
        self.totals = FittedTable(
            self.tr("Totals as entered on sheet A"), self, max_rows=12, fit_columns=(2,)
        )
        self.totals.setModel(self.model)
        totals_label.setBuddy(self.totals)
        layout.addWidget(self.totals)

        self.confirm_box = QWidget(self)
        confirm_layout = QVBoxLayout(self.confirm_box)
        confirm_layout.setContentsMargins(0, 0, 0, 0)
        # Each label above its box, full width: it never wraps into a narrow column.
        self.first = QComboBox(self.confirm_box)
        self.first.setAccessibleName(self.tr("First board member confirming"))
        first_label = QLabel(self.tr("Fi&rst board member confirming:"), self.confirm_box)
        first_label.setWordWrap(True)
        first_label.setBuddy(self.first)
        self.second = QComboBox(self.confirm_box)
        self.second.setAccessibleName(self.tr("Second board member confirming"))
        second_label = QLabel(self.tr("Se&cond board member confirming:"), self.confirm_box)
        second_label.setWordWrap(True)
        second_label.setBuddy(self.second)
        for w in (first_label, self.first, second_label, self.second):
            confirm_layout.addWidget(w)
        self.finalize = QPushButton(self.tr("&Finalize and lock"), self.confirm_box)
        self.finalize.setAccessibleName(self.tr("Finalize and lock"))
        confirm_layout.addLayout(button_row(self.finalize))
        layout.addWidget(self.confirm_box)
        layout.addStretch(1)

        self.go_review.clicked.connect(lambda: self.ctx.navigate.emit("review"))
        self.finalize.clicked.connect(self.finalize_and_lock)
        self.setTabOrder(self.go_review, self.totals)
        self.setTabOrder(self.totals, self.first)
        self.setTabOrder(self.first, self.second)
        self.setTabOrder(self.second, self.finalize)

    # --- the page protocol -----------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Finalize and lock the precinct's counts")

    def first_field(self) -> QWidget | None:
        if not self.blocked_box.isHidden():
            return self.go_review
        if not self.confirm_box.isHidden() and self.finalize.isEnabled():
            return self.first
        return self.totals

    def enter(self) -> None:
        self._reload()

    # --- drawing ---------------------------------------------------------------------------

    def _reload(self) -> None:
        session = self.ctx.open
        precinct = session.precinct
        self.precinct.setText(self.tr("Precinct {0}").format(precinct.label))
        tallied = session.entries().tallied
        self.tallied.setText(self.tr("Ballots tallied: {0}").format(_count(self, tallied)))
        self.model.set_items(self._totals())

        if session.locked:
            self.blocked_box.hide()
            self.confirm_box.hide()
            self.state.show_status(
                "ok",
                self.tr("Precinct {0} is finalized and locked at {1}.").format(
                    precinct.id, self._finalized_at()
                ),
            )
            return
        self.confirm_box.show()
        self.fill_confirmers(self.first, self.second)
        ready = session.readiness()  # the same checks finalize() applies
        problem = self._problem_text(ready)
        if problem is not None:
            self.state.show_status("bad", problem)
            # Blocked by a check the review page explains: offer the way there.
            self.blocked_box.setVisible(
                bool(ready.blockers or ready.unexplained or ready.blank)
                and ready.trusted
                and ready.open_for_finalize
            )
            self.finalize.setEnabled(False)
            return
        warnings = len(ready.warnings)
        text = self.tr(
            "Nothing must be fixed and every difference is explained. Check the totals "
            "below, then 2 board members confirm and finalize."
        )
        if warnings == 1:
            text += " " + self.tr("The review page lists 1 thing to check.")
        elif warnings > 1:
            text += " " + self.tr("The review page lists {0} things to check.").format(warnings)
        self.state.show_status("ok", text)
        self.blocked_box.hide()
        self.finalize.setEnabled(ready.can_finalize)

    def _problem_text(self, ready: Readiness) -> str | None:
        """What stands in the way of finalizing, in words; None when nothing does."""
        if not ready.trusted:
            return self.tr(
                "This precinct file was changed outside the app, so it cannot be finalized"
                " until a supervisor has checked it. Call your supervisor."
            )
        blocks, unexplained = len(ready.blockers), len(ready.unexplained)
        if blocks or unexplained or ready.blank:
            parts = []
            if blocks:
                parts.append(self.tr("{0} must be fixed").format(blocks))
            if ready.blank == 1:
                parts.append(self.tr("1 box is still empty"))
            elif ready.blank:
                parts.append(self.tr("{0} boxes are still empty").format(ready.blank))
            if unexplained:
                parts.append(
                    self.tr("1 needs an explanation")
                    if unexplained == 1
                    else self.tr("{0} need an explanation").format(unexplained)
                )
            return self.tr(
                "The precinct cannot be finalized yet: {0}. Go to review to see what to do."
            ).format(" · ".join(parts))
        if not ready.has_two_members:
            return self.tr(
                "Finalizing needs 2 board members to confirm. Add the board members "
                "on the board page first."
            )
        return None

    def _totals(self) -> list[TotalRow]:
        session = self.ctx.open
        entries = session.entries()
        rows: list[TotalRow] = []
        for contest in session.contests:
            entry = entries.contest(Sheet.A, contest.id)
            votes = entry.votes if entry is not None else {}
            lines = entry.lines if entry is not None else {}
            for sid, name in selection_names(contest).items():
                rows.append(TotalRow(contest.title, name, votes.get(sid)))
            if entry is not None:
                for w in entry.write_ins:
                    rows.append(
                        TotalRow(contest.title, self.tr('write-in "{0}"').format(w.name), w.count)
                    )
            for line in ContestLine:
                rows.append(TotalRow(contest.title, FIELD_LABELS[line], lines.get(line)))
        return rows

    def _finalized_at(self) -> str:
        """When the precinct was locked, in local time, as the core recorded it."""
        moment = self.ctx.open.finalized_at()
        if moment is None:
            return self.tr("an unknown time")
        return moment.astimezone().strftime("%Y-%m-%d %H:%M")

    # --- actions --------------------------------------------------------------------------

    def finalize_and_lock(self) -> None:
        first, second = self.first.currentData(), self.second.currentData()
        if first is None or second is None:
            return
        if not self._confirm():
            return
        confirmers = (int(first), int(second))
        if self.ctx.commit(lambda: self.ctx.open.finalize(confirmers, self.ctx.actor())):
            self._reload()
            self.totals.setFocus(Qt.FocusReason.OtherFocusReason)

    def _confirm(self) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("Finalize precinct {0}?").format(self.ctx.open.precinct.id))
        box.setText(self.tr("After this, the counts are locked. Changing them needs a supervisor."))
        yes = box.addButton(self.tr("Yes, Finalize and Lock"), QMessageBox.ButtonRole.YesRole)
        no = box.addButton(self.tr("No"), QMessageBox.ButtonRole.NoRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        box.exec()
        return box.clickedButton() is yes


def _count(page: QWidget, value: int | None) -> str:
    return page.tr("not entered") if value is None else f"{value:,}"
