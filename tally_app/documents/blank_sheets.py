"""Blank hand-count tally sheets for tally keepers A and B (DESIGN §8, issue 5 item 5).

One set per tally keeper, labelled, each contest on its own page: a row per line in ballot
order (candidates, qualified write-ins, blank lines for names written in, undervotes,
overvotes), tally boxes in groups of five, a checkpoint column after every 25 votes where the
two keepers compare running totals, then the total, the ballots tallied, initials and a
closing line. With no precinct, the sheet is generic and leaves the precinct line blank.
"""

from __future__ import annotations

from datetime import datetime
from typing import assert_never

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer, Table, TableStyle

from tally_app.definition.model import (
    CandidateContest,
    Contest,
    ElectionDefinition,
    MeasureContest,
)
from tally_app.documents.fonts import SANS, SANS_BOLD
from tally_app.documents.layout import (
    CELL,
    H2,
    INK,
    RULE,
    SHADE,
    SMALL,
    PageHeader,
    continued_ends,
    continues,
    jurisdiction_line,
    para,
    precinct_line,
    render,
    stamp,
    status_of,
)
from tally_app.entries import Sheet
from tally_app.reconcile.scope import precinct_of

DOCUMENT = "Blank hand-count tally sheets"
BOXES_PER_CHECKPOINT = 5  # each box holds one group of five marks: a checkpoint every 25
CHECKPOINTS = 4  # 100 votes a row; more go on a continuation sheet (carried forward)
BLANK_WRITE_IN_LINES = 3
BLANK_PRECINCT = "Precinct ______________________ · Polling place ______________________________"

_NAME_W = 2.7 * inch
_CARRIED_W = 0.5 * inch
_BOX_W = 0.222 * inch
_CHECK_W = 0.4 * inch
_TOTAL_W = 0.55 * inch
_ROW_PAD = 3.2  # points above and below a name: rows tall enough to write strokes in
_NAME = CELL.clone("tally-name", fontSize=9, leading=10.5)


def blank_sheets_pdf(
    definition: ElectionDefinition,
    precinct_id: str | None,
    *,
    generated: datetime,
    app_version: str,
    is_test: bool = False,
) -> bytes:
    """Blank tally sheets for every contest of the precinct (all contests when None).

    Raises InputError ``unknown_precinct`` for a precinct not in the definition (the id
    comes from the command line).
    """
    if precinct_id is None:
        contests = definition.contests
        where = BLANK_PRECINCT
    else:
        precinct = precinct_of(definition, precinct_id)
        contests = definition.contests_for(precinct_id)
        where = precinct_line(precinct.label, precinct.polling_place)
    header = PageHeader(
        document=DOCUMENT,
        election=definition.title,
        jurisdiction=jurisdiction_line(
            definition.jurisdiction.county, definition.jurisdiction.state, definition.date
        ),
        precinct=where,
        status=status_of(is_test),
        generated=f"Generated {stamp(generated)}",
        app_version=app_version,
        fingerprint=definition.fingerprint,
        marks=("TEST",) if is_test else (),
        watermarks=("TEST",) if is_test else (),
    )
    story: list[Flowable] = []
    for sheet in (Sheet.A, Sheet.B):
        for number, contest in enumerate(contests, start=1):
            if story:
                story.append(PageBreak())
            story += _contest_page(sheet, contest, number, len(contests))
    return render(story, header, title=DOCUMENT, subject=definition.title, wide=True)


def _lines(contest: Contest) -> list[str]:
    match contest:
        case CandidateContest():
            lines = [
                f"{c.name} (qualified write-in)" if c.write_in else c.name
                for c in contest.candidates
            ]
            if contest.unqualified_write_ins:
                lines += ["Write-in:"] * BLANK_WRITE_IN_LINES
        case MeasureContest():
            lines = [o.name for o in contest.options]
        case _:
            assert_never(contest)
    return lines


