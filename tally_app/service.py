"""The facade: the one entry point the UI, the command line, the tests and the benchmarks call.

It owns no state of its own beyond what it is given (clock, data folder): dependencies are
passed in, not global. Heavy modules are imported where first needed, so that starting the
app pays only for what the first window uses (DESIGN §14).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from tally_app.file_names import file_part

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import datetime

    from cryptography import x509

    from tally_app.audit.events import Actor
    from tally_app.clock import Clock
    from tally_app.definition.loader import LoadResult
    from tally_app.definition.model import ElectionDefinition
    from tally_app.export.bundle import ExportReport
    from tally_app.session import PrecinctSession
    from tally_app.trust.identity import Identity
    from tally_app.verify.bundle_check import BundleReport


# --- election definitions -------------------------------------------------------------


def load_definition_result(path: str | os.PathLike[str]) -> LoadResult:
    """Load a definition file: a valid definition, or every problem found in it."""
    from tally_app.definition.loader import load_definition_file

    return load_definition_file(path)


def default_definition() -> ElectionDefinition:
    """The embedded default election (CA-34 special general, June 6, 2017)."""
    from tally_app.definition.embedded import default_definition as _default

    return _default()


def embedded_definitions() -> tuple[ElectionDefinition, ...]:
    """Every election shipped with the app, the default first."""
    from tally_app.definition.embedded import embedded_definition, embedded_definition_paths

    return tuple(embedded_definition(election_id) for election_id in embedded_definition_paths())


def load_definition(path: str | os.PathLike[str]) -> ElectionDefinition:
    """Load a definition file, or raise InputError listing every problem in it."""
    from tally_app.errors import InputError

    result = load_definition_result(path)
    if result.definition is None:
        first = result.problems[0]
        more = len(result.problems) - 1
        raise InputError(
            "definition_invalid",
            f"{os.fspath(path)} is not a valid election definition: {first.message}"
            + (
                f" (and {more} more problem(s); run 'tally-app definition check' to see all)"
                if more
                else ""
            ),
            problems=result.problems,
        )
    return result.definition


def definition_from_bytes(data: bytes) -> ElectionDefinition:
    """Parse a definition kept inside a precinct file, with every check.

    The file sits on a disk anyone could edit, so it is checked as fully as a new file.
    (The window never needs this: it opens a precinct with the definition it already has,
    and the fingerprints must match.)
    """
    from tally_app.definition.loader import load_definition_bytes
    from tally_app.errors import InputError

    result = load_definition_bytes(data, source="precinct file")
    if result.definition is None:
        raise InputError(
            "stored_definition_invalid",
            "The election definition stored in this precinct file no longer loads; "
            "the file may be damaged. Ask the county for help.",
            problems=result.problems,
        )
    return result.definition


# --- precinct files ----------------------------------------------------------------------


def default_data_dir() -> Path:
    """Where this laptop keeps its precinct files (the per-user data folder)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("precinct-tally", appauthor=False))


def precinct_file(data_dir: Path, election_id: str, precinct_id: str) -> Path:
    """The one SQLite file of a precinct for an election."""
    return Path(data_dir) / file_part(election_id) / f"{file_part(precinct_id)}.sqlite"


def started_precincts(data_dir: Path, definition: ElectionDefinition) -> tuple[str, ...]:
    """Ids of the definition's precincts that already have a file in ``data_dir``."""
    folder = Path(data_dir) / file_part(definition.id)
    try:
        present = set(os.listdir(folder))  # one directory read, not one stat per precinct
    except OSError:
        return ()
    return tuple(p.id for p in definition.precincts if f"{file_part(p.id)}.sqlite" in present)


