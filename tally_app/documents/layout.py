"""The page template every document shares: header on each page, page x of y, watermarks.

Documents are platypus stories; :func:`render` lays one out on US Letter with
:class:`PageHeader` drawn at the top of every page. "Page x of y" needs the page count before
the first page is finished, so the header is drawn by a canvas that keeps each page and
draws the headers when the document is saved (the usual two-pass canvasmaker recipe).

Output is byte-identical for the same story: reportlab's invariant mode fixes the creation
date and document id, and every piece of metadata comes from the caller, never from a clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph
from reportlab.platypus.flowables import SetPageTopFlowables

from tally_app.documents.fonts import MONO, SANS, SANS_BOLD, clean, para_text, register_fonts
from tally_app.reconcile.findings import Term

MARGIN = 0.6 * inch
STATUS_OFFICIAL = "UNOFFICIAL — SEMIFINAL CANVASS"
STATUS_TEST = "TEST — NOT AN ELECTION RESULT"
MINUS = "\u2212"

INK = colors.black
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#999999")
SHADE = colors.HexColor("#EEEEEE")
ALERT = colors.HexColor("#B00000")


@dataclass(frozen=True, slots=True)
class PageHeader:
    """What the top of every page says (DESIGN §8)."""

    document: str  # "Tally sheet and certificate of performance"
    election: str  # the election's title
    jurisdiction: str  # "Los Angeles County, California · Election day 2017-06-06"
    precinct: str  # "Precinct 9000001 — Name · Polling place: …", or a blank line to fill in
    status: str  # STATUS_OFFICIAL or STATUS_TEST
    generated: str  # "Generated 2017-06-06 20:00:00 UTC"
    app_version: str
    fingerprint: str  # the definition's SHA-256
    marks: tuple[str, ...] = ()  # "AMENDED", "NOT COUNTY-ISSUED": printed on every page
    watermarks: tuple[str, ...] = ()  # "TEST", "AMENDED": large, across every page


def stamp(moment: datetime) -> str:
    """A date and time with its zone, to the second: ``2017-06-06 20:00:00 UTC``."""
    if moment.tzinfo is None:
        raise ValueError("document times must carry a time zone")
    zone = moment.tzname() or moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M:%S} {zone}"


def status_of(is_test: bool) -> str:
    return STATUS_TEST if is_test else STATUS_OFFICIAL


@dataclass(frozen=True, slots=True)
class _Line:
    """One printed line of the header: its text, font, size and colour, at its height."""

    text: str
    font: str
    size: float
    color: colors.Color
    leading: float
    right: str = ""  # drawn right-aligned on the same line (the marks)


def _wrapped(
    text: str, font: str, size: float, width: float, color: colors.Color, leading: float
) -> list[_Line]:
    """``text`` broken into lines no wider than ``width`` (a long word is broken by force)."""
    return [
        _Line(piece, font, size, color, leading)
        for piece in simpleSplit(clean(text, font), font, size, width) or [""]
    ]


def _header_lines(header: PageHeader, width: float) -> list[_Line]:
    """Every header line, wrapped to the page: nothing is cut off, whatever its length.

    The election title leaves room for "Page x of y" on its first line only; the marks share
    the status line when both fit, and take their own line when they do not.
    """
    title = _wrapped(header.election, SANS_BOLD, 11, width - _PAGE_NUMBER_ROOM, INK, 13)
    status_color = ALERT if header.status != STATUS_OFFICIAL else INK
    status = _wrapped(header.status, SANS_BOLD, 10, width, status_color, 12.5)
    marks = clean(" · ".join(header.marks), SANS_BOLD)
    if marks:
        room = width - stringWidth(status[-1].text, SANS_BOLD, 10) - 12
        if stringWidth(marks, SANS_BOLD, 10) <= room:
            last = status[-1]
            status[-1] = _Line(last.text, last.font, last.size, last.color, last.leading, marks)
        else:
            status += _wrapped(marks, SANS_BOLD, 10, width, ALERT, 12.5)
    document = f"{header.document} · {header.generated} · Precinct Tally {header.app_version}"
    return [
        *title,
        *status,
        *_wrapped(header.jurisdiction, SANS, 9, width, INK, 11.5),
        *_wrapped(header.precinct, SANS, 9, width, INK, 11.5),
        *_wrapped(document, SANS, 7.5, width, GREY, 10),
        *_wrapped(f"Election definition SHA-256 {header.fingerprint}", MONO, 7.5, width, GREY, 10),
    ]


def header_height(header: PageHeader, page_width: float) -> float:
    """The height the header takes from the top margin down, its rule and gap included."""
    lines = _header_lines(header, page_width - 2 * MARGIN)
    return sum(line.leading for line in lines) + _RULE_GAP


_PAGE_NUMBER_ROOM = 80  # "Page 999 of 999" at 9 pt, and a gap before it
_RULE_GAP = 12  # from the last header line to the rule, and from the rule to the body


class _HeaderCanvas(Canvas):
    """Keeps every page until ``save`` so each header can say "Page x of y"."""

    def __init__(self, *args: Any, header: PageHeader, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header = header
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            _draw_watermarks(self, self._header)
            _draw_header(self, self._header, number, total)
            super().showPage()
        super().save()


def _draw_header(canvas: Canvas, header: PageHeader, number: int, total: int) -> None:
    width, height = canvas._pagesize
    left, right = MARGIN, width - MARGIN
    y = height - MARGIN
    canvas.saveState()
    canvas.setFont(SANS, 9)
    canvas.setFillColor(INK)
    canvas.drawRightString(right, y - 9, f"Page {number} of {total}")
    for line in _header_lines(header, right - left):
        y -= line.leading
        canvas.setFont(line.font, line.size)
        canvas.setFillColor(line.color)
        canvas.drawString(left, y + (line.leading - line.size) * 0.9, line.text)
        if line.right:
            canvas.setFillColor(ALERT)
            canvas.drawRightString(right, y + (line.leading - line.size) * 0.9, line.right)
    y -= _RULE_GAP / 2
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.8)
    canvas.line(left, y, right, y)
    canvas.restoreState()


def _draw_watermarks(canvas: Canvas, header: PageHeader) -> None:
    if not header.watermarks:
        return
    width, height = canvas._pagesize
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.75, 0.75, 0.75, alpha=0.35))
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    size = 96 if len(header.watermarks) == 1 else 72
    for index, word in enumerate(header.watermarks):
        canvas.setFont(SANS_BOLD, size)
        offset = (index - (len(header.watermarks) - 1) / 2) * size * 1.7
        canvas.drawCentredString(0, -offset - size / 3, clean(word))
    canvas.restoreState()


def render(
    story: Sequence[Flowable],
    header: PageHeader,
    *,
    title: str,
    subject: str,
    wide: bool = False,
) -> bytes:
    """Lay the story out on Letter (landscape when ``wide``) and return the PDF bytes."""
    return render_counted(story, header, title=title, subject=subject, wide=wide)[0]


def render_counted(
    story: Sequence[Flowable],
    header: PageHeader,
    *,
    title: str,
    subject: str,
    wide: bool = False,
) -> tuple[bytes, int]:
    """:func:`render`, with the number of pages (to try a tighter layout when it overflows)."""
    register_fonts()
    page = landscape(LETTER) if wide else LETTER
    buffer = BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + header_height(header, page[0]),
        bottomMargin=MARGIN,
        title=clean(title),
        author="Precinct Tally",
        subject=clean(subject),
        creator=clean(f"Precinct Tally {header.app_version}"),
        invariant=1,
        initialFontName=SANS,
    )
    frame = Frame(
        doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body", showBoundary=0
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(list(story), canvasmaker=partial(_HeaderCanvas, header=header))
    return buffer.getvalue(), doc.page


# --- text styles -------------------------------------------------------------------------

BODY = ParagraphStyle("body", fontName=SANS, fontSize=10.5, leading=14)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=9, leading=12)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=10, leading=12.5)
H1 = ParagraphStyle("h1", parent=BODY, fontName=SANS_BOLD, fontSize=16, leading=20, spaceAfter=6)
H2 = ParagraphStyle(
    "h2",
    parent=BODY,
    fontName=SANS_BOLD,
    fontSize=12.5,
    leading=16,
    spaceBefore=12,
    spaceAfter=4,
    keepWithNext=1,
)
H3 = ParagraphStyle(
    "h3", parent=BODY, fontName=SANS_BOLD, fontSize=11, leading=14, spaceBefore=6, keepWithNext=1
)
CONTINUED = ParagraphStyle(
    "continued", parent=BODY, fontName=SANS_BOLD, fontSize=11, leading=14, spaceAfter=4
)
CONTINUED_SMALL = CONTINUED.clone("continued-small", fontSize=9, leading=12)
MONO_STYLE = ParagraphStyle("mono", parent=BODY, fontName=MONO, fontSize=10, leading=13)
CENTER = ParagraphStyle("center", parent=BODY, alignment=TA_CENTER)


def para(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (cleaned and escaped)."""
    return Paragraph(para_text(text, style.fontName), style)


