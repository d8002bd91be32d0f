"""The balance equations of DESIGN §5.1 (A1 A2 A3 A4 A5 A6), whether they balance or not.

The poll-worker GUI shows these live, with their numbers and difference, while the board types
(DESIGN §6): an equation is :attr:`Balance.BALANCED`, :attr:`Balance.OFF` or, while any of its
terms is blank, :attr:`Balance.INCOMPLETE`. The rules build their findings from the same
equations (:func:`finding_for`), so the terms of each equation are defined once, here: an
equation is OFF exactly when its rule reports a finding for the same subject.

- :func:`accounting_equations`: A1 per ballot style (``style:<id>``), then A2 (``precinct``).
- :func:`contest_equations`: A4 (candidate) or A6 (measure) on ``contest:<id>``, then A3 (the
  contest is on every ballot style of the precinct) or A5 (on some) on
  ``contest:<id>/field:ballots``, for one contest as entered on one sheet.

Like the rules, nothing here does I/O or keeps state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

from tally_app.definition.model import (
    CandidateContest,
    Contest,
    ElectionDefinition,
    MeasureContest,
    Policy,
    Precinct,
    RuleId,
)
from tally_app.entries import (
    ContestEntry,
    ContestLine,
    PrecinctEntries,
    RosterField,
    Sheet,
    StyleAccounting,
)
from tally_app.entries import StyleField as F
from tally_app.reconcile.findings import Finding, Term, make_finding, term_sum
from tally_app.reconcile.scope import (
    EQ_MINUS,
    contest_of,
    contest_subject,
    entry_of,
    field_term,
    line_subject,
    listed_write_ins,
    precinct_of,
    style_accounting,
    style_subject,
    style_total,
)


class Balance(StrEnum):
    """Where an equation stands."""

    BALANCED = "balanced"  # both sides entered and equal
    OFF = "off"  # both sides entered and different: the rule reports a finding
    INCOMPLETE = "incomplete"  # some term is blank: the rule is not evaluated yet


@dataclass(frozen=True, slots=True)
class Equation:
    """One balance equation with its numbers, as the GUI shows it live.

    ``left_total`` and ``right_total`` are the signed sums of each side (None while a term on
    that side is blank); ``difference`` is ``left_total - right_total``, the same sign convention
    as :attr:`Finding.difference` (actual − expected). ``subject`` follows the grammar of
    :class:`Finding`; ``sheet`` is set for a contest's equations.
    """

    rule: RuleId
    subject: str
    equation: str
    left: tuple[Term, ...]
    right: tuple[Term, ...]
    left_total: int | None
    right_total: int | None
    difference: int | None
    balance: Balance
    sheet: Sheet | None = None


def make_equation(
    rule: RuleId,
    subject: str,
    equation: str,
    left: tuple[Term, ...],
    right: tuple[Term, ...],
    *,
    sheet: Sheet | None = None,
    evaluated: bool = True,
) -> Equation:
    """Build an equation: totals, difference and balance computed from the terms.

    ``evaluated=False`` keeps the equation INCOMPLETE although its terms are all entered (see
    :func:`a2_equation`).
    """
    left_total, right_total = term_sum(left), term_sum(right)
    if left_total is None or right_total is None:
        difference = None
    else:
        difference = left_total - right_total
    if difference is None or not evaluated:
        balance = Balance.INCOMPLETE
    elif difference == 0:
        balance = Balance.BALANCED
    else:
        balance = Balance.OFF
    return Equation(
        rule=rule,
        subject=subject,
        equation=equation,
        left=left,
        right=right,
        left_total=left_total,
        right_total=right_total,
        difference=difference,
        balance=balance,
        sheet=sheet,
    )


def finding_for(policy: Policy, eq: Equation, code: str, **params: object) -> Finding:
    """The finding of an OFF equation: its terms, actual = left side, expected = right side."""
    assert eq.balance is Balance.OFF, eq
    return make_finding(
        policy,
        eq.rule,
        code,
        eq.subject,
        equation=eq.equation,
        left=eq.left,
        right=eq.right,
        expected=eq.right_total,
        actual=eq.left_total,
        sheet=eq.sheet,
        **params,
    )


def values_by_symbol(eq: Equation) -> dict[str, int | None]:
    """Each term's value by its symbol, for the message parameters of a finding."""
    return {t.symbol: t.value for t in eq.left + eq.right}


# --- public API -------------------------------------------------------------------------


def accounting_equations(
    definition: ElectionDefinition, precinct_id: str, entries: PrecinctEntries
) -> tuple[Equation, ...]:
    """The ballot-accounting equations of the precinct: A1 per ballot style, then A2.

    Raises InputError for a precinct not in the definition.
    """
    precinct = precinct_of(definition, precinct_id)
    equations = [
        a1_equation(style_id, style_accounting(entries, style_id))
        for style_id in precinct.ballot_style_ids
    ]
    equations.append(a2_equation(definition.policy, precinct, entries))
    return tuple(equations)


def contest_equations(
    definition: ElectionDefinition,
    precinct_id: str,
    entries: PrecinctEntries,
    contest_id: str,
    sheet: Sheet,
) -> tuple[Equation, ...]:
    """One contest's equations as entered on one sheet: A4 or A6, then A3 or A5.

    Raises InputError for an unknown precinct or contest, or a contest not on its ballots.
    """
    precinct = precinct_of(definition, precinct_id)
    contest = contest_of(definition, precinct, contest_id)
    entry = entry_of(entries, sheet, contest)
    return (
        marks_equation(contest, entry, sheet),
        a3_a5_equation(definition, precinct, entries, contest, entry, sheet),
    )


