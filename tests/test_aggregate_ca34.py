"""The 195-precinct CA-34 runoff, aggregated, reproduces the certified totals (issue 6, item 6).

The per-precinct votes are the county's Statement of Votes Cast (tests/data/README.md). Each
precinct becomes a real bundle signed by a county-issued device (`testdeck.synthetic`: the
same results document, CSV, manifest and CMS code a laptop's export uses); the supervisor's
aggregation, through the facade and through the command line, must give Gomez 25,569 and
Ahn 17,610 with every precinct reporting. Ballots, overvotes and undervotes are checked
against sums read straight from the bundles' own results.json files.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tally_app import service
from tally_app.definition.model import CandidateContest, ElectionDefinition
from tally_app.definition.schema_check import nist_validator
from tally_app.testdeck.synthetic import (
    synthetic_definition,
    synthetic_definition_bytes,
    write_synthetic_bundles,
)
from tests.bundle_fixtures import PKI_CLOCK, Pki, make_pki

DATA = Path(__file__).resolve().parent / "data" / "ca34_2017_runoff_precinct_votes.csv"
CERTIFIED = {"Jimmy Gomez": 25_569, "Robert Lee Ahn": 17_610}  # SoS official canvass
PRECINCTS = 195


def read_votes() -> dict[str, dict[str, int]]:
    """precinct id → candidate name → votes, from the embedded Statement of Votes Cast rows."""
    votes: dict[str, dict[str, int]] = {}
    with DATA.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            votes.setdefault(row["precinct_id"], {})[row["candidate"]] = int(row["votes"])
    return votes


@dataclass(frozen=True)
class Drive:
    """A supervisor's drive holding the 195 bundles, and what the bundles themselves say."""

    root: Path
    pki: Pki
    definition: ElectionDefinition
    ballots: int  # Σ BallotsCast over the bundles' results.json
    overvotes: int
    undervotes: int


def _contest_of(definition: ElectionDefinition) -> CandidateContest:
    (contest,) = definition.contests
    assert isinstance(contest, CandidateContest)
    return contest


def _sums_from_files(root: Path) -> tuple[int, int, int]:
    ballots = over = under = 0
    for path in root.rglob("results.json"):
        doc = json.loads(path.read_bytes())
        (election,) = doc["Election"]
        ballots += sum(b["BallotsCast"] for b in election["BallotCounts"])
        for contest in election["Contest"]:
            for other in contest["OtherCounts"]:
                over += other["Overvotes"]
                under += other["Undervotes"]
    return ballots, over, under


@pytest.fixture(scope="module")
def drive(tmp_path_factory: pytest.TempPathFactory) -> Drive:
    base = tmp_path_factory.mktemp("ca34")
    pki = make_pki(base / "pki")
    definition = service.default_definition()
    assert definition.id == "ca34-2017-06-06"
    by_name: dict[str, str] = {c.name: c.id for c in _contest_of(definition).candidates}
    votes = {
        pid: {by_name[name]: n for name, n in counts.items()}
        for pid, counts in read_votes().items()
    }
    root = base / "drive"
    paths = write_synthetic_bundles(
        definition, votes, root, pki.identity, generated=PKI_CLOCK.now()
    )
    assert len(paths) == PRECINCTS
    return Drive(root, pki, definition, *_sums_from_files(root))


# --- the data itself ----------------------------------------------------------------------


def test_embedded_votes_sum_to_the_certified_totals() -> None:
    votes = read_votes()
    assert len(votes) == PRECINCTS
    totals: Counter[str] = Counter()
    for counts in votes.values():
        totals.update(counts)
    assert dict(totals) == CERTIFIED


def test_embedded_votes_are_the_shared_rows(shared_dir: Path) -> None:
    with (shared_dir / "ca34_2017" / "precinct_votes.csv").open(newline="", encoding="utf-8") as f:
        shared = [
            (r["precinct_id"], r["candidate"], r["votes"])
            for r in csv.DictReader(f)
            if r["election"] == "runoff"
        ]
    with DATA.open(newline="", encoding="utf-8") as f:
        embedded = [(r["precinct_id"], r["candidate"], r["votes"]) for r in csv.DictReader(f)]
    assert embedded == shared


def test_every_precinct_of_the_definition_has_votes() -> None:
    assert set(read_votes()) == {p.id for p in service.default_definition().precincts}


# --- the generator -----------------------------------------------------------------------


