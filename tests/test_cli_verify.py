"""``tally-app verify`` (issue 4, item 7): exit codes, one sentence per failure, --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tally_app.cli import main
from tests.bundle_fixtures import Pki, export, finalized_precinct, make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def drive(tmp_path: Path, pki: Pki) -> Path:
    """A drive holding one exported bundle."""
    session, members = finalized_precinct(tmp_path / "data")
    with session:
        export(session, members, tmp_path / "usb", pki.identity)
    return tmp_path / "usb"


def test_a_valid_bundle_exits_0(drive: Path, pki: Pki, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(drive), "--trust", str(pki.ca_pem)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("VALID ") and "(trusted)" in out
    assert "1 bundle checked, all valid." in err


def test_json_holds_only_json(drive: Path, pki: Pki, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(drive), "--trust", str(pki.ca_pem), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (bundle,) = report["bundles"]
    assert report["valid"] is True and bundle["valid"] is True and bundle["trusted"] is True
    assert bundle["precinct_ids"] == ["0850001A"] and bundle["problems"] == []


def test_a_changed_file_exits_1_with_one_sentence(
    drive: Path, pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    (csv,) = drive.rglob("results.csv")
    csv.write_bytes(csv.read_bytes().replace(b"140", b"141"))
    assert main(["verify", str(drive), "--trust", str(pki.ca_pem)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("INVALID ")
    assert "problem: results.csv is not the file the manifest lists" in out
    assert "Traceback" not in out + err


def test_nothing_found_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(tmp_path)]) == 1
    assert "no results bundle" in capsys.readouterr().err


def test_an_unreadable_trust_file_is_a_usage_error(
    drive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate")
    assert main(["verify", str(drive), "--trust", str(tmp_path / "ca.pem")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_missing_path_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert "is not a folder or a results.json file" in err and err.count("\n") == 1


def test_a_folder_that_cannot_be_searched_is_a_warning_and_exit_1(
    drive: Path, pki: Pki, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bundle in an unreadable folder is not seen: say so, and do not call the drive valid."""
    import os

    broken = drive / "broken"
    broken.mkdir()
    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if Path(str(path)) == broken:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr("tally_app.verify.discover.os.scandir", scandir)
    assert main(["verify", str(drive), "--trust", str(pki.ca_pem)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("VALID ")  # the readable bundle is still checked
    assert "warning:" in err and "broken" in err
