"""Checking bundles for the supervisor, in this process or in worker processes.

A worker verifies a bundle exactly as ``verify`` does (without the deep checks: the signed
manifest's hashes already cover the tally sheet and the audit log, DESIGN §11) and sends
back only a `Checked`: the verdict and the compact counts. Workers keep their compiled
validators and signature-validation context between bundles; the trust roots travel to
them once, as DER bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tally_app.aggregate.extract import Extracted, NotSummable, extract

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from cryptography import x509

IN_PROCESS_BELOW = 48  # fewer bundles than this: starting worker processes costs more
CHUNK = 16


@dataclass(frozen=True, slots=True)
class Checked:
    """What became of one bundle in the checks that need no election definition."""

    path: Path
    problems: tuple[str, ...]
    precinct_ids: tuple[str, ...] = ()
    is_test: bool = False
    status: str | None = None
    manifest_checked: bool = False  # a manifest was present and every check passed
    fingerprint: str | None = None
    county_issued: bool = False
    results_sha256: str | None = None
    extracted: Extracted | None = None


def check_one(folder: Path, roots: Sequence[x509.Certificate]) -> Checked:
    """Verify one bundle and take its counts; never raises for a hostile bundle."""
    from tally_app.verify.bundle_check import verify_bundle

    try:
        report = verify_bundle(folder, roots, deep=False)
    except Exception as exc:  # one hostile bundle must not stop the others
        return Checked(
            folder,
            (
                f"This bundle could not be checked ({type(exc).__name__}); it is not "
                "accepted. Please report it.",
            ),
        )
    problems = report.problems
    extracted = None
    if not problems and report.document is not None:
        try:
            extracted = extract(report.document)
        except NotSummable as exc:
            problems = (str(exc),)
        except Exception as exc:  # a shape the schema allowed but nobody foresaw
            problems = (f"results.json cannot be summed ({type(exc).__name__}).",)
    return Checked(
        folder,
        tuple(problems),
        precinct_ids=report.precinct_ids,
        is_test=report.is_test,
        status=report.status,
        manifest_checked=report.fingerprint_checked,
        fingerprint=report.fingerprint,
        county_issued=report.county_issued,
        results_sha256=report.results_sha256,
        extracted=extracted,
    )


_worker_roots: tuple[x509.Certificate, ...] = ()


def _start_worker(root_ders: tuple[bytes, ...]) -> None:
    from cryptography import x509

    global _worker_roots
    _worker_roots = tuple(x509.load_der_x509_certificate(d) for d in root_ders)


def _check_in_worker(folder: Path) -> Checked:
    return check_one(folder, _worker_roots)


def _start_method() -> BaseContext:
    """Fork where it is safe (no other thread: the command line), as it starts workers
    warm; spawn from a process with threads (the Supervisor window), since a forked child
    inherits only the calling thread and any lock another thread held."""
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def check_all(
    folders: Sequence[Path],
    roots: Sequence[x509.Certificate],
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Checked]:
    """Every bundle checked, in the order given; across processes when there are many."""
    total = len(folders)
    count = workers if workers is not None else (os.cpu_count() or 2)
    if total < IN_PROCESS_BELOW or count <= 1:
        for done, folder in enumerate(folders, start=1):
            yield check_one(folder, roots)
            if progress is not None:
                progress(done, total)
        return
    from concurrent.futures import ProcessPoolExecutor

    from cryptography.hazmat.primitives.serialization import Encoding

    ders = tuple(c.public_bytes(Encoding.DER) for c in roots)
    chunk = max(1, min(CHUNK, total // (count * 4) or 1))
    with ProcessPoolExecutor(
        max_workers=count,
        mp_context=_start_method(),
        initializer=_start_worker,
        initargs=(ders,),
    ) as pool:
        for done, checked in enumerate(
            pool.map(_check_in_worker, folders, chunksize=chunk), start=1
        ):
            yield checked
            if progress is not None and (done % chunk == 0 or done == total):
                progress(done, total)
