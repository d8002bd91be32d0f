"""The posting copy: one page of "Results of votes cast" for the polling place door.

California Elections Code §15280 has the board post a copy of the results outside the polling
place. Rule A16 (DESIGN §5.1) protects the secrecy of a small count: when the definition's
policy enables it and fewer ballots than its threshold (10) were tallied, the posting shows
only the number of ballots, not the votes of each candidate. Sheet A is the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from tally_app.definition.model import CandidateContest, Contest, MeasureContest, Policy
from tally_app.documents.fonts import SANS, SANS_BOLD, para_text
from tally_app.documents.layout import (
    BODY,
    CELL,
    CONTINUED_SMALL,
    H1,
    INK,
    RULE,
    SHADE,
    SMALL,
    bold,
    continued_ends,
    continues,
    para,
    render,
    render_counted,
    stamp,
)
from tally_app.documents.precinct_header import precinct_page_header
from tally_app.entries import ContestEntry, Sheet
from tally_app.reconcile.scope import listed_write_ins
from tally_app.session import PrecinctSession

DOCUMENT = "Results of votes cast"


def suppressed(policy: Policy, tallied: int | None) -> bool:
    """Rule A16: only the ballot count is posted (the policy enables it and T is small)."""
    return (
        policy.small_count_suppression
        and tallied is not None
        and tallied < policy.small_count_threshold
    )


@dataclass(frozen=True, slots=True)
class _Fit:
    """How the contests are set: columns across the page and the type size of their rows."""

    columns: int
    size: float


# Tried in order until the posting fits one page: a few contests read at 10 pt in one column;
# a real ballot (20+ contests) goes to three columns and down to 7 pt, still readable at the
# door. Past that it flows on, each page saying "continued" under its header.
_BODY_WIDTH = 7.3 * inch - 12  # Letter portrait less the margins and the frame padding
_FITS = (_Fit(1, 10), _Fit(2, 8.5), _Fit(3, 8), _Fit(3, 7.5), _Fit(3, 7))


def posting_copy_pdf(
    session: PrecinctSession,
    *,
    generated: datetime,
    is_test: bool,
    app_version: str,
    county_issued: bool = True,
) -> bytes:
    """The unsigned posting copy; the same data and ``generated`` give the same bytes.

    One page: the contests are set in as many columns and as small a type (down to 7 pt) as
    the ballot needs. ``county_issued`` False (a self-signed identity will sign it) prints
    "NOT COUNTY-ISSUED" on every page, as on the tally sheet (DESIGN §9).
    """
    definition = session.definition
    header = precinct_page_header(
        session,
        document=DOCUMENT,
        generated=f"Generated {stamp(generated)}",
        is_test=is_test,
        county_issued=county_issued,
        app_version=app_version,
    )
    title = f"{DOCUMENT} — precinct {session.precinct.label}"
    for fit in _FITS:
        try:
            pdf, pages = render_counted(
                _story(session, fit, county_issued=county_issued),
                header,
                title=title,
                subject=definition.title,
            )
        except LayoutError:  # the columns are taller than a page: try a tighter fit
            continue
        if pages == 1:
            return pdf
    # A ballot too long for one page even so: one column flowing on, each page "continued".
    return render(
        _story(session, _FITS[0], county_issued=county_issued),
        header,
        title=title,
        subject=definition.title,
    )


_GUTTER = 10.0
_CONTEST_GAP = 4.0


def _balanced_breaks(heights: list[float], count: int) -> list[int]:
    """Where each of ``count`` columns ends, in order, so the tallest column is as short as
    whole items allow (the linear partition problem; a ballot has tens of contests)."""
    n = len(heights)
    prefix = [0.0]
    for h in heights:
        prefix.append(prefix[-1] + h)
    # best[k][i]: the tallest column when the first i items fill k columns; cut: the last start
    best = [[float("inf")] * (n + 1) for _ in range(count + 1)]
    cut = [[0] * (n + 1) for _ in range(count + 1)]
    best[0][0] = 0.0
    for k in range(1, count + 1):
        for i in range(n + 1):
            for j in range(i + 1):
                tallest = max(best[k - 1][j], prefix[i] - prefix[j])
                if tallest < best[k][i]:
                    best[k][i], cut[k][i] = tallest, j
    ends = [n]
    for k in range(count, 1, -1):
        ends.append(cut[k][ends[-1]])
    return [e for e in reversed(ends)]


def _columns(contests: list[Flowable], count: int) -> Flowable:
    """The contests in ``count`` columns side by side, in ballot order down each column,
    the columns as even in height as whole contests allow (a contest is never split)."""
    width = (_BODY_WIDTH - (count - 1) * _GUTTER) / count
    heights = [c.wrap(width, 10_000)[1] + _CONTEST_GAP for c in contests]
    columns: list[list[Flowable]] = []
    start = 0
    for end in _balanced_breaks(heights, count):
        columns.append([f for c in contests[start:end] for f in (c, Spacer(1, _CONTEST_GAP))])
        start = end
    columns += [[] for _ in range(count - len(columns))]
    table = Table([columns], colWidths=[width + _GUTTER] * (count - 1) + [width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-2, -1), _GUTTER),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _story(session: PrecinctSession, fit: _Fit, *, county_issued: bool) -> list[Flowable]:
    definition = session.definition
    compact = fit.columns > 1
    text = SMALL.clone("posting-small", fontSize=8, leading=10) if compact else BODY
    tallied = session.entries().tallied
    story: list[Flowable] = [
        para(
            DOCUMENT,
            H1.clone("posting-h1", fontSize=13, leading=16, spaceAfter=2) if compact else H1,
        ),
        para(
            f"Precinct {session.precinct.label}. Posted by the precinct board under California "
            "Elections Code §15280. These results are unofficial (semifinal official canvass); "
            "the county elections official completes the official canvass.",
            text,
        ),
    ]
    if not county_issued:
        story.append(
            para(
                "Not county-issued: this copy is signed with the device's own self-signed key.",
                text,
            )
        )
    if session.store.amended:
        story.append(para("AMENDED: these results follow a correction after finalizing.", text))
    story += [
        Spacer(1, 3 if compact else 8),
        bold(
            "Ballots cast (hand-tallied): "
            + ("not entered" if tallied is None else f"{tallied:,}"),
            BODY.clone("posting-count", fontSize=10, leading=12) if compact else BODY,
        ),
        Spacer(1, 3 if compact else 6),
    ]
    if suppressed(definition.policy, tallied):
        story.append(
            para(
                f"Fewer than {definition.policy.small_count_threshold} ballots were cast in "
                "this precinct, so the votes for each candidate and measure are not posted "
                "here, to keep every vote secret; they are included in the county's results.",
                BODY,
            )
        )
        return story
    story.append(continues(f"{DOCUMENT}, precinct {session.precinct.label}", CONTINUED_SMALL))
    contests = [
        _contest(contest, session.entries().contest(Sheet.A, contest.id), fit)
        for contest in session.contests
    ]
    if fit.columns == 1:
        story += [KeepTogether([c, Spacer(1, 6)]) for c in contests]
    else:
        story.append(_columns(contests, fit.columns))
    story.append(continued_ends())
    return story


def _rows(contest: Contest, entry: ContestEntry) -> list[tuple[str, int | None]]:
    match contest:
        case CandidateContest():
            rows = [
                (f"{c.name} (qualified write-in)" if c.write_in else c.name, entry.votes.get(c.id))
                for c in contest.candidates
            ]
            listed = listed_write_ins(entry.write_ins)
            if listed:
                counts = [w.count for w in listed]
                total = None if None in counts else sum(c or 0 for c in counts)
                rows.append(("Other write-ins (not qualified)", total))
        case MeasureContest():
            rows = [(o.name, entry.votes.get(o.id)) for o in contest.options]
        case _:
            assert_never(contest)
    return [*rows, ("Undervotes", entry.undervotes), ("Overvotes", entry.overvotes)]


def _figure(count: int | None) -> str:
    return "not entered" if count is None else f"{count:,}"


def _contest(contest: Contest, entry: ContestEntry | None, fit: _Fit) -> Flowable:
    """One contest: its title across the top, a row per selection, the counts right-aligned."""
    size = fit.size
    compact = fit.columns > 1
    cell = CELL.clone(f"posting-{size}", fontSize=size, leading=size * (1.08 if compact else 1.2))
    title = Paragraph(
        para_text(contest.title, SANS_BOLD),
        cell.clone(f"posting-title-{size}", fontName=SANS_BOLD),
    )
    rows: list[list[object]] = [[title, ""] if compact else [title, "Votes"]]
    if entry is None:
        rows.append([para("Not counted in this precinct.", cell), ""])
        totals = 0
    else:
        counted = [(label, _figure(count)) for label, count in _rows(contest, entry)]
        *selections, (under, unders), (over, overs) = counted
        if compact:  # one row for both totals
            totals = 1
            selections.append((f"{under} / {over.lower()}", f"{unders} / {overs}"))
        else:
            totals = 2
            selections += [(under, unders), (over, overs)]
        rows += [[para(label, cell), figure] for label, figure in selections]
    width = (_BODY_WIDTH - (fit.columns - 1) * _GUTTER) / fit.columns
    figures = [str(row[1]) for row in rows[1 if compact else 0 :]]
    number = max(stringWidth(f, SANS_BOLD, size) for f in figures) + 8
    table = Table(rows, colWidths=[width - number, number], hAlign="LEFT")
    pad = 0.6 if compact else 1.5
    style: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), SANS, size, cell.leading),
        ("FONT", (1, 0), (1, 0), SANS_BOLD, size - 0.5, cell.leading),
        ("FONT", (1, 1), (1, -1), SANS_BOLD, size, cell.leading),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), pad),
        ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if compact:  # the title takes the whole width: the counts are plainly votes
        style.append(("SPAN", (0, 0), (-1, 0)))
    if totals:
        style.append(("BACKGROUND", (0, len(rows) - totals), (-1, -1), SHADE))
    table.setStyle(TableStyle(style))
    return table
