"""Structure and type checks with JSON Schema, turned into `Problem` values.

The validators are compiled once per process, on first use: `jsonschema` is imported here and
nowhere on the start-up path (DESIGN §14), and the embedded default election skips it.
Schemas are read with `importlib.resources`, never from ``../shared``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from tally_app.definition.problems import Problem, json_path

if TYPE_CHECKING:
    # jsonschema ships no type stubs and the project installs none (common.md).
    from jsonschema import ValidationError  # type: ignore[import-untyped]
    from jsonschema.protocols import Validator  # type: ignore[import-untyped]

OWN_SCHEMA = "election-definition.schema.json"
NIST_SCHEMA = "NIST_V2_election_results_reporting.json"
EVENT_LOG_SCHEMA = "NIST_V1_election_event_logging.json"
_MAX_PROBLEMS_PER_FILE = 200  # beyond this a list stops helping anyone


def _read_schema(name: str) -> Any:
    from importlib.resources import files

    return json.loads((files("resources") / "schemas" / name).read_text(encoding="utf-8"))


@cache
def strict_validator(schema_name: str) -> Validator:
    """A draft 2020-12 schema of ours (``resources/schemas``), with real ``format: date``
    checks, where an integer is never written with a decimal point.

    JSON Schema counts 5.0 as an integer; a count or "vote for" written with a decimal
    point is a mistake in a file we read, and floats must never reach the arithmetic.
    """
    from jsonschema import Draft202012Validator, validators  # type: ignore[import-untyped]

    def strict_integer(checker: object, instance: object) -> bool:
        return isinstance(instance, int) and not isinstance(instance, bool)

    types = Draft202012Validator.TYPE_CHECKER.redefine("integer", strict_integer)
    strict = validators.extend(Draft202012Validator, type_checker=types)
    return strict(_read_schema(schema_name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def own_validator() -> Validator:
    """Our definition format's schema."""
    return strict_validator(OWN_SCHEMA)


@cache
def cdf_validator(schema_name: str) -> Validator:
    """A NIST CDF schema (draft-04) with the draft-07 format checker (see CDF_NOTES).

    The checker tests ``date-time`` only because ``rfc3339-validator`` is a dependency;
    a test pins that a time without a zone is refused.
    """
    from jsonschema import Draft4Validator, Draft7Validator  # type: ignore[import-untyped]

    return Draft4Validator(_read_schema(schema_name), format_checker=Draft7Validator.FORMAT_CHECKER)


def nist_validator() -> Validator:
    """NIST ERR CDF v2 (election results reporting)."""
    return cdf_validator(NIST_SCHEMA)


def event_log_validator() -> Validator:
    """NIST SP 1500-101 v1 (election event logging)."""
    return cdf_validator(EVENT_LOG_SCHEMA)


