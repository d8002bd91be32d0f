"""The posting copy ("Results of votes cast"), read back through ``pdftotext``: one page, and
rule A16 (with the policy's small-count suppression on, fewer than 10 ballots post only the
ballot count)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tally_app import service
from tally_app.definition.model import CandidateContest, ElectionDefinition
from tally_app.documents.posting import posting_copy_pdf
from tally_app.entries import ContestLine, RosterField, Sheet, StyleField
from tally_app.session import PrecinctSession
from tests.balanced_precinct import INSPECTOR, add_two_members, enter_balanced, start

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)

GENERATED = datetime(2017, 6, 6, 21, 30, tzinfo=UTC)


def pages_of(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "posting.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return out.split("\f")[:-1]


def suppressing(definition: ElectionDefinition) -> ElectionDefinition:
    return replace(definition, policy=replace(definition.policy, small_count_suppression=True))


def small_precinct(tmp_path: Path, definition: ElectionDefinition, ballots: int) -> PrecinctSession:
    """A precinct where ``ballots`` voters came: Ahn gets all but one vote, Gomez one."""
    session = start(tmp_path, definition)
    style = session.precinct.ballot_style_ids[0]
    for f in StyleField:
        session.set_style_field(style, f, 0, INSPECTOR)
    session.set_style_field(style, StyleField.RECEIVED, ballots, INSPECTOR)
    session.set_style_field(style, StyleField.VOTED, ballots, INSPECTOR)
    for rf in RosterField:
        session.set_roster_field(rf, 0, INSPECTOR)
    session.set_roster_field(RosterField.SIGNATURES, ballots, INSPECTOR)
    contest = session.contests[0]
    assert isinstance(contest, CandidateContest)
    ahn, gomez = contest.on_ballot
    session.set_vote(Sheet.A, contest.id, ahn.id, ballots - 1, INSPECTOR)
    session.set_vote(Sheet.A, contest.id, gomez.id, 1, INSPECTOR)
    for line, value in ((ContestLine.UNDERVOTES, 0), (ContestLine.OVERVOTES, 0)):
        session.set_line(Sheet.A, contest.id, line, value, INSPECTOR)
    session.set_line(Sheet.A, contest.id, ContestLine.BALLOTS, ballots, INSPECTOR)
    return session


@pytest.mark.parametrize(("ballots", "shown"), [(9, False), (10, True)])
def test_a16_posts_only_the_ballot_count_below_ten(
    tmp_path: Path, ballots: int, shown: bool
) -> None:
    definition = suppressing(service.default_definition())
    with small_precinct(tmp_path, definition, ballots) as session:
        pages = pages_of(
            posting_copy_pdf(session, generated=GENERATED, is_test=False, app_version="t"),
            tmp_path,
        )
    assert len(pages) == 1
    text = pages[0]
    assert "Results of votes cast" in text and "§15280" in text
    assert f"Ballots cast (hand-tallied): {ballots}" in text
    assert ("Robert Lee Ahn" in text) is shown
    assert ("Jimmy Gomez" in text) is shown
    assert ("Fewer than 10 ballots were cast" in text) is not shown
    if shown:
        assert any(line.split()[-1:] == ["9"] and "Ahn" in line for line in text.splitlines())


def test_without_the_policy_a_small_precinct_is_posted_in_full(tmp_path: Path) -> None:
    with small_precinct(tmp_path, service.default_definition(), 3) as session:
        text = pages_of(
            posting_copy_pdf(session, generated=GENERATED, is_test=False, app_version="t"),
            tmp_path,
        )[0]
    assert "Robert Lee Ahn" in text and "Fewer than" not in text


def test_posting_copy_of_a_finalized_precinct(tmp_path: Path) -> None:
    with start(tmp_path) as session:
        enter_balanced(session)
        session.finalize(add_two_members(session), INSPECTOR)
        pdf = posting_copy_pdf(session, generated=GENERATED, is_test=True, app_version="t")
        again = posting_copy_pdf(session, generated=GENERATED, is_test=True, app_version="t")
    assert pdf == again
    (text,) = pages_of(pdf, tmp_path)
    assert "TEST — NOT AN ELECTION RESULT" in text and "Page 1 of 1" in text
    assert "Ballots cast (hand-tallied): 247" in text
    lines = {" ".join(line.split()[:-1]): line.split()[-1] for line in text.splitlines() if line}
    assert lines["Jimmy Gomez"] == "140" and lines["Robert Lee Ahn"] == "100"
    assert lines["Other write-ins (not qualified)"] == "2"
