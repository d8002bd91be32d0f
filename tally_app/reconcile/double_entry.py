"""Double entry (A7): the two tally keepers' sheets must agree field by field.

The second tally keeper enters sheet B blind; afterwards the board sees every difference side
by side (:func:`compare_sheets`) and recounts those lines. Unqualified write-ins are matched by
name, not by row: the two keepers type the same name independently, so names are compared after
Unicode NFC normalisation, case folding and collapsing of spaces ("Mickey  mouse" = "Mickey Mouse").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from tally_app.definition.model import ContestId, ElectionDefinition, RuleId, selection_names
from tally_app.entries import ContestEntry, ContestLine, PrecinctEntries, Sheet
from tally_app.reconcile.findings import Finding, Term, make_finding, ordered
from tally_app.reconcile.messages import FIELD_LABELS
from tally_app.reconcile.scope import (
    contest_subject,
    line_subject,
    listed_write_ins,
    precinct_of,
    selection_subject,
)

WRITE_IN_PREFIX = "write_in:"


@dataclass(frozen=True, slots=True)
class SheetDifference:
    """One field on which sheet A and sheet B disagree.

    ``field`` is a selection id, a contest line name (``undervotes``, ``overvotes``,
    ``ballots``) or ``write_in:<normalised name>``. ``None`` is blank (or, for a write-in, a
    name that is not on that sheet).
    """

    contest_id: ContestId
    field: str
    label: str
    a: int | None
    b: int | None


def normalise_write_in_name(name: str) -> str:
    """The form two sheets' write-in names are matched by: NFC, case-folded, single spaces."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())
    return " ".join(folded.split())


def compare_sheets(
    definition: ElectionDefinition, precinct_id: str, entries: PrecinctEntries
) -> tuple[SheetDifference, ...]:
    """Every field that differs between sheet A and sheet B, in ballot order.

    A contest missing from a sheet counts as entirely blank there.
    """
    precinct_of(definition, precinct_id)
    return tuple(d for d, _ in _differences(definition, precinct_id, entries))


def check_double_entry(
    definition: ElectionDefinition, precinct_id: str, entries: PrecinctEntries
) -> tuple[Finding, ...]:
    """A7 findings: one per differing field, or one ``a7_b_missing`` per contest not on sheet B.

    Nothing when the policy waives the second entry.
    """
    policy = definition.policy
    if not policy.double_entry:
        return ()
    precinct_of(definition, precinct_id)
    findings: list[Finding] = []
    missing: set[str] = set()
    for contest in definition.contests_for(precinct_id):
        entry_b = entries.contest(Sheet.B, contest.id)
        if entry_b is None or _entirely_blank(entry_b):
            missing.add(contest.id)
            findings.append(
                make_finding(
                    policy,
                    RuleId.A7,
                    "a7_b_missing",
                    contest_subject(contest.id),
                    sheet=Sheet.B,
                    where=f"{contest.title}: ",
                )
            )
    titles = {c.id: c.title for c in definition.contests}
    for diff, only_on in _differences(definition, precinct_id, entries):
        if diff.contest_id in missing:
            continue
        findings.append(_a7_finding(definition, diff, only_on, titles[diff.contest_id]))
    return ordered(findings)


def _a7_finding(
    definition: ElectionDefinition,
    diff: SheetDifference,
    only_on: Literal["A", "B"] | None,
    title: str,
) -> Finding:
    where = f"{title}: "
    if diff.field.startswith(WRITE_IN_PREFIX):
        subject = (
            f"{contest_subject(diff.contest_id)}/write_in_name:{diff.field[len(WRITE_IN_PREFIX) :]}"
        )
    elif diff.field in set(ContestLine):
        subject = line_subject(diff.contest_id, ContestLine(diff.field))
    else:
        subject = selection_subject(diff.contest_id, diff.field)
    terms: dict[str, Any] = {
        "equation": "A = B",
        "left": (Term("A", "sheet A", diff.a),),
        "right": (Term("B", "sheet B", diff.b),),
        "expected": diff.a,
        "actual": diff.b,
        "sheet": Sheet.B,
    }
    policy = definition.policy
    if only_on is not None:
        return make_finding(
            policy,
            RuleId.A7,
            "a7_write_in_unmatched",
            subject,
            where=where,
            name=diff.label,
            on=only_on,
            missing="B" if only_on == "A" else "A",
            count=diff.a if only_on == "A" else diff.b,
            **terms,
        )
    return make_finding(
        policy,
        RuleId.A7,
        "a7_mismatch",
        subject,
        where=where,
        label=diff.label,
        a=diff.a,
        b=diff.b,
        **terms,  # type: ignore[arg-type]
    )


def _entirely_blank(entry: ContestEntry) -> bool:
    """A sheet nobody has started: every count blank and no write-in listed."""
    return (
        all(v is None for v in entry.votes.values())
        and all(v is None for v in entry.lines.values())
        and not listed_write_ins(entry.write_ins)
    )


def _write_ins_by_name(entry: ContestEntry) -> dict[str, tuple[str, int | None]]:
    """Normalised name → (the name as first typed, total count or None if any row is blank)."""
    grouped: dict[str, tuple[str, int | None]] = {}
    for w in listed_write_ins(entry.write_ins):
        key = normalise_write_in_name(w.name)
        if key in grouped:
            shown, total = grouped[key]
            grouped[key] = (shown, None if total is None or w.count is None else total + w.count)
        else:
            grouped[key] = (" ".join(w.name.split()), w.count)
    return grouped


def _differences(
    definition: ElectionDefinition, precinct_id: str, entries: PrecinctEntries
) -> Iterator[tuple[SheetDifference, Literal["A", "B"] | None]]:
    """Each difference, with the sheet a write-in name is only on (None otherwise)."""
    for contest in definition.contests_for(precinct_id):
        empty = ContestEntry(contest.id, {}, {})
        a = entries.contest(Sheet.A, contest.id) or empty
        b = entries.contest(Sheet.B, contest.id) or empty
        for sid, name in selection_names(contest).items():
            va, vb = a.votes.get(sid), b.votes.get(sid)
            if va != vb:
                yield SheetDifference(contest.id, sid, name, va, vb), None
        for line in ContestLine:
            va, vb = a.lines.get(line), b.lines.get(line)
            if va != vb:
                yield SheetDifference(contest.id, line.value, FIELD_LABELS[line], va, vb), None
        names_a, names_b = _write_ins_by_name(a), _write_ins_by_name(b)
        for key in sorted(names_a.keys() | names_b.keys()):
            field = f"{WRITE_IN_PREFIX}{key}"
            in_a, in_b = names_a.get(key), names_b.get(key)
            shown = (in_a or in_b or ("", None))[0]
            label = f'write-in "{shown}"' if shown else "unnamed write-in"
            if in_a is None and in_b is not None:
                yield SheetDifference(contest.id, field, label, None, in_b[1]), "B"
            elif in_b is None and in_a is not None:
                yield SheetDifference(contest.id, field, label, in_a[1], None), "A"
            elif in_a is not None and in_b is not None and in_a[1] != in_b[1]:
                yield SheetDifference(contest.id, field, label, in_a[1], in_b[1]), None
