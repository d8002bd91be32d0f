"""The supervisor's certification sheet (DESIGN §8, §11; issue 6 item 4).

The paper the supervisor and a witness sign at the receiving station: what was summed (totals
per contest and candidate, in figures and words), every precinct of the definition with its
disposition, every bundle that was not summed and why (VVSG 2.0 13.2-B: nothing that failed
verification is counted), the discrepancies the precinct boards explained, the receipt and
seal-check lines, and the certification with signature lines.

It is drawn from an :class:`~tally_app.aggregate.model.Aggregation` alone, with the same page
template, fonts and invariant mode as the precinct tally sheet, so the same aggregation and
``generated`` time give the same bytes. The facade signs it.

The per-precinct table can hold thousands of rows: see :class:`_PrecinctRows` for how it
flows over pages in linear time with its header row on every page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from tally_app.aggregate.model import (
    Aggregation,
    BundleOutcome,
    ContestTotal,
    Disposition,
    PrecinctRow,
)
from tally_app.documents.fonts import MONO, SANS, SANS_BOLD, clean
from tally_app.documents.layout import (
    BODY,
    CELL,
    GREY,
    H1,
    H2,
    H3,
    INK,
    RULE,
    SHADE,
    SMALL,
    PageHeader,
    bold,
    jurisdiction_line,
    para,
    render,
    stamp,
    status_of,
    table_style,
)
from tally_app.documents.words import in_words

DOCUMENT = "Supervisor's certification of the semifinal canvass"

CERTIFICATION = (
    "I, the supervisor named below, certify that every results bundle listed on this sheet "
    "as accepted was verified at this receiving station — its signature, the certificate "
    "that signed it, its file hashes, its election definition and its arithmetic were "
    "checked — and that the totals on this sheet are the sum of those bundles and of no "
    "others. No bundle that failed any of these checks was counted: each one is listed "
    "above with the reason it was set aside, as the federal Voluntary Voting System "
    "Guidelines (VVSG 2.0, requirement 13.2-B) require. These results are unofficial: they "
    "are the semifinal official canvass, and the county elections official completes the "
    "official canvass. The witness named below saw the bundles received and checked."
)

_FINGERPRINT_PREFIX = 12  # hex digits of a results SHA-256 printed in the table: 3 groups of 4


def certification_pdf(
    aggregation: Aggregation,
    *,
    generated: datetime,
    app_version: str,
    device_id: str,
    county_issued: bool,
    jurisdiction: str | None = None,
) -> bytes:
    """The UNSIGNED certification sheet; the same aggregation and arguments give the same bytes.

    ``jurisdiction`` is the header's jurisdiction line ("Los Angeles County, California ·
    Election day 2017-06-06"); by default, that of the definition the aggregation was made
    against. Raises ValueError for a ``generated`` without a time zone.
    """
    is_test = any(b.is_test for b in aggregation.bundles if b.disposition.summed)
    marks = tuple(
        mark for mark, on in (("TEST", is_test), ("NOT COUNTY-ISSUED", not county_issued)) if on
    )
    reporting = len(aggregation.reporting)
    header = PageHeader(
        document=DOCUMENT,
        election=aggregation.election_title,
        jurisdiction=jurisdiction or _jurisdiction(aggregation),
        precinct=(
            f"All precincts · {reporting:,} of {aggregation.precincts_total:,} reporting · "
            f"Election {aggregation.election_id}"
        ),
        status=status_of(is_test),
        generated=f"Generated {stamp(generated)} on device {device_id}",
        app_version=app_version,
        fingerprint=aggregation.definition_fingerprint,
        marks=marks,
        watermarks=("TEST",) if is_test else (),
    )
    story: list[Flowable] = [para(DOCUMENT, H1)]
    story += _summary(aggregation, device_id, county_issued)
    story += _totals(aggregation.contests)
    story += _precinct_table(aggregation)
    story += _not_summed(aggregation)
    story += _unchecked(aggregation.bundles)
    story += _not_searched(aggregation.warnings)
    story += _discrepancies(aggregation.bundles)
    story += _receipt()
    story += _certificate()
    return render(
        story,
        header,
        title=f"{DOCUMENT} — {aggregation.election_title}",
        subject=f"{aggregation.election_title} ({aggregation.election_id})",
    )


# --- header --------------------------------------------------------------------------------


def _jurisdiction(aggregation: Aggregation) -> str:
    """ "County, State · Election day DATE" from the election definition summed against."""
    definition = aggregation.definition
    if definition is None:
        return "Jurisdiction: as in the election definition whose SHA-256 is printed below"
    place = definition.jurisdiction
    return jurisdiction_line(place.county, place.state, definition.date)


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _first(value: object) -> Mapping[str, object]:
    """The ERR ``Election`` (a list in CDF JSON, an object in some producers)."""
    if isinstance(value, Mapping):
        return value
    items = _list(value)
    return items[0] if items and isinstance(items[0], Mapping) else {}


# --- sections ------------------------------------------------------------------------------


def _summary(aggregation: Aggregation, device_id: str, county_issued: bool) -> list[Flowable]:
    counts = {d: 0 for d in Disposition}
    for bundle in aggregation.bundles:
        counts[bundle.disposition] += 1
    summed = counts[Disposition.ACCEPTED] + counts[Disposition.ACCEPTED_DISCREPANCY]
    lines = [
        f"Precincts reporting: {len(aggregation.reporting):,} of "
        f"{aggregation.precincts_total:,}; missing: {len(aggregation.missing):,}.",
        f"Bundles found: {len(aggregation.bundles):,}; summed: {summed:,} "
        f"(with a discrepancy the board explained: {counts[Disposition.ACCEPTED_DISCREPANCY]:,}); "
        f"rejected: {counts[Disposition.REJECTED]:,}; in conflict: "
        f"{counts[Disposition.CONFLICT]:,}; duplicates counted once: "
        f"{counts[Disposition.DUPLICATE]:,}; superseded by a correction: "
        f"{counts[Disposition.SUPERSEDED]:,}.",
        f"Verified and summed on device {device_id}"
        + ("." if county_issued else " (not county-issued: a self-signed identity)."),
    ]
    return [para(line, SMALL) for line in lines]


def _totals(contests: Sequence[ContestTotal]) -> list[Flowable]:
    heading = para("Totals of the precincts summed", H2)
    if not contests:
        return [heading, para("No contest was summed.", BODY)]
    out: list[Flowable] = []
    for index, contest in enumerate(contests):
        group, short = _contest(contest)
        if index == 0:
            group = [heading, *group]
        # A contest short enough stays whole; a long one flows, its header row repeated.
        out += [KeepTogether(group)] if short else group
    return out


_VOTE_WIDTHS = [3.5 * inch, 0.9 * inch, 2.9 * inch]


def _contest(contest: ContestTotal) -> tuple[list[Flowable], bool]:
    """The contest's title and table, and whether it is short enough to keep whole."""
    rows: list[list[object]] = [["Selection", "Votes", "In words"]]
    for s in contest.selections:
        write_in = s.write_in and "write-in" not in s.name.lower()
        label = f"{s.name} — write-in" if write_in else s.name
        rows.append([para(label, CELL), f"{s.votes:,}", para(in_words(s.votes), CELL)])
    totals = [
        ("Overvotes", contest.overvotes),
        ("Undervotes", contest.undervotes),
        ("Ballots cast", contest.ballots),
    ]
    first_total = len(rows)
    rows += [[label, f"{value:,}", ""] for label, value in totals]
    table = Table(rows, colWidths=_VOTE_WIDTHS, repeatRows=1, hAlign="LEFT")
    style = table_style()
    style += [
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("FONT", (1, 1), (1, first_total - 1), SANS_BOLD, 10.5),
        ("BACKGROUND", (0, first_total), (-1, -1), SHADE),
    ]
    table.setStyle(TableStyle(style))
    return [para(contest.name, _CONTEST_TITLE), table], len(rows) <= _KEEP_WHOLE


