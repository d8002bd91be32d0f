"""Running a test deck end to end, headless, as a county does before every election.

For every precinct of the deck: a new precinct file under ``OUT/stores`` (never the laptop's
data folder), the counts entered as sheets A and B, reconciled and finalized by the deck's
board (`apply`), a TEST bundle exported to ``OUT/bundles`` and read back, the bundle
verified as `verify` would, and its results file compared with what the deck expects
(`compare`). A precinct passes only if all of that holds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tally_app.audit.events import Actor
from tally_app.errors import InputError

if TYPE_CHECKING:
    from tally_app.clock import Clock
    from tally_app.definition.model import ElectionDefinition
    from tally_app.testdeck.deck import Deck, DeckPrecinct
    from tally_app.trust.identity import Identity

RUNNER = Actor("Test deck", "inspector")


@dataclass(frozen=True, slots=True)
class PrecinctOutcome:
    precinct_id: str
    bundle: Path | None
    differences: tuple[str, ...]  # one sentence each; empty when the precinct passed

    @property
    def passed(self) -> bool:
        return not self.differences


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def _prepare(out: Path) -> None:
    """A new or empty folder for the run, never inside the laptop's own data folder."""
    from tally_app import service

    if out.is_symlink():
        raise InputError("deck_out_symlink", f"{out} is a symbolic link; give a real folder.")
    data_dir = service.default_data_dir()
    if _inside(out, data_dir) or _inside(data_dir, out):
        raise InputError(
            "deck_out_in_data",
            f"{out} is the laptop's data folder or shares it ({data_dir}); a test deck keeps "
            "its precinct files apart from real ones, so give a folder elsewhere.",
        )
    try:
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise InputError(
                "deck_out_not_empty",
                f"{out} is not an empty folder; give a new or empty folder for the test-deck run.",
            )
        out.mkdir(parents=True, exist_ok=True)
        (out / "bundles").mkdir()
    except OSError as exc:
        raise InputError(
            "deck_out_unusable",
            f"{out} cannot be used as the output folder ({exc.strerror or 'error'}); "
            "give a folder that can be created and written.",
        ) from None


def run_deck(
    definition: ElectionDefinition,
    deck: Deck,
    out: Path,
    identity: Identity,
    *,
    clock: Clock,
    progress: Callable[[str], None] | None = None,
) -> tuple[PrecinctOutcome, ...]:
    """Run every precinct of ``deck``; the stores and TEST bundles are kept under ``out``."""
    _prepare(Path(out))
    outcomes = []
    for precinct in deck.precincts:
        if progress is not None:
            progress(precinct.precinct_id)
        outcomes.append(_run_precinct(definition, precinct, Path(out), identity, clock))
    return tuple(outcomes)


def _run_precinct(
    definition: ElectionDefinition,
    precinct: DeckPrecinct,
    out: Path,
    identity: Identity,
    clock: Clock,
) -> PrecinctOutcome:
    from tally_app import service
    from tally_app.errors import TallyError
    from tally_app.export.bundle import RESULTS, RESULTS_CSV
    from tally_app.testdeck.apply import apply_precinct
    from tally_app.testdeck.compare import compare_csv, compare_results
    from tally_app.verify.bundle_check import verify_bundle

    try:
        with service.start_precinct(
            out / "stores", definition, precinct.precinct_id, actor=RUNNER, clock=clock
        ) as session:
            apply_precinct(session, precinct, RUNNER)
            first, second = (m.id for m in session.board()[:2])
            report = service.export_precinct(
                session,
                out / "bundles",
                identity,
                confirmer_ids=(first, second),
                actor=RUNNER,
                is_test=True,
            )
    except TallyError as exc:
        return PrecinctOutcome(precinct.precinct_id, None, (exc.message,))
    checked = verify_bundle(report.folder)
    differences = list(checked.problems)
    if checked.valid and not checked.is_test:
        differences.append("The bundle is not marked TEST.")
    doc = json.loads((report.folder / RESULTS).read_bytes())
    differences += compare_results(doc, precinct.expected)
    differences += compare_csv((report.folder / RESULTS_CSV).read_bytes(), precinct.expected)
    return PrecinctOutcome(precinct.precinct_id, report.folder, tuple(differences))
