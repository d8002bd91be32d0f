"""The balance equations the GUI shows live (A1 A2 A3 A4 A5 A6), balanced, off or incomplete."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tally_app.definition.model import Policy, RuleId
from tally_app.entries import ContestEntry, PrecinctEntries, Sheet, StyleAccounting, StyleField
from tally_app.errors import InputError
from tally_app.reconcile import (
    Balance,
    Equation,
    Finding,
    Term,
    accounting_equations,
    check_contest,
    check_precinct,
    contest_equations,
)
from tests.reconcile_factories import (
    PRECINCT,
    Scenario,
    accounting,
    candidate_contest,
    cells,
    consistent_precincts,
    contest_entry,
    definition,
    entries,
    measure,
    roster,
    value_of,
    with_value,
)

# Vote for 2 of 3, with unqualified write-ins; one style with T = 12 − 1 − 1 = 10 ballots.
GOV = candidate_contest("gov", vote_for=2, candidates=3, title="Governing Board")
PROP = measure("p1", title="Measure P")
MINUS = "\u2212"


def _style(**overrides: int | None) -> dict[str, int | None]:
    values: dict[str, int | None] = {
        "received": 14,
        "voted": 12,
        "provisional": 1,
        "rejected": 1,
        "spoiled": 1,
        "unused": 1,
    }
    return values | overrides


def _make(values: dict[str, int | None]) -> StyleAccounting:
    return accounting(
        received=values["received"],
        voted=values["voted"],
        provisional=values["provisional"],
        rejected=values["rejected"],
        spoiled=values["spoiled"],
        unused=values["unused"],
    )


def _accounting_data(
    styles: dict[str, dict[str, int | None]] | None = None,
    *,
    signatures: int | None = 11,
    not_voted: int | None = 0,
) -> PrecinctEntries:
    styles = {"1": _style()} if styles is None else styles
    return entries(
        {sid: _make(values) for sid, values in styles.items()},
        roster(signatures=signatures, not_voted=not_voted),
        [],
    )


def _accounting(
    styles: dict[str, dict[str, int | None]] | None = None,
    *,
    signatures: int | None = 11,
    not_voted: int | None = 0,
    policy: Policy | None = None,
) -> tuple[tuple[Equation, ...], tuple[Finding, ...]]:
    styles = {"1": _style()} if styles is None else styles
    defn = definition([GOV], {sid: ["gov"] for sid in styles}, policy=policy)
    data = _accounting_data(styles, signatures=signatures, not_voted=not_voted)
    return (
        accounting_equations(defn, PRECINCT, data),
        check_precinct(defn, PRECINCT, data),
    )


def _one(equations: tuple[Equation, ...], rule: RuleId, subject: str | None = None) -> Equation:
    matching = [e for e in equations if e.rule is rule and subject in (None, e.subject)]
    assert len(matching) == 1, equations
    return matching[0]


def _numbers(eq: Equation) -> tuple[int | None, int | None, int | None, Balance]:
    return (eq.left_total, eq.right_total, eq.difference, eq.balance)


def _finding_for(findings: tuple[Finding, ...], eq: Equation) -> Finding | None:
    matching = [f for f in findings if f.rule is eq.rule and f.subject == eq.subject]
    assert len(matching) <= 1, matching
    return matching[0] if matching else None


def _assert_same_arithmetic(eq: Equation, f: Finding) -> None:
    """An OFF equation and its finding show the same equation, terms and numbers."""
    assert (f.equation, f.left, f.right, f.sheet) == (eq.equation, eq.left, eq.right, eq.sheet)
    assert (f.actual, f.expected, f.difference) == (eq.left_total, eq.right_total, eq.difference)


# --- A1 ---------------------------------------------------------------------------------


def test_a1_balanced_shows_its_terms() -> None:
    equations, findings = _accounting()
    eq = _one(equations, RuleId.A1)
    assert eq.subject == "style:1"
    assert eq.equation == "R = V + S + U"
    assert [(t.symbol, t.value, t.sign) for t in eq.left] == [("R", 14, 1)]
    assert [(t.symbol, t.value, t.sign) for t in eq.right] == [
        ("V", 12, 1),
        ("S", 1, 1),
        ("U", 1, 1),
    ]
    assert _numbers(eq) == (14, 14, 0, Balance.BALANCED)
    assert eq.sheet is None
    assert _finding_for(findings, eq) is None


def test_a1_off_has_the_numbers_and_difference_of_its_finding() -> None:
    equations, findings = _accounting({"1": _style(received=16)})
    eq = _one(equations, RuleId.A1)
    assert _numbers(eq) == (16, 14, 2, Balance.OFF)
    f = _finding_for(findings, eq)
    assert f is not None and f.code == "a1_unbalanced"
    _assert_same_arithmetic(eq, f)


def test_a1_with_a_blank_term_is_incomplete() -> None:
    equations, findings = _accounting({"1": _style(spoiled=None)})
    eq = _one(equations, RuleId.A1)
    assert eq.right[1] == Term("S", "spoiled ballots", None)
    assert _numbers(eq) == (14, None, None, Balance.INCOMPLETE)
    assert _finding_for(findings, eq) is None


def test_accounting_equations_are_a1_per_style_then_a2() -> None:
    equations, _ = _accounting({"1": _style(), "2": _style(received=None)}, signatures=22)
    assert [(e.rule, e.subject) for e in equations] == [
        (RuleId.A1, "style:1"),
        (RuleId.A1, "style:2"),
        (RuleId.A2, "precinct"),
    ]
    assert [e.balance for e in equations] == [
        Balance.BALANCED,
        Balance.INCOMPLETE,
        Balance.BALANCED,
    ]


# --- A2 ---------------------------------------------------------------------------------


def test_a2_balanced() -> None:
    equations, _ = _accounting()
    eq = _one(equations, RuleId.A2)
    assert (eq.subject, eq.equation) == ("precinct", f"V {MINUS} V_prov = Sig {MINUS} NV")
    assert [(t.symbol, t.value, t.sign) for t in eq.left] == [("V", 12, 1), ("V_prov", 1, -1)]
    assert [(t.symbol, t.value, t.sign) for t in eq.right] == [("Sig", 11, 1), ("NV", 0, -1)]
    assert _numbers(eq) == (11, 11, 0, Balance.BALANCED)


def test_a2_off_sums_over_styles() -> None:
    equations, findings = _accounting({"1": _style(), "2": _style()}, signatures=25, not_voted=1)
    eq = _one(equations, RuleId.A2)
    assert [t.value for t in eq.left] == [24, 2]
    assert _numbers(eq) == (22, 24, -2, Balance.OFF)
    f = _finding_for(findings, eq)
    assert f is not None and f.code == "a2_unbalanced"
    _assert_same_arithmetic(eq, f)


def test_a2_with_a_blank_term_is_incomplete() -> None:
    equations, _ = _accounting(not_voted=None)
    assert _numbers(_one(equations, RuleId.A2)) == (11, None, None, Balance.INCOMPLETE)
    equations, _ = _accounting({"1": _style(), "2": _style(voted=None)}, signatures=22)
    assert _numbers(_one(equations, RuleId.A2)) == (None, 22, None, Balance.INCOMPLETE)


def test_a2_when_provisional_voters_sign_the_roster() -> None:
    signs = Policy(provisional_voters_sign_roster=True)
    equations, findings = _accounting(signatures=12, policy=signs)
    eq = _one(equations, RuleId.A2)
    assert eq.equation == f"V = Sig {MINUS} NV"
    assert [t.symbol for t in eq.left] == ["V"]
    assert _numbers(eq) == (12, 12, 0, Balance.BALANCED)
    assert _finding_for(findings, eq) is None

    equations, findings = _accounting(signatures=11, policy=signs)
    eq = _one(equations, RuleId.A2)
    assert _numbers(eq) == (12, 11, 1, Balance.OFF)
    f = _finding_for(findings, eq)
    assert f is not None and f.code == "a2_unbalanced_roster"
    _assert_same_arithmetic(eq, f)


def test_a2_under_the_policy_still_waits_for_every_provisional_count() -> None:
    """V_prov is not a term under the policy, but A2 has always waited for it (its A8 blank
    finding asks for it), so the equation stays incomplete rather than OFF without a finding."""
    signs = Policy(provisional_voters_sign_roster=True)
    equations, findings = _accounting({"1": _style(provisional=None)}, signatures=11, policy=signs)
    eq = _one(equations, RuleId.A2)
    assert _numbers(eq) == (12, 11, 1, Balance.INCOMPLETE)
    assert _finding_for(findings, eq) is None


# --- contests: A3 A4 A6 on one style ----------------------------------------------------


def _contest(
    entry_a: ContestEntry,
    *,
    style: dict[str, int | None] | None = None,
    sheet: Sheet = Sheet.A,
) -> tuple[tuple[Equation, ...], tuple[Finding, ...]]:
    defn = definition([GOV, PROP])
    data = entries(
        {"1": _make(style or _style())},
        roster(signatures=11),
        [entry_a],
    )
    cid = entry_a.contest_id
    return (
        contest_equations(defn, PRECINCT, data, cid, sheet),
        check_contest(defn, PRECINCT, data, cid, sheet),
    )


def _gov(
    votes: tuple[int | None, ...] = (8, 6, 3),
    *,
    ballots: int | None = 10,
    under: int | None = 2,
    over: int | None = 0,
    write_ins: tuple[tuple[str, int | None], ...] = (("Mickey Mouse", 1),),
) -> ContestEntry:
    return contest_entry(GOV, votes, ballots=ballots, under=under, over=over, write_ins=write_ins)


def _prop(
    yes: int | None = 6,
    no: int | None = 3,
    *,
    ballots: int | None = 10,
    under: int | None = 1,
    over: int | None = 0,
) -> ContestEntry:
    return contest_entry(PROP, (yes, no), ballots=ballots, under=under, over=over)


def test_contest_equations_are_a4_then_a3_on_the_sheet_asked_for() -> None:
    for sheet in Sheet:
        equations, _ = _contest(_gov(), sheet=sheet)
        assert [(e.rule, e.subject) for e in equations] == [
            (RuleId.A4, "contest:gov"),
            (RuleId.A3, "contest:gov/field:ballots"),
        ]
        assert all(e.sheet is sheet for e in equations)


def test_a4_balanced() -> None:
    equations, findings = _contest(_gov())
    eq = _one(equations, RuleId.A4)
    assert eq.equation == "Σ votes + W + under + over = N × K"
    assert [(t.symbol, t.value) for t in eq.left] == [
        ("gov-c1", 8),
        ("gov-c2", 6),
        ("gov-c3", 3),
        ("W", 1),
        ("under", 2),
        ("over", 0),
    ]
    assert eq.right == (Term("N×K", "2 votes allowed × ballots tallied (10)", 20),)
    assert _numbers(eq) == (20, 20, 0, Balance.BALANCED)
    assert _finding_for(findings, eq) is None


def test_a4_off() -> None:
    equations, findings = _contest(_gov(under=3))
    eq = _one(equations, RuleId.A4)
    assert _numbers(eq) == (21, 20, 1, Balance.OFF)
    f = _finding_for(findings, eq)
    assert f is not None and f.code == "a4_unbalanced"
    _assert_same_arithmetic(eq, f)


def test_a4_incomplete_on_a_blank_vote_write_in_or_ballot_count() -> None:
    eq = _one(_contest(_gov(votes=(8, None, 3)))[0], RuleId.A4)
    assert _numbers(eq) == (None, 20, None, Balance.INCOMPLETE)
    eq = _one(_contest(_gov(write_ins=(("Mickey Mouse", None),)))[0], RuleId.A4)
    assert eq.left[3] == Term("W", "unqualified write-ins", None)
    assert _numbers(eq) == (None, 20, None, Balance.INCOMPLETE)
    eq = _one(_contest(_gov(ballots=None))[0], RuleId.A4)
    assert eq.right == (Term("N×K", "2 votes allowed × ballots tallied (blank)", None),)
    assert _numbers(eq) == (20, None, None, Balance.INCOMPLETE)


def test_a6_balanced_off_and_incomplete() -> None:
    equations, findings = _contest(_prop())
    assert [e.rule for e in equations] == [RuleId.A6, RuleId.A3]
    eq = equations[0]
    assert (eq.subject, eq.equation) == ("contest:p1", "yes + no + under + over = K")
    assert [(t.symbol, t.label, t.value) for t in eq.left] == [
        ("p1-yes", "Yes", 6),
        ("p1-no", "No", 3),
        ("under", "undervotes", 1),
        ("over", "overvotes", 0),
    ]
    assert [(t.symbol, t.value) for t in eq.right] == [("K", 10)]
    assert _numbers(eq) == (10, 10, 0, Balance.BALANCED)
    assert _finding_for(findings, eq) is None

    equations, findings = _contest(_prop(yes=4))
    eq = _one(equations, RuleId.A6)
    assert _numbers(eq) == (8, 10, -2, Balance.OFF)
    f = _finding_for(findings, eq)
    assert f is not None and f.code == "a6_unbalanced"
    _assert_same_arithmetic(eq, f)

    eq = _one(_contest(_prop(over=None))[0], RuleId.A6)
    assert _numbers(eq) == (None, 10, None, Balance.INCOMPLETE)


def test_a3_balanced_off_and_incomplete() -> None:
    eq = _one(_contest(_gov())[0], RuleId.A3)
    assert (eq.subject, eq.equation) == ("contest:gov/field:ballots", "K = T")
    assert eq.left == (Term("K", "ballots tallied", 10),)
    assert eq.right == (Term("T", "ballots tallied for the precinct", 10),)
    assert _numbers(eq) == (10, 10, 0, Balance.BALANCED)

    equations, findings = _contest(_gov(votes=(8, 6, 5), ballots=11))
    eq = _one(equations, RuleId.A3)
    assert _numbers(eq) == (11, 10, 1, Balance.OFF)
    f = _finding_for(findings, eq)
    assert f is not None and f.code == "a3_ballots_differ"
    _assert_same_arithmetic(eq, f)

    eq = _one(_contest(_gov(ballots=None))[0], RuleId.A3)
    assert _numbers(eq) == (None, 10, None, Balance.INCOMPLETE)
    eq = _one(_contest(_gov(), style=_style(rejected=None))[0], RuleId.A3)
    assert _numbers(eq) == (10, None, None, Balance.INCOMPLETE)


def test_a_contest_not_yet_entered_is_incomplete() -> None:
    defn = definition([GOV, PROP])
    data = entries({"1": _make(_style())}, roster(signatures=11), [])
    equations = contest_equations(defn, PRECINCT, data, "p1", Sheet.B)
    assert [(e.rule, e.balance) for e in equations] == [
        (RuleId.A6, Balance.INCOMPLETE),
        (RuleId.A3, Balance.INCOMPLETE),
    ]


def test_unknown_precinct_or_contest_is_an_input_error() -> None:
    defn = definition([GOV])
    data = _accounting_data()
    with pytest.raises(InputError):
        accounting_equations(defn, "nowhere", data)
    with pytest.raises(InputError):
        contest_equations(defn, PRECINCT, data, "nope", Sheet.A)


# --- A3 vs A5 on several styles ---------------------------------------------------------

LOCAL = measure("local", title="Local measure")


def _multi(
    local_ballots: int | None, style_1: dict[str, int | None] | None = None
) -> tuple[tuple[Equation, ...], tuple[Equation, ...], tuple[Finding, ...]]:
    """GOV on styles 1 and 2 (T = 10 + 5), LOCAL on style 1 only (T_1 = 10)."""
    defn = definition([GOV, LOCAL], {"1": ["gov", "local"], "2": ["gov"]})
    data = entries(
        {
            "1": _make(style_1 or _style()),
            "2": accounting(received=7, voted=5, spoiled=1, unused=1),
        },
        roster(signatures=16),
        [
            contest_entry(GOV, (14, 11, 4), ballots=15, under=1, write_ins=()),
            contest_entry(LOCAL, (6, 3), ballots=local_ballots, under=1),
        ],
    )
    return (
        contest_equations(defn, PRECINCT, data, "gov", Sheet.A),
        contest_equations(defn, PRECINCT, data, "local", Sheet.A),
        check_precinct(defn, PRECINCT, data),
    )


def test_a3_on_every_style_sums_t_over_the_precinct_a5_over_the_carrying_styles() -> None:
    gov, local, findings = _multi(10)
    a3 = _one(gov, RuleId.A3)
    assert a3.right == (Term("T", "ballots tallied for the precinct", 15),)
    assert _numbers(a3) == (15, 15, 0, Balance.BALANCED)
    a5 = _one(local, RuleId.A5)
    assert a5.subject == "contest:local/field:ballots"
    assert a5.equation == "K = Σ T_s over the ballot styles carrying the contest"
    assert a5.right == (Term("T_1", "ballots tallied on ballot style 1", 10),)
    assert _numbers(a5) == (10, 10, 0, Balance.BALANCED)
    assert not [f for f in findings if f.rule in (RuleId.A3, RuleId.A5)]


def test_a5_off_and_incomplete() -> None:
    _, local, findings = _multi(12)
    a5 = _one(local, RuleId.A5)
    assert _numbers(a5) == (12, 10, 2, Balance.OFF)
    f = _finding_for(findings, a5)
    assert f is not None and f.code == "a5_ballots_differ"
    _assert_same_arithmetic(a5, f)

    gov, local, _ = _multi(10, _style(voted=None))
    assert _numbers(_one(local, RuleId.A5)) == (10, None, None, Balance.INCOMPLETE)
    assert _numbers(_one(gov, RuleId.A3)) == (15, None, None, Balance.INCOMPLETE)


# --- properties -------------------------------------------------------------------------

FAST = settings(max_examples=200, deadline=None)
BALANCES = (RuleId.A1, RuleId.A2, RuleId.A3, RuleId.A4, RuleId.A5, RuleId.A6)


def _all_equations(
    s: Scenario, data: PrecinctEntries
) -> list[tuple[Equation, tuple[Finding, ...]]]:
    """Each equation of the precinct, with the findings of the check that covers it."""
    defn, pid = s.definition, s.precinct_id
    found = [(e, check_precinct(defn, pid, data)) for e in accounting_equations(defn, pid, data)]
    for contest in defn.contests_for(pid):
        for sheet in Sheet:
            findings = check_contest(defn, pid, data, contest.id, sheet)
            found += [(e, findings) for e in contest_equations(defn, pid, data, contest.id, sheet)]
    return found


def _a2_waits_for_provisional(s: Scenario, data: PrecinctEntries, eq: Equation) -> bool:
    precinct = s.definition.precinct(s.precinct_id)
    return (
        eq.rule is RuleId.A2
        and s.definition.policy.provisional_voters_sign_roster
        and any(
            data.styles[sid][StyleField.PROVISIONAL] is None for sid in precinct.ballot_style_ids
        )
    )


@FAST
@given(consistent_precincts())
def test_every_equation_of_a_consistent_precinct_balances(s: Scenario) -> None:
    equations = _all_equations(s, s.entries)
    assert equations
    for eq, _ in equations:
        assert eq.balance is Balance.BALANCED, eq
        assert eq.difference == 0


@FAST
@given(consistent_precincts(), st.data())
def test_an_equation_is_off_exactly_when_its_rule_reports_it(
    s: Scenario, data: st.DataObject
) -> None:
    # Change up to three counts (half of them in the ballot accounting, which feeds A1 A2 and
    # the T of A3/A5), by a few or to blank.
    changed = s.entries
    every_cell = cells(s.entries)
    accounting_cells = [c for c in every_cell if c.sheet is None]
    contest_cells = [c for c in every_cell if c.sheet is not None]
    for _ in range(data.draw(st.integers(0, 3), label="changes")):
        cell = data.draw(
            st.sampled_from(accounting_cells) | st.sampled_from(contest_cells), label="cell"
        )
        delta = data.draw(st.sampled_from([None, -2, -1, 1, 2, 3]), label="delta")
        old = value_of(changed, cell)
        changed = with_value(changed, cell, None if delta is None else (old or 0) + delta)

    for eq, findings in _all_equations(s, changed):
        assert eq.rule in BALANCES
        reported = [f for f in findings if f.rule is eq.rule and f.subject == eq.subject]
        assert len(reported) <= 1
        assert (eq.balance is Balance.OFF) == bool(reported), (eq, reported)
        if reported:
            _assert_same_arithmetic(eq, reported[0])
        # The numbers follow from the terms.
        for side, total in ((eq.left, eq.left_total), (eq.right, eq.right_total)):
            blank = any(t.value is None for t in side)
            assert (total is None) == blank
            if not blank:
                assert total == sum(t.sign * (t.value or 0) for t in side)
        if eq.left_total is None or eq.right_total is None:
            assert (eq.difference, eq.balance) == (None, Balance.INCOMPLETE)
        else:
            assert eq.difference == eq.left_total - eq.right_total
            if eq.balance is Balance.INCOMPLETE:
                assert _a2_waits_for_provisional(s, changed, eq), eq
            else:
                assert (eq.balance is Balance.BALANCED) == (eq.difference == 0)
