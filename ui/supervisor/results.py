"""The result tabs: precincts (filterable), the bundles not counted, and the totals.

Each is a read-only table over a frozen ``Aggregation`` (ui/supervisor/models.py); a new
aggregation replaces the rows wholesale.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tally_app.aggregate.model import Aggregation
from ui.supervisor.models import (
    PrecinctFilter,
    Show,
    bundle_model,
    count_of,
    needs_attention,
    precinct_model,
    total_rows,
    totals_model,
)


def tr(text: str) -> str:
    return QCoreApplication.translate("supervisor", text)


def _table(parent: QWidget, name: str) -> QTableView:
    """A read-only table that keyboard users move through row by row."""
    table = QTableView(parent)
    table.setAccessibleName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move inside it
    table.setWordWrap(True)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    # Rows as tall as their text at any text size (and a wrapped reason shows whole).
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setMinimumHeight(table.fontMetrics().lineSpacing() * 7)
    return table


def _labelled(text: str, table: QTableView, layout: QVBoxLayout, parent: QWidget) -> None:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setBuddy(table)
    layout.addWidget(label)
    layout.addWidget(table, 1)


class PrecinctPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel(self.tr("Nothing verified yet."), self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.tr("Precincts reporting"))
        layout.addWidget(self.summary)
        self.show_choice = QComboBox(self)
        self.show_choice.setAccessibleName(self.tr("Which precincts to show"))
        show_label = QLabel(self.tr("Sho&w:"), self)
        show_label.setBuddy(self.show_choice)
        layout.addWidget(show_label)
        layout.addWidget(self.show_choice)
        self.model = precinct_model()
        self.proxy = PrecinctFilter()
        self.proxy.setSourceModel(self.model)
        self.table = _table(self, self.tr("Precincts and their state"))
        self.table.setModel(self.proxy)
        _labelled(self.tr("P&recincts and their state:"), self.table, layout, self)
        self.aggregation: Aggregation | None = None
        self._fill_choices()
        self.show_choice.currentIndexChanged.connect(self._filter)

    def _fill_choices(self) -> None:
        agg = self.aggregation
        words = {
            Show.ALL: self.tr("All precincts"),
            Show.MISSING: self.tr("Missing: no valid results"),
            Show.REJECTED: self.tr("Rejected: results refused"),
            Show.CONFLICT: self.tr("Conflict: two different results"),
        }
        current = self.show_choice.currentIndex()
        self.show_choice.blockSignals(True)
        self.show_choice.clear()
        for show, text in words.items():
            shown = text if agg is None else self.tr("{0} ({1})").format(text, count_of(agg, show))
            self.show_choice.addItem(shown, show.value)
        self.show_choice.setCurrentIndex(max(0, current))
        self.show_choice.blockSignals(False)

    def set_show(self, show: Show) -> None:
        self.show_choice.setCurrentIndex(self.show_choice.findData(show.value))

    def _filter(self, index: int) -> None:
        self.proxy.set_show(Show(self.show_choice.itemData(index)))

    def set_aggregation(self, aggregation: Aggregation) -> None:
        self.aggregation = aggregation
        self.model.set_items(aggregation.precincts)
        self._fill_choices()
        self.summary.setText(
            self.tr(
                "Precincts reporting: {0} of {1}; missing: {2}. Only results that passed "
                "every check are counted."
            ).format(
                len(aggregation.reporting), aggregation.precincts_total, len(aggregation.missing)
            )
        )


class BundlePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel(self.tr("Nothing verified yet."), self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.tr("Bundles not counted"))
        layout.addWidget(self.summary)
        self.model = bundle_model()
        self.table = _table(self, self.tr("Bundles not counted, and why"))
        self.table.setModel(self.model)
        _labelled(self.tr("Bundles &not counted, and why:"), self.table, layout, self)

    def set_aggregation(self, aggregation: Aggregation) -> None:
        shown = needs_attention(aggregation)
        self.model.set_items(shown)
        rejected = len(aggregation.rejected)
        conflicts = len(aggregation.conflicts)
        if not shown:
            text = self.tr("Every bundle found was counted: none was refused or in conflict.")
        else:
            text = self.tr(
                "Bundles refused: {0}. Precincts with conflicting results: {1}. None of "
                "them is counted. Duplicates are counted once; a correction replaces the "
                "earlier results."
            ).format(rejected, conflicts)
        unchecked = sum(
            1 for b in aggregation.bundles if b.disposition.summed and not b.fingerprint_checked
        )
        if unchecked:
            text += " " + self.tr(
                "Counted without the election fingerprint check (made by another program, "
                "with no manifest): {0}; every id in them was found in the election."
            ).format(unchecked)
        self.summary.setText(text)


class TotalsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel(self.tr("Nothing verified yet."), self)
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.tr("What the totals include"))
        layout.addWidget(self.summary)
        self.model = totals_model()
        self.table = _table(self, self.tr("Totals for each contest and candidate"))
        self.table.setModel(self.model)
        _labelled(self.tr("Total&s for each contest and candidate:"), self.table, layout, self)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft)
        # A long contest title wraps; the counts stay in view at 200 % text.
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def set_aggregation(self, aggregation: Aggregation) -> None:
        self.model.set_items(total_rows(aggregation))
        self.summary.setText(
            self.tr("Totals of the precincts reporting: {0} of {1}.").format(
                len(aggregation.reporting), aggregation.precincts_total
            )
        )
