"""``tally-app aggregate`` (issue 6 items 1 and 3): the outputs, the --json shape, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tally_app.cli import main
from tally_app.clock import SystemClock
from tally_app.definition.model import ElectionDefinition
from tally_app.definition.schema_check import nist_validator, schema_problems
from tally_app.export.results_csv import results_csv_bytes
from tally_app.testdeck.deck import embedded_deck_path, load_deck
from tally_app.testdeck.run import run_deck
from tally_app.verify.references import reference_problems
from tests.bundle_fixtures import PASSPHRASE, Pki
from tests.test_aggregate_helpers import county_bundles, votes_in

pytest_plugins = ["tests.test_aggregate_helpers"]  # the runoff and pki fixtures


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory, runoff: ElectionDefinition, pki: Pki) -> Path:
    """The 12 TEST bundles of the CA-34 runoff's test deck, exported with a county identity."""
    out = tmp_path_factory.mktemp("deck") / "run"
    deck = load_deck(embedded_deck_path(runoff.id), runoff)  # type: ignore[arg-type]
    outcomes = run_deck(runoff, deck, out, pki.identity, clock=SystemClock())
    assert all(o.passed for o in outcomes)
    return out / "bundles"


@pytest.fixture
def usb(tmp_path: Path, runoff: ElectionDefinition, pki: Pki) -> Path:
    """Three real precinct bundles and one tampered copy of a fourth."""
    ids = [p.id for p in runoff.precincts[:4]]
    bundles = county_bundles(runoff, ids, tmp_path / "usb", pki.identity)
    results = bundles[3] / "results.json"
    results.write_bytes(results.read_bytes().replace(b'"Issuer": "L', b'"Issuer": "K', 1))
    return tmp_path / "usb"


def _args(pki: Pki, out: Path, *paths: Path) -> list[str]:
    return ["aggregate", *map(str, paths), "--trust", str(pki.ca_pem), "--out", str(out)]


def _valid_nist(path: Path, fmt: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_bytes())
    assert doc["Format"] == fmt
    assert schema_problems(nist_validator(), doc) == []
    assert reference_problems(doc) == []
    return doc


def test_json_has_exactly_the_issue_shape_and_rejected_exits_1(
    usb: Path,
    tmp_path: Path,
    pki: Pki,
    runoff: ElectionDefinition,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*_args(pki, tmp_path / "out", usb), "--json"]) == 1
    captured = capsys.readouterr()
    report = json.loads(captured.out)  # nothing else on stdout
    assert list(report) == [
        "election_id",
        "precincts_total",
        "precincts_reporting",
        "missing",
        "rejected",
        "conflicts",
        "contests",
    ]
    assert report["election_id"] == runoff.id
    assert report["precincts_total"] == len(runoff.precincts) == 195
    assert report["precincts_reporting"] == 3
    assert report["missing"] == sorted(report["missing"]) and len(report["missing"]) == 192
    (rejected,) = report["rejected"]
    assert list(rejected) == ["path", "reason"]
    assert rejected["path"].endswith(runoff.precincts[3].id)
    assert "signature of results.json does not match" in rejected["reason"]
    assert report["conflicts"] == []
    (contest,) = report["contests"]
    assert list(contest) == ["id", "name", "ballots", "overvotes", "undervotes", "selections"]
    assert contest["id"] == "us-rep-cd34" and isinstance(contest["ballots"], int)
    for selection in contest["selections"]:
        assert list(selection) == ["id", "name", "votes", "write_in"]
        assert isinstance(selection["votes"], int) and isinstance(selection["write_in"], bool)
    summed = sorted(usb.rglob("results.json"))[:3]
    assert {s["id"]: s["votes"] for s in contest["selections"]} == votes_in(
        [p.parent for p in summed]
    )
    assert [s["id"] for s in contest["selections"]] == [
        "jimmy-gomez",
        "robert-lee-ahn",
        "us-rep-cd34-write-ins",
    ]
    assert [s["write_in"] for s in contest["selections"]] == [False, False, True]
    assert "Traceback" not in captured.err and "verifying bundles" in captured.err


