"""The page layout every document shares, read back through ``pdftotext``: headers that wrap
instead of cutting text off, "(continued)" on pages a contest flows onto, the posting copy's
"not county-issued" mark and its one page for a real ballot of 25 contests."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tally_app import service
from tally_app.clock import FixedClock
from tally_app.definition.embedded import embedded_definition
from tally_app.definition.model import Candidate, CandidateContest, ElectionDefinition
from tally_app.documents.blank_sheets import blank_sheets_pdf
from tally_app.documents.posting import posting_copy_pdf
from tally_app.documents.tally_sheet import tally_sheet_pdf
from tally_app.entries import ContestLine, Sheet
from tally_app.testdeck import apply_precinct, embedded_deck_path, load_deck
from tests.balanced_precinct import (
    INSPECTOR,
    T,
    add_two_members,
    enter_accounting,
    enter_balanced,
    start,
)

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdfsig") is None,
    reason="pdftotext and pdfsig (poppler-utils) are not installed",
)

GENERATED = datetime(2017, 6, 6, 21, 30, tzinfo=UTC)
SHA = "3b1f0c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c"
# A real-world polling place: 52 characters. The header line already spends ~420 pt of the
# 525 pt text width on "Los Angeles County, California · Election day … · Precinct … ·
# Polling place: ", so anything beyond ~19 characters runs off the paper.
POLLING_PLACE = "Eagle Rock Recreation Center, 1100 Eagle Vista Drive"
LONG_TITLE = (
    "Consolidated Presidential General Election and Special Municipal Election, November 3, 2020"
)


def pages(pdf: bytes, tmp_path: Path, name: str = "doc.pdf", *, layout: bool = True) -> list[str]:
    path = tmp_path / name
    path.write_bytes(pdf)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return out.split("\f")[:-1]


def flat(text: str) -> str:
    return " ".join(text.split())


def with_polling_place(definition: ElectionDefinition, place: str) -> ElectionDefinition:
    first = replace(definition.precincts[0], polling_place=place)
    return replace(definition, precincts=(first, *definition.precincts[1:]))


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


@pytest.mark.parametrize("document", ["tally sheet", "posting copy", "blank sheets"])
def test_every_page_header_keeps_the_whole_polling_place(tmp_path: Path, document: str) -> None:
    """Header lines wrap: a real polling place (52 characters) is printed whole on each page."""
    definition = with_polling_place(service.default_definition(), POLLING_PLACE)
    with finalized(tmp_path, definition) as session:
        if document == "tally sheet":
            pdf = unsigned_sheet(session)
        elif document == "posting copy":
            pdf = posting_copy_pdf(session, generated=GENERATED, is_test=False, app_version="t")
        else:
            pdf = blank_sheets_pdf(
                definition, session.precinct.id, generated=GENERATED, app_version="t"
            )
    for page in pages(pdf, tmp_path):
        assert POLLING_PLACE in flat(page), flat(page)[:400]


def test_a_long_election_title_is_not_cut_off(tmp_path: Path) -> None:
    """A 91-character title (580 pt in 11 pt bold) wraps clear of "Page x of y"."""
    definition = replace(service.default_definition(), title=LONG_TITLE)
    with finalized(tmp_path, definition) as session:
        pdf = unsigned_sheet(session)
    for page in pages(pdf, tmp_path, layout=False):
        assert LONG_TITLE in flat(page)


def test_a_posting_copy_signed_by_a_self_signed_key_says_not_county_issued(
    tmp_path: Path,
) -> None:
    """DESIGN §9: everything a self-signed identity signs says "not county-issued"."""
    identity = service.throwaway_identity()
    assert not identity.county_issued
    with finalized(tmp_path, service.default_definition()) as session:
        pdf = service.posting_copy_pdf(session, identity, now=GENERATED)
    for page in pages(pdf, tmp_path, layout=False):
        assert "not county-issued" in page.lower()


def _many_contests(definition: ElectionDefinition, count: int) -> ElectionDefinition:
    base = definition.contests[0]
    contests = tuple(
        replace(base, id=f"{base.id}-{i}", title=f"{base.title} (seat {i})") for i in range(count)
    )
    styles = tuple(
        replace(s, contest_ids=tuple(c.id for c in contests)) for s in definition.ballot_styles
    )
    return replace(definition, contests=contests, ballot_styles=styles)


def test_the_posting_copy_of_an_eight_contest_ballot_is_one_page(tmp_path: Path) -> None:
    """Eight two-candidate contests go to two columns on one page."""
    definition = _many_contests(service.default_definition(), 8)
    session = start(tmp_path, definition)
    enter_accounting(session)
    for contest in session.contests:
        assert isinstance(contest, CandidateContest)
        ahn, gomez = contest.on_ballot
        for sheet in (Sheet.A, Sheet.B):
            session.set_vote(sheet, contest.id, ahn.id, 100, INSPECTOR)
            session.set_vote(sheet, contest.id, gomez.id, 142, INSPECTOR)
            session.set_line(sheet, contest.id, ContestLine.UNDERVOTES, 4, INSPECTOR)
            session.set_line(sheet, contest.id, ContestLine.OVERVOTES, 1, INSPECTOR)
            session.set_line(sheet, contest.id, ContestLine.BALLOTS, T, INSPECTOR)
    session.finalize(add_two_members(session), INSPECTOR)
    with session:
        pdf = posting_copy_pdf(session, generated=GENERATED, is_test=False, app_version="t")
    assert len(pages(pdf, tmp_path)) == 1


def test_every_blank_sheet_page_names_its_contest_and_keeper(tmp_path: Path) -> None:
    """The 23-candidate primary flows over a page for each keeper: a loose continuation sheet
    still names its contest and keeper, and says it is continued."""
    primary = next(d for d in service.embedded_definitions() if d.id == "ca34-2017-04-04")
    pdf = blank_sheets_pdf(primary, None, generated=GENERATED, app_version="t")
    sheets = pages(pdf, tmp_path)
    assert len(sheets) > 2  # the contest does flow over a page for each keeper
    for page in sheets:
        assert "United States Representative, 34th District" in flat(page)
        assert "TALLY KEEPER A" in page or "TALLY KEEPER B" in page
    continued = [page for page in sheets if "(continued)" in page]
    assert len(continued) == 2  # one continuation page per keeper, and only those
    assert "TALLY KEEPER A" in continued[0] and "TALLY KEEPER B" in continued[1]


def _real_ballot(definition: ElectionDefinition) -> ElectionDefinition:
    """25 contests of 2 to 5 candidates each, with long titles and names: a general ballot."""
    base = definition.contests[0]
    assert isinstance(base, CandidateContest)
    contests = tuple(
        replace(
            base,
            id=f"contest-{i:02d}",
            title=f"Member of the State Assembly, Assembly District {i}",
            candidates=tuple(
                Candidate(f"contest-{i:02d}-{j}", f"Maria Montgomery-Vasquez {i}-{j}", None)
                for j in range(2 + i % 4)
            ),
        )
        for i in range(25)
    )
    styles = tuple(
        replace(s, contest_ids=tuple(c.id for c in contests)) for s in definition.ballot_styles
    )
    return replace(definition, contests=contests, ballot_styles=styles)


def test_the_posting_copy_of_a_25_contest_ballot_is_one_readable_page(tmp_path: Path) -> None:
    """A real ballot (25 contests, 2 to 5 candidates) fits one page, every count on it, in
    type no smaller than 7 pt."""
    session = start(tmp_path, _real_ballot(service.default_definition()))
    enter_accounting(session)
    for contest in session.contests:
        assert isinstance(contest, CandidateContest)
        for rank, candidate in enumerate(contest.candidates):
            session.set_vote(Sheet.A, contest.id, candidate.id, 1000 + rank, INSPECTOR)
        session.set_line(Sheet.A, contest.id, ContestLine.UNDERVOTES, 4, INSPECTOR)
        session.set_line(Sheet.A, contest.id, ContestLine.OVERVOTES, 1, INSPECTOR)
        session.set_line(Sheet.A, contest.id, ContestLine.BALLOTS, T, INSPECTOR)
    with session:
        pdf = posting_copy_pdf(session, generated=GENERATED, is_test=False, app_version="t")
    (only,) = pages(pdf, tmp_path, layout=False)
    text = flat(only)
    for i in range(25):
        assert f"Assembly District {i}" in text
        for j in range(2 + i % 4):
            assert f"Maria Montgomery-Vasquez {i}-{j}" in text
    assert text.count("1,000") == 25 and text.count("1,004") == 25 // 4
    (tmp_path / "p.pdf").write_bytes(pdf)
    boxes = tmp_path / "boxes.html"
    subprocess.run(["pdftotext", "-bbox", str(tmp_path / "p.pdf"), str(boxes)], check=True)
    # pdftotext -bbox gives each word a box as tall as its type size.
    sizes = [
        float(bottom) - float(top)
        for top, bottom in re.findall(
            r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes.read_text()
        )
    ]
    assert sizes and min(sizes) >= 7.0 - 1e-6, min(sizes)


def test_a_continued_tally_sheet_page_names_its_contest(tmp_path: Path) -> None:
    """The 23-candidate primary's selections flow over a page: that page says whose they are."""
    definition = embedded_definition("ca34-2017-04-04")
    path = embedded_deck_path(definition.id)
    assert path is not None
    precinct = load_deck(path, definition).precincts[0]
    clock = FixedClock(datetime(2017, 4, 4, 20, 0, tzinfo=UTC), timedelta(seconds=1))
    with service.start_precinct(
        tmp_path, definition, precinct.precinct_id, actor=INSPECTOR, clock=clock
    ) as session:
        apply_precinct(session, precinct, INSPECTOR)
        pdf = unsigned_sheet(session)
    title = definition.contests[0].title
    sheets = [flat(page) for page in pages(pdf, tmp_path, layout=False)]
    starts = next(n for n, page in enumerate(sheets) if f"{title} Vote for" in page)
    assert f"{title} (continued)" in sheets[starts + 1]
    assert not any("(continued)" in page for page in sheets[: starts + 1])


def test_a_posting_copy_too_long_for_one_page_says_continued(tmp_path: Path) -> None:
    """Past what one page holds at 7 pt, the posting flows on: each further page names the
    document and precinct and says it is continued (the header carries the precinct)."""
    definition = _many_contests(service.default_definition(), 60)
    with start(tmp_path, definition) as session:
        enter_accounting(session)
        pdf = posting_copy_pdf(session, generated=GENERATED, is_test=False, app_version="t")
    sheets = [flat(page) for page in pages(pdf, tmp_path, layout=False)]
    assert len(sheets) > 1
    assert "(continued)" not in sheets[0]
    for page in sheets[1:]:
        assert "Results of votes cast, precinct 0850001A (continued)" in page
        assert "Precinct 0850001A" in page
