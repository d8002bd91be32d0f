"""Example tests of the per-contest rules (A3 A4 A4a A5 A6 A8 A14), one contest on one sheet."""

from __future__ import annotations

import pytest

from tally_app.definition.model import CandidateContest, Contest, RuleId, Severity
from tally_app.entries import ContestEntry, Sheet
from tally_app.errors import InputError
from tally_app.reconcile import Finding, Term, check_contest, check_precinct
from tests.reconcile_factories import (
    PRECINCT,
    accounting,
    candidate_contest,
    contest_entry,
    definition,
    entries,
    measure,
    roster,
)

# Vote for 2 of 3, with unqualified write-ins; 10 ballots tallied → 20 marks.
GOV = candidate_contest("gov", vote_for=2, candidates=3, title="Governing Board")
PROP = measure("p1", title="Measure P")


def _check(
    entry: ContestEntry, contest: Contest = GOV, sheet: Sheet = Sheet.A, ballots: int = 10
) -> tuple[Finding, ...]:
    defn = definition([contest])
    data = entries(
        {"1": accounting(received=ballots, voted=ballots)},
        roster(signatures=ballots),
        [entry] if sheet is Sheet.A else [],
        [entry] if sheet is Sheet.B else [],
    )
    return check_contest(defn, PRECINCT, data, contest.id, sheet)


def _gov(
    votes: tuple[int | None, ...] = (8, 6, 3),
    *,
    ballots: int | None = 10,
    under: int | None = 2,
    over: int | None = 0,
    write_ins: tuple[tuple[str, int | None], ...] = (("Mickey Mouse", 1),),
) -> ContestEntry:
    return contest_entry(GOV, votes, ballots=ballots, under=under, over=over, write_ins=write_ins)


def _only(findings: tuple[Finding, ...], code: str) -> Finding:
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, findings
    return matching[0]


def test_a_balanced_contest_only_lists_its_write_ins() -> None:
    (finding,) = _check(_gov())
    assert finding.rule is RuleId.A14
    assert finding.code == "a14_listed_not_counted"
    assert finding.severity is Severity.WARN
    assert finding.subject == "contest:gov"
    assert finding.actual == 1
    assert finding.message.startswith("Governing Board: unqualified write-in votes (1) are listed")


def test_a4_marks_must_equal_n_times_ballots() -> None:
    # 8 + 6 + 3 + 1 + 2 + 2 = 22 marks, but 2 × 10 ballots = 20.
    f = _only(_check(_gov(over=2)), "a4_unbalanced")
    assert f.rule is RuleId.A4
    assert f.severity is Severity.BLOCK
    assert (f.expected, f.actual, f.difference) == (20, 22, 2)
    assert [t.symbol for t in f.left] == ["gov-c1", "gov-c2", "gov-c3", "W", "under", "over"]
    assert [t.value for t in f.left] == [8, 6, 3, 1, 2, 2]
    assert f.right == (Term("N×K", "2 votes allowed × ballots tallied (10)", 20),)
    assert "votes (17) + unqualified write-ins (1) + undervotes (2) + overvotes (2) = 22" in (
        f.message
    )
    assert "2 votes allowed × 10 ballots = 20" in f.message
    assert "+2" in f.message


def test_a4_counts_qualified_write_ins_as_candidates() -> None:
    contest = candidate_contest(
        "c", candidates=2, qualified_write_ins=1, unqualified_write_ins=False
    )
    ok = contest_entry(contest, (5, 3, 1), ballots=10, under=1)
    assert _check(ok, contest) == ()
    short = contest_entry(contest, (5, 3, 0), ballots=10, under=1)
    f = _only(_check(short, contest), "a4_unbalanced")
    assert (f.expected, f.actual, f.difference) == (10, 9, -1)
    assert "W" not in [t.symbol for t in f.left]


