"""The steps of the close-of-polls journey for an open precinct, in order (DESIGN §6).

board → ballot accounting → each contest on sheet A, in ballot order → (when the policy asks
for double entry) each contest on sheet B, blind → the comparison of the two sheets →
review → finalize → print → export (print and export are shown only once the precinct is
finalized or exported).

A step builds its page the first time it is shown, so reopening a precinct after a crash
pays only for the page it resumes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from PySide6.QtWidgets import QWidget

from tally_app.entries import Sheet
from ui.context import AppContext
from ui.pages.base import Page


@dataclass
class Step:
    key: str
    make: Callable[[], Page]
    # Whether the step can be shown now (print, export: only once the precinct is locked).
    available: Callable[[], bool] = field(default=lambda: True, repr=False)
    _page: Page | None = field(default=None, repr=False)

    def page(self) -> Page:
        if self._page is None:
            self._page = self.make()
            assert self._page.key == self.key, (self._page.key, self.key)
        return self._page

    @property
    def built(self) -> Page | None:
        return self._page


def build_steps(ctx: AppContext, parent: QWidget | None = None) -> list[Step]:
    from ui.pages.accounting import AccountingPage
    from ui.pages.board import BoardPage
    from ui.pages.compare import ComparePage
    from ui.pages.contest import ContestPage
    from ui.pages.export import ExportPage
    from ui.pages.finalize import FinalizePage
    from ui.pages.print import PrintPage
    from ui.pages.review import ReviewPage

    session = ctx.open
    contests = session.contests
    sheets = (Sheet.A, Sheet.B) if session.definition.policy.double_entry else (Sheet.A,)
    steps = [
        Step("board", lambda: BoardPage(ctx, parent)),
        Step("accounting", lambda: AccountingPage(ctx, parent)),
    ]
    for sheet in sheets:
        for number, contest in enumerate(contests, start=1):
            steps.append(
                Step(
                    f"contest:{sheet.value}:{contest.id}",
                    partial(ContestPage, ctx, contest, sheet, number, len(contests), parent),
                )
            )
    if Sheet.B in sheets:
        steps.append(Step("compare", lambda: ComparePage(ctx, parent)))
    steps += [
        Step("review", lambda: ReviewPage(ctx, parent)),
        Step("finalize", lambda: FinalizePage(ctx, parent)),
        Step("print", lambda: PrintPage(ctx, parent), lambda: ctx.open.locked),
        Step("export", lambda: ExportPage(ctx, parent), lambda: ctx.open.locked),
    ]
    return steps