_KEEP_WHOLE = 16
_CONTEST_TITLE = H3.clone("contest", spaceAfter=3)


def _fingerprints(hashes: Sequence[str]) -> str:
    """The first 12 hex digits of each summed file, in groups of four, one per line."""
    prefixes = []
    for digest in hashes:
        head = clean(digest[:_FINGERPRINT_PREFIX], MONO)
        prefixes.append(" ".join(head[i : i + 4] for i in range(0, len(head), 4)))
    return "\n".join(prefixes) or "—"


def _precinct_table(aggregation: Aggregation) -> list[Flowable]:
    out: list[Flowable] = [
        para("Precincts", H2),
        para(
            "Every precinct of the election definition. Ballots are those summed for it; the "
            "results SHA-256 is the start of the fingerprint of each results file summed, to "
            "compare with the precinct's tally sheet. Check each precinct's seals as its "
            "materials arrive: circle yes or no and initial.",
            SMALL,
        ),
        Spacer(1, 4),
    ]
    if not aggregation.precincts:
        return [*out, para("The election definition lists no precincts.", BODY)]
    rows = tuple(_precinct_row(row) for row in aggregation.precincts)
    return [*out, _PrecinctRows(rows)]


@dataclass(frozen=True, slots=True)
class _Row:
    """One precinct's cells, each already broken into the lines that fit its column."""

    cells: tuple[str, ...]
    height: float
    emphasis: bool  # anything but a plain "accepted": the disposition is printed in bold


