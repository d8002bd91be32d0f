"""The Finding value: what a reconciliation rule says about the entries (DESIGN §5).

Findings are values, not exceptions: a rule that fails returns one, with the terms of its
equation, so the UI can show the arithmetic and not just "invalid". The severity always comes
from the definition's policy, so a county can make a rule stricter or looser.

Subjects name what a finding is about, in one grammar the UI and the store can rely on:

- ``precinct``
- ``field:<roster field>`` (e.g. ``field:signatures``)
- ``style:<id>`` and ``style:<id>/field:<style field>`` (e.g. ``style:1/field:unused``)
- ``contest:<id>``, ``contest:<id>/selection:<id>``, ``contest:<id>/field:<line>``
  (e.g. ``contest:c1/field:overvotes``), ``contest:<id>/write_in:<row id>``
- ``contest:<id>/write_in_name:<normalised name>`` (A7 only: rows on the two sheets are matched
  by name, not by row id)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tally_app.definition.model import Policy, RuleId, Severity
from tally_app.entries import Sheet
from tally_app.reconcile.messages import render

_RULE_ORDER = {rule: index for index, rule in enumerate(RuleId)}


@dataclass(frozen=True, slots=True)
class Term:
    """One term of an equation, as it stands on its side: ``Term("V", "voted ballots", 412)``."""

    symbol: str
    label: str
    value: int | None
    sign: int = 1  # +1 or -1


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed check, with everything needed to show its arithmetic.

    ``actual`` is the side being checked (the left of the equation), ``expected`` the side the
    rule treats as the reference (the right, or the limit of an inequality), and ``difference``
    is ``actual - expected``; all three are None when the finding is not about a balance (a
    blank field, overlapping ranges). For A7, ``expected`` is sheet A (the record) and
    ``actual`` sheet B. ``sheet`` is set for findings about a contest as entered on a sheet.
    """

    rule: RuleId
    severity: Severity
    code: str
    subject: str
    equation: str
    left: tuple[Term, ...]
    right: tuple[Term, ...]
    expected: int | None
    actual: int | None
    difference: int | None
    message: str
    sheet: Sheet | None = None


def make_finding(
    policy: Policy,
    rule: RuleId,
    code: str,
    subject: str,
    *,
    equation: str = "",
    left: tuple[Term, ...] = (),
    right: tuple[Term, ...] = (),
    expected: int | None = None,
    actual: int | None = None,
    sheet: Sheet | None = None,
    **params: object,
) -> Finding:
    """Build a finding: severity from the policy, difference computed, message rendered."""
    difference = None if expected is None or actual is None else actual - expected
    return Finding(
        rule=rule,
        severity=policy.severity(rule),
        code=code,
        subject=subject,
        equation=equation,
        left=left,
        right=right,
        expected=expected,
        actual=actual,
        difference=difference,
        message=render(code, diff=difference, expected=expected, actual=actual, **params),
        sheet=sheet,
    )


def term_sum(terms: Iterable[Term]) -> int | None:
    """The signed sum of the terms, or None while any term is blank."""
    total = 0
    for t in terms:
        if t.value is None:
            return None
        total += t.sign * t.value
    return total


def ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings in a stable order: by rule (in §5.1 order), then subject, then code.

    Ties keep the order the rules produced them in, which is itself deterministic.
    """
    return tuple(sorted(findings, key=lambda f: (_RULE_ORDER[f.rule], f.subject, f.code)))


def blocking(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings that stop finalizing until the data is fixed."""
    return tuple(f for f in findings if f.severity == Severity.BLOCK)


def needing_explanation(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings that allow finalizing only with an explanation signed by the board."""
    return tuple(f for f in findings if f.severity == Severity.EXPLAIN)