def test_synthetic_bundles_verify_and_balance(drive: Drive, tmp_path: Path) -> None:
    """Several contests of several candidates, made in two processes: every bundle valid."""
    definition = synthetic_definition(6, contests=3, candidates=4)
    when = PKI_CLOCK.now()
    assert synthetic_definition_bytes(6, contests=3, candidates=4) == definition.source_bytes
    paths = write_synthetic_bundles(
        definition,
        None,
        tmp_path,
        drive.pki.identity,
        generated=when,
        workers=2,
        precinct_ids=[p.id for p in definition.precincts[:5]],
    )
    assert [p.name for p in paths] == [p.id for p in definition.precincts[:5]]
    reports = service.verify_bundles(paths, service.load_trust_roots(drive.pki.ca_pem))
    assert [r.problems for r in reports] == [()] * 5
    assert all(r.fingerprint_checked and r.trusted for r in reports)
    again = write_synthetic_bundles(
        definition,
        None,
        tmp_path / "again",
        drive.pki.identity,
        generated=when,
        precinct_ids=[definition.precincts[0].id],
    )
    # Deterministic: the same precinct gives the same results.json in one process or two.
    assert (again[0] / "results.json").read_bytes() == (paths[0] / "results.json").read_bytes()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_a_generated_bundle_verifies_with_openssl(drive: Drive) -> None:
    folder = next(drive.root.rglob("results.json")).parent
    for name in ("results.json", "manifest.json"):
        done = subprocess.run(
            [
                "openssl",
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-purpose",
                "any",
                "-content",
                str(folder / name),
                "-in",
                str(folder / f"{name}.p7s"),
                "-CAfile",
                str(drive.pki.ca_pem),
                "-out",
                os.devnull,
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    listed = json.loads((folder / "manifest.json").read_bytes())["files"]
    assert sorted(f["name"] for f in listed) == ["results.csv", "results.json", "results.json.p7s"]


# --- the facade ---------------------------------------------------------------------------


def test_aggregate_reproduces_the_certified_totals(drive: Drive) -> None:
    seen: list[tuple[int, int]] = []
    result = service.aggregate(
        [drive.root],
        drive.definition,
        service.load_trust_roots(drive.pki.ca_pem),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert result.all_accepted and result.rejected == () and result.conflicts == ()
    assert result.missing == ()
    assert len(result.reporting) == result.precincts_total == PRECINCTS
    assert len(result.bundles) == PRECINCTS
    assert {b.disposition.summed for b in result.bundles} == {True}
    (contest,) = result.contests
    by_name = {s.name: s.votes for s in contest.selections}
    assert {name: by_name[name] for name in CERTIFIED} == CERTIFIED
    assert sum(s.votes for s in contest.selections if s.write_in) == 0
    assert (contest.ballots, contest.overvotes, contest.undervotes) == (
        drive.ballots,
        drive.overvotes,
        drive.undervotes,
    )
    # Every ballot gives the vote-for-one contest exactly one mark.
    assert sum(s.votes for s in contest.selections) + contest.overvotes + contest.undervotes == (
        contest.ballots
    )
    assert {row.disposition for row in result.precincts} == {"accepted"}
    assert sum(row.ballots or 0 for row in result.precincts) == drive.ballots
    if seen:
        assert seen[-1] == (PRECINCTS, PRECINCTS)


# --- the command line ---------------------------------------------------------------------


def _selection_totals(summary: Mapping[str, Any]) -> dict[str, int]:
    """Candidate ballot name → its total votes in a summary-contest document."""
    (election,) = summary["Election"]
    names = {c["@id"]: c["BallotName"]["Text"][0]["Content"] for c in election["Candidate"]}
    totals: Counter[str] = Counter()
    for contest in election["Contest"]:
        for selection in contest["ContestSelection"]:
            for cid in selection.get("CandidateIds", ()):
                totals[names[cid]] += sum(
                    vc["Count"] for vc in selection["VoteCounts"] if vc["Type"] == "total"
                )
    return dict(totals)


@pytest.fixture(scope="module")
def cli_run(
    drive: Drive, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[subprocess.CompletedProcess[str], Path]]:
    out = tmp_path_factory.mktemp("aggregate-out")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tally_app",
            "aggregate",
            str(drive.root),
            "--trust",
            str(drive.pki.ca_pem),
            "--out",
            str(out),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    yield done, out


def test_cli_json_gives_the_certified_totals(
    drive: Drive, cli_run: tuple[subprocess.CompletedProcess[str], Path]
) -> None:
    done, _ = cli_run
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # stdout holds only the JSON
    assert report["election_id"] == "ca34-2017-06-06"
    assert report["precincts_total"] == report["precincts_reporting"] == PRECINCTS
    assert report["missing"] == [] and report["rejected"] == [] and report["conflicts"] == []
    (contest,) = report["contests"]
    assert contest["id"] == _contest_of(drive.definition).id
    assert (contest["ballots"], contest["overvotes"], contest["undervotes"]) == (
        drive.ballots,
        drive.overvotes,
        drive.undervotes,
    )
    by_name = {s["name"]: s["votes"] for s in contest["selections"]}
    assert {name: by_name[name] for name in CERTIFIED} == CERTIFIED
    write_ins = [s for s in contest["selections"] if s["write_in"]]
    assert [s["votes"] for s in write_ins] == [0]


def test_cli_json_lists_are_sorted_by_id(
    cli_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, _ = cli_run
    (contest,) = json.loads(done.stdout)["contests"]
    ids = [s["id"] for s in contest["selections"]]
    assert ids == sorted(ids)


def test_cli_outputs_carry_the_certified_totals(
    cli_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = cli_run
    assert done.returncode == 0, done.stderr
    assert {"summary.json", "precincts.json", "results.csv", "certification.pdf"} <= {
        p.name for p in out.iterdir()
    }
    summary = json.loads((out / "summary.json").read_bytes())
    assert list(nist_validator().iter_errors(summary)) == []
    assert summary["Format"] == "summary-contest"
    assert {k: v for k, v in _selection_totals(summary).items() if k in CERTIFIED} == CERTIFIED

    precincts = json.loads((out / "precincts.json").read_bytes())
    assert list(nist_validator().iter_errors(precincts)) == []
    assert precincts["Format"] == "precinct-level"
    assert {k: v for k, v in _selection_totals(precincts).items() if k in CERTIFIED} == CERTIFIED

    with (out / "results.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    csv_totals: Counter[str] = Counter()
    for row in rows:
        if row["kind"] == "candidate":
            csv_totals[row["selection_name"]] += int(row["votes"])
    assert dict(csv_totals) == CERTIFIED
    assert (out / "certification.pdf").read_bytes().startswith(b"%PDF-")
