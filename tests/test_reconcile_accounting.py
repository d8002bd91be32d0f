"""Example tests of the ballot-accounting rules (A1 A2 A8 A9 A10 A12 A13 A15 A16)."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from tally_app.definition.model import Policy, RuleId, Severity
from tally_app.entries import PrecinctEntries, RosterField, StyleAccounting, StyleField
from tally_app.reconcile import Finding, Term, blocking, check_accounting, needing_explanation
from tests.reconcile_factories import (
    PRECINCT,
    accounting,
    candidate_contest,
    definition,
    entries,
    roster,
)

CONTEST = candidate_contest("c1")


def _entries(
    styles: dict[str, StyleAccounting], signatures: int, **roster_values: int
) -> PrecinctEntries:
    return entries(styles, roster(signatures=signatures, **roster_values), [])


def _balanced(**overrides: int | None) -> StyleAccounting:
    """412 received = 380 voted + 2 spoiled + 30 unused; 380 = 370 tallied + 6 prov + 4 rejected."""
    values: dict[str, int | None] = {
        "received": 412,
        "voted": 380,
        "provisional": 6,
        "rejected": 4,
        "spoiled": 2,
        "unused": 30,
        "blank": 3,
        "provisional_issued": 6,
    }
    values.update(overrides)
    return accounting(**values)  # type: ignore[arg-type]


def _only(findings: tuple[Finding, ...], rule: RuleId) -> Finding:
    matching = [f for f in findings if f.rule is rule]
    assert len(matching) == 1, findings
    return matching[0]


def _check(
    styles: dict[str, StyleAccounting],
    signatures: int = 374,
    policy: Policy | None = None,
    registered: int | None = None,
    **roster_values: int,
) -> tuple[Finding, ...]:
    defn = definition(
        [CONTEST],
        {s: ["c1"] for s in styles},
        policy=policy,
        registered_voters=registered,
    )
    return check_accounting(defn, PRECINCT, _entries(styles, signatures, **roster_values))


def test_balanced_accounting_has_no_findings() -> None:
    assert _check({"1": _balanced()}) == ()


def test_a1_received_must_equal_voted_spoiled_unused() -> None:
    findings = _check({"1": _balanced(spoiled=4, received=412)})
    f = _only(findings, RuleId.A1)
    assert (f.expected, f.actual, f.difference) == (414, 412, -2)
    assert f.severity is Severity.EXPLAIN
    assert f.subject == "style:1"
    assert f.equation == "R = V + S + U"
    assert f.left == (Term("R", "ballots received", 412),)
    assert [t.value for t in f.right] == [380, 4, 30]
    assert f.message == (
        "Ballots received (412) should equal voted (380) + spoiled (4) + unused (30) = 414;"
        " the difference is \u22122. Recount the unused and the spoiled ballots, and check the"
        " number of ballots received."
    )
    assert needing_explanation(findings) == (f,)


def test_a1_is_checked_per_ballot_style() -> None:
    findings = _check({"1": _balanced(), "2": _balanced(received=420)}, signatures=748)
    f = _only(findings, RuleId.A1)
    assert f.subject == "style:2"
    assert f.difference == 8
    assert f.message.startswith("Ballot style 2: ballots received (420)")


def test_a2_ballots_less_provisional_must_equal_roster() -> None:
    # V − V_prov = 380 − 6 = 374; Sig − NV = 376 − 1 = 375.
    f = _only(_check({"1": _balanced()}, signatures=376, not_voted=1), RuleId.A2)
    assert (f.expected, f.actual, f.difference) == (375, 374, -1)
    assert f.code == "a2_unbalanced"
    assert f.subject == "precinct"
    assert [(t.symbol, t.value, t.sign) for t in f.left] == [("V", 380, 1), ("V_prov", 6, -1)]
    assert [(t.symbol, t.value, t.sign) for t in f.right] == [("Sig", 376, 1), ("NV", 1, -1)]
    assert "(380)" in f.message and "= 374" in f.message and "= 375" in f.message


def test_a2_sums_voted_and_provisional_over_styles() -> None:
    styles = {"1": _balanced(), "2": _balanced()}
    assert not [f for f in _check(styles, signatures=2 * 374) if f.rule is RuleId.A2]
    f = _only(_check(styles, signatures=2 * 374 + 2), RuleId.A2)
    assert (f.expected, f.actual, f.difference) == (750, 748, -2)


def test_a2_when_provisional_voters_sign_the_roster() -> None:
    signs = Policy(provisional_voters_sign_roster=True)
    # Under this policy V = Sig − NV: 380 = 382 − 2.
    assert _check({"1": _balanced()}, signatures=382, not_voted=2, policy=signs) == ()
    f = _only(_check({"1": _balanced()}, signatures=376, policy=signs), RuleId.A2)
    assert f.code == "a2_unbalanced_roster"
    assert (f.expected, f.actual, f.difference) == (376, 380, 4)
    assert f.equation == "V = Sig \u2212 NV"
    # V − V_prov = Sig − NV balances under the default (California) policy instead.
    assert _check({"1": _balanced()}, signatures=374) == ()


@pytest.mark.parametrize("field", list(StyleField))
def test_a8_blank_style_field(field: StyleField) -> None:
    findings = _check({"1": _balanced(**{field.value: None})})
    blanks = [f for f in findings if f.code == "a8_blank"]
    assert [f.subject for f in blanks] == [f"style:1/field:{field.value}"]
    assert blanks[0].severity is Severity.BLOCK
    assert "is blank" in blanks[0].message
    # Rules whose terms are blank are not evaluated: the blank is the only blocking finding.
    assert blocking(findings) == tuple(blanks)


@pytest.mark.parametrize("field", list(RosterField))
def test_a8_blank_roster_field(field: RosterField) -> None:
    values = dict(roster(signatures=374))
    values[field] = None
    data = entries({"1": _balanced()}, MappingProxyType(values), [])
    findings = check_accounting(definition([CONTEST]), PRECINCT, data)
    assert [f.subject for f in findings] == [f"field:{field.value}"]
    assert findings[0].code == "a8_blank"


def test_a8_missing_style_accounting_is_blank() -> None:
    defn = definition([CONTEST], {"1": ["c1"], "2": ["c1"]})
    data = entries({"1": _balanced()}, roster(signatures=374), [])
    findings = check_accounting(defn, PRECINCT, data)
    assert {f.subject for f in findings} == {f"style:2/field:{f.value}" for f in StyleField}
    assert {f.code for f in findings} == {"a8_blank"}


def test_a8_negative_count() -> None:
    findings = _check({"1": _balanced(spoiled=-2, received=408)})
    f = _only(findings, RuleId.A8)
    assert f.code == "a8_negative"
    assert f.subject == "style:1/field:spoiled"
    assert (f.expected, f.actual, f.difference) == (0, -2, -2)
    assert "\u22122" in f.message


def test_a8_tallied_cannot_be_negative() -> None:
    # V = 5 < V_prov + X = 4 + 3.
    acc = accounting(received=5, voted=5, provisional=4, rejected=3, blank=0)
    findings = _check({"1": acc}, signatures=1)
    f = next(f for f in findings if f.code == "a8_tallied_negative")
    assert f.rule is RuleId.A8
    assert (f.expected, f.actual, f.difference) == (7, 5, -2)


def test_a8_blank_ballots_cannot_exceed_tallied() -> None:
    findings = _check({"1": _balanced(blank=371)})
    f = next(f for f in findings if f.code == "a8_blank_exceeds_tallied")
    assert f.subject == "style:1/field:blank"
    assert (f.expected, f.actual, f.difference) == (370, 371, 1)
    assert f.severity is Severity.BLOCK


def test_a9_unused_must_match_serial_ranges() -> None:
    acc = _balanced(unused=30)
    ranged = StyleAccounting(acc.values, acc.unused_ranges)
    assert [(r.first, r.last) for r in ranged.unused_ranges] == [(1001, 1030)]
    short = accounting(
        received=412,
        voted=380,
        provisional=6,
        rejected=4,
        spoiled=2,
        unused=30,
        blank=3,
        ranges=[(1001, 1020), (2001, 2008)],
    )
    f = _only(_check({"1": short}), RuleId.A9)
    assert f.code == "a9_unbalanced"
    assert (f.expected, f.actual, f.difference) == (28, 30, 2)
    assert [t.value for t in f.right] == [20, 8]
    assert "1001–1020, 2001–2008" in f.message


def test_a9_unused_without_ranges() -> None:
    none = accounting(
        received=412,
        voted=380,
        provisional=6,
        rejected=4,
        spoiled=2,
        unused=30,
        blank=3,
        ranges=[],
    )
    f = _only(_check({"1": none}), RuleId.A9)
    assert f.code == "a9_no_ranges"
    assert (f.expected, f.actual) == (0, 30)
    # Zero unused ballots need no range.
    zero = accounting(received=382, voted=380, provisional=6, rejected=4, spoiled=2, unused=0)
    assert _check({"1": zero}) == ()


def test_a9_overlapping_ranges() -> None:
    overlapping = accounting(
        received=412,
        voted=380,
        provisional=6,
        rejected=4,
        spoiled=2,
        unused=30,
        blank=3,
        ranges=[(1011, 1030), (1001, 1010), (1025, 1034)],
    )
    findings = [f for f in _check({"1": overlapping}) if f.rule is RuleId.A9]
    codes = sorted(f.code for f in findings)
    # 20 + 10 + 10 = 40 ≠ 30, and 1025–1034 overlaps 1011–1030.
    assert codes == ["a9_overlap", "a9_unbalanced"]
    overlap = next(f for f in findings if f.code == "a9_overlap")
    assert "1011–1030 and 1025–1034" in overlap.message


def test_a8_reversed_range() -> None:
    reversed_ = accounting(
        received=412,
        voted=380,
        provisional=6,
        rejected=4,
        spoiled=2,
        unused=30,
        blank=3,
        ranges=[(1030, 1001)],
    )
    findings = _check({"1": reversed_})
    assert [(f.rule, f.code) for f in findings] == [(RuleId.A8, "a8_range_reversed")]


def test_a10_provisional_envelopes_must_equal_issued() -> None:
    f = _only(_check({"1": _balanced(provisional_issued=7)}), RuleId.A10)
    assert (f.expected, f.actual, f.difference) == (7, 6, -1)
    assert f.subject == "style:1"
    assert f.severity is Severity.EXPLAIN


def test_a12_surrendered_packets_at_most_voters() -> None:
    assert _check({"1": _balanced()}, surrendered=374) == ()
    f = _only(_check({"1": _balanced()}, signatures=376, not_voted=2, surrendered=375), RuleId.A12)
    assert (f.expected, f.actual, f.difference) == (374, 375, 1)
    assert f.severity is Severity.WARN
    assert f.subject == "field:vbm_surrendered"


def test_a13_many_blank_ballots() -> None:
    # T = 370: 5 % is 18.5, so 18 blank ballots are fine and 19 warn.
    assert _check({"1": _balanced(blank=18)}) == ()
    f = _only(_check({"1": _balanced(blank=19)}), RuleId.A13)
    assert f.code == "a13_many_blank"
    assert (f.expected, f.actual, f.difference) == (18, 19, 1)
    assert "5%" in f.message and "(370)" in f.message
    looser = Policy(blank_ballot_warn_fraction=0.1)
    assert _check({"1": _balanced(blank=19)}, policy=looser) == ()


def test_a15_more_voters_than_registered() -> None:
    assert _check({"1": _balanced()}, registered=374) == ()
    f = _only(_check({"1": _balanced()}, registered=373), RuleId.A15)
    assert (f.expected, f.actual, f.difference) == (373, 374, 1)
    assert f.severity is Severity.WARN


def test_a16_small_count_is_off_by_default() -> None:
    tiny = accounting(received=9, voted=9)
    assert _check({"1": tiny}, signatures=9) == ()
    on = Policy(small_count_suppression=True)
    f = _only(_check({"1": tiny}, signatures=9, policy=on), RuleId.A16)
    assert (f.expected, f.actual, f.difference) == (10, 9, -1)
    assert "only the ballot count" in f.message
    ten = accounting(received=10, voted=10)
    assert _check({"1": ten}, signatures=10, policy=on) == ()


def test_severity_comes_from_the_policy() -> None:
    strict = Policy(
        severities=MappingProxyType({RuleId.A1: Severity.BLOCK, RuleId.A13: Severity.EXPLAIN})
    )
    findings = _check({"1": _balanced(received=411, blank=19)}, policy=strict)
    assert _only(findings, RuleId.A1).severity is Severity.BLOCK
    assert _only(findings, RuleId.A13).severity is Severity.EXPLAIN
    assert blocking(findings) == (_only(findings, RuleId.A1),)
    assert needing_explanation(findings) == (_only(findings, RuleId.A13),)