def test_the_outputs_are_valid_nist_documents_a_csv_and_a_signed_pdf(
    usb: Path, tmp_path: Path, pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main([*_args(pki, out, usb), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert sorted(p.name for p in out.iterdir()) == [
        "certification.pdf",
        "precincts.json",
        "results.csv",
        "summary.json",
    ]
    summary = _valid_nist(out / "summary.json", "summary-contest")
    (contest,) = summary["Election"][0]["Contest"]
    county = summary["Election"][0]["ElectionScopeId"]
    totals = {s["@id"]: s["VoteCounts"] for s in contest["ContestSelection"]}
    for s in report["contests"][0]["selections"]:
        assert totals[s["id"]] == [
            {
                "@type": "ElectionResults.VoteCounts",
                "GpUnitId": county,
                "Type": "total",
                "Count": s["votes"],
            }
        ]
    (unit,) = [u for u in summary["GpUnit"] if u["@id"] == county]
    assert (unit["SubUnitsReported"], unit["TotalSubUnits"]) == (3, 195)
    precincts = _valid_nist(out / "precincts.json", "precinct-level")
    reported = {b["GpUnitId"] for b in precincts["Election"][0]["BallotCounts"]}
    assert len(reported) == 3
    assert (out / "results.csv").read_bytes() == results_csv_bytes(precincts)
    assert (out / "certification.pdf").read_bytes().startswith(b"%PDF")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp file left


def test_test_deck_bundles_are_refused_without_test_and_summed_with_it(
    deck: Path, tmp_path: Path, pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*_args(pki, tmp_path / "a", deck), "--json"]) == 1
    refused = json.loads(capsys.readouterr().out)
    assert len(refused["rejected"]) == 12 and refused["precincts_reporting"] == 0
    assert all("TEST bundle" in r["reason"] for r in refused["rejected"])
    assert [r["path"] for r in refused["rejected"]] == sorted(
        r["path"] for r in refused["rejected"]
    )
    assert main([*_args(pki, tmp_path / "b", deck), "--json", "--test"]) == 0
    summed = json.loads(capsys.readouterr().out)
    assert summed["rejected"] == [] and summed["precincts_reporting"] == 12
    assert _valid_nist(tmp_path / "b" / "summary.json", "summary-contest")["IsTest"] is True


def test_readable_summary_and_exit_0_when_everything_is_accepted(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    county_bundles(runoff, [runoff.precincts[0].id], tmp_path / "usb", pki.identity)
    secret = tmp_path / "pass"
    secret.write_bytes(PASSPHRASE + b"\n")
    args = [*_args(pki, tmp_path / "out", tmp_path / "usb")]
    assert main([*args, "--identity", str(pki.device_p12), "--passphrase-file", str(secret)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("ACCEPTED ") and "1 of 195 precincts reporting" in out
    assert "Jimmy Gomez" in out and "not county-issued" not in err


@pytest.mark.parametrize("what", ["trust", "election", "out", "passphrase"])
def test_unusable_trust_election_or_out_is_a_usage_error(
    usb: Path, tmp_path: Path, pki: Pki, what: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad"
    bad.write_text("not what it should be")
    args = _args(pki, tmp_path / "out", usb)
    if what == "trust":
        args[args.index("--trust") + 1] = str(bad)
    elif what == "election":
        args += ["--election", str(tmp_path / "nowhere.json")]
    elif what == "out":
        args[args.index("--out") + 1] = str(bad / "sub")
    else:
        args += ["--passphrase-file", str(bad)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out" / "summary.json").exists()


def test_a_missing_trust_option_is_a_usage_error(
    usb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["aggregate", str(usb), "--out", str(tmp_path / "out")]) == 2
    assert "--trust" in capsys.readouterr().err