def test_a4a_overvotes_are_a_multiple_of_n() -> None:
    # One ballot overvoted in a vote-for-2 contest is 2 overvotes, never 3.
    findings = _check(_gov(votes=(7, 5, 3), over=3, under=1))
    assert [f.rule for f in findings if f.severity is Severity.BLOCK] == [RuleId.A4a]
    f = _only(findings, "a4a_not_multiple")
    assert f.subject == "contest:gov/field:overvotes"
    assert (f.expected, f.actual, f.difference) == (2, 3, 1)
    assert "multiple of 2" in f.message


def test_a6_measure_yes_no_under_over_equal_ballots() -> None:
    ok = contest_entry(PROP, (5, 4), ballots=10, under=1, over=0)
    assert _check(ok, PROP) == ()
    bad = contest_entry(PROP, (6, 4), ballots=10, under=1, over=0)
    (f,) = _check(bad, PROP)
    assert (f.rule, f.code) == (RuleId.A6, "a6_unbalanced")
    assert (f.expected, f.actual, f.difference) == (10, 11, 1)
    assert f.message.startswith("Measure P: Yes (6) + No (4) + undervotes (1) + overvotes (0) = 11")


def test_a3_contest_on_every_style_must_match_precinct_ballots() -> None:
    f = _only(_check(_gov(votes=(8, 6, 3), under=0), ballots=11), "a3_ballots_differ")
    assert f.rule is RuleId.A3
    assert f.severity is Severity.EXPLAIN
    assert f.subject == "contest:gov/field:ballots"
    assert (f.expected, f.actual, f.difference) == (11, 10, -1)


def test_a3_or_a5_by_how_many_styles_carry_the_contest() -> None:
    local = candidate_contest("local", vote_for=1, candidates=2, unqualified_write_ins=False)
    defn = definition([GOV, local], {"1": ["gov", "local"], "2": ["gov"]})
    # Style 1 tallies 30 ballots, style 2 tallies 20 (22 voted − 2 provisional).
    styles = {
        "1": accounting(received=30, voted=30),
        "2": accounting(received=22, voted=22, provisional=2),
    }
    gov = contest_entry(GOV, (40, 30, 20), ballots=49, under=8, write_ins=())
    loc = contest_entry(local, (30, 20), ballots=50, under=0)
    data = entries(styles, roster(signatures=50), [gov, loc])
    a3 = check_contest(defn, PRECINCT, data, "gov", Sheet.A)
    f3 = _only(a3, "a3_ballots_differ")
    assert (f3.rule, f3.expected, f3.actual, f3.difference) == (RuleId.A3, 50, 49, -1)
    a5 = check_contest(defn, PRECINCT, data, "local", Sheet.A)
    f5 = _only(a5, "a5_ballots_differ")
    assert (f5.rule, f5.expected, f5.actual, f5.difference) == (RuleId.A5, 30, 50, 20)
    assert f5.right == (Term("T_1", "ballots tallied on ballot style 1", 30),)
    assert "ballot style 1: 30" in f5.message
    # Exactly one of A3/A5 applies to each contest.
    rules = {(f.subject, f.rule) for f in check_precinct(defn, PRECINCT, data)}
    assert ("contest:gov/field:ballots", RuleId.A5) not in rules
    assert ("contest:local/field:ballots", RuleId.A3) not in rules


def test_a8_blank_selection_line_and_write_in() -> None:
    findings = _check(_gov(votes=(8, None, 3), over=None, write_ins=(("Mickey Mouse", None),)))
    blanks = [f.subject for f in findings if f.code == "a8_blank"]
    assert blanks == [
        "contest:gov/field:overvotes",
        "contest:gov/selection:gov-c2",
        "contest:gov/write_in:1",
    ]
    # A4 and A4a have blank terms, so they are not evaluated.
    assert {f.rule for f in findings} == {RuleId.A8}
    assert all(f.sheet is Sheet.A for f in findings)
    message = next(f.message for f in findings if f.subject.endswith("write_in:1"))
    assert message == (
        'Governing Board: the count for the write-in "Mickey Mouse" is blank.'
        " Enter the number, or 0 if there were none."
    )


