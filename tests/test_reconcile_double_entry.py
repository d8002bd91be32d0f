"""Example tests of double entry (A7) and the side-by-side differences."""

from __future__ import annotations

import unicodedata

from tally_app.definition.model import Policy, RuleId, Severity
from tally_app.entries import ContestEntry, PrecinctEntries, Sheet
from tally_app.reconcile import (
    SheetDifference,
    Term,
    check_precinct,
    compare_sheets,
    normalise_write_in_name,
)
from tally_app.reconcile.double_entry import check_double_entry
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

GOV = candidate_contest("gov", vote_for=1, candidates=2, title="Governing Board")
PROP = measure("p1", title="Measure P")
DEFN = definition([GOV, PROP])


def _gov(
    votes: tuple[int | None, int | None] = (6, 3),
    write_ins: tuple[tuple[str, int | None], ...] = (("José Núñez", 1),),
    under: int | None = 0,
    first_row_id: int = 1,
) -> ContestEntry:
    return contest_entry(
        GOV, votes, ballots=10, under=under, write_ins=write_ins, first_row_id=first_row_id
    )


PROP_ENTRY = contest_entry(PROP, (6, 4), ballots=10)


def _data(sheet_a: list[ContestEntry], sheet_b: list[ContestEntry]) -> PrecinctEntries:
    return entries(
        {"1": accounting(received=10, voted=10)}, roster(signatures=10), sheet_a, sheet_b
    )


def test_identical_sheets_have_no_differences() -> None:
    data = _data([_gov(), PROP_ENTRY], [_gov(first_row_id=7), PROP_ENTRY])
    assert compare_sheets(DEFN, PRECINCT, data) == ()
    assert check_double_entry(DEFN, PRECINCT, data) == ()


def test_write_in_names_match_after_normalising() -> None:
    typed_on_b = unicodedata.normalize("NFD", "  JOSÉ   núñez ")
    data = _data([_gov(), PROP_ENTRY], [_gov(write_ins=((typed_on_b, 1),)), PROP_ENTRY])
    assert compare_sheets(DEFN, PRECINCT, data) == ()
    assert normalise_write_in_name(typed_on_b) == normalise_write_in_name("José Núñez")
    assert normalise_write_in_name("Mickey\tMOUSE ") == "mickey mouse"
    assert normalise_write_in_name("Straße") == "strasse"


def test_every_differing_field_is_listed_in_ballot_order() -> None:
    b_gov = _gov(votes=(5, 3), under=1, write_ins=(("Jose Nunez", 1),))
    b_prop = contest_entry(PROP, (6, None), ballots=10)
    data = _data([_gov(), PROP_ENTRY], [b_gov, b_prop])
    assert compare_sheets(DEFN, PRECINCT, data) == (
        SheetDifference(GOV.id, "gov-c1", "Candidate gov-1", 6, 5),
        SheetDifference(GOV.id, "undervotes", "undervotes", 0, 1),
        SheetDifference(GOV.id, "write_in:jose nunez", 'write-in "Jose Nunez"', None, 1),
        SheetDifference(GOV.id, "write_in:josé núñez", 'write-in "José Núñez"', 1, None),
        SheetDifference(PROP.id, "p1-no", "No", 4, None),
    )


def test_a7_one_finding_per_difference() -> None:
    b_gov = _gov(votes=(5, 3), under=1, write_ins=(("José Núñez", 2), ("Donald Duck", 1)))
    data = _data([_gov(), PROP_ENTRY], [b_gov, PROP_ENTRY])
    findings = check_double_entry(DEFN, PRECINCT, data)
    assert [(f.subject, f.code) for f in findings] == [
        ("contest:gov/field:undervotes", "a7_mismatch"),
        ("contest:gov/selection:gov-c1", "a7_mismatch"),
        ("contest:gov/write_in_name:donald duck", "a7_write_in_unmatched"),
        ("contest:gov/write_in_name:josé núñez", "a7_mismatch"),
    ]
    assert all(f.rule is RuleId.A7 and f.severity is Severity.BLOCK for f in findings)
    vote = findings[1]
    assert (vote.expected, vote.actual, vote.difference) == (6, 5, -1)
    assert vote.left == (Term("A", "sheet A", 6),)
    assert vote.right == (Term("B", "sheet B", 5),)
    assert vote.sheet is Sheet.B
    assert vote.message == (
        "Governing Board: for Candidate gov-1, sheet A has 6 and sheet B has 5."
        " Recount this line together and correct the sheet that is wrong."
    )
    assert findings[2].message.startswith(
        'Governing Board: the write-in "Donald Duck" is on sheet B (1) but not on sheet A.'
    )


def test_rows_with_the_same_name_are_added_up() -> None:
    split = _gov(write_ins=(("José Núñez", 1), ("jose nunez", 0), ("JOSÉ NÚÑEZ", 0)))
    data = _data([_gov(), PROP_ENTRY], [split, PROP_ENTRY])
    diffs = compare_sheets(DEFN, PRECINCT, data)
    assert [(d.field, d.a, d.b) for d in diffs] == [("write_in:jose nunez", None, 0)]


def test_a7_sheet_b_not_entered() -> None:
    blank_b = contest_entry(PROP, (None, None), ballots=None, under=None, over=None)
    data = _data([_gov(), PROP_ENTRY], [blank_b])
    findings = check_double_entry(DEFN, PRECINCT, data)
    assert [(f.subject, f.code) for f in findings] == [
        ("contest:gov", "a7_b_missing"),
        ("contest:p1", "a7_b_missing"),
    ]
    assert findings[0].message == (
        "Governing Board: sheet B has not been entered yet. The second tally keeper enters"
        " this contest on sheet B without looking at sheet A."
    )
    # The side-by-side view still shows sheet B as blank.
    assert {d.b for d in compare_sheets(DEFN, PRECINCT, data)} == {None}


def test_a7_waived_by_the_policy() -> None:
    single = definition([GOV, PROP], policy=Policy(double_entry=False))
    data = _data([_gov(), PROP_ENTRY], [])
    assert check_double_entry(single, PRECINCT, data) == ()
    assert [f.rule for f in check_precinct(single, PRECINCT, data)] == [RuleId.A14]
    assert [f.rule for f in check_precinct(DEFN, PRECINCT, data)] == [
        RuleId.A7,
        RuleId.A7,
        RuleId.A14,
    ]