_PRECINCT_HEAD = ("Precinct", "Ballots", "Disposition", "Results SHA-256", "Seals intact", "Init.")
_PRECINCT_WIDTHS = (1.3 * inch, 0.7 * inch, 2.05 * inch, 1.45 * inch, 1.0 * inch, 0.8 * inch)
_PRECINCT_FONTS = ((SANS, 9.0),) * 3 + ((MONO, 8.5),) + ((SANS, 9.0),) * 2
_PAD = 2.5  # above and below each row's text
_LEADING = 11.0
_HEAD_HEIGHT = 9.5 * 1.2 + 2 * _PAD


def _precinct_row(row: PrecinctRow) -> _Row:
    texts = (
        clean(row.precinct_id),
        "—" if row.ballots is None else f"{row.ballots:,}",
        clean(row.disposition),
        _fingerprints(row.results_sha256),
        "yes / no",
        "",
    )
    emphasis = row.disposition != "accepted"
    fonts = list(_PRECINCT_FONTS)
    if emphasis:
        fonts[2] = (SANS_BOLD, 9.0)
    cells = []
    lines = 1
    for text, width, (font, size) in zip(texts, _PRECINCT_WIDTHS, fonts, strict=True):
        broken = [
            piece for part in text.split("\n") for piece in _fit(part, font, size, width - 10)
        ]
        lines = max(lines, len(broken))
        cells.append("\n".join(broken))
    return _Row(tuple(cells), lines * _LEADING + 2 * _PAD, emphasis)


def _fit(text: str, font: str, size: float, width: float) -> list[str]:
    """``text`` as the lines that fit ``width``: as it is when it fits (nearly always, and
    measured once), else broken at spaces and, where a word is still too wide, anywhere."""
    if stringWidth(text, font, size) <= width:
        return [text]
    return [
        piece
        for line in simpleSplit(text, font, size, width) or [""]
        for piece in _forced(line, font, size, width)
    ]


def _forced(line: str, font: str, size: float, width: float) -> list[str]:
    """``line`` cut between characters where it is wider than ``width`` (a long id has no
    space for ``simpleSplit`` to break at, and would run into the next column)."""
    pieces = [""]
    for ch in line:
        if pieces[-1] and stringWidth(pieces[-1] + ch, font, size) > width:
            pieces.append("")
        pieces[-1] += ch
    return pieces


