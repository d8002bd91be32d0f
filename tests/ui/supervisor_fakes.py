"""Hand-built aggregations and a window with its dialogs replaced, for the supervisor tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from tally_app import service
from tally_app.aggregate.model import (
    Aggregation,
    BundleOutcome,
    ContestTotal,
    Disposition,
    PrecinctRow,
    SelectionTotal,
)
from ui.supervisor.window import SupervisorWindow


def fake_aggregation(folder: Path) -> Aggregation:
    """Precinct 0 counted, 1 rejected, 2 in conflict, the rest missing; one contest."""
    definition = service.default_definition()
    ids = sorted(p.id for p in definition.precincts)
    p0, p1, p2 = ids[:3]
    contest = definition.contests[0]
    bundles = (
        BundleOutcome(
            folder / "a",
            Disposition.ACCEPTED,
            None,
            (p0,),
            "manual-count",
            "aa" * 32,
            fingerprint_checked=True,
        ),
        BundleOutcome(
            folder / "b", Disposition.REJECTED, "The results file was changed after signing.", (p1,)
        ),
        BundleOutcome(folder / "c1", Disposition.CONFLICT, "Differs from c2.", (p2,)),
        BundleOutcome(folder / "c2", Disposition.CONFLICT, "Differs from c1.", (p2,)),
    )
    rows = tuple(
        PrecinctRow(
            pid,
            {p0: "accepted", p1: "rejected", p2: "conflict"}.get(pid, "missing"),
            120 if pid == p0 else None,
            ("aa" * 32,) if pid == p0 else (),
        )
        for pid in ids
    )
    return Aggregation(
        election_id=definition.id,
        election_title=definition.title,
        definition_fingerprint=definition.fingerprint,
        precincts_total=len(ids),
        reporting=(p0,),
        missing=tuple(ids[3:]),
        bundles=bundles,
        conflicts=((p2, (folder / "c1", folder / "c2")),),
        contests=(
            ContestTotal(
                contest.id,
                contest.title,
                120,
                2,
                3,
                (
                    SelectionTotal("c-gomez", "Jimmy Gomez", 70, False),
                    SelectionTotal("c-ahn", "Robert Lee Ahn", 45, False),
                ),
            ),
        ),
        precincts=rows,
        definition=definition,
    )


def fake_aggregate(result: Aggregation, total: int = 4) -> Callable[..., Aggregation]:
    """service.aggregate's stand-in: reports progress as the real one does, returns result."""
    calls: list[dict[str, Any]] = []

    def aggregate(
        paths: Sequence[Path], definition: object, roots: object, **kwargs: Any
    ) -> Aggregation:
        calls.append({"paths": list(paths), "definition": definition, **kwargs})
        progress = kwargs.get("progress")
        for done in range(total + 1):
            if progress is not None:
                progress(done, total)
        return result

    aggregate.calls = calls  # type: ignore[attr-defined]
    return aggregate


def write_ca(folder: Path) -> Path:
    """A certificate file (a throwaway self-signed one: the fake aggregate never checks it)."""
    identity = service.throwaway_identity()
    path = folder / "ca.pem"
    path.write_bytes(identity.certificate.public_bytes(serialization.Encoding.PEM))
    return path


def open_supervisor(qtbot: Any, data_dir: Path, folder: Path) -> SupervisorWindow:
    window = SupervisorWindow(data_dir)
    qtbot.addWidget(window)
    window.source.drive_lister = lambda _data_dir: []
    window.certification.drive_lister = window.source.drive_lister
    window.source.folder_picker = lambda _parent, _start: folder
    window.resize(1366, 740)
    window.show()
    qtbot.waitExposed(window)
    return window
