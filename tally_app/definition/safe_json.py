"""Turning untrusted bytes into plain JSON values, refusing what Python's ``json`` lets through.

Definition files come from USB drives and e-mail: they may be empty, truncated, binary, huge or
built to crash a parser. ``json.loads`` alone would accept NaN and Infinity, keep only the last
of two equal keys, and raise ``RecursionError`` on deep nesting. Here every one of those becomes a
`Problem` with a path, and nothing raises.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from tally_app.definition.problems import Problem, json_path

MAX_BYTES = 10 * 1024 * 1024  # DESIGN §3: a definition over 10 MB is refused unread
MAX_DEPTH = 64  # far deeper than any definition needs; far below Python's recursion limit
MAX_NUMBER_DIGITS = 30  # no count or id in a definition has more digits than this

_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff")  # UTF-16/32 (UTF-32 LE starts with FF FE too)
# A JSON string, or an unterminated one up to the end of the text. The possessive quantifiers
# never backtrack, so every match succeeds in one pass and the scan stays linear even for
# text built to be hostile (a lone quote followed by megabytes of \").
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


@dataclass(frozen=True, slots=True)
class _NonFinite:
    """Stands in for NaN/Infinity so the walk can report where it was."""

    literal: str


class _Object(dict[str, Any]):
    """A JSON object that remembers which keys appeared more than once."""

    duplicate_keys: tuple[str, ...] = ()


class _NumberTooLong(ValueError):
    pass


def _object_pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dups: list[str] = []
        for key, _ in pairs:
            if key in seen and key not in dups:
                dups.append(key)
            seen.add(key)
        obj.duplicate_keys = tuple(dups)
    return obj


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _NumberTooLong(text)
    return int(text)


def _parse_float(text: str) -> float | _NonFinite:
    if len(text) > MAX_NUMBER_DIGITS * 3:
        raise _NumberTooLong(text)
    value = float(text)
    return value if math.isfinite(value) else _NonFinite(text)  # 1e999 overflows to inf


def max_depth(text: str) -> int:
    """The deepest nesting of arrays and objects, ignoring brackets inside strings."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(_DEPTH_STEP[c] for c in brackets), default=0)


def parse_json(data: bytes) -> tuple[Any, tuple[Problem, ...]]:
    """Parse bytes already known to be at most `MAX_BYTES`: (value, ()) or (None, problems).

    A value is returned together with problems when the text is JSON but holds NaN/Infinity,
    repeated keys or unpaired surrogates: the caller still validates the rest so that every
    problem is listed at once. Such a value contains stand-ins and must not be built into a
    definition.
    """
    data = data.removeprefix(_UTF8_BOM)
    if not data.strip():
        return None, (
            Problem(
                "$",
                "empty",
                "The file is empty; choose the election definition file the county sent.",
            ),
        )
    if data.startswith(_OTHER_BOMS):
        return None, (
            Problem(
                "$",
                "not_utf8",
                "The file is in UTF-16 or UTF-32, not UTF-8; save it as UTF-8 and load it again.",
            ),
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, (
            Problem(
                "$",
                "not_utf8",
                f"The file is not UTF-8 text (bad byte at offset {exc.start}); "
                "it may be a different kind of file — choose the JSON election definition.",
            ),
        )
    depth = max_depth(text)
    if depth > MAX_DEPTH:
        return None, (
            Problem(
                "$",
                "too_deep",
                f"The file nests arrays or objects {depth} levels deep, more than the {MAX_DEPTH} "
                "allowed; it is not an election definition — choose the file the county sent.",
            ),
        )
    suspect: list[bool] = []  # set by the hooks: only then is the whole tree walked

    def constant(literal: str) -> _NonFinite:
        suspect.append(True)
        return _NonFinite(literal)

    def pairs(items: list[tuple[str, Any]]) -> _Object:
        obj = _object_pairs(items)
        if obj.duplicate_keys:
            suspect.append(True)
        return obj

    def number(literal: str) -> float | _NonFinite:
        value = _parse_float(literal)
        if isinstance(value, _NonFinite):
            suspect.append(True)
        return value

    try:
        value = json.loads(
            text,
            object_pairs_hook=pairs,
            parse_constant=constant,
            parse_int=_parse_int,
            parse_float=number,
        )
    except _NumberTooLong as exc:
        return None, (
            Problem(
                "$",
                "number_too_long",
                f"The file holds a number with {len(str(exc))} characters, far more than any "
                "election definition needs; check that this is the right file.",
            ),
        )
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            msg = f"The file ends too early ({where}): it is cut off; copy it again from the original."
            return None, (Problem("$", "truncated", msg),)
        return None, (
            Problem(
                "$",
                "not_json",
                f"The file is not valid JSON ({exc.msg} at {where}); "
                "choose the election definition file or fix it there.",
            ),
        )
    except (ValueError, RecursionError) as exc:  # belt and braces: never a traceback
        return None, (
            Problem(
                "$",
                "not_json",
                f"The file could not be read as JSON ({exc}); check that it is the right file.",
            ),
        )
    if not suspect and not _ESCAPED_SURROGATE.search(text):
        return value, ()
    return value, tuple(_walk_problems(value, []))


def _walk_problems(value: Any, parts: list[str | int]) -> Iterator[Problem]:
    if isinstance(value, _NonFinite):
        yield Problem(
            json_path(parts),
            "not_a_number",
            f"{value.literal} is not a number a definition can hold; write a finite number.",
        )
    elif isinstance(value, str):
        if _SURROGATE.search(value):
            yield Problem(
                json_path(parts),
                "bad_text",
                "This text holds an unpaired \\u surrogate escape, which is not a character; "
                "fix the text.",
            )
    elif isinstance(value, dict):
        for key in getattr(value, "duplicate_keys", ()):
            yield Problem(
                json_path([*parts, key]),
                "duplicate_key",
                f"The key {key!r} appears more than once in the same object; keep only one.",
            )
        for key, item in value.items():
            if _SURROGATE.search(key):
                yield Problem(
                    json_path(parts),
                    "bad_text",
                    "A key holds an unpaired \\u surrogate escape; fix the key.",
                )
            yield from _walk_problems(item, [*parts, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_problems(item, [*parts, index])
