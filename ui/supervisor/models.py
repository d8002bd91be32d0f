"""Qt models over the frozen ``Aggregation`` (ui/models.py's snapshot pattern).

The precinct table is filtered by what the supervisor must act on (missing, rejected,
conflict); the words shown for a disposition are translated here, while filtering works on
the core's own disposition values, so a translation never changes what a filter shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
)

from tally_app.aggregate.model import Aggregation, BundleOutcome, Disposition, PrecinctRow
from ui.models import ItemRole, SnapshotTableModel


def tr(text: str) -> str:
    return QCoreApplication.translate("supervisor", text)


class Show(StrEnum):
    """Which precincts the table shows."""

    ALL = "all"
    MISSING = "missing"
    REJECTED = "rejected"
    CONFLICT = "conflict"


def precinct_state_words(disposition: str) -> str:
    """A precinct's state in words (the core's values: accepted / accepted with
    discrepancy / rejected / conflict / missing)."""
    words = {
        "accepted": tr("accepted"),
        "accepted with discrepancy": tr("accepted, with a discrepancy the board explained"),
        "accepted-discrepancy": tr("accepted, with a discrepancy the board explained"),
        "rejected": tr("rejected: not counted"),
        "conflict": tr("conflict: not counted"),
        "missing": tr("missing: no valid results"),
    }
    return words.get(disposition, disposition)


def bundle_state_words(disposition: Disposition) -> str:
    return {
        Disposition.ACCEPTED: tr("accepted"),
        Disposition.ACCEPTED_DISCREPANCY: tr("accepted, with a discrepancy"),
        Disposition.REJECTED: tr("rejected: not counted"),
        Disposition.DUPLICATE: tr("duplicate: counted once"),
        Disposition.CONFLICT: tr("conflict: not counted"),
        Disposition.SUPERSEDED: tr("replaced by a correction"),
    }[disposition]


def _shows(show: Show, row: PrecinctRow) -> bool:
    """A mixed row ("accepted (central count); conflict (hand count)") shows under each of
    its states."""
    return show is Show.ALL or show.value in row.states


def count_of(aggregation: Aggregation, show: Show) -> int:
    return sum(1 for row in aggregation.precincts if _shows(show, row))


def precinct_model() -> SnapshotTableModel[PrecinctRow]:
    return SnapshotTableModel(
        [tr("Precinct"), tr("State"), tr("Ballots"), tr("Results fingerprint")],
        [
            lambda r: r.precinct_id,
            lambda r: precinct_state_words(r.disposition),
            lambda r: "" if r.ballots is None else f"{r.ballots:,}",
            lambda r: ", ".join(h[:16] for h in r.results_sha256),
        ],
    )


class PrecinctFilter(QSortFilterProxyModel):
    """The precinct table, narrowed to one kind of state."""

    def __init__(self) -> None:
        super().__init__()
        self.show = Show.ALL

    def set_show(self, show: Show) -> None:
        begin = getattr(self, "beginFilterChange", None)  # Qt 6.9: invalidateFilter is deprecated
        if begin is None:
            self.show = show
            self.invalidateFilter()
            return
        begin()
        self.show = show
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        source = self.sourceModel()
        row = source.data(source.index(source_row, 0, source_parent), ItemRole)
        return isinstance(row, PrecinctRow) and _shows(self.show, row)


def bundle_model() -> SnapshotTableModel[BundleOutcome]:
    """Every bundle that was not simply accepted: refused, duplicate, replaced, in conflict."""
    return SnapshotTableModel(
        [tr("Bundle"), tr("Precinct"), tr("What happened"), tr("Why")],
        [
            lambda b: str(b.path),
            lambda b: ", ".join(b.precinct_ids),
            lambda b: bundle_state_words(b.disposition),
            lambda b: b.reason or "",
        ],
    )


def needs_attention(aggregation: Aggregation) -> tuple[BundleOutcome, ...]:
    """The bundles the supervisor must read about: refused and conflicting first."""
    order = {
        Disposition.REJECTED: 0,
        Disposition.CONFLICT: 1,
        Disposition.SUPERSEDED: 2,
        Disposition.DUPLICATE: 3,
    }
    shown = [b for b in aggregation.bundles if not b.disposition.summed]
    return tuple(sorted(shown, key=lambda b: (order[b.disposition], str(b.path))))


@dataclass(frozen=True, slots=True)
class TotalRow:
    """One line of the totals table: a contest's ballots, a candidate's votes, …"""

    contest: str
    line: str
    count: int


def total_rows(aggregation: Aggregation) -> tuple[TotalRow, ...]:
    rows: list[TotalRow] = []
    for contest in aggregation.contests:
        rows.append(TotalRow(contest.name, tr("Ballots cast"), contest.ballots))
        for s in contest.selections:
            name = s.name if not s.write_in else tr("{0} (write-in)").format(s.name)
            rows.append(TotalRow(contest.name, name, s.votes))
        rows.append(TotalRow(contest.name, tr("Overvotes"), contest.overvotes))
        rows.append(TotalRow(contest.name, tr("Undervotes"), contest.undervotes))
    return tuple(rows)


def totals_model() -> SnapshotTableModel[TotalRow]:
    return SnapshotTableModel(
        [tr("Contest"), tr("Candidate or line"), tr("Votes or count")],
        [lambda r: r.contest, lambda r: r.line, lambda r: f"{r.count:,}"],
    )
