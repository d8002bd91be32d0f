"""One balance equation of the core, shown live: its words, its numbers and its verdict.

The board sees the arithmetic while it types ("Ballots received 300 = voted ballots 250 +
spoiled ballots 5 + unused ballots 40 = 295") and a verdict in words and a symbol: balanced,
off by a signed difference, or not complete yet. Every number, label and verdict comes from
the core's :class:`~tally_app.reconcile.equations.Equation`; nothing here decides whether an
equation balances. The widget is built once and only its texts change, so redrawing after
each keystroke stays cheap (DESIGN §14: keystroke → saved + checks redrawn in one frame).

Also here, because the ballot-accounting and contest pages show them beside their equations:
:class:`FindingsView` (the other findings, badges reused between redraws), the split of a
page's findings into blanks / an equation's advice / the rest (:func:`sort_findings`), and the
"ask first" box for "Fill the rest with 0" and removals (:func:`ask`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import QFrame, QLabel, QMessageBox, QSizePolicy, QVBoxLayout, QWidget

from tally_app.definition.model import RuleId
from tally_app.reconcile import Finding, Term
from tally_app.reconcile.equations import Balance, Equation
from ui.widgets import StatusBadge, finding_text, severity_kind, signed, terms_text


def tr(text: str) -> str:
    return QCoreApplication.translate("EquationView", text)


class VerdictBadge(StatusBadge):
    """A StatusBadge that also knows 'not complete yet' (an ellipsis, no colour of its own)."""

    SYMBOLS: ClassVar[dict[str, str]] = {**StatusBadge.SYMBOLS, "todo": "…"}


def side_text(terms: tuple[Term, ...], total: int | None) -> str:
    """One side of an equation: its terms, and their total when there is more than one term."""
    text = terms_text(terms)
    if len(terms) > 1 and total is not None:
        text += f" = {total:,}"
    return text


def equation_text(equation: Equation) -> str:
    """'Ballots received 300 = voted ballots 250 + spoiled ballots 5 + unused ballots 40 = 295'."""
    text = side_text(equation.left, equation.left_total) + " = "
    text += side_text(equation.right, equation.right_total)
    return text[:1].upper() + text[1:]


def verdict(equation: Equation) -> tuple[str, str]:
    """The badge kind and words for where the equation stands."""
    match equation.balance:
        case Balance.BALANCED:
            return "ok", tr("Balanced")
        case Balance.OFF:
            assert equation.difference is not None
            return "bad", tr("Does not balance: difference {0}").format(signed(equation.difference))
        case _:
            return "todo", tr("Not complete: enter the blank boxes")


class WrappedText(QWidget):
    """Word-wrapped plain text that repaints, but re-lays out the page only when its height
    changes.

    A word-wrapped QLabel asks every enclosing layout to recompute on each ``setText``; for
    the 26 terms of a primary contest's A4 that alone cost more than a frame per keystroke.
    Here a new text of the same height is only repainted. Screen readers get the text as the
    widget's accessible description.
    """

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self._text = ""
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._height = self.heightForWidth(self.width())

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self.setAccessibleDescription(text)
        height = self.heightForWidth(self.width())
        if height != self._height:
            self._height = height
            self.updateGeometry()
        self.update()

    def _bounds(self, width: int) -> QRect:
        flags = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft
        return self.fontMetrics().boundingRect(
            QRect(0, 0, max(width, 1), 1_000_000), flags, self._text
        )

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return max(self._bounds(width).height(), self.fontMetrics().height())

    def sizeHint(self) -> QSize:
        width = max(self.width(), self.fontMetrics().averageCharWidth() * 40)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().averageCharWidth() * 20, self.fontMetrics().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        height = self.heightForWidth(event.size().width())
        if height != self._height:
            self._height = height
            self.updateGeometry()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._height = -1
            self.updateGeometry()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        flags = Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        painter.drawText(self.rect(), flags, self._text)


class EquationView(QFrame):
    """A titled equation with its numbers, its verdict and (when off) what to recount."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(title)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.heading = QLabel(title, self)
        self.heading.setProperty("role", "heading")
        self.heading.setWordWrap(True)
        self.arithmetic = WrappedText(tr("{0}: the arithmetic").format(title), self)
        self.badge = VerdictBadge(tr("{0}: result").format(title), self)
        self.advice = QLabel(self)
        self.advice.setWordWrap(True)
        self.advice.setTextFormat(Qt.TextFormat.PlainText)
        self.advice.setAccessibleName(tr("{0}: what to do").format(title))
        self.advice.hide()
        for w in (self.heading, self.arithmetic, self.badge, self.advice):
            layout.addWidget(w)
        self._shown: tuple[str, str, str, str] | None = None

    def show_equation(self, equation: Equation, advice: str = "") -> None:
        """Show the equation; ``advice`` is the core's message of the matching finding."""
        kind, words = verdict(equation)
        arithmetic = equation_text(equation)
        advice = advice if equation.balance is Balance.OFF else ""
        shown = (arithmetic, kind, words, advice)
        if shown == self._shown:
            return  # nothing changed: no relayout, no repeated announcement
        self._shown = shown
        self.arithmetic.setText(arithmetic)
        self.badge.show_status(kind, words)
        self.advice.setText(advice)
        self.advice.setVisible(bool(advice))

    def text(self) -> str:
        """Everything the view shows, as one string (for tests and screen-reader summaries)."""
        parts = [self.heading.text(), self.arithmetic.text(), self.badge.text()]
        if self.advice.text():
            parts.append(self.advice.text())
        return "\n".join(parts)


