"""What an aggregation produced: plain immutable values for the CLI, the window and the PDF.

Dispositions (DESIGN §11, VVSG 2.0 13.2-B): only ``accepted`` (and ``accepted-discrepancy``)
bundles are summed. ``rejected`` failed a check; ``duplicate`` has the same results.json
bytes as an accepted one (counted once); ``conflict`` is one of two or more different
accepted bundles for the same key (precinct, device class) — none of them is summed;
``superseded`` is an earlier bundle replaced by a later ``correction`` for the same key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tally_app.aggregate.extract import PrecinctCounts
    from tally_app.definition.model import ElectionDefinition


class Disposition(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_DISCREPANCY = "accepted-discrepancy"  # accepted; the board explained a discrepancy
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    SUPERSEDED = "superseded"

    @property
    def summed(self) -> bool:
        return self in (Disposition.ACCEPTED, Disposition.ACCEPTED_DISCREPANCY)


@dataclass(frozen=True, slots=True)
class BundleOutcome:
    """One bundle found under the paths given, and what became of it."""

    path: Path
    disposition: Disposition
    reason: str | None  # one sentence for rejected / conflict / superseded / duplicate
    precinct_ids: tuple[str, ...] = ()
    device_class: str | None = None  # DeviceClass.Type of the reporting device, e.g. manual-count
    results_sha256: str | None = None
    status: str | None = None  # unofficial-complete, correction, ...
    generated: str | None = None  # the results file's GeneratedDate
    is_test: bool = False
    fingerprint_checked: bool = False
    county_issued: bool = False
    discrepancies: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # e.g. that the definition fingerprint was not checked


@dataclass(frozen=True, slots=True)
class SelectionTotal:
    id: str
    name: str
    votes: int
    write_in: bool


@dataclass(frozen=True, slots=True)
class ContestTotal:
    id: str
    name: str
    ballots: int  # ballots cast in the precincts summed that carry the contest
    overvotes: int
    undervotes: int
    selections: tuple[SelectionTotal, ...]


@dataclass(frozen=True, slots=True)
class PrecinctRow:
    """One precinct of the definition in the certification's per-precinct table."""

    precinct_id: str
    # accepted / accepted with discrepancy / rejected / conflict / missing; when the kinds of
    # device of one precinct fare differently, each state with its devices, e.g.
    # "accepted (central count); conflict (hand count)".
    disposition: str
    ballots: int | None  # ballots cast summed for it (None when nothing was summed)
    results_sha256: tuple[str, ...] = ()  # of the bundles summed for it

    @property
    def states(self) -> frozenset[str]:
        """The plain states in ``disposition`` (for a filter: "conflict" in row.states)."""
        return frozenset(part.split(" (")[0] for part in self.disposition.split("; "))


@dataclass(frozen=True)
class Aggregation:
    election_id: str
    election_title: str
    definition_fingerprint: str
    precincts_total: int
    reporting: tuple[str, ...]  # precinct ids with at least one summed bundle, sorted
    missing: tuple[str, ...]  # precinct ids of the definition with none, sorted
    bundles: tuple[BundleOutcome, ...]  # sorted by path
    conflicts: tuple[tuple[str, tuple[Path, ...]], ...]  # (precinct id, paths), sorted
    contests: tuple[ContestTotal, ...]  # in the definition's order
    precincts: tuple[PrecinctRow, ...]  # every precinct of the definition, sorted by id
    summed_documents: tuple[Mapping[str, object], ...] = field(default=(), repr=False)
    # What the NIST exports are built from: the definition (names, units) and the compact
    # counts of every summed bundle (never whole documents: memory stays flat).
    definition: ElectionDefinition | None = field(default=None, repr=False, compare=False)
    summed: tuple[PrecinctCounts, ...] = field(default=(), repr=False)
    is_test: bool = False  # a TEST bundle was summed (--test): every output says TEST
    # Folders under the paths given that were not searched (unreadable, too deep), one
    # sentence each: a bundle may lie there unseen.
    warnings: tuple[str, ...] = ()

    @property
    def rejected(self) -> tuple[BundleOutcome, ...]:
        return tuple(b for b in self.bundles if b.disposition is Disposition.REJECTED)

    @property
    def all_accepted(self) -> bool:
        """Exit 0 for the command line: nothing rejected and nothing in conflict."""
        return not any(
            b.disposition in (Disposition.REJECTED, Disposition.CONFLICT) for b in self.bundles
        )