def _contest_page(sheet: Sheet, contest: Contest, number: int, total: int) -> list[Flowable]:
    vote_for = (
        f"Vote for {contest.vote_for}"
        if isinstance(contest, CandidateContest)
        else "Measure: yes or no"
    )
    heading = f"TALLY KEEPER {sheet.value} — contest {number} of {total}: {contest.title}"
    intro = [
        para(heading, H2),
        para(
            f"{vote_for}. Make one stroke per vote; each box holds one group of five "
            "(four strokes and a cross-stroke). At each checkpoint (every 25 votes) write the "
            "running total and compare it aloud with the other tally keeper. Over 100 votes: "
            "continue on a new sheet and write the total in its Carried forward column.",
            SMALL,
        ),
        Spacer(1, 4),
        continues(heading),
    ]
    head: list[object] = [f"Keeper {sheet.value}: line", "Carried\nforward"]
    spans: list[tuple[str, tuple[int, int], tuple[int, int]]] = []
    column = 2
    for checkpoint in range(1, CHECKPOINTS + 1):
        low, high = (checkpoint - 1) * 25 + 1, checkpoint * 25
        head += [f"{low}–{high}"] + [""] * (BOXES_PER_CHECKPOINT - 1) + [f"at {high}"]
        spans.append(("SPAN", (column, 0), (column + BOXES_PER_CHECKPOINT - 1, 0)))
        column += BOXES_PER_CHECKPOINT + 1
    head.append("Total")
    width = 2 + CHECKPOINTS * (BOXES_PER_CHECKPOINT + 1) + 1
    rows: list[list[object]] = [head]
    names = _lines(contest)
    for name in names:
        rows.append([para(name, _NAME)] + [""] * (width - 1))
    for name in ("Undervotes", "Overvotes"):
        rows.append([para(name, _NAME)] + [""] * (width - 1))
    widths = [_NAME_W, _CARRIED_W]
    for _ in range(CHECKPOINTS):
        widths += [_BOX_W] * BOXES_PER_CHECKPOINT + [_CHECK_W]
    widths.append(_TOTAL_W)
    table = Table(
        rows,
        colWidths=widths,
        repeatRows=1,
        hAlign="LEFT",
    )
    style: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, 0), SANS_BOLD, 7.5),
        ("FONT", (0, 1), (-1, -1), SANS, 9),
        ("ALIGN", (1, 0), (-1, 0), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("BOX", (0, 0), (-1, -1), 1.0, INK),
        ("LINEBELOW", (0, 0), (-1, 0), 1.0, INK),
        ("LINEABOVE", (0, len(names) + 1), (-1, len(names) + 1), 1.0, INK),
        ("TOPPADDING", (0, 0), (-1, 0), 2),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 2),
        ("TOPPADDING", (0, 1), (-1, -1), _ROW_PAD),
        ("BOTTOMPADDING", (0, 1), (-1, -1), _ROW_PAD),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        *spans,
    ]
    column = 2
    for _ in range(CHECKPOINTS):
        check = column + BOXES_PER_CHECKPOINT
        style += [
            ("BACKGROUND", (check, 1), (check, -1), SHADE),
            ("LINEBEFORE", (column, 0), (column, -1), 1.0, INK),
            ("LINEAFTER", (check, 0), (check, -1), 1.0, INK),
        ]
        column = check + 1
    table.setStyle(TableStyle(style))
    closing = Table(
        [
            [
                "Ballots tallied for this contest (K):",
                "",
                "Checkpoints compared (initials):",
                "",
                f"Tally keeper {sheet.value}'s initials:",
                "",
            ],
            [
                f"Closed by tally keeper {sheet.value}, printed name:",
                "",
                "Signature:",
                "",
                "Date and time:",
                "",
            ],
        ],
        colWidths=[2.9 * inch, 1.1 * inch, 2.0 * inch, 1.1 * inch, 1.6 * inch, 1.1 * inch],
        rowHeights=[0.34 * inch, 0.34 * inch],
        hAlign="LEFT",
    )
    closing.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS, 9.5),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (1, 0), (1, -1), 0.8, INK),
                ("LINEBELOW", (3, 0), (3, -1), 0.8, INK),
                ("LINEBELOW", (5, 0), (5, -1), 0.8, INK),
            ]
        )
    )
    statement = para(
        f"By signing, tally keeper {sheet.value} states that they counted the ballots of this "
        "contest and that this sheet is complete.",
        SMALL,
    )
    return [
        *intro,
        table,
        Spacer(1, 6),
        KeepTogether([closing, Spacer(1, 4), statement]),
        continued_ends(),
    ]
