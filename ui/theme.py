"""Colours, fonts and the focus ring: the default theme and a high-contrast one.

Both are palettes (so every Qt widget follows) plus one small style sheet for what a
palette cannot say: a thick focus ring that is always visible, and the look of status
badges. Text scales from 100 % to 200 % in steps, without clipping (layouts only, no
fixed sizes). Contrast is tested in tests/ui/test_theme.py against WCAG: body text ≥ 10:1
in the default theme (VVSG 7.1-C as the project reads it), ≥ 4.5:1 for any text pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

BASE_POINT_SIZE = 14.0  # 3.59 mm cap height at 96 dpi (usability check 16)
SCALE_STEPS = (1.0, 1.25, 1.5, 1.75, 2.0)


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    window: str
    text: str
    base: str
    alternate: str
    button: str
    button_text: str
    highlight: str
    highlighted_text: str
    placeholder: str
    focus: str  # the focus ring
    border: str  # input borders
    ok: str  # status colours, always paired with a word and a symbol
    warn: str
    bad: str
    status_text: str  # text on the status colours


DEFAULT = Theme(
    name="default",
    window="#f4f4f1",
    text="#141414",
    base="#ffffff",
    alternate="#ecece8",
    button="#e4e4df",
    button_text="#141414",
    highlight="#0b4f8a",
    highlighted_text="#ffffff",
    placeholder="#545454",
    focus="#0b4f8a",
    border="#5c5c5c",
    ok="#d8f0d8",
    warn="#fff0c2",
    bad="#fadbd8",
    status_text="#141414",
)

HIGH_CONTRAST = Theme(
    name="high-contrast",
    window="#000000",
    text="#ffffff",
    base="#000000",
    alternate="#1a1a1a",
    button="#000000",
    button_text="#ffff00",
    highlight="#ffff00",
    highlighted_text="#000000",
    placeholder="#d0d0d0",
    focus="#ffff00",
    border="#ffffff",
    ok="#000000",
    warn="#000000",
    bad="#000000",
    status_text="#ffff00",
)

THEMES = {t.name: t for t in (DEFAULT, HIGH_CONTRAST)}


def palette(theme: Theme) -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: theme.window,
        QPalette.ColorRole.WindowText: theme.text,
        QPalette.ColorRole.Base: theme.base,
        QPalette.ColorRole.AlternateBase: theme.alternate,
        QPalette.ColorRole.Text: theme.text,
        QPalette.ColorRole.Button: theme.button,
        QPalette.ColorRole.ButtonText: theme.button_text,
        QPalette.ColorRole.Highlight: theme.highlight,
        QPalette.ColorRole.HighlightedText: theme.highlighted_text,
        QPalette.ColorRole.PlaceholderText: theme.placeholder,
        QPalette.ColorRole.ToolTipBase: theme.base,
        QPalette.ColorRole.ToolTipText: theme.text,
        QPalette.ColorRole.BrightText: theme.text,
        QPalette.ColorRole.Link: theme.highlight if theme is DEFAULT else theme.focus,
    }
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for role, colour in roles.items():
            p.setColor(group, role, QColor(colour))
    return p


def style_sheet(theme: Theme) -> str:
    """What the palette cannot express: a 3 px focus ring, input borders, status badges."""
    return f"""
QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QListView, QTableView {{
    border: 1px solid {theme.border}; padding: 3px;
}}
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QComboBox:focus,
QListView:focus, QTableView:focus {{
    border: 3px solid {theme.focus}; padding: 1px;
}}
QPushButton {{
    border: 1px solid {theme.border}; border-radius: 4px; padding: 6px 14px;
    background: {theme.button}; color: {theme.button_text};
}}
QPushButton:focus {{ border: 3px solid {theme.focus}; padding: 4px 12px; }}
QPushButton:default {{ font-weight: bold; }}
QPushButton:disabled {{ color: {theme.placeholder}; }}
QCheckBox:focus, QRadioButton:focus {{ border: 2px solid {theme.focus}; }}
QCheckBox::indicator {{
    width: 1em; height: 1em; border: 2px solid {theme.border}; background: {theme.base};
}}
QCheckBox::indicator:checked {{ background: {theme.focus}; image: none; }}
QLabel[status="ok"] {{
    background: {theme.ok}; color: {theme.status_text}; border: 1px solid {theme.border};
    padding: 4px;
}}
QLabel[status="warn"] {{
    background: {theme.warn}; color: {theme.status_text}; border: 2px dashed {theme.border};
    padding: 4px;
}}
QLabel[status="bad"] {{
    background: {theme.bad}; color: {theme.status_text}; border: 3px solid {theme.border};
    padding: 4px;
}}
QLabel[role="heading"] {{ font-weight: bold; }}
"""


def apply(app: QApplication, theme: Theme, scale: float) -> None:
    """Apply a theme and a text scale to the whole application."""
    app.setStyle("Fusion")
    app.setPalette(palette(theme))
    font = QFont(app.font())
    font.setPointSizeF(BASE_POINT_SIZE * scale)
    app.setFont(font)
    # The style sheet is re-set so that widgets re-polish with the new font and colours.
    app.setStyleSheet(style_sheet(theme))
