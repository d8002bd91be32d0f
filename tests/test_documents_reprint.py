"""The printed documents against the files they vouch for: a reprinted tally sheet carries the
fingerprint (and TEST mark) of the results.json actually exported, the bundle's sheet is
signed over that fingerprint, names are printed as text (never as markup), and the bytes do
not depend on the process."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tally_app import service
from tally_app.cli import main
from tally_app.definition.model import CandidateContest, ElectionDefinition
from tally_app.documents.blank_sheets import blank_sheets_pdf
from tally_app.documents.posting import posting_copy_pdf
from tally_app.documents.tally_sheet import tally_sheet_pdf
from tally_app.entries import Sheet
from tests.balanced_precinct import INSPECTOR, add_two_members, enter_balanced, start
from tests.bundle_fixtures import PASSPHRASE, export, finalized_precinct, make_pki

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfsig") is None,
    reason="pdftotext and pdfsig (poppler-utils) are not installed",
)

GENERATED = datetime(2017, 6, 6, 21, 30, tzinfo=UTC)
SHA = "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c"


def pages(pdf: bytes, tmp_path: Path, name: str = "doc.pdf", *, layout: bool = True) -> list[str]:
    path = tmp_path / name
    path.write_bytes(pdf)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return out.split("\f")[:-1]


def flat(text: str) -> str:
    return " ".join(text.split())


def finalized(tmp_path: Path, definition: ElectionDefinition):  # type: ignore[no-untyped-def]
    session = start(tmp_path, definition)
    enter_balanced(session)
    session.finalize(add_two_members(session), INSPECTOR)
    return session


def unsigned_sheet(session, **overrides: object) -> bytes:  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "generated": GENERATED,
        "results_sha256": SHA,
        "device_id": "laptop-0042",
        "county_issued": True,
        "is_test": False,
        "app_version": "test",
    }
    args.update(overrides)
    return tally_sheet_pdf(session, **args)  # type: ignore[arg-type]


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_reprint_without_identity_carries_the_fingerprint_of_the_exported_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sheet print` without --identity prints the SHA-256 of the results.json exported (the
    export.written event records it), not of one rebuilt with a throw-away device id."""
    pki = make_pki(tmp_path / "pki")
    session, members = finalized_precinct(tmp_path / "data")
    report = export(session, members, tmp_path / "usb", pki.identity)
    db = session.path
    session.close()
    exported = hashlib.sha256((report.folder / "results.json").read_bytes()).hexdigest()
    out = tmp_path / "reprint.pdf"
    assert main(["sheet", "print", "--db", str(db), "--out", str(out)]) == 0
    text = pdf_text(out)
    assert "Results fingerprint" in text
    assert exported in text, "the reprinted fingerprint is not the exported results.json's"


