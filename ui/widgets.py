"""Small widgets every page uses: the count field, status badges, equations and findings.

Presentation only: the numbers and verdicts come from the core (findings and equations of
``tally_app.reconcile``); nothing here decides whether something balances.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import QCoreApplication, QEvent, QRegularExpression, Qt, Signal
from PySide6.QtGui import QAccessible, QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QVBoxLayout, QWidget

from tally_app.definition.model import Severity

if TYPE_CHECKING:  # annotations only: the rules load with the first precinct, not at start
    from tally_app.reconcile import Finding, Term

MAX_DIGITS = 7


def tr(text: str) -> str:
    return QCoreApplication.translate("widgets", text)


def announce(widget: QWidget, text: str) -> None:
    """Tell assistive technology about a status change (WCAG 4.1.3), and show it."""
    widget.setAccessibleDescription(text)
    try:
        from PySide6.QtGui import QAccessibleAnnouncementEvent
    except ImportError:  # Qt older than 6.8: the visible text and description still change
        return
    QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(widget, text))


class CountField(QLineEdit):
    """A count: digits only, blank allowed (blank is not zero), no spin box, no wheel.

    Emits ``committed(int | None)`` when the worker commits a changed value with Enter, Tab
    or by leaving the field. Enter also moves to the next field, like Tab. The page saves the
    value through the facade and then calls ``set_stored`` (or ``revert`` on failure).
    """

    committed = Signal(object)

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setValidator(
            QRegularExpressionValidator(QRegularExpression(rf"\d{{0,{MAX_DIGITS}}}"), self)
        )
        self.setAccessibleName(accessible_name)
        self.setPlaceholderText(tr("not entered"))
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setMaxLength(MAX_DIGITS)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("0" * (MAX_DIGITS + 2)))
        self._stored: int | None = None
        self.editingFinished.connect(self._finished)
        self._describe()

    def value(self) -> int | None:
        text = self.text().strip()
        return int(text) if text else None

    @property
    def stored(self) -> int | None:
        return self._stored

    def set_stored(self, value: int | None) -> None:
        """Show what the store holds (without emitting ``committed``)."""
        self._stored = value
        text = "" if value is None else str(value)
        if self.text() != text:
            self.setText(text)
        self._describe()

    def revert(self) -> None:
        self.set_stored(self._stored)

    def _describe(self) -> None:
        self.setAccessibleDescription(tr("not entered") if self._stored is None else "")

    def _finished(self) -> None:
        value = self.value()
        if value != self._stored:
            self.committed.emit(value)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.isAutoRepeat() and event.text().isdigit():
            event.ignore()  # a held-down key must not type 7777777 (VVSG 7.2-M)
            return
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.focusNextChild()  # Enter advances, like Tab


class StatusBadge(QLabel):
    """A status in words and a symbol, with a colour only as a third cue (VVSG 7.1-F)."""

    SYMBOLS: ClassVar[dict[str, str]] = {"ok": "✓", "warn": "⚠", "bad": "✗"}

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAccessibleName(accessible_name)
        self.setTextFormat(Qt.TextFormat.PlainText)

    _shown: tuple[str, str] | None = None

    def show_status(self, kind: str, text: str) -> None:
        shown = self._shown
        if (kind, text) == shown:
            return  # unchanged: no re-polish, no repeated announcement
        self._shown = (kind, text)
        self.setText(f"{self.SYMBOLS[kind]} {text}")
        if shown is None or shown[0] != kind:
            # A new look: re-polish for the [status=…] style rule, and tell the style so
            # that its padding is recomputed for a badge that is already on screen.
            self.setProperty("status", kind)
            self.style().unpolish(self)
            self.style().polish(self)
            QCoreApplication.sendEvent(self, QEvent(QEvent.Type.StyleChange))
        announce(self, text)


def severity_kind(severity: Severity) -> str:
    return {Severity.BLOCK: "bad", Severity.EXPLAIN: "warn", Severity.WARN: "warn"}[severity]


def severity_word(severity: Severity) -> str:
    return {
        Severity.BLOCK: tr("Must be fixed"),
        Severity.EXPLAIN: tr("Needs an explanation"),
        Severity.WARN: tr("Please check"),
    }[severity]


def terms_text(terms: tuple[Term, ...]) -> str:
    """'voted 250 + spoiled 5 + unused 40', blank terms shown as 'not entered'."""
    parts: list[str] = []
    for i, t in enumerate(terms):
        value = tr("not entered") if t.value is None else f"{t.value:,}"
        sign = ("− " if t.sign < 0 else "") if i == 0 else ("− " if t.sign < 0 else "+ ")
        parts.append(f"{sign}{t.label} {value}")
    return " ".join(parts)


def signed(n: int) -> str:
    return f"+{n:,}" if n > 0 else (f"−{-n:,}" if n < 0 else "0")


def finding_text(finding: Finding) -> str:
    """The finding as a worker reads it: verdict, rule, arithmetic and what to do."""
    lines = [f"{severity_word(finding.severity)} ({finding.rule.value}): {finding.message}"]
    if finding.left or finding.right:
        arithmetic = terms_text(finding.left)
        if finding.right:
            arithmetic += f"  vs  {terms_text(finding.right)}"
        if finding.difference is not None:
            arithmetic += "  " + tr("difference {0}").format(signed(finding.difference))
        lines.append(arithmetic)
    return "\n".join(lines)


class FindingList(QFrame):
    """The findings for a page, each a badge with its arithmetic, or a plain 'all checks pass'."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(accessible_name)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._badges: list[StatusBadge] = []

    def show_findings(self, findings: tuple[Finding, ...], *, ok_text: str) -> None:
        for badge in self._badges:
            badge.deleteLater()
        self._badges = []
        if not findings:
            badge = StatusBadge(tr("Check result"), self)
            badge.show_status("ok", ok_text)
            self._add(badge)
            return
        for f in findings:
            badge = StatusBadge(tr("Check {0}").format(f.rule.value), self)
            badge.show_status(severity_kind(f.severity), finding_text(f))
            self._add(badge)

    def _add(self, badge: StatusBadge) -> None:
        self._badges.append(badge)
        self._layout.addWidget(badge)

    def texts(self) -> list[str]:
        return [b.text() for b in self._badges]
