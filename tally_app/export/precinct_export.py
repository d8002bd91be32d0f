"""Exporting a finalized precinct: build the bundle, write it, read it back, then record it.

The store changes only after every file is on the drive and read back intact: a full,
read-only or pulled drive leaves the precinct exactly as it was (DESIGN §10). Exporting
needs two different board members (DESIGN §13), named in the audit event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tally_app.errors import InputError

if TYPE_CHECKING:
    from tally_app.audit.events import Actor
    from tally_app.export.bundle import ExportReport
    from tally_app.session import PrecinctSession
    from tally_app.trust.identity import Identity


def export_precinct(
    session: PrecinctSession,
    root: Path,
    identity: Identity,
    *,
    confirmer_ids: tuple[int, int],
    actor: Actor,
    is_test: bool = False,
    extra_files: Sequence[tuple[str, bytes]] = (),
    progress: Callable[[str, int, int], None] | None = None,
) -> ExportReport:
    """Write the precinct's signed bundle under ``root`` and record the export."""
    from tally_app.export.bundle import build_bundle, write_bundle

    if not session.locked:
        raise InputError(
            "not_finalized",
            "This precinct is not finalized yet; finalize it before exporting its results.",
        )
    members = {m.id: m for m in session.board()}
    if len(set(confirmer_ids)) != 2 or not set(confirmer_ids) <= set(members):
        raise InputError(
            "export_confirmers", "Exporting needs two different board members to confirm."
        )
    bundle = build_bundle(
        session, identity, now=session.clock.now(), is_test=is_test, extra_files=extra_files
    )
    report = write_bundle(bundle, root, progress=progress)
    session.store.record_export(
        actor,
        {
            "confirmed_by": [members[i].name for i in confirmer_ids],
            "folder": str(bundle.folder),
            "results_sha256": report.results_sha256,
            "manifest_sha256": next(f.sha256 for f in report.files if f.name == "manifest.json"),
            "device_id": report.device_id,
            "county_issued": report.county_issued,
            "status": report.status,
            "is_test": is_test,
        },
    )
    return report
