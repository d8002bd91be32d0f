"""``tally-app test-deck run`` (issue 4, item 8): the whole headless path for every precinct."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tally_app import service
from tally_app.cli import main
from tally_app.definition.embedded import embedded_definition_paths
from tally_app.testdeck.deck import embedded_deck_path
from tests.bundle_fixtures import PASSPHRASE, make_pki


@pytest.fixture(autouse=True)
def laptop_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The laptop's own data folder, which a test-deck run must never touch."""
    data = tmp_path / "laptop-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    return data


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["test-deck", "run", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_runoff_deck_passes_and_every_bundle_is_a_valid_test_bundle(
    tmp_path: Path, laptop_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "lat"
    code, out, _ = run(capsys, "--out", str(out_dir), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["passed"] is True and report["election_id"] == "ca34-2017-06-06"
    ids = [p["precinct_id"] for p in report["precincts"]]
    assert ids == sorted(ids) and len(ids) >= 10
    assert all(p["passed"] and p["differences"] == [] for p in report["precincts"])
    bundles = service.verify_bundles([out_dir / "bundles"])
    assert len(bundles) == len(ids)
    assert all(b.valid and b.is_test for b in bundles)
    stores = sorted((out_dir / "stores").rglob("*.sqlite"))
    assert len(stores) == len(ids)
    assert not laptop_data.exists(), "a test deck wrote into the laptop's data folder"


def test_the_primary_deck_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    primary = Path(str(embedded_definition_paths()["ca34-2017-04-04"]))
    code, out, _ = run(capsys, "--election", str(primary), "--out", str(tmp_path / "lat"))
    assert code == 0, out
    assert "all passed" in out


def test_a_wrong_expectation_fails_with_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck_path = embedded_deck_path("ca34-2017-06-06")
    assert deck_path is not None
    deck = json.loads(deck_path.read_text(encoding="utf-8"))
    del deck["precincts"][1:]
    contest = next(iter(deck["precincts"][0]["expected"]["contests"].values()))
    gomez = "jimmy-gomez"
    contest["votes"][gomez] += 1
    (tmp_path / "deck.json").write_text(json.dumps(deck), encoding="utf-8")
    code, out, _ = run(
        capsys, "--deck", str(tmp_path / "deck.json"), "--out", str(tmp_path / "lat")
    )
    assert code == 1
    assert out.startswith("FAIL ")
    assert "Jimmy Gomez: expected" in out and "1 FAILED" in out


def test_a_county_identity_signs_the_test_bundles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pki = make_pki(tmp_path / "pki")
    (tmp_path / "pass").write_bytes(PASSPHRASE + b"\n")
    code, out, _ = run(
        capsys,
        "--out", str(tmp_path / "lat"),
        "--identity", str(pki.device_p12),
        "--passphrase-file", str(tmp_path / "pass"),
    )  # fmt: skip
    assert code == 0 and "not county-issued" not in out
    roots = service.load_trust_roots(pki.ca_pem)
    assert all(b.valid and b.trusted for b in service.verify_bundles([tmp_path / "lat"], roots))


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "something").write_text("x")
    code, _, err = run(capsys, "--out", str(tmp_path / "busy"))
    assert code == 2 and "not an empty folder" in err
    code, _, err = run(capsys, "--out", str(tmp_path / "x"), "--deck", str(tmp_path / "none"))
    assert code == 2 and err.count("\n") == 1
    code, _, err = run(capsys, "--out", str(tmp_path / "x"), "--passphrase-file", "f")
    assert code == 2 and "--identity" in err