def test_reprint_of_a_test_export_is_marked_test_and_matches_its_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A precinct exported as a TEST bundle is reprinted as TEST on every page, with the
    fingerprint of that bundle's results.json."""
    pki = make_pki(tmp_path / "pki")
    (tmp_path / "pass").write_bytes(PASSPHRASE + b"\n")
    session, members = finalized_precinct(tmp_path / "data")
    report = export(session, members, tmp_path / "usb", pki.identity, is_test=True)
    db = session.path
    session.close()
    exported = hashlib.sha256((report.folder / "results.json").read_bytes()).hexdigest()
    out = tmp_path / "reprint.pdf"
    code = main(
        [
            "sheet", "print", "--db", str(db), "--out", str(out),
            "--identity", str(pki.device_p12), "--passphrase-file", str(tmp_path / "pass"),
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    sheets = pages(out.read_bytes(), tmp_path, "r.pdf")
    assert all("TEST — NOT AN ELECTION RESULT" in page for page in sheets)
    assert exported in pdf_text(out)


HOSTILE_CANDIDATE = "A & B <b>bold</b>"
HOSTILE_CANDIDATE_2 = "<font size=80>x</font> José Ñ O'Brien"
HOSTILE_WRITE_IN = "<font size=80>WRITE</font> & <b>"
HOSTILE_MEMBER = "Zoë <b>Q</b> & Co"
HOSTILE_SEAL = "<br/>S&1"


def _hostile(definition: ElectionDefinition) -> ElectionDefinition:
    contest = definition.contests[0]
    assert isinstance(contest, CandidateContest)
    first, second = contest.candidates[:2]
    candidates = (
        replace(first, name=HOSTILE_CANDIDATE),
        replace(second, name=HOSTILE_CANDIDATE_2),
        *contest.candidates[2:],
    )
    contest = replace(contest, title='Measure <i>A</i> & "B"', candidates=candidates)
    return replace(definition, contests=(contest,))


def test_markup_in_names_is_printed_as_text_never_interpreted(tmp_path: Path) -> None:
    """Every name from the definition or typed in is escaped for Paragraph."""
    definition = _hostile(service.default_definition())
    session = start(tmp_path, definition)
    enter_balanced(session)
    contest = session.contests[0]
    for sheet in (Sheet.A, Sheet.B):
        session.add_write_in(sheet, contest.id, HOSTILE_WRITE_IN, INSPECTOR)
        wid = session.entries().sheets[sheet][contest.id].write_ins[-1].id
        session.set_write_in(wid, count=0, actor=INSPECTOR)
    members = add_two_members(session)
    session.add_board_member(HOSTILE_MEMBER, "clerk", INSPECTOR)
    session.add_seal("Ballot box & <i>lid</i>", HOSTILE_SEAL, INSPECTOR)
    session.finalize(members, INSPECTOR)
    with session:
        sheet_text = flat(" ".join(pages(unsigned_sheet(session), tmp_path, layout=False)))
        post = posting_copy_pdf(session, generated=GENERATED, is_test=False, app_version="t")
        post_text = flat(" ".join(pages(post, tmp_path, "p.pdf", layout=False)))
    blank = blank_sheets_pdf(definition, None, generated=GENERATED, app_version="t")
    blank_text = flat(" ".join(pages(blank, tmp_path, "b.pdf", layout=False)))
    for name in (HOSTILE_CANDIDATE, HOSTILE_CANDIDATE_2, 'Measure <i>A</i> & "B"'):
        assert name in sheet_text and name in post_text and name in blank_text
    for typed in (HOSTILE_WRITE_IN, HOSTILE_MEMBER, HOSTILE_SEAL, "Ballot box & <i>lid</i>"):
        assert typed in sheet_text


def test_the_bundle_sheet_carries_the_bundle_results_fingerprint(tmp_path: Path) -> None:
    """tally-sheet.pdf in the bundle shows sha256(results.json) in full and in groups,
    and pdfsig says its signature is valid; a changed byte makes pdfsig fail."""
    pki = make_pki(tmp_path / "pki")
    session, members = finalized_precinct(tmp_path / "data")
    with session:
        report = export(session, members, tmp_path / "usb", pki.identity)
    sha = hashlib.sha256((report.folder / "results.json").read_bytes()).hexdigest()
    pdf = report.folder / "tally-sheet.pdf"
    text = pdf_text(pdf)
    assert sha in text
    groups = [sha[i : i + 4] for i in range(0, 64, 4)]
    assert " ".join(groups[:8]) in text and " ".join(groups[8:]) in text
    sig = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in sig
    data = bytearray(pdf.read_bytes())
    at = data.index(b"stream\n") + 20  # a byte of the first content stream (signed range)
    data[at] ^= 0x01
    changed = tmp_path / "changed.pdf"
    changed.write_bytes(bytes(data))
    sig = subprocess.run(["pdfsig", str(changed)], capture_output=True, text=True).stdout
    assert "Signature is Valid" not in sig


_RENDER = """
import hashlib, sys
from datetime import UTC, datetime
from pathlib import Path
from tally_app import service
from tally_app.documents.tally_sheet import tally_sheet_pdf
from tally_app.documents.posting import posting_copy_pdf
when = datetime(2017, 6, 6, 21, 30, tzinfo=UTC)
with service.open_precinct(Path(sys.argv[1])) as s:
    a = tally_sheet_pdf(s, generated=when, results_sha256=sys.argv[2], device_id="d",
                        county_issued=True, is_test=True, app_version="t")
    b = posting_copy_pdf(s, generated=when, is_test=True, app_version="t")
print(hashlib.sha256(a + b).hexdigest())
"""


def test_tally_sheet_bytes_are_the_same_across_processes(tmp_path: Path) -> None:
    """Same store + clock → same bytes in fresh processes with other hash seeds."""
    with finalized(tmp_path / "data", service.default_definition()) as session:
        db = session.path
    digests = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", _RENDER, str(db), SHA],
            capture_output=True,
            text=True,
            env=env,
            cwd=Path(__file__).parent.parent,
            check=True,
        )
        digests.add(run.stdout.strip())
    assert len(digests) == 1
