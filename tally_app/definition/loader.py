"""The one way to get an `ElectionDefinition`: from bytes or a file, fully checked.

Parse once, at the boundary (DESIGN §3): the result is a valid, immutable definition carrying the
SHA-256 of the exact bytes, or every problem found, each with its JSON path. A half-valid
definition never exists in memory. Nothing here raises for bad input: a missing file, a folder,
10 GB of zeros or 100,000 ``[`` all become problems.

Formats are told apart by content: our own (``"format": "precinct-tally/election-definition"``)
or a NIST ERR CDF v2 report (``"@type": "ElectionResults.ElectionReport"``, which must have
``Status: "pre-election"``).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from tally_app.bounded_read import UnsafeFile, read_limited
from tally_app.definition.own_format import FORMAT_NAME, FORMAT_VERSION, build, semantic_problems
from tally_app.definition.problems import LoadResult, Problem
from tally_app.definition.safe_json import MAX_BYTES, parse_json

__all__ = [
    "MAX_BYTES",
    "LoadResult",
    "Problem",
    "load_definition_bytes",
    "load_definition_file",
    "load_trusted_bytes",
]

_MB = 1024 * 1024


MAX_PROBLEMS = 200  # a longer list helps nobody: fix these first


def _fail(source: str, *problems: Problem) -> LoadResult:
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = (
            *problems[:MAX_PROBLEMS],
            Problem(
                "$",
                "too_many_problems",
                f"{more} more problem(s) are not listed; fix these and check the file again.",
            ),
        )
    return LoadResult(None, tuple(problems), source)


def _too_large(size: int) -> Problem:
    return Problem(
        "$",
        "too_large",
        f"The file is {size / _MB:.1f} MB, more than the {MAX_BYTES // _MB} MB a definition may be; "
        "check that it is the election definition the county sent.",
    )


def load_definition_bytes(data: bytes, *, source: str = "") -> LoadResult:
    """Check ``data`` completely: a definition, or every problem with its JSON path."""
    if len(data) > MAX_BYTES:
        return _fail(source, _too_large(len(data)))
    document, found = parse_json(data)
    if document is None:
        return _fail(source, *found)
    if not isinstance(document, dict):
        return _fail(
            source,
            Problem(
                "$",
                "wrong_type",
                "The file holds a JSON value that is not an object, so it is not an election "
                "definition; choose the definition file.",
            ),
        )
    fingerprint = hashlib.sha256(data).hexdigest()
    from tally_app.definition.nist_import import import_problems_and_definition, is_nist_report

    if is_nist_report(document):
        definition, problems = import_problems_and_definition(
            document, fingerprint=fingerprint, source_bytes=bytes(data), already=list(found)
        )
        return LoadResult(definition, (), source) if definition else _fail(source, *problems)
    if "format" not in document:
        return _fail(
            source,
            Problem(
                "$",
                "unknown_format",
                'The file is JSON but neither a Precinct Tally definition (no "format" field) nor '
                "a NIST ERR CDF v2 report; choose the election definition file.",
            ),
        )
    header = _header_problem(document)
    if header is not None:
        return _fail(source, header)
    return _load_own(document, found, fingerprint, data, source)


def _header_problem(document: dict[str, Any]) -> Problem | None:
    """A wrong format or version makes every other message noise: report it alone."""
    fmt, version = document.get("format"), document.get("format_version")
    if fmt != FORMAT_NAME:
        return Problem(
            "$.format",
            "unknown_format",
            f"The format {fmt!r} is not one this app reads; expected {FORMAT_NAME!r}.",
        )
    if version != FORMAT_VERSION or isinstance(version, bool):
        return Problem(
            "$.format_version",
            "unsupported_version",
            f"Format version {version!r} is not supported; this app reads version "
            f"{FORMAT_VERSION} — ask the county for a file made for it.",
        )
    return None


def _load_own(
    document: dict[str, Any], found: tuple[Problem, ...], fingerprint: str, data: bytes, source: str
) -> LoadResult:
    from tally_app.definition.schema_check import own_validator, schema_problems

    skip = [p.path for p in found]
    problems = list(found)
    problems.extend(schema_problems(own_validator(), document, skip=skip))
    reported = {(p.path, p.code) for p in problems}
    problems.extend(
        p
        for p in semantic_problems(document)
        if p.path not in skip and (p.path, p.code) not in reported
    )
    if problems:
        return _fail(source, *problems)
    definition = build(document, fingerprint=fingerprint, source_bytes=bytes(data))
    return LoadResult(definition, (), source)


def load_trusted_bytes(data: bytes, *, source: str = "") -> LoadResult:
    """Load one of our own files shipped inside the app, without the JSON Schema pass.

    The start-up path must not import ``jsonschema`` (DESIGN §14). The shipped files are checked
    by the full `load_definition_bytes` in the test suite; here the JSON boundary and the
    semantic checks still run, so a damaged install still gives problems, not a bad definition.
    """
    document, found = parse_json(data)
    if document is None or found:
        return _fail(source, *found)
    if not isinstance(document, dict) or _header_problem(document) is not None:
        return load_definition_bytes(data, source=source)
    problems = semantic_problems(document)
    if problems:
        return _fail(source, *problems)
    try:
        definition = build(
            document, fingerprint=hashlib.sha256(data).hexdigest(), source_bytes=bytes(data)
        )
    except (KeyError, TypeError, ValueError):
        return load_definition_bytes(data, source=source)  # lists what is wrong, precisely
    return LoadResult(definition, (), source)


def load_definition_file(path: str | os.PathLike[str]) -> LoadResult:
    """Read at most `MAX_BYTES` of a regular file (the size is checked before reading) and load it."""
    source = os.fsdecode(os.fspath(path))
    try:
        data = read_limited(Path(source), MAX_BYTES)
    except UnsafeFile as exc:
        return _fail(source, _read_problem(source, exc))
    result = load_definition_bytes(data, source=source)
    return (
        result
        if result.source == source
        else LoadResult(result.definition, result.problems, source)
    )


def _not_a_file(source: str) -> Problem:
    return Problem(
        "$",
        "not_a_file",
        f"{source!r} is a folder or a device, not a file; choose the definition file itself.",
    )


def _read_problem(source: str, exc: UnsafeFile) -> Problem:
    """Why the file could not be read, in the words of a definition's problem."""
    if exc.kind == "missing":
        return Problem(
            "$", "file_not_found", f"There is no file {source!r}; check the name and the drive."
        )
    if exc.kind == "not_a_file":
        return _not_a_file(source)
    if exc.kind == "too_large":
        return _too_large(exc.size or 0)
    if exc.kind == "permission":
        return Problem(
            "$",
            "file_unreadable",
            f"The file {source!r} may not be read (permission denied); copy it somewhere readable.",
        )
    return _unreadable(source, exc.reason)


def _unreadable(source: str, reason: str) -> Problem:
    return Problem(
        "$",
        "file_unreadable",
        f"The file {source!r} could not be read ({reason}); check the drive and try again.",
    )