def start_precinct(
    data_dir: Path,
    definition: ElectionDefinition,
    precinct_id: str,
    *,
    actor: Actor,
    clock: Clock | None = None,
) -> PrecinctSession:
    """Open the precinct's file, creating it on first use."""
    from tally_app.clock import SystemClock
    from tally_app.errors import InputError
    from tally_app.session import PrecinctSession
    from tally_app.store.precinct_store import PrecinctStore

    clock = clock or SystemClock()
    try:
        definition.precinct(precinct_id)
    except KeyError:
        raise InputError(
            "unknown_precinct",
            f"Precinct {precinct_id!r} is not in {definition.title}; check the id.",
        ) from None
    path = precinct_file(data_dir, definition.id, precinct_id)
    if path.exists():
        return open_precinct(path, definition=definition, clock=clock)
    path.parent.mkdir(parents=True, exist_ok=True)
    store = PrecinctStore.create(path, definition, precinct_id, clock=clock, actor=actor)
    return PrecinctSession(store, definition, clock)


def open_precinct(
    path: Path,
    *,
    definition: ElectionDefinition | None = None,
    clock: Clock | None = None,
) -> PrecinctSession:
    """Open an existing precinct file. Without ``definition``, the stored one is used."""
    from tally_app.clock import SystemClock
    from tally_app.session import PrecinctSession
    from tally_app.store.precinct_store import PrecinctStore

    clock = clock or SystemClock()
    store = PrecinctStore.open(Path(path), clock=clock)
    try:
        if definition is None:
            definition = _built_in(store.definition_bytes) or definition_from_bytes(
                store.definition_bytes
            )
        return PrecinctSession(store, definition, clock)
    except BaseException:
        store.close()
        raise


def _built_in(data: bytes) -> ElectionDefinition | None:
    """The built-in election whose file is exactly ``data`` (already checked when shipped),
    so that opening its precinct files skips the full check a foreign file gets."""
    import hashlib

    from tally_app.definition.embedded import embedded_definition, embedded_definition_paths

    for election_id, path in embedded_definition_paths().items():
        if path.read_bytes() == data:
            definition = embedded_definition(election_id)
            if definition.fingerprint == hashlib.sha256(data).hexdigest():
                return definition
    return None


# --- where the laptop left off -------------------------------------------------------------

_LAST_PRECINCT = "last-precinct.json"


def remember_last_precinct(data_dir: Path, election_id: str, precinct_id: str) -> None:
    """Note the precinct in use, so that a restart (even after a crash) reopens it."""
    import json

    from tally_app.atomic_file import write_atomically

    payload = json.dumps({"election_id": election_id, "precinct_id": precinct_id})
    write_atomically(Path(data_dir) / _LAST_PRECINCT, payload.encode("utf-8"))


def forget_last_precinct(data_dir: Path) -> None:
    (Path(data_dir) / _LAST_PRECINCT).unlink(missing_ok=True)


def last_precinct_note(data_dir: Path) -> tuple[str, str] | None:
    """(election id, precinct id) of the precinct last in use on this laptop, if noted."""
    import json

    try:
        raw = (Path(data_dir) / _LAST_PRECINCT).read_bytes()
        note = json.loads(raw[:4096])
    except (OSError, ValueError):
        return None
    if not isinstance(note, dict):
        return None
    election_id, precinct_id = note.get("election_id"), note.get("precinct_id")
    if not isinstance(election_id, str) or not isinstance(precinct_id, str):
        return None
    return election_id, precinct_id


def last_precinct(data_dir: Path, definition: ElectionDefinition) -> str | None:
    """The precinct of ``definition`` last in use on this laptop, if its file still exists."""
    note = last_precinct_note(data_dir)
    if note is None or note[0] != definition.id:
        return None
    precinct_id = note[1]
    if precinct_id not in {p.id for p in definition.precincts}:
        return None
    return precinct_id if precinct_file(data_dir, definition.id, precinct_id).exists() else None


def resume_definition(data_dir: Path) -> ElectionDefinition:
    """The election to open at start: the built-in one of the last precinct, else the default."""
    from tally_app.definition.embedded import embedded_definition, embedded_definition_paths

    note = last_precinct_note(data_dir)
    if note is not None and note[0] in embedded_definition_paths():
        return embedded_definition(note[0])
    return default_definition()


# --- device identity, export and verification --------------------------------------------


def device_identity(
    data_dir: Path, passphrase: bytes, *, clock: Clock | None = None, create: bool = False
) -> Identity:
    """This laptop's signing identity: the county-issued one if installed, else its own
    self-signed one (made on first use when ``create``; it says "not county-issued")."""
    from tally_app.clock import SystemClock
    from tally_app.trust.identity import local_identity

    return local_identity(Path(data_dir), passphrase, clock=clock or SystemClock(), create=create)


