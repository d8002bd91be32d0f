"""The steps of the close-of-polls journey for an open precinct, in order (DESIGN §6).

board → ballot accounting → each contest on sheet A, in ballot order → (when the policy asks
for double entry) each contest on sheet B, blind → the comparison of the two sheets →
review → finalize.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from tally_app.entries import Sheet
from ui.context import AppContext
from ui.pages.accounting import AccountingPage
from ui.pages.base import Page
from ui.pages.board import BoardPage
from ui.pages.compare import ComparePage
from ui.pages.contest import ContestPage
from ui.pages.finalize import FinalizePage
from ui.pages.review import ReviewPage


def build_steps(ctx: AppContext, parent: QWidget | None = None) -> list[Page]:
    session = ctx.open
    contests = session.contests
    sheets = (Sheet.A, Sheet.B) if session.definition.policy.double_entry else (Sheet.A,)
    steps: list[Page] = [BoardPage(ctx, parent), AccountingPage(ctx, parent)]
    for sheet in sheets:
        for number, contest in enumerate(contests, start=1):
            steps.append(ContestPage(ctx, contest, sheet, number, len(contests), parent))
    if Sheet.B in sheets:
        steps.append(ComparePage(ctx, parent))
    steps += [ReviewPage(ctx, parent), FinalizePage(ctx, parent)]
    return steps