def test_a8_a_missing_contest_is_entirely_blank() -> None:
    defn = definition([GOV])
    data = entries({"1": accounting(received=10, voted=10)}, roster(signatures=10), [])
    findings = check_contest(defn, PRECINCT, data, "gov", Sheet.A)
    assert {f.code for f in findings} == {"a8_blank"}
    assert len(findings) == 3 + 3  # three candidates, three lines


def test_a8_empty_write_in_row_is_ignored() -> None:
    assert len(_check(_gov(write_ins=(("Mickey Mouse", 1), ("  ", None))))) == 1


def test_a8_single_option_at_most_ballots() -> None:
    findings = _check(_gov(votes=(11, 3, 3), under=2))
    f = _only(findings, "a8_over_ballots")
    assert f.subject == "contest:gov/selection:gov-c1"
    assert (f.expected, f.actual, f.difference) == (10, 11, 1)
    assert "Candidate gov-1 has 11 votes, more than the 10 ballots" in f.message


def test_a8_write_in_count_at_most_ballots() -> None:
    findings = _check(_gov(votes=(0, 0, 0), under=9, write_ins=(("Mickey Mouse", 11),)))
    f = _only(findings, "a8_over_ballots")
    assert f.subject == "contest:gov/write_in:1"


def test_a8_under_and_overvotes_at_most_n_times_ballots() -> None:
    findings = _check(_gov(votes=(0, 0, 0), under=21, over=22, write_ins=()))
    under = _only(findings, "a8_undervotes_exceed")
    over = _only(findings, "a8_overvotes_exceed")
    assert (under.expected, under.actual, under.difference) == (20, 21, 1)
    assert (over.expected, over.actual, over.difference) == (20, 22, 2)
    assert under.subject == "contest:gov/field:undervotes"


def test_a8_negative_vote() -> None:
    f = _only(_check(_gov(votes=(8, -1, 3))), "a8_negative")
    assert f.subject == "contest:gov/selection:gov-c2"
    assert (f.expected, f.actual) == (0, -1)


def test_a8_write_in_without_a_name() -> None:
    findings = _check(_gov(write_ins=((" ", 1),)))
    f = _only(findings, "a8_write_in_unnamed")
    assert (f.rule, f.severity) == (RuleId.A8, Severity.BLOCK)
    assert f.subject == "contest:gov/write_in:1"
    assert "(1) but no name" in f.message


def test_a8_write_ins_in_a_contest_that_does_not_record_them() -> None:
    contest = candidate_contest("c", candidates=2, unqualified_write_ins=False)
    entry = contest_entry(contest, (5, 4), ballots=10, write_ins=(("Mickey Mouse", 1),))
    findings = _check(entry, contest)
    f = _only(findings, "a8_write_ins_not_recorded")
    assert f.subject == "contest:c"
    assert RuleId.A14 not in {x.rule for x in findings}


def test_sheet_b_findings_name_the_sheet() -> None:
    findings = _check(_gov(over=2), sheet=Sheet.B)
    f = _only(findings, "a4_unbalanced")
    assert f.sheet is Sheet.B
    assert f.message.startswith("Governing Board, sheet B: ")


def test_unknown_precinct_or_contest_is_an_input_error() -> None:
    defn = definition([GOV, PROP], {"1": ["gov"]})
    data = entries({"1": accounting(received=1, voted=1)}, roster(signatures=1), [])
    with pytest.raises(InputError) as unknown:
        check_contest(defn, PRECINCT, data, "nope", Sheet.A)
    assert unknown.value.code == "unknown_contest"
    with pytest.raises(InputError) as elsewhere:
        check_contest(defn, PRECINCT, data, "p1", Sheet.A)
    assert elsewhere.value.code == "contest_not_in_precinct"
    with pytest.raises(InputError) as precinct:
        check_contest(defn, "9999999Z", data, "gov", Sheet.A)
    assert precinct.value.code == "unknown_precinct"
    assert "9999999Z" in str(precinct.value)


def test_vote_for_one_never_fails_a4a() -> None:
    contest: CandidateContest = candidate_contest("c", candidates=2, unqualified_write_ins=False)
    entry = contest_entry(contest, (4, 3), ballots=10, over=3)
    assert _check(entry, contest) == ()
