"""Whole numbers in English words, as a tally sheet writes a total beside its figures.

"one hundred forty" (no "and", the American form election forms use). Written here because
the rule is short and a dependency such as num2words would be the only reason to add one.
"""

from __future__ import annotations

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand"))


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = [f"{_ONES[hundreds]} hundred"] if hundreds else []
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        parts.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest or not parts:
        parts.append(_ONES[rest])
    return " ".join(parts)


def in_words(n: int) -> str:
    """``in_words(140) == "one hundred forty"``; ``in_words(0) == "zero"``.

    Raises ValueError for a negative number: no count on a tally sheet is below zero.
    """
    if n < 0:
        raise ValueError(f"a count cannot be negative: {n}")
    if n < 1000:
        return _below_thousand(n)
    parts = []
    for size, name in _SCALES:
        if n >= size:
            count, n = divmod(n, size)
            parts.append(f"{in_words(count)} {name}")
    if n:
        parts.append(_below_thousand(n))
    return " ".join(parts)
