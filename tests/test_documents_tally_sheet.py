"""The tally sheet and certificate of performance, read back through ``pdftotext``.

Golden text for a zero report and a populated report (fixed ``generated``), the marks that
must be on every page (TEST, AMENDED, not county-issued), Unicode names, the 23-candidate
primary, and byte-identical output. Set ``UPDATE_GOLDEN=1`` to rewrite the golden files after
a deliberate change, then read the diff.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.clock import FixedClock
from tally_app.definition.embedded import embedded_definition
from tally_app.definition.model import (
    CandidateContest,
    ContestId,
    ElectionDefinition,
    MeasureContest,
    MeasureOption,
    SelectionId,
)
from tally_app.documents.tally_sheet import tally_sheet_pdf
from tally_app.entries import ContestLine, Sheet
from tally_app.session import PrecinctSession
from tally_app.testdeck import apply_precinct, embedded_deck_path, load_deck
from tests.balanced_precinct import INSPECTOR, add_two_members, enter_balanced, start

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)

GOLDEN = Path(__file__).parent / "golden"
GENERATED = datetime(2017, 6, 6, 21, 30, tzinfo=UTC)
RESULTS_SHA = "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c"
SUPERVISOR = Actor("Dana Reyes", "supervisor")


def text_of(pdf: bytes, tmp_path: Path, *, layout: bool = True) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pages_of(pdf: bytes, tmp_path: Path) -> list[str]:
    return text_of(pdf, tmp_path).split("\f")[:-1]


def sheet(session: PrecinctSession, **overrides: object) -> bytes:
    args: dict[str, object] = {
        "generated": GENERATED,
        "results_sha256": RESULTS_SHA,
        "device_id": "laptop-0042",
        "county_issued": True,
        "is_test": False,
        "app_version": "test",
    }
    args.update(overrides)
    return tally_sheet_pdf(session, **args)  # type: ignore[arg-type]


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; see the diff above"


def finalized(tmp_path: Path, definition: ElectionDefinition | None = None) -> PrecinctSession:
    session = start(tmp_path, definition)
    enter_balanced(session)
    members = add_two_members(session)
    session.add_seal("Ballot box", "LA-000123", INSPECTOR)
    session.add_seal("Unused ballots", "LA-000124", INSPECTOR)
    session.finalize(members, INSPECTOR)
    return session


def test_populated_report_matches_its_golden_text(tmp_path: Path) -> None:
    with finalized(tmp_path) as session:
        text = text_of(sheet(session), tmp_path)
    check_golden("tally_sheet_populated.txt", text)
    # The facts a reader relies on, so a golden rewritten by mistake still fails here.
    assert "Jimmy Gomez (DEM)" in text and "one hundred forty" in text
    assert "Write-in, not qualified: Mickey Mouse" in text
    assert "100 + 140 + 2 + 4 + 1 = 1 × 247" in text
    assert "300 = 250 + 5 + 45" in text and "250 − 2 = 250 − 2" in text
    assert "LA-000123" in text and "Maria Lopez" in text and "Sam Park" in text
    assert "§15280" in text and "UNOFFICIAL — SEMIFINAL CANVASS" in text
    assert "3b1f 0c9e 8d7a 6b5c" in text and RESULTS_SHA in text
    assert "NOT COUNTY-ISSUED" not in text and "TEST" not in text and "AMENDED" not in text


def test_zero_report_matches_its_golden_text(tmp_path: Path) -> None:
    with start(tmp_path) as session:
        session.fill_blanks_with_zero(INSPECTOR, accounting=True)
        session.fill_blanks_with_zero(INSPECTOR)
        members = add_two_members(session)
        session.finalize(members, INSPECTOR)
        text = text_of(sheet(session, results_sha256=None), tmp_path)
    check_golden("tally_sheet_zero.txt", text)
    assert "zero" in text and "0 + 0 + 0 + 0 = 1 × 0" in text
    assert "The results file has not been exported yet" in text
    assert "No seal numbers were recorded." in text


def test_marks_are_on_every_page(tmp_path: Path) -> None:
    with finalized(tmp_path) as session:
        session.begin_correction("Recount of the write-ins", SUPERVISOR)
        session.finalize((session.board()[0].id, session.board()[1].id), INSPECTOR)
        assert session.store.amended
        pdf = sheet(session, is_test=True, county_issued=False)
        pages = pages_of(pdf, tmp_path)
        assert len(pages) >= 2
        for number, page in enumerate(pages, start=1):
            assert "TEST — NOT AN ELECTION RESULT" in page
            assert "TEST · AMENDED · NOT COUNTY-ISSUED" in page
            assert f"Page {number} of {len(pages)}" in page
        assert "Recount of the write-ins" in text_of(pdf, tmp_path, layout=False)


def test_a_draft_says_so(tmp_path: Path) -> None:
    with start(tmp_path) as session:
        enter_balanced(session)
        text = text_of(sheet(session, results_sha256=None), tmp_path)
    assert "NOT FINALIZED — DRAFT" in text and "Not finalized: this is a draft." in text


def _renamed(definition: ElectionDefinition, names: tuple[str, str]) -> ElectionDefinition:
    contest = definition.contests[0]
    assert isinstance(contest, CandidateContest)
    candidates = tuple(
        replace(c, name=name) for c, name in zip(contest.on_ballot, names, strict=True)
    )
    return replace(definition, contests=(replace(contest, candidates=candidates),))


def test_accented_names_survive_and_uncovered_characters_are_shown(tmp_path: Path) -> None:
    decomposed = "Jose\u0301 Go\u0301mez"  # NFD on input: the sheet must print NFC
    definition = _renamed(service.default_definition(), (decomposed, "Ñ 张伟"))
    with finalized(tmp_path, definition) as session:
        text = text_of(sheet(session), tmp_path, layout=False)
    assert "José Gómez (DEM)" in text
    # DejaVu has no CJK glyphs: reportlab would drop them silently; the sheet shows code points.
    assert "Ñ [U+5F20][U+4F1F] (DEM)" in text


def test_a_discrepancy_prints_with_its_signed_explanation(tmp_path: Path) -> None:
    definition = service.default_definition()
    path = embedded_deck_path(definition.id)
    assert path is not None
    deck = load_deck(path, definition)
    precinct = next(p for p in deck.precincts if p.expected.discrepancy)
    clock = FixedClock(datetime(2017, 6, 6, 20, 0, tzinfo=UTC), timedelta(seconds=1))
    with service.start_precinct(
        tmp_path, definition, precinct.precinct_id, actor=INSPECTOR, clock=clock
    ) as session:
        apply_precinct(session, precinct, INSPECTOR)
        text = text_of(sheet(session), tmp_path, layout=False)
        explanation = session.explanations()[0]
    assert "DISCREPANCY A1" in text
    assert " ".join(explanation.text.split()) in " ".join(text.split())
    assert "Signed by" in text and explanation.signers[0].name in text


def test_the_23_candidate_primary_flows_with_its_header_on_every_page(tmp_path: Path) -> None:
    definition = embedded_definition("ca34-2017-04-04")
    path = embedded_deck_path(definition.id)
    assert path is not None
    precinct = load_deck(path, definition).precincts[0]
    clock = FixedClock(datetime(2017, 4, 4, 20, 0, tzinfo=UTC), timedelta(seconds=1))
    with service.start_precinct(
        tmp_path, definition, precinct.precinct_id, actor=INSPECTOR, clock=clock
    ) as session:
        apply_precinct(session, precinct, INSPECTOR)
        pdf = sheet(session)
        entry = session.entries().contest(Sheet.A, session.contests[0].id)
    pages = pages_of(pdf, tmp_path)
    assert 2 <= len(pages) <= 4
    for number, page in enumerate(pages, start=1):
        assert definition.title in page
        assert f"Precinct {precinct.precinct_id}" in page
        assert f"Page {number} of {len(pages)}" in page
    whole = "\n".join(pages)
    contest = definition.contests[0]
    assert isinstance(contest, CandidateContest) and len(contest.candidates) >= 23
    assert entry is not None
    for candidate in contest.candidates:
        assert candidate.name.split()[-1] in whole
    k = entry.lines[ContestLine.BALLOTS]
    assert k is not None and f"= {contest.vote_for} × {k}" in whole


def test_same_data_and_clock_give_the_same_bytes(tmp_path: Path) -> None:
    with finalized(tmp_path / "one") as one, finalized(tmp_path / "two") as two:
        first = sheet(one, is_test=True)
        assert sheet(one, is_test=True) == first
        assert sheet(two, is_test=True) == first  # another file with the same data
        assert sheet(one, is_test=True, generated=GENERATED + timedelta(seconds=1)) != first
    assert first.startswith(b"%PDF-")


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with finalized(tmp_path) as session:
        with pytest.raises(ValueError, match="64 lowercase"):
            sheet(session, results_sha256="ABC")
        with pytest.raises(ValueError, match="time zone"):
            sheet(session, generated=datetime(2017, 6, 6, 21, 30))


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts is not installed")
def test_every_font_is_an_embedded_dejavu_subset(tmp_path: Path) -> None:
    with finalized(tmp_path) as session:
        path = tmp_path / "sheet.pdf"
        path.write_bytes(sheet(session, is_test=True))
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    rows = [line.split() for line in out.stdout.splitlines()[2:]]
    assert {row[0].split("+")[1] for row in rows} == {
        "DejaVuSans",
        "DejaVuSans-Bold",
        "DejaVuSansMono",
    }
    assert all(row[-5:-3] == ["yes", "yes"] for row in rows), out.stdout  # embedded, subset


def test_a_measure_prints_with_its_a6_check(tmp_path: Path) -> None:
    base = service.default_definition()
    measure = MeasureContest(
        ContestId("measure-h"),
        "Measure H: Homeless services sales tax",
        base.contests[0].district_id,
        "Shall the county levy a quarter-cent sales tax?",
        (MeasureOption(SelectionId("h-yes"), "Yes"), MeasureOption(SelectionId("h-no"), "No")),
    )
    style = base.ballot_styles[0]
    definition = replace(
        base,
        contests=(*base.contests, measure),
        ballot_styles=(replace(style, contest_ids=(*style.contest_ids, measure.id)),),
    )
    session = start(tmp_path, definition)
    enter_balanced(session)
    for side_ in (Sheet.A, Sheet.B):
        session.set_vote(side_, measure.id, "h-yes", 150, INSPECTOR)
        session.set_vote(side_, measure.id, "h-no", 90, INSPECTOR)
        session.set_line(side_, measure.id, ContestLine.UNDERVOTES, 7, INSPECTOR)
        session.set_line(side_, measure.id, ContestLine.OVERVOTES, 0, INSPECTOR)
        session.set_line(side_, measure.id, ContestLine.BALLOTS, 247, INSPECTOR)
    with session:
        text = text_of(sheet(session), tmp_path, layout=False)
    assert "Measure H: Homeless services sales tax" in text
    assert "one hundred fifty" in text and "ninety" in text
    assert "Check A6: yes + no + under + over = K" in text
    assert "150 + 90 + 7 + 0 = 247" in text
