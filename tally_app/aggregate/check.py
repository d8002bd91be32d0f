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
from typing import TYPE_CHECKING, Any

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
    if report.document is not None:
        # Taken even from a bundle that failed a check, so that its precinct's row can say
        # which kind of count was rejected; its problems stay the first ones found.
        try:
            extracted = extract(report.document)
        except NotSummable as exc:
            problems = problems or (str(exc),)
        except Exception as exc:  # a shape the schema allowed but nobody foresaw
            problems = problems or (f"results.json cannot be summed ({type(exc).__name__}).",)
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
_worker_slots: Any = None  # shared: the index each worker is checking now (IDLE: none)
_worker_slot = 0
IDLE = -1


def _start_worker(root_ders: tuple[bytes, ...], slots: Any = None, claimed: Any = None) -> None:
    from cryptography import x509

    global _worker_roots, _worker_slots, _worker_slot
    _worker_roots = tuple(x509.load_der_x509_certificate(d) for d in root_ders)
    if slots is not None and claimed is not None:
        with claimed.get_lock():
            _worker_slot = claimed.value % len(slots)
            claimed.value += 1
        _worker_slots = slots


def _check_chunk(items: Sequence[tuple[int, Path]]) -> list[Checked]:
    """Check a few bundles, saying in shared memory which one is being checked, so that if
    this process dies the parent knows which bundle was in its hands."""
    checked = []
    for index, folder in items:
        if _worker_slots is not None:
            _worker_slots[_worker_slot] = index
        checked.append(check_one(folder, _worker_roots))
    if _worker_slots is not None:
        _worker_slots[_worker_slot] = IDLE
    return checked


def _not_checked(folder: Path) -> Checked:
    return Checked(
        folder,
        (
            "This bundle could not be checked: the process checking it stopped, twice; it is "
            "not accepted. Please report it.",
        ),
    )


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
    from cryptography.hazmat.primitives.serialization import Encoding

    ders = tuple(c.public_bytes(Encoding.DER) for c in roots)
    chunk = max(1, min(CHUNK, total // (count * 4) or 1))
    waiting: dict[int, Checked] = {}
    following = finished = 0
    for index, checked in _in_workers(folders, roots, ders, count, chunk):
        waiting[index] = checked
        finished += 1
        if progress is not None and (finished % chunk == 0 or finished == total):
            progress(finished, total)
        while following in waiting:  # in the order given, as soon as they are
            yield waiting.pop(following)
            following += 1


def _in_workers(
    folders: Sequence[Path],
    roots: Sequence[x509.Certificate],
    ders: tuple[bytes, ...],
    count: int,
    chunk: int,
) -> Iterator[tuple[int, Checked]]:
    """(index, verdict) for every folder, in the order they finish. A worker that dies (a
    native crash, the OOM killer) breaks the pool: the bundles that were in the workers'
    hands then are each checked again in a process of their own (the one that kills that
    one too "could not be checked"; an innocent one is simply checked), and the others not
    finished go to a fresh pool. No bundle is lost or wrongly blamed. A task that fails with
    an ordinary exception is checked again here, where check_one never raises."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    context = _start_method()
    remaining = list(range(len(folders)))
    while remaining:
        failed: list[int] = []
        slots = context.Array("q", [IDLE] * count, lock=False)
        claimed = context.Value("i", 0)
        with ProcessPoolExecutor(
            max_workers=count,
            mp_context=context,
            initializer=_start_worker,
            initargs=(ders, slots, claimed),
        ) as pool:
            parts = [remaining[i : i + chunk] for i in range(0, len(remaining), chunk)]
            pending = {pool.submit(_check_chunk, [(i, folders[i]) for i in p]): p for p in parts}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    part = pending.pop(future)
                    try:
                        checked = future.result()
                    except BrokenProcessPool:
                        failed += part
                        continue
                    except Exception:  # e.g. a verdict that could not be sent back
                        checked = [check_one(folders[i], roots) for i in part]
                    yield from zip(part, checked, strict=True)
        suspects = {i for i in slots if i != IDLE} & set(failed)
        if not suspects:  # no worker said what it held: check each alone
            suspects = set(failed)
        for i in sorted(suspects):
            yield i, _alone(folders[i], ders)
        remaining = sorted(set(failed) - suspects)


def _alone(folder: Path, ders: tuple[bytes, ...]) -> Checked:
    """One bundle checked in a process of its own; if that process dies too, the bundle
    could not be checked (never the parent process's life at stake)."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(
        max_workers=1, mp_context=_start_method(), initializer=_start_worker, initargs=(ders,)
    ) as pool:
        try:
            (checked,) = pool.submit(_check_chunk, [(IDLE, folder)]).result()
        except Exception:  # BrokenProcessPool above all
            return _not_checked(folder)
    return checked