def device_identity_status(data_dir: Path) -> str:
    """ "county", "self-signed" or "none": which identity this laptop would sign with."""
    from tally_app.trust.identity import local_identity_status

    return local_identity_status(Path(data_dir))


def throwaway_identity(clock: Clock | None = None) -> Identity:
    """A self-signed identity that lives only in memory (commands run without --identity)."""
    import secrets

    from tally_app.clock import SystemClock
    from tally_app.trust.identity import self_signed_identity

    return self_signed_identity(
        f"unregistered-{secrets.token_hex(4)}", clock=clock or SystemClock()
    )


def load_identity(path: Path, passphrase: bytes) -> Identity:
    """A PKCS#12 device identity (``keys issue-device``), opened with its passphrase."""
    from tally_app.trust.identity import load_identity as _load

    return _load(Path(path), passphrase)


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
    """Write the finalized precinct's signed bundle under ``root``, read it back, record it."""
    from tally_app.export.precinct_export import export_precinct as _export

    return _export(
        session,
        Path(root),
        identity,
        confirmer_ids=confirmer_ids,
        actor=actor,
        is_test=is_test,
        extra_files=extra_files,
        progress=progress,
    )


def load_trust_roots(path: Path) -> tuple[x509.Certificate, ...]:
    """The county CA certificate(s) to trust, from a PEM file (``ca.pem``)."""
    from tally_app.trust.authority import load_trust_roots as _load

    return _load(Path(path))


def verify_bundles(
    paths: Iterable[Path],
    trust_roots: Sequence[x509.Certificate] = (),
    *,
    deep: bool = True,
) -> list[BundleReport]:
    """Find every bundle under ``paths`` and check each one (InputError if a folder cannot
    be searched; `verify_paths` reports such folders instead)."""
    from tally_app.verify.discover import find_bundles

    return [_verify_one(p, trust_roots, deep) for p in find_bundles(paths)]


def verify_paths(
    paths: Iterable[Path],
    trust_roots: Sequence[x509.Certificate] = (),
    *,
    deep: bool = True,
) -> tuple[list[BundleReport], tuple[str, ...]]:
    """Every bundle under ``paths`` checked, and one sentence per folder that could not be
    searched (unreadable, too deep): bundles in it were not seen."""
    from tally_app.verify.discover import discover

    found = discover(paths)
    return [_verify_one(p, trust_roots, deep) for p in found.folders], found.warnings


def _verify_one(folder: Path, trust_roots: Sequence[x509.Certificate], deep: bool) -> BundleReport:
    from tally_app.verify.bundle_check import BundleReport, verify_bundle

    try:
        return verify_bundle(folder, trust_roots, deep=deep)
    except Exception as exc:  # one hostile bundle must not stop the checking of the rest
        return BundleReport(
            folder,
            (
                f"This bundle could not be checked ({type(exc).__name__}); it is not "
                "accepted. Please report it.",
            ),
        )


# --- documents ----------------------------------------------------------------------------


def _results_sha256(session: PrecinctSession, identity: Identity, *, is_test: bool) -> str:
    """SHA-256 of results.json exactly as exporting with ``identity`` writes it."""
    import hashlib

    from tally_app.export.bundle import app_version
    from tally_app.export.results_document import results_json_bytes

    doc = session.results_document(
        device_id=identity.device_id,
        county_issued=identity.county_issued,
        is_test=is_test,
        app_version=app_version(),
    )
    return hashlib.sha256(results_json_bytes(doc)).hexdigest()


def tally_sheet_pdf(
    session: PrecinctSession,
    identity: Identity,
    *,
    now: datetime | None = None,
    is_test: bool = False,
) -> bytes:
    """The finalized precinct's tally sheet and certificate of performance, signed (PAdES).

    Its results fingerprint is that of the results.json exported since finalizing (and its
    TEST mark that export's), so a reprint always matches the file on the drive; before any
    export, that of the results.json an export with ``identity`` will write.
    """
    from tally_app.export.bundle import signed_tally_sheet

    exported = session.last_export()
    if exported is not None:
        results_sha256 = str(exported.get("results_sha256"))
        is_test = bool(exported.get("is_test"))
    else:
        results_sha256 = _results_sha256(session, identity, is_test=is_test)
    return signed_tally_sheet(
        session,
        identity,
        when=now or session.clock.now(),
        results_sha256=results_sha256,
        is_test=is_test,
    )


