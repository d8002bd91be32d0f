"""Numbers in words and the font checks every document's text goes through."""

from __future__ import annotations

import unicodedata

import pytest

from tally_app.documents.fonts import MONO, clean, missing_characters
from tally_app.documents.words import in_words


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (11, "eleven"),
        (13, "thirteen"),
        (15, "fifteen"),
        (19, "nineteen"),
        (20, "twenty"),
        (21, "twenty-one"),
        (100, "one hundred"),
        (110, "one hundred ten"),
        (140, "one hundred forty"),
        (247, "two hundred forty-seven"),
        (1000, "one thousand"),
        (1005, "one thousand five"),
        (12_345, "twelve thousand three hundred forty-five"),
        (25_569, "twenty-five thousand five hundred sixty-nine"),
        (100_000, "one hundred thousand"),
        (1_000_000, "one million"),
        (1_000_001, "one million one"),
        (2_000_000_015, "two billion fifteen"),
    ],
)
def test_in_words(n: int, words: str) -> None:
    assert in_words(n) == words


def test_in_words_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="negative"):
        in_words(-1)


def test_text_is_nfc_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "José Gómez Ñ")
    assert decomposed != "José Gómez Ñ"
    assert clean(decomposed) == "José Gómez Ñ"
    assert missing_characters(decomposed) == ()


def test_characters_the_font_lacks_are_shown_as_code_points() -> None:
    assert missing_characters("张伟 Ñ") == ("张", "伟")
    assert clean("张伟 Ñ") == "[U+5F20][U+4F1F] Ñ"
    assert clean("Σ × − ≠ §", MONO) == "Σ × − ≠ §"