def _sort_key(error: ValidationError) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in error.absolute_path)


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The innermost causes of a ``oneOf``/``anyOf`` failure.

    For a union (a NIST Contest may be any of four classes), the branch that matches the
    object's own ``@type`` is the one the author meant, so its errors are the real ones. For
    "an id or null", the id branch is the one meant.
    """
    if not error.context:
        yield error
        return
    branches: dict[object, list[ValidationError]] = {}
    for sub in error.context:
        key = sub.relative_schema_path[0] if sub.relative_schema_path else 0
        branches.setdefault(key, []).append(sub)
    meant = [
        subs
        for subs in branches.values()
        if not any(
            s.validator in ("enum", "const") and list(s.relative_path) == ["@type"] for s in subs
        )
        and not all(s.validator == "type" and s.validator_value == "null" for s in subs)
    ]
    if len(meant) != 1:
        yield error  # no branch (or several) fits: the object's kind itself is wrong
        return
    for sub in meant[0]:
        yield from _leaves(sub)


def schema_problems(
    validator: Validator, document: Any, *, skip: Iterable[str] = ()
) -> list[Problem]:
    """Every schema error as a Problem, in document order, skipping paths already reported."""
    skipped = set(skip)
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for top in sorted(validator.iter_errors(document), key=_sort_key):
        for error in _leaves(top):
            problem = _to_problem(error)
            if problem.path in skipped or any(
                problem.path.startswith(s + ".") or problem.path.startswith(s + "[")
                for s in skipped
            ):
                continue
            if (problem.path, problem.code) in seen:
                continue
            seen.add((problem.path, problem.code))
            problems.append(problem)
            if len(problems) > _MAX_PROBLEMS_PER_FILE:
                return problems  # the loader cuts the list and says how it was cut
    return problems


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "an object",
    "null": "null",
}


# What a JSON value is, in words; bool before int, since True is an int to Python.
_VALUE_WORDS: tuple[tuple[type, str], ...] = (
    (bool, "true or false"),
    (int, "a whole number"),
    (float, "a number with a decimal point"),
    (str, "text"),
    (list, "a list"),
    (dict, "an object"),
    (type(None), "null"),
)


def _json_type(value: Any) -> str:
    return next(
        (words for kind, words in _VALUE_WORDS if isinstance(value, kind)), "something else"
    )


def _short(value: Any) -> str:
    text = (
        json.dumps(value, ensure_ascii=False, default=str)
        if not isinstance(value, str)
        else repr(value)
    )
    return text if len(text) <= 60 else text[:57] + "..."


_BELOW = frozenset({"minimum", "exclusiveMinimum"})
_ABOVE = frozenset({"maximum", "exclusiveMaximum"})
_ITEMS = frozenset({"minItems", "maxItems"})

# What a schema error says, by validator keyword and (None: any) the field it is about;
# the first row that fits is used. {inst} is the value (shortened), {value} the schema's
# limit and {count} how many items the list has.
_WORDS: tuple[tuple[frozenset[str], str | None, str, str], ...] = (
    (
        _BELOW,
        "vote_for",
        "vote_for_too_small",
        "The number of votes allowed (vote_for) is {inst}, but voters must be allowed at least 1 vote; set it to 1 or more.",
    ),
    (
        _BELOW,
        None,
        "too_small",
        "{inst} is below the smallest allowed value, {value}; fix the value.",
    ),
    (
        _ABOVE,
        "vote_for",
        "vote_for_too_large",
        "The number of votes allowed (vote_for) is {inst}, more than the {value} allowed; check the number of votes allowed.",
    ),
    (
        _ABOVE,
        None,
        "too_large",
        "{inst} is above the largest allowed value, {value}; fix the value.",
    ),
    (
        frozenset({"minItems"}),
        "ballot_style_ids",
        "precinct_without_ballot_style",
        "This precinct has no ballot style; list at least one ballot style id.",
    ),
    (
        _ITEMS,
        "options",
        "measure_needs_two_options",
        "A measure needs exactly two options (yes and no), not {count}; fix the options.",
    ),
    (
        frozenset({"minItems"}),
        None,
        "too_few_items",
        "This list needs at least {value} item(s); add the missing entries.",
    ),
    (
        frozenset({"maxItems"}),
        None,
        "too_many_items",
        "This list has more than the {value} items allowed; split or shorten it.",
    ),
    (
        frozenset({"uniqueItems"}),
        None,
        "duplicate_item",
        "This list names the same id twice; keep each id once.",
    ),
    (frozenset({"pattern"}), "date", "bad_date", "{inst} is not a date; write it as YYYY-MM-DD."),
    (
        frozenset({"pattern"}),
        "state_code",
        "bad_format",
        "{inst} is not a two-letter state code; write e.g. CA.",
    ),
    (
        frozenset({"pattern"}),
        None,
        "bad_id",
        "{inst} is not a valid id; use 1–64 letters, digits, '.', '_' or '-', starting with a letter, digit or '_'.",
    ),
    (frozenset({"minLength"}), None, "empty_text", "This text is empty; fill it in."),
    (
        frozenset({"maxLength"}),
        None,
        "text_too_long",
        "This text is longer than the {value} characters allowed; shorten it.",
    ),
)


def _fill(words: str, inst: Any, value: Any) -> str:
    """``words`` with the value, the limit and the count in, each worked out only if said."""
    return words.format(
        inst=_short(inst) if "{inst}" in words else "",
        value=value,
        count=len(inst) if "{count}" in words else 0,
    )


def _to_problem(error: ValidationError) -> Problem:
    parts: list[str | int] = list(error.absolute_path)
    last = parts[-1] if parts else None
    kind = error.validator
    value = error.validator_value
    inst = error.instance
    if kind == "required":
        missing = next((k for k in value if isinstance(inst, dict) and k not in inst), str(value))
        return Problem(
            json_path([*parts, missing]), "missing", f"The field {missing!r} is missing; add it."
        )
    if kind == "additionalProperties" and isinstance(inst, dict):
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in inst if k not in known)
        if value is False:
            where = json_path([*parts, extra[0]]) if extra else json_path(parts)
            return Problem(
                where,
                "unknown_field",
                f"The field {', '.join(map(repr, extra))} is not part of the format; remove it or check its spelling.",
            )
    if kind == "propertyNames":
        return Problem(
            json_path([*parts, str(inst)]),
            "unknown_rule" if parts[-1:] == ["severities"] else "unknown_field",
            f"{inst!r} is not a known reconciliation rule; use one of A1–A16 (with A4a, no A11).",
        )
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        words = " or ".join(_TYPE_WORDS.get(w, str(w)) for w in wanted)
        return Problem(
            json_path(parts),
            "wrong_type",
            f"This must be {words}, not {_json_type(inst)} ({_short(inst)}); fix the value.",
        )
    if kind in ("enum", "const") and "propertyNames" in error.relative_schema_path:
        return Problem(
            json_path([*parts, str(inst)]),
            "unknown_rule" if last == "severities" else "unknown_field",
            f"{_short(inst)} is not a known reconciliation rule; use one of A1–A16 (with A4a, no A11)."
            if last == "severities"
            else f"{_short(inst)} is not allowed as a key here; remove it.",
        )
    if kind in ("enum", "const"):
        allowed = value if kind == "enum" else [value]
        if parts[-2:-1] == ["severities"]:
            return Problem(
                json_path(parts),
                "unknown_severity",
                f"{_short(inst)} is not a severity; use block, explain or warn.",
            )
        if last == "format":
            return Problem(
                json_path(parts),
                "unknown_format",
                f"{_short(inst)} is not a format this app reads; expected {allowed[0]!r}.",
            )
        if last == "format_version":
            return Problem(
                json_path(parts),
                "unsupported_version",
                f"Format version {_short(inst)} is not supported; this app reads version {allowed[0]}.",
            )
        listed = ", ".join(str(a) for a in allowed[:12]) + (", ..." if len(allowed) > 12 else "")
        return Problem(
            json_path(parts),
            "not_allowed",
            f"{_short(inst)} is not allowed here; use one of: {listed}.",
        )
    for kinds, field, code, words in _WORDS:
        if kind in kinds and field in (None, last):
            return Problem(json_path(parts), code, _fill(words, inst, value))
    if kind == "format" and value in ("date", "date-time"):
        return Problem(
            json_path(parts),
            "bad_date",
            f"{_short(inst)} is not a real {value}; write it as YYYY-MM-DD{'Thh:mm:ss±hh:mm' if value == 'date-time' else ''}.",
        )
    if kind in ("oneOf", "anyOf"):
        kind_name = inst.get("@type") if isinstance(inst, dict) else None
        if kind_name is not None:
            return Problem(
                json_path(parts),
                "wrong_kind",
                f"This object (@type {_short(kind_name)}) is not one of the kinds allowed here; check its @type and fields.",
            )
        return Problem(
            json_path(parts),
            "wrong_type",
            f"{_short(inst)} is not an allowed value here; fix the value.",
        )
    return Problem(json_path(parts), "invalid", f"{error.message[:200]}; fix the value.")
