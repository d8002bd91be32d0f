"""Benchmark (issue 6, item 7): the supervisor verifies and aggregates 1,000 and 5,000 bundles.

    python bench/bench_aggregate.py [--sizes 1000 5000] [--runs 3] [--keep DIR]

Set-up, not timed: a county CA and a device (`tally_app.trust.authority`), a 5,000-precinct
definition of our own (`testdeck.synthetic.synthetic_definition`, DESIGN §14), and one real
signed bundle per precinct for the first N precincts (`write_synthetic_bundles`, both cores).

Timed, whole process, median of ``--runs``: ``tally-app aggregate DIR --trust ca.pem --out OUT
--election DEF --json``, which verifies every bundle (schema, references, arithmetic, manifest
hashes, both CMS signatures with the chain) and writes summary.json, precincts.json,
results.csv and the signed certification.pdf. Peak memory is the largest resident set of the
run (``/usr/bin/time -v`` when present, else ``getrusage(RUSAGE_CHILDREN)``), and CPU time
(user + system of the process and its workers) shows the cost per bundle even when other
programs share the cores.

Floor: ``bench/floors/floor_verify.py`` prints the bare per-file cost on one core of parsing
and schema-checking one results file and validating one detached CMS signature with its chain
(pyHanko). The floor for N bundles is (parse+schema + CMS+chain) × N / 2 cores: a bundle has
two signatures and a manifest too, so the ratio shows what the app pays beyond one file's
minimum. Targets (DESIGN §14): 5,000 bundles ≤ 20 s on 2 cores; 10× the bundles ≤ 11× the
time, so here time(5,000) / time(1,000) ≤ 5.5; memory flat.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from tally_app import service
from tally_app.clock import SystemClock
from tally_app.testdeck.synthetic import (
    synthetic_definition,
    write_synthetic_bundles,
)
from tally_app.trust.authority import create_ca, issue_device

PASSPHRASE = b"bench passphrase"
DEFINITION_PRECINCTS = 5000
CORES = 2
TARGET_S = 20.0
LINEAR_LIMIT = 1.1  # 10x the bundles in at most 11x the time: growth at most 1.1 x linear
TIME_V = Path("/usr/bin/time")
SHARED_STANDARDS = REPO.parent / "shared" / "standards"


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float  # user + system, of the process and its workers
    peak_mib: float
    report: dict[str, object]


def run_aggregate(bundles: Path, ca_pem: Path, election: Path, out: Path) -> Run:
    """One whole-process ``tally-app aggregate``: wall time, peak memory, its JSON."""
    command = [
        sys.executable,
        "-m",
        "tally_app",
        "aggregate",
        str(bundles),
        "--trust",
        str(ca_pem),
        "--out",
        str(out),
        "--election",
        str(election),
        "--json",
    ]
    use_time = TIME_V.is_file() and os.access(TIME_V, os.X_OK)
    if use_time:
        command = [str(TIME_V), "-v", *command]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"tally-app aggregate failed ({done.returncode}): {done.stderr[-2000:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    if use_time:
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        peak_kib = int(found.group(1)) if found else 0
    else:  # the largest child so far: right while runs grow or stay the same
        peak_kib = max(before, usage.ru_maxrss)
    return Run(seconds, cpu, peak_kib / 1024, json.loads(done.stdout))


def floor_per_file(tmp: Path, example: Path, files: int) -> tuple[float, float]:
    """(parse+schema, CMS+chain) seconds per file on one core, from floor_verify.py.

    The floor program finds its data in ``../standards/err-cdf`` beside its own folder; it
    runs from a staged copy whose standards are the shared folder's, or, without it, the
    app's copy of the NIST schema with one of the generated results files as the example.
    """
    stage = tmp / "floor"
    (stage / "floors").mkdir(parents=True)
    shutil.copy(HERE / "floors" / "floor_verify.py", stage / "floors" / "floor_verify.py")
    if (SHARED_STANDARDS / "err-cdf" / "precinct-min-example.json").is_file():
        (stage / "standards").symlink_to(SHARED_STANDARDS)
    else:
        err = stage / "standards" / "err-cdf"
        err.mkdir(parents=True)
        name = "NIST_V2_election_results_reporting.json"
        shutil.copy(REPO / "resources" / "schemas" / name, err / name)
        shutil.copy(example, err / "precinct-min-example.json")
    done = subprocess.run(
        [sys.executable, str(stage / "floors" / "floor_verify.py"), str(files)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"parse\+schema ([\d.]+) ms, CMS\+chain ([\d.]+) ms", done.stdout)
    if found is None:
        raise SystemExit(f"floor_verify.py printed something unexpected: {done.stdout!r}")
    return float(found.group(1)) / 1000, float(found.group(2)) / 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=3, help="whole-process runs per size")
    parser.add_argument("--floor-files", type=int, default=300, help="files floor_verify checks")
    parser.add_argument("--keep", type=Path, help="generate into (and keep) this folder")
    args = parser.parse_args(argv)
    if max(args.sizes) > DEFINITION_PRECINCTS or min(args.sizes) < 1:
        parser.error(f"sizes must be 1..{DEFINITION_PRECINCTS}")

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="bench-aggregate-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        clock = SystemClock()
        ca_pem = create_ca(tmp / "ca", "Bench County", PASSPHRASE, clock=clock)
        p12 = issue_device(
            tmp / "ca", "bench-laptop", PASSPHRASE, tmp / "dev.p12", PASSPHRASE, clock=clock
        )
        identity = service.load_identity(p12, PASSPHRASE)
        definition = synthetic_definition(DEFINITION_PRECINCTS)
        election = tmp / "election.json"
        election.write_bytes(definition.source_bytes)
        ids = [p.id for p in definition.precincts]

        folders: dict[int, Path] = {}
        for n in args.sizes:
            folders[n] = tmp / f"bundles-{n}"
            start = time.perf_counter()
            write_synthetic_bundles(
                definition,
                None,
                folders[n],
                identity,
                generated=clock.now(),
                workers=CORES,
                precinct_ids=ids[:n],
            )
            took = time.perf_counter() - start
            print(f"generated {n} bundles in {took:.1f} s (not timed)", file=sys.stderr)

        example = next(folders[min(args.sizes)].rglob("results.json"))
        schema_s, cms_s = floor_per_file(tmp, example, args.floor_files)
        print(
            f"floor per file, one core: parse+schema {schema_s * 1e3:.2f} ms, "
            f"CMS+chain {cms_s * 1e3:.2f} ms",
            file=sys.stderr,
        )

        results: dict[int, tuple[float, float, float]] = {}
        for n in args.sizes:
            runs = []
            for i in range(args.runs):
                out = tmp / f"out-{n}-{i}"
                run = run_aggregate(folders[n], ca_pem, election, out)
                report = run.report
                if report.get("precincts_reporting") != n or report.get("rejected"):
                    raise SystemExit(f"aggregate of {n} bundles did not accept them all: {report}")
                runs.append(run)
                shutil.rmtree(out, ignore_errors=True)
                print(
                    f"  {n} bundles, run {i + 1}: {run.seconds:.2f} s, CPU {run.cpu_seconds:.1f} s",
                    file=sys.stderr,
                )
            results[n] = (
                statistics.median(r.seconds for r in runs),
                max(r.peak_mib for r in runs),
                statistics.median(r.cpu_seconds for r in runs),
            )

        print(
            f"{'N':>6} {'app s':>8} {'floor s':>8} {'ratio':>6} {'peak MiB':>9} "
            f"{'CPU s':>7} {'CPU ms/bundle':>14}"
        )
        for n in args.sizes:
            seconds, peak, cpu = results[n]
            floor = (schema_s + cms_s) * n / CORES
            print(
                f"{n:>6} {seconds:8.2f} {floor:8.2f} {seconds / floor:6.2f} {peak:9.1f} "
                f"{cpu:7.1f} {cpu / n * 1000:14.2f}"
            )
        small, large = min(args.sizes), max(args.sizes)
        if large > small:
            growth = results[large][0] / results[small][0]
            allowed = LINEAR_LIMIT * large / small
            print(
                f"time({large}) / time({small}) = {growth:.2f} for {large / small:g}x the bundles "
                f"(linear limit {allowed:.2f}): {'linear' if growth <= allowed else 'NOT linear'}"
            )
            print(
                f"peak memory {results[small][1]:.0f} -> {results[large][1]:.0f} MiB "
                f"({results[large][1] / results[small][1]:.2f}x)"
            )
        if large == DEFINITION_PRECINCTS:
            verdict = "met" if results[large][0] <= TARGET_S else "MISSED"
            print(f"target: {large} bundles in <= {TARGET_S:g} s on {CORES} cores: {verdict}")
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
