"""The reconciliation rules of DESIGN §5, as pure functions that return findings.

Nothing here does I/O, reads a clock or keeps state: the same definition and entries always
give the same findings, in the same order. Each rule lives in the module named for what it
checks: ``accounting`` (A1 A2 A8 A9 A10 A12 A13 A15 A16), ``contests`` (A3 A4 A4a A5 A6 A8
A14), ``double_entry`` (A7); ``precinct`` runs them all. ``equations`` holds the balance equations
(A1 A2 A3 A4 A5 A6) whether they balance or not, for the GUI to show live; the rules build
their findings from them.
"""

from tally_app.reconcile.accounting import check_accounting
from tally_app.reconcile.contests import check_contest
from tally_app.reconcile.double_entry import (
    SheetDifference,
    check_double_entry,
    compare_sheets,
    normalise_write_in_name,
)
from tally_app.reconcile.equations import (
    Balance,
    Equation,
    accounting_equations,
    contest_equations,
)
from tally_app.reconcile.findings import Finding, Term, blocking, needing_explanation
from tally_app.reconcile.messages import CODES, TEMPLATES
from tally_app.reconcile.precinct import check_precinct

__all__ = [
    "CODES",
    "TEMPLATES",
    "Balance",
    "Equation",
    "Finding",
    "SheetDifference",
    "Term",
    "accounting_equations",
    "blocking",
    "check_accounting",
    "check_contest",
    "check_double_entry",
    "check_precinct",
    "compare_sheets",
    "contest_equations",
    "needing_explanation",
    "normalise_write_in_name",
]