# --- one builder per equation -----------------------------------------------------------


def a1_equation(style_id: str, accounting: StyleAccounting) -> Equation:
    """A1: every ballot received is voted, spoiled or unused: R = V + S + U."""
    return make_equation(
        RuleId.A1,
        style_subject(style_id),
        "R = V + S + U",
        (field_term(F.RECEIVED, accounting[F.RECEIVED]),),
        tuple(field_term(f, accounting[f]) for f in (F.VOTED, F.SPOILED, F.UNUSED)),
    )


def a2_equation(policy: Policy, precinct: Precinct, entries: PrecinctEntries) -> Equation:
    """A2: the ballots in the box match the voters on the roster, over all ballot styles.

    V − V_prov = Sig − NV, or V = Sig − NV when the policy says provisional voters sign the
    roster. Either way A2 is evaluated only once every style's V_prov is entered, so under that
    policy a blank V_prov keeps the equation INCOMPLETE (as the rule always has).
    """
    v = style_total(precinct, entries, F.VOTED)
    v_prov = style_total(precinct, entries, F.PROVISIONAL)
    right = (
        field_term(RosterField.SIGNATURES, entries.roster.get(RosterField.SIGNATURES)),
        field_term(RosterField.NOT_VOTED, entries.roster.get(RosterField.NOT_VOTED), -1),
    )
    if policy.provisional_voters_sign_roster:
        left: tuple[Term, ...] = (field_term(F.VOTED, v),)
        equation = f"V = Sig {EQ_MINUS} NV"
    else:
        left = (field_term(F.VOTED, v), field_term(F.PROVISIONAL, v_prov, -1))
        equation = f"V {EQ_MINUS} V_prov = Sig {EQ_MINUS} NV"
    return make_equation(RuleId.A2, "precinct", equation, left, right, evaluated=v_prov is not None)


def marks_equation(contest: Contest, entry: ContestEntry, sheet: Sheet) -> Equation:
    """A4 for a candidate contest, A6 for a measure."""
    match contest:
        case CandidateContest():
            return a4_equation(contest, entry, sheet)
        case MeasureContest():
            return a6_equation(contest, entry, sheet)
        case _:
            assert_never(contest)


def a4_equation(contest: CandidateContest, entry: ContestEntry, sheet: Sheet) -> Equation:
    """A4: Σ votes (qualified write-ins included) + W + under + over = N × K_c.

    W, the unqualified write-ins, is a term when the contest records them or rows are listed.
    """
    left = tuple(Term(c.id, c.name, entry.votes.get(c.id)) for c in contest.candidates)
    listed = listed_write_ins(entry.write_ins)
    if contest.unqualified_write_ins or listed:
        left += (Term("W", "unqualified write-ins", _sum(w.count for w in listed)),)
    left += (
        field_term(ContestLine.UNDERVOTES, entry.undervotes),
        field_term(ContestLine.OVERVOTES, entry.overvotes),
    )
    n, k = contest.vote_for, entry.ballots
    shown_k = "blank" if k is None else k
    right = (
        Term(
            "N×K",
            f"{n} votes allowed × ballots tallied ({shown_k})",
            None if k is None else n * k,
        ),
    )
    return make_equation(
        RuleId.A4,
        contest_subject(contest.id),
        "Σ votes + W + under + over = N × K",
        left,
        right,
        sheet=sheet,
    )


def a6_equation(contest: MeasureContest, entry: ContestEntry, sheet: Sheet) -> Equation:
    """A6: yes + no + undervotes + overvotes = K_c (a measure allows one vote)."""
    yes, no = contest.options
    left = (
        Term(yes.id, yes.name, entry.votes.get(yes.id)),
        Term(no.id, no.name, entry.votes.get(no.id)),
        field_term(ContestLine.UNDERVOTES, entry.undervotes),
        field_term(ContestLine.OVERVOTES, entry.overvotes),
    )
    return make_equation(
        RuleId.A6,
        contest_subject(contest.id),
        "yes + no + under + over = K",
        left,
        (field_term(ContestLine.BALLOTS, entry.ballots),),
        sheet=sheet,
    )


def a3_a5_equation(
    definition: ElectionDefinition,
    precinct: Precinct,
    entries: PrecinctEntries,
    contest: Contest,
    entry: ContestEntry,
    sheet: Sheet,
) -> Equation:
    """A3 (contest on every ballot style): K_c = T. A5 (on some): K_c = Σ T_s of those styles.

    T_s = V − V_prov − X of style s; a style nobody started is blank.
    """
    carrying = definition.styles_carrying(precinct.id, contest.id)
    per_style = tuple(
        Term(
            f"T_{style_id}",
            f"ballots tallied on ballot style {style_id}",
            style_accounting(entries, style_id).tallied,
        )
        for style_id in carrying
    )
    left = (field_term(ContestLine.BALLOTS, entry.ballots),)
    subject = line_subject(contest.id, ContestLine.BALLOTS)
    if set(carrying) == set(precinct.ballot_style_ids):
        right = (Term("T", "ballots tallied for the precinct", term_sum(per_style)),)
        return make_equation(RuleId.A3, subject, "K = T", left, right, sheet=sheet)
    return make_equation(
        RuleId.A5,
        subject,
        "K = Σ T_s over the ballot styles carrying the contest",
        left,
        per_style,
        sheet=sheet,
    )


def _sum(values: Iterable[int | None]) -> int | None:
    """The sum, or None while any value is blank."""
    total = 0
    for v in values:
        if v is None:
            return None
        total += v
    return total
