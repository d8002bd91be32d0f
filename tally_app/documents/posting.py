"""The posting copy: one page of "Results of votes cast" for the polling place door.

California Elections Code §15280 has the board post a copy of the results outside the polling
place. Rule A16 (DESIGN §5.1) protects the secrecy of a small count: when the definition's
policy enables it and fewer ballots than its threshold (10) were tallied, the posting shows
only the number of ballots, not the votes of each candidate. Sheet A is the record.
"""

from __future__ import annotations

from datetime import datetime
from typing import assert_never

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from tally_app.definition.model import CandidateContest, Contest, MeasureContest, Policy
from tally_app.documents.fonts import SANS_BOLD
from tally_app.documents.layout import (
    BODY,
    CELL,
    H1,
    H3,
    SHADE,
    SMALL,
    PageHeader,
    bold,
    jurisdiction_line,
    para,
    precinct_line,
    render,
    stamp,
    status_of,
    table_style,
)
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


def posting_copy_pdf(
    session: PrecinctSession, *, generated: datetime, is_test: bool, app_version: str
) -> bytes:
    """The unsigned one-page posting copy; the same data and ``generated`` give the same bytes."""
    definition = session.definition
    amended = session.store.amended
    header = PageHeader(
        document=DOCUMENT,
        election=definition.title,
        jurisdiction=jurisdiction_line(
            definition.jurisdiction.county, definition.jurisdiction.state, definition.date
        ),
        precinct=precinct_line(session.precinct.label, session.precinct.polling_place),
        status=status_of(is_test),
        generated=f"Generated {stamp(generated)}",
        app_version=app_version,
        fingerprint=definition.fingerprint,
        marks=tuple(m for m, on in (("TEST", is_test), ("AMENDED", amended)) if on),
        watermarks=tuple(m for m, on in (("TEST", is_test), ("AMENDED", amended)) if on),
    )
    tallied = session.entries().tallied
    story: list[Flowable] = [
        para(DOCUMENT, H1),
        para(
            f"Precinct {session.precinct.label}. Posted by the precinct board under California "
            "Elections Code §15280. These results are unofficial (semifinal official canvass); "
            "the county elections official completes the official canvass.",
            BODY,
        ),
        Spacer(1, 8),
        bold(
            "Ballots cast (hand-tallied): " + ("not entered" if tallied is None else f"{tallied:,}")
        ),
        Spacer(1, 6),
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
    else:
        for contest in session.contests:
            entry = session.entries().contest(Sheet.A, contest.id)
            story.append(_contest(contest, entry))
    if amended:
        story.append(para("AMENDED: these results follow a correction after finalizing.", SMALL))
    return render(
        story,
        header,
        title=f"{DOCUMENT} — precinct {session.precinct.label}",
        subject=definition.title,
    )


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


def _contest(contest: Contest, entry: ContestEntry | None) -> Flowable:
    title = para(contest.title, H3)
    if entry is None:
        return KeepTogether([title, para("Not counted in this precinct.", SMALL)])
    rows: list[list[object]] = [["", "Votes"]]
    rows += [
        [para(label, CELL), "not entered" if count is None else f"{count:,}"]
        for label, count in _rows(contest, entry)
    ]
    table = Table(rows, colWidths=[4.6 * inch, 1.1 * inch], hAlign="LEFT")
    style = table_style()
    style += [
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("FONT", (1, 1), (1, -1), SANS_BOLD, 10),
        ("BACKGROUND", (0, len(rows) - 2), (-1, -1), SHADE),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    table.setStyle(TableStyle(style))
    return KeepTogether([title, table])
