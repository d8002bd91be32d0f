"""``tally-app sheet blank`` and ``sheet print`` (issue 5, item 5): real PDFs read back as text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tally_app import service
from tally_app.cli import main
from tests.bundle_fixtures import PASSPHRASE, finalized_precinct, make_pki

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"
)


def pdf_text(path: Path) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


@needs_poppler
def test_blank_sheets_list_every_candidate_for_both_tally_keepers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "blank.pdf"
    assert main(["sheet", "blank", "--precinct", "0850001A", "--out", str(out)]) == 0
    text = pdf_text(out)
    assert "Robert Lee Ahn" in text and "Jimmy Gomez" in text and "0850001A" in text
    assert "TALLY KEEPER A — contest 1 of 1" in text and "TALLY KEEPER B — contest 1 of 1" in text
    assert str(out) in capsys.readouterr().out


def test_blank_sheets_refuse_an_unknown_precinct(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sheet", "blank", "--precinct", "nope", "--out", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert "'nope' is not in" in err and err.count("\n") == 1
    assert not (tmp_path / "x.pdf").exists()


@needs_poppler
def test_print_reprints_the_signed_tally_sheet_from_the_precinct_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tally_app.documents.signing import check_pdf_signature

    pki = make_pki(tmp_path / "pki")
    (tmp_path / "pass").write_bytes(PASSPHRASE + b"\n")
    session, _ = finalized_precinct(tmp_path / "data")
    path = session.path
    session.close()
    out = tmp_path / "sheet.pdf"
    code = main(
        [
            "sheet", "print", "--db", str(path), "--out", str(out),
            "--identity", str(pki.device_p12), "--passphrase-file", str(tmp_path / "pass"),
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    text = pdf_text(out)
    assert "Jimmy Gomez" in text and "0850001A" in text and "not county-issued" not in text
    check = check_pdf_signature(out.read_bytes(), service.load_trust_roots(pki.ca_pem))
    assert check.intact and check.valid and check.trusted
    with service.open_precinct(path) as reopened:
        printed = [e for e in reopened.store.audit_events() if e.event == "report.printed"]
    assert printed and printed[-1].details["target"] == "file"


@needs_poppler
def test_print_without_an_identity_says_not_county_issued(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session, _ = finalized_precinct(tmp_path / "data")
    path = session.path
    session.close()
    out = tmp_path / "sheet.pdf"
    assert main(["sheet", "print", "--db", str(path), "--out", str(out)]) == 0
    assert "not county-issued" in pdf_text(out)
    assert "not county-issued" in capsys.readouterr().out


def test_print_of_a_precinct_not_finalized_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.balanced_precinct import start

    with start(tmp_path / "data") as session:
        path = session.path
    assert main(["sheet", "print", "--db", str(path), "--out", str(tmp_path / "x.pdf")]) == 1
    err = capsys.readouterr().err
    assert "not finalized" in err and err.count("\n") == 1
    assert not (tmp_path / "x.pdf").exists()


def test_print_of_a_missing_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sheet", "print", "--db", str(tmp_path / "no.sqlite"), "--out", "x.pdf"]) == 2
    assert "is not a precinct file" in capsys.readouterr().err
