"""A precinct's results bundle: the files, the manifest, the signatures (DESIGN §10).

`build_bundle` makes every file in memory from a finalized precinct; `write_bundle` puts them
on a drive with `media.write_files` (temporary names, fsync, rename, read-back) in an order
that never shows a signed manifest before the files it lists: the data files first, then
``manifest.json`` and ``manifest.json.p7s`` last. A drive pulled mid-write therefore leaves
a bundle that `verify` rejects as incomplete, never one that looks whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from tally_app.file_names import file_part

if TYPE_CHECKING:
    from tally_app.export.media import WrittenFile
    from tally_app.session import PrecinctSession
    from tally_app.trust.identity import Identity

RESULTS = "results.json"
RESULTS_SIGNATURE = RESULTS + ".p7s"
RESULTS_CSV = "results.csv"
AUDIT_LOG = "audit-log.json"
AUDIT_LOG_DOCUMENTATION = "audit-log-documentation.json"
TALLY_SHEET = "tally-sheet.pdf"
MANIFEST = "manifest.json"
MANIFEST_SIGNATURE = MANIFEST + ".p7s"
SIGNED_LAST = (MANIFEST, MANIFEST_SIGNATURE)


@dataclass(frozen=True, slots=True)
class Bundle:
    """Every file of one precinct's bundle, in the order they are written."""

    election_id: str
    precinct_id: str
    files: tuple[tuple[str, bytes], ...]
    results_sha256: str
    definition_fingerprint: str
    device_id: str
    county_issued: bool
    is_test: bool
    status: str

    @property
    def folder(self) -> PurePath:
        """``<election-id>/<precinct-id>``, each made safe as a folder name."""
        return PurePath(file_part(self.election_id), file_part(self.precinct_id))

    def file(self, name: str) -> bytes:
        return dict(self.files)[name]


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What was written and read back: shown to the board, recorded in the audit log."""

    folder: Path
    files: tuple[WrittenFile, ...]
    results_sha256: str
    definition_fingerprint: str
    device_id: str
    county_issued: bool
    is_test: bool
    status: str


def app_version() -> str:
    from tally_app import __version__

    return str(__version__)


def signed_tally_sheet(
    session: PrecinctSession,
    identity: Identity,
    *,
    when: datetime,
    results_sha256: str,
    is_test: bool,
) -> bytes:
    """The tally sheet and certificate of performance, carrying the results fingerprint,
    signed (PAdES) by ``identity``."""
    from tally_app.documents.signing import sign_pdf
    from tally_app.documents.tally_sheet import tally_sheet_pdf

    unsigned = tally_sheet_pdf(
        session,
        generated=when,
        results_sha256=results_sha256,
        device_id=identity.device_id,
        county_issued=identity.county_issued,
        is_test=is_test,
        app_version=app_version(),
    )
    return sign_pdf(
        unsigned,
        identity,
        when=when,
        reason=f"Tally sheet and certificate of performance, precinct {session.precinct.id}",
    )


def build_bundle(
    session: PrecinctSession,
    identity: Identity,
    *,
    now: datetime,
    is_test: bool = False,
    extra_files: Sequence[tuple[str, bytes]] = (),
) -> Bundle:
    """Every file of the bundle of a finalized precinct, signed with ``identity``.

    ``now`` dates the manifest and the audit-log export; the results document keeps the
    time of finalizing, so a second export of the same precinct gives the same results.json.
    The signed tally sheet carries the SHA-256 of this results.json; ``extra_files`` are
    listed in the manifest like the rest.
    """
    from tally_app.export.event_log import (
        event_log_bytes,
        event_log_document,
        event_log_documentation,
    )
    from tally_app.export.manifest import manifest_bytes
    from tally_app.export.results_csv import results_csv_bytes
    from tally_app.export.results_document import results_json_bytes
    from tally_app.trust.cms import sign_detached

    version = app_version()
    doc = session.results_document(
        device_id=identity.device_id,
        county_issued=identity.county_issued,
        is_test=is_test,
        app_version=version,
    )
    results = results_json_bytes(doc)
    results_sha256 = hashlib.sha256(results).hexdigest()
    definition = session.definition
    files: list[tuple[str, bytes]] = [
        (RESULTS, results),
        (RESULTS_SIGNATURE, sign_detached(results, identity)),
        (RESULTS_CSV, results_csv_bytes(doc)),
        (
            AUDIT_LOG,
            event_log_bytes(
                event_log_document(
                    session.store.audit_events(),
                    election_id=definition.id,
                    device_id=identity.device_id,
                    generated=now,
                    app_version=version,
                )
            ),
        ),
        (
            AUDIT_LOG_DOCUMENTATION,
            event_log_bytes(event_log_documentation(generated=now, app_version=version)),
        ),
        (
            TALLY_SHEET,
            signed_tally_sheet(
                session, identity, when=now, results_sha256=results_sha256, is_test=is_test
            ),
        ),
        *extra_files,
    ]
    names = [name for name, _ in files]
    if len(set(names)) != len(names) or set(names) & set(SIGNED_LAST):
        raise ValueError(f"A bundle file name is used twice: {sorted(names)}")
    status = str(doc["Status"])
    manifest = manifest_bytes(
        files,
        election_id=definition.id,
        precinct_id=session.precinct.id,
        definition_fingerprint=definition.fingerprint,
        device_id=identity.device_id,
        county_issued=identity.county_issued,
        generated=now,
        status=status,
        is_test=is_test,
        application=f"Precinct Tally {version}",
    )
    files += [(MANIFEST, manifest), (MANIFEST_SIGNATURE, sign_detached(manifest, identity))]
    return Bundle(
        election_id=definition.id,
        precinct_id=session.precinct.id,
        files=tuple(files),
        results_sha256=results_sha256,
        definition_fingerprint=definition.fingerprint,
        device_id=identity.device_id,
        county_issued=identity.county_issued,
        is_test=is_test,
        status=status,
    )


def write_bundle(
    bundle: Bundle,
    root: Path,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> ExportReport:
    """Write the bundle under ``root`` (a drive or any folder) and read every file back."""
    from tally_app.export.media import write_files

    folder = Path(root) / bundle.folder
    written = write_files(folder, bundle.files, progress=progress, root=Path(root))
    return ExportReport(
        folder=folder,
        files=written,
        results_sha256=bundle.results_sha256,
        definition_fingerprint=bundle.definition_fingerprint,
        device_id=bundle.device_id,
        county_issued=bundle.county_issued,
        is_test=bundle.is_test,
        status=bundle.status,
    )
