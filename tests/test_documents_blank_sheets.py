"""Blank hand-count tally sheets, read back through ``pdftotext``: one labelled set per tally
keeper, every line of every contest in ballot order, the groups of five with a checkpoint
every 25, the closing lines, and a generic sheet with a blank precinct line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tally_app import service
from tally_app.definition.embedded import embedded_definition
from tally_app.definition.model import CandidateContest
from tally_app.documents.blank_sheets import blank_sheets_pdf
from tally_app.errors import InputError

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)

GENERATED = datetime(2017, 4, 4, 7, 0, tzinfo=UTC)


def pages_of(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "blank.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return out.split("\f")[:-1]


def test_primary_sheets_list_every_candidate_for_both_keepers(tmp_path: Path) -> None:
    definition = embedded_definition("ca34-2017-04-04")
    precinct = definition.precincts[0]
    pdf = blank_sheets_pdf(definition, precinct.id, generated=GENERATED, app_version="t")
    pages = pages_of(pdf, tmp_path)
    # One 23-candidate contest per keeper, two pages each: header repeated on every page.
    assert len(pages) == 4
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of 4" in page and f"Precinct {precinct.id}" in page
        assert "1–25" in page and "at 25" in page and "76–100" in page and "at 100" in page
    keeper_a, keeper_b = "\n".join(pages[:2]), "\n".join(pages[2:])
    assert "TALLY KEEPER A" in keeper_a and "TALLY KEEPER B" not in keeper_a
    assert "TALLY KEEPER B" in keeper_b and "Keeper B: line" in pages[3]
    contest = definition.contests[0]
    assert isinstance(contest, CandidateContest)
    for keeper in (keeper_a, keeper_b):
        positions = [keeper.index(c.name) for c in contest.candidates]
        assert positions == sorted(positions), "candidates out of ballot order"
        assert keeper.count("Write-in:") == 3
        assert "Undervotes" in keeper and "Overvotes" in keeper
        assert "Ballots tallied for this contest (K):" in keeper
        assert "printed name:" in keeper and "Signature:" in keeper and "Date and time:" in keeper
    assert "Walker (qualified" in keeper_a  # the label wraps in its cell


def test_a_generic_sheet_leaves_the_precinct_blank(tmp_path: Path) -> None:
    definition = service.default_definition()
    pdf = blank_sheets_pdf(definition, None, generated=GENERATED, app_version="t", is_test=True)
    pages = pages_of(pdf, tmp_path)
    assert len(pages) == 2  # one short contest per keeper
    for page in pages:
        assert "Precinct ______" in page and "Polling place ______" in page
        assert "TEST — NOT AN ELECTION RESULT" in page
        assert "Robert Lee Ahn" in page and "Jimmy Gomez" in page


def test_blank_sheets_are_deterministic_and_refuse_an_unknown_precinct() -> None:
    definition = service.default_definition()
    first = blank_sheets_pdf(definition, None, generated=GENERATED, app_version="t")
    assert blank_sheets_pdf(definition, None, generated=GENERATED, app_version="t") == first
    with pytest.raises(InputError) as refused:
        blank_sheets_pdf(definition, "no-such-precinct", generated=GENERATED, app_version="t")
    assert refused.value.code == "unknown_precinct"


def test_a_fresh_process_gives_the_same_bytes(tmp_path: Path) -> None:
    """No state left in reportlab by earlier documents (font subsets, ids) changes the bytes."""
    definition = embedded_definition("ca34-2017-04-04")
    here = blank_sheets_pdf(definition, None, generated=GENERATED, app_version="t")
    out = tmp_path / "fresh.pdf"
    script = (
        "import sys; from datetime import UTC, datetime; from pathlib import Path\n"
        "from tally_app.definition.embedded import embedded_definition\n"
        "from tally_app.documents.blank_sheets import blank_sheets_pdf\n"
        "d = embedded_definition('ca34-2017-04-04')\n"
        "g = datetime(2017, 4, 4, 7, 0, tzinfo=UTC)\n"
        "Path(sys.argv[1]).write_bytes(blank_sheets_pdf(d, None, generated=g, app_version='t'))\n"
    )
    subprocess.run([sys.executable, "-c", script, str(out)], check=True)
    assert out.read_bytes() == here