def continues(label: str, style: ParagraphStyle = CONTINUED) -> Flowable:
    """From the next page on, every page begins with "<label> (continued)" (DESIGN §8).

    Put it where the item starts (after its heading); :func:`continued_ends` where it ends. A
    loose continuation page is then never anonymous: it names its contest or document.
    """
    return SetPageTopFlowables([para(f"{label} (continued)", style)])


def continued_ends() -> Flowable:
    """Stop the "(continued)" line that :func:`continues` started."""
    return SetPageTopFlowables([])


def bold(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(f"<b>{para_text(text, SANS_BOLD)}</b>", style)


# --- arithmetic, as the screen shows it ----------------------------------------------------


def side(terms: Sequence[Term]) -> str:
    """The numbers of one side of an equation: ``250 − 2``; a blank term shows "blank"."""
    out = ""
    for index, term in enumerate(terms):
        value = "blank" if term.value is None else str(term.value)
        if index == 0:
            out = value if term.sign > 0 else f"{MINUS}{value}"
        else:
            out += f" {'+' if term.sign > 0 else MINUS} {value}"
    return out or "0"


def election_line(title: str, date: str) -> str:
    return f"{title} — {date}"


def jurisdiction_line(county: str, state: str, date: str) -> str:
    return f"{county}, {state} · Election day {date}"


def precinct_line(label: str, polling_place: str | None) -> str:
    line = f"Precinct {label}"
    return f"{line} · Polling place: {polling_place}" if polling_place else line


def table_style(header_rows: int = 1) -> list[tuple[Any, ...]]:
    """The grid every count table uses: a shaded header, light rules, generous padding."""
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), SANS, 10),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("LINEBELOW", (0, header_rows), (-1, -1), 0.3, RULE),
    ]
    if header_rows:
        style += [
            ("FONT", (0, 0), (-1, header_rows - 1), SANS_BOLD, 9.5),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE),
            ("LINEBELOW", (0, 0), (-1, header_rows - 1), 0.8, INK),
        ]
    return style
