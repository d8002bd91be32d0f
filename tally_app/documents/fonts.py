"""The embedded fonts of every document, and the text clean-up each string goes through.

DejaVu Sans (TrueType outlines, shipped in ``resources/fonts`` with its licence) is registered
with reportlab as a subset-embedded ``TTFont``, so names such as "José Gómez" render on any
viewer (DESIGN §8). Two facts of reportlab shape this module:

- text must be NFC-normalised first: a decomposed "é" (e + combining accent) is drawn as two
  glyphs that do not compose;
- a character the font lacks is silently left out of the page. :func:`clean` therefore checks
  every character against the font's character map and replaces one it cannot draw with a
  visible code point such as ``[U+5F20]``, so the paper never shows a name with letters
  quietly missing (DejaVu has no CJK). :func:`missing_characters` lets a caller warn first.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib.resources import as_file, files

SANS = "TallySans"
SANS_BOLD = "TallySans-Bold"
MONO = "TallyMono"

_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
}

# Characters that are layout, not glyphs: reportlab handles them without the font.
_LAYOUT = frozenset("\n\t")


@cache
def register_fonts() -> None:
    """Register the three fonts with reportlab once per process (later calls do nothing)."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = files("resources").joinpath("fonts")
    for name, file_name in _FILES.items():
        with as_file(folder.joinpath(file_name)) as path:
            pdfmetrics.registerFont(TTFont(name, str(path)))
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, SANS_BOLD)
    addMapping(SANS, 0, 1, SANS)
    addMapping(SANS, 1, 1, SANS_BOLD)


@cache
def _covered(font_name: str) -> frozenset[int]:
    """The code points the font has a glyph for."""
    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    font = pdfmetrics.getFont(font_name)
    return frozenset(font.face.charToGlyph)  # type: ignore[attr-defined]


def missing_characters(text: str, font_name: str = SANS) -> tuple[str, ...]:
    """The distinct characters of ``text`` (after NFC) that the font cannot draw, in order."""
    covered = _covered(font_name)
    seen: dict[str, None] = {}
    for ch in unicodedata.normalize("NFC", text):
        if ch not in _LAYOUT and ord(ch) not in covered:
            seen.setdefault(ch, None)
    return tuple(seen)


def clean(text: str, font_name: str = SANS) -> str:
    """NFC-normalise ``text`` and replace each character the font lacks with ``[U+XXXX]``.

    Every string drawn on a document goes through here (or through :func:`para_text`).
    """
    text = unicodedata.normalize("NFC", text)
    missing = set(missing_characters(text, font_name))
    if not missing:
        return text
    return "".join(f"[U+{ord(ch):04X}]" if ch in missing else ch for ch in text)


def para_text(text: str, font_name: str = SANS) -> str:
    """:func:`clean`, then escaped for a platypus ``Paragraph`` (which reads mini-markup)."""
    from xml.sax.saxutils import escape

    return escape(clean(text, font_name))