class _PrecinctRows(Flowable):
    """The per-precinct table, split page by page in time linear in its rows.

    Every row's height is known before layout (its cells are broken into lines up front), so
    a page takes exactly the rows that fit, and each piece draws as its own ``Table`` with the
    header row on top. A single reportlab ``Table`` would re-measure all remaining rows at
    every page break.
    """

    def __init__(self, rows: Sequence[_Row]) -> None:
        super().__init__()
        self._rows = tuple(rows)
        self.width = sum(_PRECINCT_WIDTHS)
        self.height = _HEAD_HEIGHT + sum(r.height for r in self._rows)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:  # noqa: N803
        used, fits = _HEAD_HEIGHT, 0
        for row in self._rows:
            if used + row.height > availHeight:
                break
            used += row.height
            fits += 1
        if fits == 0:
            return []  # not even one row: the frame moves the table to the next page
        return [_PrecinctRows(self._rows[:fits]), _PrecinctRows(self._rows[fits:])]

    def draw(self) -> None:
        table = Table(
            [list(_PRECINCT_HEAD), *(list(r.cells) for r in self._rows)],
            colWidths=list(_PRECINCT_WIDTHS),
            rowHeights=[_HEAD_HEIGHT, *(r.height for r in self._rows)],
            hAlign="LEFT",
        )
        style = table_style()
        style += [
            ("FONT", (0, 1), (-1, -1), SANS, 9),
            ("FONT", (3, 1), (3, -1), MONO, 8.5),
            ("LEADING", (0, 1), (-1, -1), _LEADING),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), _PAD),
            ("BOTTOMPADDING", (0, 0), (-1, -1), _PAD),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ("ALIGN", (4, 0), (4, -1), "CENTER"),
            ("TEXTCOLOR", (4, 1), (4, -1), GREY),
            ("LINEBELOW", (5, 1), (5, -1), 0.6, INK),
        ]
        style += [
            ("FONT", (2, index), (2, index), SANS_BOLD, 9)
            for index, row in enumerate(self._rows, start=1)
            if row.emphasis
        ]
        table.setStyle(TableStyle(style))
        table.wrapOn(self.canv, self.width, self.height)
        table.drawOn(self.canv, 0, 0)


def _not_summed(aggregation: Aggregation) -> list[Flowable]:
    groups: list[list[Flowable]] = []
    for title, disposition in (
        ("Rejected: failed verification, not counted", Disposition.REJECTED),
        ("Superseded by a later correction", Disposition.SUPERSEDED),
    ):
        listed = [b for b in aggregation.bundles if b.disposition is disposition]
        if listed:
            groups += _head(para(title, H3), [_bundle_line(b) for b in listed])
    if aggregation.conflicts:
        heading = para("Conflicts: different bundles for one precinct, none summed", H3)
        conflicts = [_conflict(aggregation, p, paths) for p, paths in aggregation.conflicts]
        groups += _head(heading, conflicts)
    if not groups:
        groups.append([para("None: no bundle was rejected, in conflict or superseded.", BODY)])
    duplicates = [b for b in aggregation.bundles if b.disposition is Disposition.DUPLICATE]
    if duplicates:
        heading = para("Duplicates: the same results file again, counted once", H3)
        groups += _head(heading, [_bundle_line(b) for b in duplicates])
    return _kept(_head(para("Bundles not summed", H2), groups))


def _unchecked(bundles: Sequence[BundleOutcome]) -> list[Flowable]:
    """Summed files from another producer, with no manifest to carry the fingerprint."""
    unchecked = [b for b in bundles if b.disposition.summed and not b.fingerprint_checked]
    if not unchecked:
        return []
    note = para(
        "These files carry no manifest, so the election definition fingerprint was not "
        "checked; every election, contest, selection and precinct id in them was found in "
        "the election definition instead.",
        SMALL,
    )
    lines = [
        [para(f"{_precincts(b)} — {b.path}: fingerprint not checked.", SMALL)] for b in unchecked
    ]
    return _kept(_head(para("Summed with the fingerprint not checked", H2), [[note], *lines]))


def _not_searched(warnings: Sequence[str]) -> list[Flowable]:
    """Folders the search could not read or reach: bundles in them were not seen."""
    if not warnings:
        return []
    note = para(
        "These folders could not be searched, so any bundle in them was neither verified nor "
        "counted; the precincts of such bundles show as missing.",
        SMALL,
    )
    lines = [[para(warning, SMALL)] for warning in warnings]
    return _kept(_head(para("Folders not searched", H2), [[note], *lines]))


_INDENTED = SMALL.clone("indented", leftIndent=14)


def _conflict(aggregation: Aggregation, precinct_id: str, paths: Sequence[Path]) -> list[Flowable]:
    parts: list[Flowable] = [bold(f"Precinct {precinct_id}", SMALL)]
    parts += [para(str(path), _INDENTED) for path in paths]
    reasons = sorted(
        {
            b.reason
            for b in aggregation.bundles
            if b.disposition is Disposition.CONFLICT and b.path in paths and b.reason
        }
    )
    parts += [para(reason, SMALL) for reason in reasons]
    parts.append(Spacer(1, 3))
    return parts