def posting_copy_pdf(
    session: PrecinctSession,
    identity: Identity,
    *,
    now: datetime | None = None,
    is_test: bool = False,
) -> bytes:
    """The one-page results of votes cast for posting outside the polling place, signed."""
    from tally_app.documents.posting import posting_copy_pdf as render
    from tally_app.documents.signing import sign_pdf
    from tally_app.export.bundle import app_version

    when = now or session.clock.now()
    unsigned = render(
        session,
        generated=when,
        is_test=is_test,
        app_version=app_version(),
        county_issued=identity.county_issued,
    )
    return sign_pdf(
        unsigned, identity, when=when, reason=f"Results posting, precinct {session.precinct.id}"
    )


def blank_sheets_pdf(
    definition: ElectionDefinition,
    precinct_id: str | None,
    *,
    now: datetime | None = None,
    is_test: bool = False,
) -> bytes:
    """Blank hand-count tally sheets for tally keepers A and B (unsigned: nothing to certify)."""
    from tally_app.clock import SystemClock
    from tally_app.documents.blank_sheets import blank_sheets_pdf as render
    from tally_app.export.bundle import app_version

    return render(
        definition,
        precinct_id,
        generated=now or SystemClock().now(),
        app_version=app_version(),
        is_test=is_test,
    )


def record_printed(
    session: PrecinctSession, actor: Actor, document: str, *, copies: int, target: str
) -> None:
    """Log that a document was printed or saved (DESIGN §7)."""
    from tally_app.audit.catalogue import EventId

    session.store.record_event(
        EventId.REPORT_PRINTED,
        actor,
        {"document": document, "copies": copies, "target": target},
    )


def save_file(path: Path, data: bytes) -> None:
    """Save one file (a PDF) to a drive or folder as an export is written: temporary name,
    fsync, rename, then read back and compared; the same clear errors."""
    from tally_app.export.media import write_files

    path = Path(path)
    write_files(path.parent, [(path.name, data)], root=path.parent)


# --- the supervisor (DESIGN §11) -----------------------------------------------------------

if TYPE_CHECKING:
    from tally_app.aggregate.model import Aggregation


def aggregate(
    paths: Iterable[Path],
    definition: ElectionDefinition,
    trust_roots: Sequence[x509.Certificate],
    *,
    allow_test: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Aggregation:
    """Verify every bundle under ``paths`` and sum the ones that may be summed."""
    from tally_app.aggregate.collect import aggregate as _aggregate

    return _aggregate(
        [Path(p) for p in paths],
        definition,
        trust_roots,
        allow_test=allow_test,
        progress=progress,
    )


def certification_pdf(
    aggregation: Aggregation, identity: Identity, *, now: datetime | None = None
) -> bytes:
    """The supervisor's certification sheet, signed (PAdES) with ``identity``."""
    from tally_app.clock import SystemClock
    from tally_app.documents.certification import certification_pdf as render
    from tally_app.documents.signing import sign_pdf
    from tally_app.export.bundle import app_version

    when = now or SystemClock().now()
    unsigned = render(
        aggregation,
        generated=when,
        app_version=app_version(),
        device_id=identity.device_id,
        county_issued=identity.county_issued,
    )
    return sign_pdf(
        unsigned, identity, when=when, reason=f"Certification of {aggregation.election_title}"
    )


def write_aggregate_outputs(
    aggregation: Aggregation, out_dir: Path, identity: Identity, *, now: datetime | None = None
) -> tuple[Path, ...]:
    """summary.json, precincts.json, results.csv and the signed certification.pdf in out_dir."""
    from tally_app.aggregate.outputs import write_outputs

    return write_outputs(
        aggregation, Path(out_dir), certification_pdf(aggregation, identity, now=now), now=now
    )
