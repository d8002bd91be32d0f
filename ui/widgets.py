"""Small widgets every page uses: the count field, text fields and buttons that Enter moves
on or presses, headings, button rows, status badges, equations and findings.

Presentation only: the numbers and verdicts come from the core (findings and equations of
``tally_app.reconcile``); nothing here decides whether something balances.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from typing import TYPE_CHECKING, ClassVar

from PySide6.QtCore import QCoreApplication, QEvent, QRegularExpression, Qt, Signal
from PySide6.QtGui import QAccessible, QKeyEvent, QRegularExpressionValidator, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

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


def heading(text: str, parent: QWidget) -> QLabel:
    """A section heading: bold by the theme's ``role="heading"`` rule, wrapping at large text."""
    label = QLabel(text, parent)
    label.setProperty("role", "heading")
    label.setWordWrap(True)
    return label


def button_row(*buttons: QPushButton) -> QHBoxLayout:
    """Buttons side by side at the left of a row, the spare width after them.

    None is auto-default: that style turns a focused button's text bold, and the wider text
    would be clipped; Enter presses a button only where the button says so (EnterButton).
    """
    row = QHBoxLayout()
    for button in buttons:
        button.setAutoDefault(False)
        row.addWidget(button)
    row.addStretch(1)
    return row


def chain_tab_order(widgets: Iterable[QWidget]) -> None:
    """Tab goes through ``widgets`` in the order given (Qt's default is creation order)."""
    for before, after in pairwise(widgets):
        QWidget.setTabOrder(before, after)


class EnterButton(QPushButton):
    """Space or Enter presses it (a held-down Enter does not press it again), without being
    an auto-default button (put it in a button_row, which says why)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.isAutoRepeat():
            self.click()
            return
        super().keyPressEvent(event)


class AdvancingLineEdit(QLineEdit):
    """A text field that Enter commits (editingFinished) and then moves on from, to the next
    control, like Tab and like a count field."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.focusNextChild()


class CountField(QLineEdit):
    """A count: digits only, blank allowed (blank is not zero), no spin box, no wheel.

    Emits ``committed(int | None)`` when the worker commits a changed value with Enter, Tab
    or by leaving the field. Enter also moves to the next field, like Tab. The page saves the
    value through the facade and then calls ``set_stored`` on success, or ``mark_unsaved`` on
    failure: a failed save must never look saved, so the typed text stays, the field says
    "✗ not saved" (in words, to the eye and to assistive technology) and takes the cursor
    back. ``revert`` is only for a worker who chooses to go back to the stored value.
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
        self._stored: int | None = None
        self._unsaved = False
        # Inside the field, left of the right-aligned digits: the mark travels with the field
        # on every page without changing the page's layout.
        self._marker = QLabel(tr("✗ not saved"), self)
        self._marker.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._marker.hide()
        self._fit()
        self.editingFinished.connect(self._finished)
        self._describe()

    def value(self) -> int | None:
        text = self.text().strip()
        return int(text) if text else None

    @property
    def stored(self) -> int | None:
        return self._stored

    @property
    def is_unsaved(self) -> bool:
        """Whether the field shows a typed value that the store does not hold."""
        return self._unsaved

    def set_stored(self, value: int | None) -> None:
        """Show what the store holds (without emitting ``committed``).

        A field marked unsaved keeps the worker's typed text, unless the store now holds
        exactly that value: a redraw must never wipe a number that could not be saved.
        """
        self._stored = value
        if self._unsaved and self.value() != value:
            self._describe()
            return
        text = "" if value is None else str(value)
        if self.text() != text:
            self.setText(text)
        self._set_unsaved(False)

    def revert(self) -> None:
        """Go back to the stored value (the worker's choice; never after a failed save)."""
        self._set_unsaved(False)
        self.set_stored(self._stored)

    def mark_unsaved(self) -> None:
        """The page could not save the typed value: keep it, say so, take the cursor back.

        The window, when it has a ``field_save_state`` method, names the field and the
        value in its header.
        """
        self._set_unsaved(True)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _set_unsaved(self, unsaved: bool) -> None:
        changed = unsaved != self._unsaved
        self._unsaved = unsaved
        self._marker.setVisible(unsaved)
        self._fit()
        self._describe()
        if unsaved:
            announce(self, tr("not saved"))
        if changed or unsaved:
            hook = getattr(self.window(), "field_save_state", None)
            if callable(hook):
                hook(self)

    def _fit(self) -> None:
        """Room for the digits, and for the "not saved" mark while it shows."""
        digits = self.fontMetrics().horizontalAdvance("0" * (MAX_DIGITS + 2))
        mark = 0
        if self._unsaved:
            self._marker.adjustSize()
            mark = self._marker.sizeHint().width() + self.fontMetrics().horizontalAdvance("0")
        self.setTextMargins(mark, 0, 0, 0)
        self.setMinimumWidth(digits + mark)
        self._place_marker()

    def _place_marker(self) -> None:
        hint = self._marker.sizeHint()
        margin = self.fontMetrics().horizontalAdvance("0") // 2 + 3
        self._marker.setGeometry(
            margin, max(0, (self.height() - hint.height()) // 2), hint.width(), hint.height()
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_marker()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()

    def _describe(self) -> None:
        if self._unsaved:
            self.setAccessibleDescription(tr("not saved"))
        else:
            self.setAccessibleDescription(tr("not entered") if self._stored is None else "")

    def _finished(self) -> None:
        value = self.value()
        if value != self._stored:
            self.committed.emit(value)
        elif self._unsaved:
            self._set_unsaved(False)  # the worker typed back what the store holds

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.isAutoRepeat() and event.text().isdigit():
            event.ignore()  # a held-down key must not type 7777777 (VVSG 7.2-M)
            return
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self._unsaved:
            self.focusNextChild()  # Enter advances, like Tab; not past a value not saved


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
