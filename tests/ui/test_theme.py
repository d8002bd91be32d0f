"""Colour contrast of both themes (usability checks 12–14), measured with the WCAG formula."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from ui import theme


def _lin(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: QColor) -> float:
    return (
        0.2126 * _lin(colour.red()) + 0.7152 * _lin(colour.green()) + 0.0722 * _lin(colour.blue())
    )


def ratio(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


R = QPalette.ColorRole
TEXT_PAIRS = [
    (R.WindowText, R.Window),
    (R.Text, R.Base),
    (R.ButtonText, R.Button),
    (R.HighlightedText, R.Highlight),
    (R.PlaceholderText, R.Base),
    (R.ToolTipText, R.ToolTipBase),
]


@pytest.mark.parametrize("t", [theme.DEFAULT, theme.HIGH_CONTRAST], ids=lambda t: t.name)
def test_every_text_pair_reaches_4_5(qapp: object, t: theme.Theme) -> None:
    p = theme.palette(t)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for fg, bg in TEXT_PAIRS:
            assert ratio(p.color(group, fg), p.color(group, bg)) >= 4.5, (t.name, fg, bg)
    for status in (t.ok, t.warn, t.bad):
        assert ratio(QColor(t.status_text), QColor(status)) >= 4.5


def test_default_body_text_reaches_10(qapp: object) -> None:
    p = theme.palette(theme.DEFAULT)
    assert ratio(p.color(R.WindowText), p.color(R.Window)) >= 10
    assert ratio(p.color(R.Text), p.color(R.Base)) >= 10


def test_high_contrast_meets_vvsg_7_1_d(qapp: object) -> None:
    t = theme.HIGH_CONTRAST
    assert ratio(QColor(t.text), QColor(t.window)) >= 18  # white on black
    assert ratio(QColor(t.button_text), QColor(t.button)) >= 17.5  # yellow on black


@pytest.mark.parametrize("t", [theme.DEFAULT, theme.HIGH_CONTRAST], ids=lambda t: t.name)
def test_focus_ring_and_borders_reach_3(qapp: object, t: theme.Theme) -> None:
    for bg in (t.window, t.base):
        assert ratio(QColor(t.focus), QColor(bg)) >= 3
        assert ratio(QColor(t.border), QColor(bg)) >= 3
