"""All the rules for one precinct: what the review page lists and finalizing is gated on."""

from __future__ import annotations

from tally_app.definition.model import ElectionDefinition
from tally_app.entries import PrecinctEntries, Sheet
from tally_app.reconcile.accounting import check_accounting
from tally_app.reconcile.contests import check_contest
from tally_app.reconcile.double_entry import check_double_entry
from tally_app.reconcile.findings import Finding, ordered


def check_precinct(
    definition: ElectionDefinition, precinct_id: str, entries: PrecinctEntries
) -> tuple[Finding, ...]:
    """Every finding of the precinct, ordered by rule then subject.

    The ballot accounting, every contest of the precinct as entered on sheet A (the record),
    and, when the policy requires the second entry, every difference from sheet B (A7).
    """
    findings = list(check_accounting(definition, precinct_id, entries))
    for contest in definition.contests_for(precinct_id):
        findings.extend(check_contest(definition, precinct_id, entries, contest.id, Sheet.A))
    findings.extend(check_double_entry(definition, precinct_id, entries))
    return ordered(findings)
