"""The tally sheet and certificate of performance of one precinct (DESIGN §8, issue 5).

The paper the board signs in ink: the ballot statement with its A1/A2 arithmetic, every
contest in ballot order (totals in figures and in words, write-ins, undervotes, overvotes,
ballots tallied and the A4/A6 and A3/A5 checks), the discrepancies with their signed
explanations, the seals, the certificate of performance (California Elections Code §15280)
with a signature and date line per board member, and the results fingerprint.

The equations come from ``tally_app.reconcile.equations``, the same the screen shows live,
so the paper and the screen cannot disagree. Sheet A is the record (as in results.json).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import assert_never

from reportlab.graphics.barcode.qr import QrCode
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from tally_app.definition.model import (
    CandidateContest,
    Contest,
    ElectionDefinition,
    MeasureContest,
    Severity,
)
from tally_app.documents.fonts import MONO, SANS, SANS_BOLD, para_text
from tally_app.documents.layout import (
    BODY,
    CELL,
    H1,
    H2,
    H3,
    MINUS,
    MONO_STYLE,
    SHADE,
    SMALL,
    bold,
    continued_ends,
    continues,
    election_line,
    para,
    render,
    side,
    stamp,
    table_style,
)
from tally_app.documents.precinct_header import precinct_page_header
from tally_app.documents.words import in_words
from tally_app.entries import SYMBOLS, ContestEntry, RosterField, Sheet, StyleField
from tally_app.reconcile.equations import (
    Balance,
    Equation,
    accounting_equations,
    contest_equations,
)
from tally_app.reconcile.findings import Finding
from tally_app.reconcile.messages import FIELD_LABELS
from tally_app.reconcile.scope import listed_write_ins
from tally_app.session import PrecinctSession
from tally_app.store.records import Explanation

DOCUMENT = "Tally sheet and certificate of performance"
_SHA256 = re.compile(r"[0-9a-f]{64}")

_STYLE_ROWS = (
    StyleField.RECEIVED,
    StyleField.VOTED,
    StyleField.PROVISIONAL,
    StyleField.REJECTED,
    StyleField.SPOILED,
    StyleField.UNUSED,
    StyleField.BLANK,
    StyleField.PROVISIONAL_ISSUED,
)


def tally_sheet_pdf(
    session: PrecinctSession,
    *,
    generated: datetime,
    results_sha256: str | None,
    device_id: str,
    county_issued: bool,
    is_test: bool,
    app_version: str,
) -> bytes:
    """The unsigned tally sheet PDF; the same session and arguments give the same bytes.

    ``results_sha256`` is the SHA-256 (64 lowercase hex) of the exported results.json, or None
    before it exists (the fingerprint section then says so). Raises ValueError for a malformed
    fingerprint or a ``generated`` without a time zone.
    """
    if results_sha256 is not None and not _SHA256.fullmatch(results_sha256):
        raise ValueError("results_sha256 must be 64 lowercase hexadecimal digits")
    definition = session.definition
    amended = session.store.amended
    finalized = session.finalized_at()
    header = precinct_page_header(
        session,
        document=DOCUMENT,
        generated=f"Generated {stamp(generated)} on device {device_id}",
        is_test=is_test,
        county_issued=county_issued,
        app_version=app_version,
        draft=finalized is None,
    )
    story: list[Flowable] = [para(DOCUMENT, H1)]
    story += _status_lines(session, finalized, county_issued, device_id)
    story += _ballot_statement(session)
    for contest in session.contests:
        story += _contest(session, contest)
    story += _discrepancies(session)
    story += _seals(session)
    if amended:
        story += _corrections(session)
    story += _certificate(session)
    story += _fingerprint(results_sha256)
    return render(
        story,
        header,
        title=f"{DOCUMENT} — precinct {session.precinct.label}",
        subject=election_line(definition.title, definition.date),
    )


# --- sections ------------------------------------------------------------------------------


def _status_lines(
    session: PrecinctSession, finalized: datetime | None, county_issued: bool, device_id: str
) -> list[Flowable]:
    lines = [
        f"Finalized: {stamp(finalized)}" if finalized else "Not finalized: this is a draft.",
        f"Device: {device_id}"
        + ("" if county_issued else " (not county-issued: a self-signed identity)"),
    ]
    if session.store.amended:
        lines.append("AMENDED: this sheet follows a correction after finalizing (see below).")
    return [para(line, SMALL) for line in lines]


def _count(value: int | None) -> str:
    return "blank" if value is None else f"{value:,}"


def _words(value: int | None) -> str:
    return "(blank)" if value is None else in_words(value)


def _ballot_statement(session: PrecinctSession) -> list[Flowable]:
    entries = session.entries()
    out: list[Flowable] = [para("Ballot statement", H2)]
    styles = session.precinct.ballot_style_ids
    head: list[object] = ["Ballots", ""]
    head += [f"Style {s}" if len(styles) > 1 else "Count" for s in styles]
    style_rows: list[list[object]] = [head]
    for f in _STYLE_ROWS:
        values = [entries.styles[s][f] if s in entries.styles else None for s in styles]
        label = para(FIELD_LABELS[f].capitalize(), CELL)
        style_rows.append([label, SYMBOLS[f], *(_count(v) for v in values)])
    roster_rows: list[list[object]] = [["Roster", "", "Count"]]
    for rf in RosterField:
        label = para(FIELD_LABELS[rf].capitalize(), CELL)
        roster_rows.append([label, SYMBOLS[rf], _count(entries.roster.get(rf))])
    left = _count_table(style_rows, 1.95 * inch, len(styles))
    right = _count_table(roster_rows, 1.95 * inch, 1)
    if len(styles) == 1:
        pair = Table([[left, right]], colWidths=[3.65 * inch, 3.65 * inch], hAlign="LEFT")
        pair.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONT", (0, 0), (-1, -1), SANS, 10),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        out.append(pair)
    else:
        out += [left, Spacer(1, 6), right]
    for style_id in styles:
        acct = entries.styles.get(style_id)
        if acct is None:
            continue
        for r in acct.unused_ranges:
            where = f" (style {style_id})" if len(styles) > 1 else ""
            out.append(
                para(
                    f"Unused ballot serials{where}: {r.first}–{r.last} ({r.size:,} ballots)", SMALL
                )
            )
    t = entries.tallied
    out.append(Spacer(1, 4))
    out.append(
        para(
            f"Ballots hand-tallied: T = V {MINUS} V_prov {MINUS} X = {_count(t)}"
            + ("" if t is None else f" ({in_words(t)})"),
            BODY,
        )
    )
    out.append(para("The ballot accounting checks", H3))
    equations = accounting_equations(session.definition, session.precinct.id, entries)
    out.append(_equation_table(equations, len(styles) > 1))
    return out


def _count_table(rows: list[list[object]], label_width: float, columns: int) -> Table:
    widths = [label_width, 0.75 * inch] + [0.75 * inch] * columns
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    style = table_style()
    style += [("ALIGN", (2, 0), (-1, -1), "RIGHT"), ("FONT", (1, 1), (1, -1), MONO, 9)]
    table.setStyle(TableStyle(style))
    return table


def _equation_table(equations: Sequence[Equation], name_styles: bool) -> Table:
    rows: list[list[object]] = [["Check", "Equation", "Numbers", "Result"]]
    for eq in equations:
        label = eq.rule.value
        if name_styles and eq.subject.startswith("style:"):
            label += f" (style {eq.subject.removeprefix('style:')})"
        rows.append(
            [
                label,
                para(eq.equation, CELL),
                para(f"{side(eq.left)} = {side(eq.right)}", CELL),
                para(_result(eq), CELL),
            ]
        )
    table = Table(rows, colWidths=[1.0 * inch, 2.2 * inch, 1.9 * inch, 2.2 * inch], hAlign="LEFT")
    table.setStyle(TableStyle(table_style()))
    return table


def _result(eq: Equation) -> str:
    match eq.balance:
        case Balance.BALANCED:
            return f"balances ({eq.left_total:,} = {eq.right_total:,})"
        case Balance.OFF:
            assert eq.difference is not None
            sign = "+" if eq.difference > 0 else MINUS
            return (
                f"DISCREPANCY: {eq.left_total:,} ≠ {eq.right_total:,}, "
                f"off by {sign}{abs(eq.difference):,}"
            )
        case Balance.INCOMPLETE:
            return "not checked: a term is blank"
        case _:
            assert_never(eq.balance)


def _selection_rows(
    definition: ElectionDefinition, contest: Contest, entry: ContestEntry
) -> Iterator[tuple[str, int | None, bool]]:
    """(label, count, is a total line) for each line of the contest, in ballot order."""
    match contest:
        case CandidateContest():
            for c in contest.candidates:
                label = c.name
                if c.party_id:
                    label += f" ({_party(definition, c.party_id)})"
                if c.write_in:
                    label += " — qualified write-in"
                yield label, entry.votes.get(c.id), False
            for w in listed_write_ins(entry.write_ins):
                yield f"Write-in, not qualified: {w.name}", w.count, False
        case MeasureContest():
            for o in contest.options:
                yield o.name, entry.votes.get(o.id), False
        case _:
            assert_never(contest)
    yield "Undervotes", entry.undervotes, True
    yield "Overvotes", entry.overvotes, True
    yield "Ballots tallied (K)", entry.ballots, True


def _party(definition: ElectionDefinition, party_id: str) -> str:
    try:
        party = definition.party(party_id)
    except KeyError:
        return party_id
    return party.abbreviation or party.name


def _contest(session: PrecinctSession, contest: Contest) -> list[Flowable]:
    entries = session.entries()
    entry = entries.contest(Sheet.A, contest.id)
    title = para(contest.title, H2)
    kind = (
        f"Vote for {contest.vote_for}"
        if isinstance(contest, CandidateContest)
        else "Measure: yes or no"
    )
    if entry is None:
        return [title, para(f"{kind}. Nothing was entered for this contest.", BODY)]
    selections: list[list[object]] = [["Selection", "Votes", "In words"]]
    totals: list[list[object]] = []
    for label, count, is_total in _selection_rows(session.definition, contest, entry):
        row: list[object] = [para(label, CELL), _count(count), para(_words(count), CELL)]
        (totals if is_total else selections).append(row)
    marks, ballots = contest_equations(
        session.definition, session.precinct.id, entries, contest.id, Sheet.A
    )
    checks = [
        Spacer(1, 3),
        para(f"Check {marks.rule.value}: {marks.equation}", SMALL),
        para(f"{_marks_numbers(contest, marks, entry)} — {_result(marks)}", SMALL),
        para(
            f"Check {ballots.rule.value}: {ballots.equation}: "
            f"{side(ballots.left)} = {side(ballots.right)} — {_result(ballots)}",
            SMALL,
        ),
    ]
    # Two tables drawn as one: the selections may flow over a page (header repeated), while
    # the totals and the check always stay together on the page that ends the contest.
    tail = [_votes_table(totals, header=False), *checks]
    if len(selections) <= _KEEP_WHOLE:
        head = [title, para(kind, SMALL), Spacer(1, 3), _votes_table(selections, header=True)]
        return [KeepTogether([*head, *tail])]
    # A long contest flows over a page: each page it continues on names it.
    return [
        title,
        para(kind, SMALL),
        continues(contest.title),
        Spacer(1, 3),
        _votes_table(selections, header=True),
        KeepTogether(tail),
        continued_ends(),
    ]


_KEEP_WHOLE = 12  # a contest with at most this many lines never starts at the foot of a page
_VOTE_WIDTHS = [3.5 * inch, 0.9 * inch, 2.9 * inch]


def _votes_table(rows: list[list[object]], *, header: bool) -> Table:
    table = Table(rows, colWidths=_VOTE_WIDTHS, repeatRows=1 if header else 0, hAlign="LEFT")
    first = 1 if header else 0
    style = table_style(first)
    if not header:
        style.append(("BACKGROUND", (0, 0), (-1, -1), SHADE))
    style += [
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("FONT", (1, first), (1, -1), SANS_BOLD, 10.5),
    ]
    table.setStyle(TableStyle(style))
    return table


def _marks_numbers(contest: Contest, eq: Equation, entry: ContestEntry) -> str:
    """A4 shows its right side as N × K, so the reader sees where the product comes from."""
    if isinstance(contest, CandidateContest):
        k = "blank" if entry.ballots is None else f"{entry.ballots:,}"
        return f"{side(eq.left)} = {contest.vote_for} × {k}"
    return f"{side(eq.left)} = {side(eq.right)}"


def _discrepancies(session: PrecinctSession) -> list[Flowable]:
    out: list[Flowable] = [para("Discrepancies and their explanations", H2)]
    found = [f for f in session.findings() if f.severity is Severity.EXPLAIN]
    if not found:
        out.append(para("None: every balance check of this precinct balances.", BODY))
        return out
    explained = {(e.rule_id, e.subject): e for e in session.explanations()}
    roles = _role_titles(session.definition)
    for finding in found:
        explanation = explained.get((finding.rule.value, finding.subject))
        out.append(_discrepancy(finding, explanation, roles))
    return out


def _role_titles(definition: ElectionDefinition) -> dict[str, str]:
    """Board role ids to the titles printed on paper ("tally_keeper_a" → "Tally keeper A")."""
    return {r.id: r.title for r in definition.board_roles}


def _discrepancy(
    finding: Finding, explanation: Explanation | None, roles: dict[str, str]
) -> Flowable:
    parts: list[Flowable] = [
        bold(f"DISCREPANCY {finding.rule.value}: {finding.message}"),
    ]
    if finding.equation:
        parts.append(
            para(f"{finding.equation}: {side(finding.left)} = {side(finding.right)}", SMALL)
        )
    if explanation is not None:
        parts.append(para(f"Explanation: {explanation.text}", BODY))
        signers = ", ".join(f"{s.name} ({roles.get(s.role, s.role)})" for s in explanation.signers)
        parts.append(para(f"Signed by {signers} at {_when(explanation.created_at)}", SMALL))
    else:
        parts.append(para("No explanation has been signed for this discrepancy.", BODY))
    parts.append(Spacer(1, 6))
    return KeepTogether(parts)


def _when(iso: str) -> str:
    """A stored ISO 8601 time as the sheet prints times; the text itself if it is not one."""
    try:
        return stamp(datetime.fromisoformat(iso))
    except ValueError:
        return iso


def _seals(session: PrecinctSession) -> list[Flowable]:
    out: list[Flowable] = [para("Seals", H2)]
    seals = session.store.seals()
    if not seals:
        out.append(para("No seal numbers were recorded.", BODY))
        return out
    rows: list[list[object]] = [["What the seal closes", "Seal number"]]
    rows += [[para(s.purpose, CELL), para(s.number, MONO_STYLE)] for s in seals]
    table = Table(rows, colWidths=[4.3 * inch, 3.0 * inch], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(table_style()))
    out.append(table)
    return out


def _corrections(session: PrecinctSession) -> list[Flowable]:
    out: list[Flowable] = [para("Corrections after finalizing (AMENDED)", H2)]
    for c in session.store.corrections():
        out.append(para(f"{_when(c.created_at)}: {c.actor} ({c.role}) — {c.reason}", BODY))
    return out


CERTIFICATE = (
    "We, the members of the precinct board of {precinct}, certify that we counted the "
    "ballots cast in this precinct as California Elections Code §15280 requires of a "
    "precinct board at the close of the count: the totals on this tally sheet are the "
    "votes we counted for each candidate and measure, the ballot statement accounts for "
    "every ballot we received, and each discrepancy shown above is explained in writing "
    "and signed by us. These results are unofficial: they are the semifinal official "
    "canvass of this precinct, and the county elections official completes the official "
    "canvass."
)


def _certificate(session: PrecinctSession) -> list[Flowable]:
    roles = _role_titles(session.definition)
    intro = [
        para("Certificate of performance", H2),
        para(CERTIFICATE.format(precinct=f"precinct {session.precinct.label}"), BODY),
        Spacer(1, 8),
    ]
    board = session.board()
    if not board:
        return [*intro, para("No board members were recorded.", BODY)]
    rows: list[list[object]] = [["Printed name", "Role", "Signature", "Date and time"]]
    for member in board:
        rows.append(
            [para(member.name, CELL), para(roles.get(member.role, member.role), CELL), "", ""]
        )
    table = Table(
        rows,
        colWidths=[2.0 * inch, 1.4 * inch, 2.4 * inch, 1.5 * inch],
        rowHeights=[None] + [0.5 * inch] * len(board),
        repeatRows=1,
        hAlign="LEFT",
    )
    style = table_style()
    style += [
        ("VALIGN", (0, 1), (-1, -1), "BOTTOM"),
        ("LINEBELOW", (2, 1), (3, -1), 0.8, BODY.textColor),
    ]
    table.setStyle(TableStyle(style))
    return [KeepTogether([*intro, table])]


def _fingerprint(results_sha256: str | None) -> list[Flowable]:
    title = para("Results fingerprint", H2)
    if results_sha256 is None:
        return [
            title,
            para(
                "The results file has not been exported yet, so this sheet carries no "
                "fingerprint; reprint it after the export to compare it with the results file.",
                BODY,
            ),
        ]
    groups = [results_sha256[i : i + 4] for i in range(0, 64, 4)]
    grouped = Paragraph(
        f'<font name="{MONO}" size="13">{" ".join(groups[:8])}<br/>{" ".join(groups[8:])}</font>',
        BODY.clone("grouped", leading=18),
    )
    text = [
        para(
            "SHA-256 of the exported results.json. Compare it group by group with the "
            "fingerprint the county's verifier shows, or scan the code.",
            SMALL,
        ),
        Spacer(1, 6),
        grouped,
        Spacer(1, 6),
        Paragraph(para_text(results_sha256, MONO), MONO_STYLE.clone("full", fontSize=8.2)),
    ]
    size = 1.35 * inch
    # The flowable, not the graphics widget: a Drawing would add an unused Helvetica.
    code = QrCode(results_sha256, width=size, height=size, qrLevel="M")
    table = Table([[text, code]], colWidths=[5.6 * inch, size + 0.2 * inch], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONT", (0, 0), (-1, -1), SANS, 10),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return [KeepTogether([title, table])]


__all__ = ["CERTIFICATE", "DOCUMENT", "tally_sheet_pdf"]