class FindingsView(QWidget):
    """A page's findings, each a badge with its arithmetic, or one "all pass" badge.

    Like ui.widgets.FindingList, but its badges are reused from one redraw to the next (only
    texts change), so a redraw after each keystroke creates no widgets and nothing flickers.
    It places its badges itself, without a QLayout: showing a widget synchronously
    re-activates the layout of every ancestor that has one, up to the window (about 3 ms each
    with all the pages in the window), while here a redraw asks for at most one re-layout,
    and only when the total height changed.
    """

    SPACING = 6

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._badges: list[VerdictBadge] = []
        self._count = 0
        self._height = -1

    def show_findings(self, findings: tuple[Finding, ...], *, ok_text: str) -> None:
        shown = (
            [("ok", ok_text, tr("Check result"))]
            if not findings
            else [
                (severity_kind(f.severity), finding_text(f), tr("Check {0}").format(f.rule.value))
                for f in findings
            ]
        )
        while len(self._badges) < len(shown):
            badge = VerdictBadge("", self)
            badge.installEventFilter(self)
            self._badges.append(badge)
        for i, badge in enumerate(self._badges):
            if i < len(shown):
                kind, text, name = shown[i]
                badge.show_status(kind, text)
                badge.setAccessibleName(name)
            if badge.isHidden() == (i < len(shown)):
                badge.setVisible(i < len(shown))
        self._count = len(shown)
        self._place()

    def texts(self) -> list[str]:
        return [b.text() for b in self._badges[: self._count]]

    def _shown(self) -> list[VerdictBadge]:
        return self._badges[: self._count]

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        badges = self._shown()
        heights = sum(b.heightForWidth(width) for b in badges)
        return heights + self.SPACING * max(0, len(badges) - 1)

    def sizeHint(self) -> QSize:
        width = max(self.width(), self.fontMetrics().averageCharWidth() * 40)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().averageCharWidth() * 20, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place()

    def event(self, event: QEvent) -> bool:
        # A badge's size hint changed (new text size, new style): it asks its parent, which
        # has no layout, for a re-layout; re-place the badges and pass the request up.
        if event.type() in (
            QEvent.Type.LayoutRequest,
            QEvent.Type.FontChange,
            QEvent.Type.StyleChange,
        ):
            self._height = -1
            self._place()
        return super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A badge's new font or style changes its height: say so at once, as a layout would,
        # so that the page is laid out again before it is next shown.
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._height = -1
            self.updateGeometry()
        return False

    def _place(self) -> None:
        """Stack the shown badges at the current width; ask for a re-layout if the height
        changed."""
        width, y = self.width(), 0
        for badge in self._shown():
            height = badge.heightForWidth(width)
            badge.setGeometry(0, y, width, height)
            y += height + self.SPACING
        total = self.heightForWidth(width)
        if total != self._height:
            self._height = total
            self.updateGeometry()


# --- what the pages show beside their equations -------------------------------------------

BLANK_CODE = "a8_blank"  # A8 "this box is blank": shown as a count, not one finding per box


@dataclass(frozen=True, slots=True)
class SortedFindings:
    """A page's findings, sorted for display: blanks counted, equations' advice, the rest."""

    blanks: int
    advice: Mapping[tuple[RuleId, str], str]  # the message of an equation's finding
    others: tuple[Finding, ...]


def sort_findings(findings: Iterable[Finding], equations: Iterable[Equation]) -> SortedFindings:
    """Split findings: A8 blanks are counted, an equation's finding becomes its advice."""
    shown = {(e.rule, e.subject, e.sheet) for e in equations}
    blanks = 0
    advice: dict[tuple[RuleId, str], str] = {}
    others: list[Finding] = []
    for f in findings:
        if f.code == BLANK_CODE:
            blanks += 1
        elif (f.rule, f.subject, f.sheet) in shown:
            advice.setdefault((f.rule, f.subject), f.message)
        else:
            others.append(f)
    return SortedFindings(blanks, MappingProxyType(advice), tuple(others))


def advice_for(sorted_findings: SortedFindings, equation: Equation) -> str:
    return sorted_findings.advice.get((equation.rule, equation.subject), "")


def blank_text(blanks: int) -> str:
    if blanks == 0:
        return tr("Every box is filled in.")
    if blanks == 1:
        return tr("1 box is still empty. Type its number, or 0 if there were none.")
    return tr("{0} boxes are still empty. Type their numbers, or 0 where there were none.").format(
        blanks
    )


def equation_title(equation: Equation, what: str) -> str:
    """'Check A1 (R = V + S + U): ballots received, ballot style 2'."""
    return tr("Check {0} ({1}): {2}").format(equation.rule.value, equation.equation, what)


def settle_layout() -> None:
    """Run the pending re-layouts now, before the page is first painted.

    A page shown after the text size changed while it was hidden is laid out over a few
    turns of the event loop (word-wrapped text reports its new height one level at a time);
    running them here means the first paint is already right, with nothing squeezed.
    """
    for _ in range(4):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def ask(parent: QWidget, question: str, text: str, yes: str) -> bool:
    """Ask before an action that cannot be undone by a keystroke; "No" is the default."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(question)
    box.setText(question)
    box.setInformativeText(text)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    no_button = box.addButton(tr("No"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no_button)
    box.setEscapeButton(no_button)
    box.exec()
    return box.clickedButton() is yes_button


def ask_fill_with_zero(parent: QWidget, blanks: int) -> bool:
    question = (
        tr("Fill 1 empty box with 0?")
        if blanks == 1
        else tr("Fill {0} empty boxes with 0?").format(blanks)
    )
    return ask(
        parent,
        question,
        tr(
            "Only the empty boxes on this page get 0. The numbers already typed stay as they"
            " are. Do this only when the board counted none for those lines."
        ),
        tr("Yes, fill with 0"),
    )
