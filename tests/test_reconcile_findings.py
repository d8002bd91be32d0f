"""The findings as values: every code has a message, the order is stable, the rules are pure."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import tally_app.reconcile
from tally_app.definition.model import RuleId, Severity
from tally_app.reconcile import CODES, TEMPLATES, blocking, check_precinct, needing_explanation
from tally_app.reconcile.findings import Finding
from tally_app.reconcile.messages import number, render, signed
from tests.reconcile_factories import Scenario, cells, consistent_precincts, value_of, with_value

RECONCILE = Path(tally_app.reconcile.__file__).parent
CODE_LITERAL = re.compile(r"\"(a\d+a?_[a-z0-9_]+)\"")
# What the rules may import: our domain values, and the parts of the standard library
# that do no I/O and read no clock.
ALLOWED_IMPORTS = {
    "__future__",
    "collections.abc",
    "dataclasses",
    "enum",
    "math",
    "types",
    "typing",
    "unicodedata",
}


def _rule_sources() -> dict[str, str]:
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted(RECONCILE.glob("*.py"))
        if p.name != "messages.py"
    }


def test_every_code_the_rules_emit_has_a_message_and_every_message_is_used() -> None:
    emitted = {m for text in _rule_sources().values() for m in CODE_LITERAL.findall(text)}
    assert emitted, "the scan found no codes: the pattern is wrong"
    assert emitted - CODES == set(), "codes without a message template"
    assert CODES - emitted == set(), "message templates no rule emits"
    assert set(TEMPLATES) == CODES
    # Each code names the rule it belongs to.
    rule_prefixes = {r.value.lower() + "_" for r in RuleId}
    assert all(any(c.startswith(p) for p in rule_prefixes) for c in CODES)


def test_the_rules_are_pure() -> None:
    for name, text in _rule_sources().items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                assert module.startswith("tally_app.") or module in ALLOWED_IMPORTS, (name, module)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name in ALLOWED_IMPORTS, (name, alias.name)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"open", "print", "input"}, (name, node.func.id)
            assert not isinstance(node, ast.Global | ast.Nonlocal), f"{name} uses a global"


def test_numbers_are_printed_plainly() -> None:
    assert [number(v) for v in (None, 0, 7, -3)] == ["blank", "0", "7", "\u22123"]
    assert [signed(v) for v in (None, 0, 2, -2)] == ["unknown", "0", "+2", "\u22122"]
    assert render("a10_unbalanced", V_prov=3, P=4, diff=-1).startswith(
        "Provisional envelopes (3) should equal provisional ballots issued (4);"
        " the difference is \u22121."
    )


def _findings_of_a_broken_precinct(s: Scenario, data: st.DataObject) -> tuple[Finding, ...]:
    edits = data.draw(st.lists(st.sampled_from(cells(s.entries)), max_size=4), label="cells")
    entries = s.entries
    for cell in edits:
        value = value_of(entries, cell)
        new = data.draw(st.none() | st.integers(-2, (value or 0) + 3), label="value")
        entries = with_value(entries, cell, new)
    return check_precinct(s.definition, s.precinct_id, entries)


@settings(max_examples=150, deadline=None)
@given(consistent_precincts(), st.data())
def test_findings_are_ordered_and_well_formed(s: Scenario, data: st.DataObject) -> None:
    findings = _findings_of_a_broken_precinct(s, data)
    order = list(RuleId)
    keys = [(order.index(f.rule), f.subject, f.code) for f in findings]
    assert keys == sorted(keys)
    for f in findings:
        assert f.code in CODES
        assert f.severity == s.definition.policy.severity(f.rule)
        assert f.message[:1].isupper() and f.message.endswith("."), f.message
        assert "{" not in f.message and "None" not in f.message, f.message
        if f.expected is not None and f.actual is not None:
            assert f.difference == f.actual - f.expected
        else:
            assert f.difference is None
        assert all(t.sign in (1, -1) for t in f.left + f.right)
    assert set(blocking(findings)) == {f for f in findings if f.severity is Severity.BLOCK}
    assert set(needing_explanation(findings)) == {
        f for f in findings if f.severity is Severity.EXPLAIN
    }
