"""Compare: every line where sheet A and sheet B differ, side by side (issue item 6).

The board recounts each differing line and settles it: sheet A was right, sheet B was right,
or the recount gives a third number. Each settlement is one logged write in the core
(``double_entry.difference_resolved``); this page only shows what the core reports.

Write-in names are matched by name between the sheets, and the core cannot settle them by
field: a write-in difference is corrected on the sheet page instead, where the name or count
is typed.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tally_app.reconcile import SheetDifference
from tally_app.reconcile.double_entry import WRITE_IN_PREFIX
from ui.context import AppContext
from ui.models import ItemRole, SnapshotTableModel
from ui.pages.base import Page
from ui.pages.board import FittedTable
from ui.widgets import CountField, StatusBadge, button_row


class ComparePage(Page):
    key = "compare"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        # The page lives as long as its precinct; table cells must draw even while it closes.
        self.definition = ctx.open.definition
        self._missing_first: str | None = None
        layout = QVBoxLayout(self)
        self.status = StatusBadge(self.tr("Comparison result"), self)
        layout.addWidget(self.status)

        # Contests not yet entered on sheet B: named in the status, one button to go there.
        self.missing_box = QWidget(self)
        missing_row = QHBoxLayout(self.missing_box)
        missing_row.setContentsMargins(0, 0, 0, 0)
        self.enter_b = QPushButton(self.tr("&Enter sheet B now"), self.missing_box)
        self.enter_b.setAutoDefault(False)
        missing_row.addWidget(self.enter_b)
        missing_row.addStretch(1)
        layout.addWidget(self.missing_box)

        # The differences, and what to do about the selected one.
        self.diff_box = QWidget(self)
        diff_layout = QVBoxLayout(self.diff_box)
        diff_layout.setContentsMargins(0, 0, 0, 0)
        table_label = QLabel(self.tr("&Differences between the sheets:"), self.diff_box)
        table_label.setWordWrap(True)
        diff_layout.addWidget(table_label)
        self.model: SnapshotTableModel[SheetDifference] = SnapshotTableModel(
            [self.tr("Contest"), self.tr("Line"), self.tr("Sheet A"), self.tr("Sheet B")],
            [self._contest_title, lambda d: d.label, lambda d: _count(d.a), lambda d: _count(d.b)],
        )
        self.table = FittedTable(
            self.tr("Differences between sheet A and sheet B"),
            self.diff_box,
            max_rows=8,
            fit_columns=(2, 3),
        )
        self.table.setModel(self.model)
        table_label.setBuddy(self.table)
        diff_layout.addWidget(self.table)

        self.detail = QLabel(self.diff_box)
        self.detail.setWordWrap(True)
        self.detail.setAccessibleName(self.tr("Selected difference"))
        diff_layout.addWidget(self.detail)

        # Settling a count: sheet A, sheet B, or a recounted number.
        self.resolve_box = QWidget(self.diff_box)
        resolve_layout = QVBoxLayout(self.resolve_box)
        resolve_layout.setContentsMargins(0, 0, 0, 0)
        self.use_a = QPushButton(self.resolve_box)
        self.use_b = QPushButton(self.resolve_box)
        resolve_layout.addLayout(button_row(self.use_a, self.use_b))
        recount_form = QFormLayout()
        recount_form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.recount = CountField(self.tr("Recounted number"), self.resolve_box)
        recount_label = QLabel(self.tr("Recoun&ted number:"), self.resolve_box)
        recount_label.setWordWrap(True)
        recount_label.setBuddy(self.recount)
        recount_row = QHBoxLayout()
        recount_row.addWidget(self.recount)
        self.use_recount = QPushButton(self.tr("Use &recount"), self.resolve_box)
        self.use_recount.setAccessibleName(self.tr("Use recount"))
        self.use_recount.setAutoDefault(False)
        recount_row.addWidget(self.use_recount)
        recount_row.addStretch(1)
        recount_form.addRow(recount_label, recount_row)
        resolve_layout.addLayout(recount_form)
        diff_layout.addWidget(self.resolve_box)

        # A write-in difference: corrected on the sheet pages.
        self.write_in_box = QWidget(self.diff_box)
        write_in_layout = QVBoxLayout(self.write_in_box)
        write_in_layout.setContentsMargins(0, 0, 0, 0)
        write_in_help = QLabel(
            self.tr(
                "Write-in names are matched by name. Recount this write-in, then correct its "
                "name or count on the sheet that is wrong."
            ),
            self.write_in_box,
        )
        write_in_help.setWordWrap(True)
        write_in_layout.addWidget(write_in_help)
        self.open_a = QPushButton(self.tr("Open &sheet A for this contest"), self.write_in_box)
        self.open_b = QPushButton(self.tr("Open s&heet B for this contest"), self.write_in_box)
        for button in (self.open_a, self.open_b):
            button.setAccessibleName(button.text().replace("&", ""))
        write_in_layout.addLayout(button_row(self.open_a, self.open_b))
        diff_layout.addWidget(self.write_in_box)
        layout.addWidget(self.diff_box)
        layout.addStretch(1)

        self.table.selectionModel().currentRowChanged.connect(self._show_selected)
        self.use_a.clicked.connect(lambda: self._resolve("A"))
        self.use_b.clicked.connect(lambda: self._resolve("B"))
        self.use_recount.clicked.connect(lambda: self._resolve("recount"))
        self.open_a.clicked.connect(lambda: self._open_sheet("A"))
        self.open_b.clicked.connect(lambda: self._open_sheet("B"))
        self.enter_b.clicked.connect(self._enter_missing)

    # --- the page protocol -----------------------------------------------------------------

    def title(self) -> str:
        return self.tr("Compare sheet A and sheet B")

    def first_field(self) -> QWidget | None:
        if self._missing_first is not None:
            return self.enter_b
        if self.model.rowCount():
            return self.table
        return None

    def enter(self) -> None:
        self._reload(0)

    # --- drawing ---------------------------------------------------------------------------

    def _reload(self, row: int) -> None:
        missing = self.ctx.open.b_missing_contests()
        self._show_missing(missing)
        if missing:
            self.diff_box.hide()
            self.model.set_items(())
            return
        differences = self.ctx.open.sheet_differences()
        self.model.set_items(differences)
        self.diff_box.setVisible(bool(differences))
        if not differences:
            self.status.show_status("ok", self.tr("Sheets A and B agree on every line."))
            return
        count = len(differences)
        self.status.show_status(
            "bad",
            (
                self.tr("1 line differs between sheet A and sheet B.")
                if count == 1
                else self.tr("{0} lines differ between sheet A and sheet B.").format(count)
            )
            + " "
            + self.tr("Recount each one, then choose the right number."),
        )
        self.table.setCurrentIndex(self.model.index(min(row, count - 1), 0))
        self._show_selected(self.table.currentIndex())

    def _show_missing(self, missing: tuple[str, ...]) -> None:
        """Name the contests whose sheet B is not entered (ids from the core)."""
        self._missing_first = missing[0] if missing else None
        self.missing_box.setVisible(bool(missing))
        if not missing:
            return
        titles = [self._title_of(contest_id) for contest_id in missing]
        self.status.show_status(
            "bad",
            self.tr(
                "Sheet B is not entered yet for: {0}. Enter sheet B first; then the two "
                "sheets are compared here."
            ).format("; ".join(titles)),
        )
        # A short label (long contest titles would not fit at 200 %); the name says where.
        self.enter_b.setAccessibleName(
            self.tr("Enter sheet B now, starting with {0}").format(titles[0])
        )

    def _enter_missing(self) -> None:
        if self._missing_first is not None:
            self.ctx.navigate.emit(f"contest:B:{self._missing_first}")

    def selected(self) -> SheetDifference | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        difference: SheetDifference = self.model.data(index, ItemRole)
        return difference

    def _show_selected(self, index: QModelIndex) -> None:
        d = self.selected()
        if d is None:
            self.detail.clear()
            return
        title = self._contest_title(d)
        self.detail.setText(
            self.tr("{0}, {1}: sheet A says {2}, sheet B says {3}.").format(
                title, d.label, _count(d.a), _count(d.b)
            )
        )
        write_in = d.field.startswith(WRITE_IN_PREFIX)
        self.resolve_box.setVisible(not write_in)
        self.write_in_box.setVisible(write_in)
        for button, sheet, value in ((self.use_a, "A", d.a), (self.use_b, "B", d.b)):
            shown = _count(value)
            mnemonic = "&A" if sheet == "A" else "&B"
            button.setText(self.tr("Use sheet {0} ({1})").format(mnemonic, shown))
            button.setAccessibleName(
                self.tr("Use sheet {0}: {1}, {2} {3}").format(sheet, title, d.label, shown)
            )
            button.setEnabled(value is not None)
        self.recount.setAccessibleName(self.tr("Recounted number: {0}, {1}").format(title, d.label))
        self.recount.set_stored(None)

    # --- actions --------------------------------------------------------------------------

    def _resolve(self, choice: str) -> None:
        d = self.selected()
        if d is None or d.field.startswith(WRITE_IN_PREFIX):
            return
        value = {"A": d.a, "B": d.b}.get(choice) if choice != "recount" else self.recount.value()
        if value is None:
            self.status.show_status(
                "warn", self.tr("Type the recounted number first, then choose Use recount.")
            )
            self.recount.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        row = self.table.currentIndex().row()
        agreed = value
        if self.ctx.commit(
            lambda: self.ctx.open.resolve_difference(
                d.contest_id, d.field, agreed, choice, self.ctx.actor()
            )
        ):
            self._reload(row)
            if self.model.rowCount():
                self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _open_sheet(self, sheet: str) -> None:
        d = self.selected()
        if d is not None:
            self.ctx.navigate.emit(f"contest:{sheet}:{d.contest_id}")

    # --- names -----------------------------------------------------------------------------

    def _title_of(self, contest_id: str) -> str:
        try:
            return self.definition.contest(contest_id).title
        except KeyError:
            return contest_id

    def _contest_title(self, d: SheetDifference) -> str:
        return self._title_of(d.contest_id)


def _count(value: int | None) -> str:
    if value is None:
        return QCoreApplication.translate("ComparePage", "not entered")
    return f"{value:,}"