def _head(heading: Flowable, groups: Sequence[list[Flowable]]) -> list[list[Flowable]]:
    """The groups with the heading put in the first, so it never ends a page alone."""
    return [[heading, *groups[0]], *groups[1:]]


def _kept(groups: Sequence[list[Flowable]]) -> list[Flowable]:
    """Each group kept on one page. Groups are lists, not KeepTogether: reportlab breaks the
    page before a KeepTogether nested in another, and never keeps a heading with one."""
    return [KeepTogether(group) for group in groups]


def _precincts(bundle: BundleOutcome) -> str:
    if not bundle.precinct_ids:
        return "Precinct unknown"
    label = "Precinct" if len(bundle.precinct_ids) == 1 else "Precincts"
    return f"{label} {', '.join(bundle.precinct_ids)}"


def _bundle_line(bundle: BundleOutcome) -> list[Flowable]:
    reason = bundle.reason or "No reason was recorded."
    return [bold(f"{_precincts(bundle)} — {bundle.path}", SMALL), para(reason, SMALL), Spacer(1, 3)]


def _discrepancies(bundles: Sequence[BundleOutcome]) -> list[Flowable]:
    heading = para("Discrepancies carried from the precinct files", H2)
    carried = [b for b in bundles if b.disposition.summed and b.discrepancies]
    if not carried:
        return [heading, para("None: no summed precinct file reports a discrepancy.", BODY)]
    groups: list[list[Flowable]] = []
    for bundle in carried:
        parts: list[Flowable] = [bold(f"{_precincts(bundle)} — {bundle.path}", SMALL)]
        parts += [para(f"• {text}", SMALL) for text in bundle.discrepancies]
        parts.append(Spacer(1, 3))
        groups.append(parts)
    return _kept(_head(heading, groups))


def _ink_table(rows: list[list[object]], widths: list[float]) -> Table:
    """A header row, then rows with a line to write on in each cell left blank."""
    table = Table(
        rows,
        colWidths=widths,
        rowHeights=[None] + [0.42 * inch] * (len(rows) - 1),
        hAlign="LEFT",
    )
    style = table_style()
    style += [
        ("VALIGN", (0, 1), (-1, -1), "BOTTOM"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.8, BODY.textColor),
    ]
    for r, row in enumerate(rows[1:], start=1):
        for c, cell in enumerate(row):
            if cell:  # a printed cell (role, "yes / no") is not a line to write on
                style.append(("LINEBELOW", (c, r), (c, r), 0.3, RULE))
    table.setStyle(TableStyle(style))
    return table


_DELIVERIES = 4


def _receipt() -> list[Flowable]:
    intro = para(
        "One line for each delivery of drives or materials. Seals checked intact: circle yes "
        "or no; describe a broken or missing seal on the back and initial it.",
        SMALL,
    )
    rows: list[list[object]] = [
        ["Received from", "At (date and time)", "By", "Seals intact", "Initials"]
    ]
    rows += [["", "", "", "yes / no", ""] for _ in range(_DELIVERIES)]
    table = _ink_table(rows, [2.1 * inch, 1.55 * inch, 1.75 * inch, 1.05 * inch, 0.85 * inch])
    table.setStyle(TableStyle([("ALIGN", (3, 1), (3, -1), "CENTER")]))
    return [KeepTogether([para("Receipt and seals", H2), intro, Spacer(1, 4), table])]


def _certificate() -> list[Flowable]:
    rows: list[list[object]] = [["Role", "Printed name", "Signature", "Date and time"]]
    rows += [["Supervisor", "", "", ""], ["Witness", "", "", ""]]
    table = _ink_table(rows, [1.2 * inch, 2.2 * inch, 2.4 * inch, 1.5 * inch])
    intro = [para("Certification", H2), para(CERTIFICATION, BODY), Spacer(1, 8)]
    return [KeepTogether([*intro, table])]


__all__ = ["CERTIFICATION", "DOCUMENT", "certification_pdf"]
