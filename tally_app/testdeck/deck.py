"""A test deck: known counts for some precincts of one election, read from an untrusted file.

Logic and accuracy testing enters a deck's counts through the app exactly as a board would,
then compares the results document the app makes with the counts the deck expects. A deck
arrives on a USB drive like a definition does, so it is parsed the same way: at most
`MAX_DECK_BYTES`, with the definition loader's safe JSON parser (no NaN, no repeated keys, no
deep nesting), the JSON Schema ``resources/schemas/test-deck.schema.json`` with strict whole
numbers (5.0 is refused), then the checks a schema cannot make against the definition. Only a
fully valid deck becomes a `Deck`; otherwise one `InputError` says the first problem and how
many there are.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from tally_app.bounded_read import UnsafeFile, read_limited
from tally_app.definition.model import (
    CandidateContest,
    Contest,
    ContestId,
    ElectionDefinition,
    Precinct,
    RuleId,
)
from tally_app.definition.problems import Problem, json_path
from tally_app.definition.safe_json import parse_json
from tally_app.entries import ContestLine, RosterField, Sheet, StyleField
from tally_app.errors import InputError

if TYPE_CHECKING:
    from jsonschema.protocols import Validator  # type: ignore[import-untyped]

DECK_FORMAT = 1
DECK_SCHEMA = "test-deck.schema.json"
MAX_DECK_BYTES = 5 * 1024 * 1024  # the full 195-precinct primary would be well under 1 MB
DECKS_FOLDER = "test-decks"
# Election id → the deck shipped for it under resources/test-decks/.
_EMBEDDED = {
    "ca34-2017-06-06": "ca34-2017-06-06-general.deck.json",
    "ca34-2017-04-04": "ca34-2017-04-04-primary.deck.json",
}
_MB = 1024 * 1024
_NOT_A_FILE = "is a folder or a device, not a file; choose the test deck file itself."

# The parser's whole-file messages speak of definitions; a deck gets its own words.
_PARSE_MESSAGES = {
    "empty": "The file is empty; choose the test deck file.",
    "not_utf8": "The file is not UTF-8 text; choose the JSON test deck file.",
    "too_deep": "The file nests arrays or objects far deeper than a test deck does; "
    "choose the test deck file.",
    "number_too_long": "The file holds a number far longer than any count; "
    "check that this is the test deck.",
    "truncated": "The file ends too early: it is cut off; copy the test deck again.",
    "not_json": "The file is not valid JSON; choose the test deck file or fix it there.",
}


# --- the deck as values ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoardEntry:
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class SealEntry:
    purpose: str
    number: str


@dataclass(frozen=True, slots=True)
class StyleCounts:
    """One ballot style's accounting, every field given, with its unused serial ranges."""

    values: Mapping[StyleField, int]
    unused_serials: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class WriteInCount:
    name: str
    votes: int


@dataclass(frozen=True, slots=True)
class SheetContest:
    """One contest as a tally sheet gives it."""

    votes: Mapping[str, int]  # every selection of the contest
    write_ins: tuple[WriteInCount, ...]
    undervotes: int
    overvotes: int
    ballots: int  # K

    def field(self, name: str) -> int | None:
        """A selection's votes or a contest line, by the name `resolve_difference` uses."""
        if name in self.votes:
            return self.votes[name]
        lines = {
            ContestLine.UNDERVOTES.value: self.undervotes,
            ContestLine.OVERVOTES.value: self.overvotes,
            ContestLine.BALLOTS.value: self.ballots,
        }
        return lines.get(name)

    def fields(self) -> Iterator[tuple[str, int]]:
        yield from self.votes.items()
        yield ContestLine.UNDERVOTES.value, self.undervotes
        yield ContestLine.OVERVOTES.value, self.overvotes
        yield ContestLine.BALLOTS.value, self.ballots


@dataclass(frozen=True, slots=True)
class Resolution:
    """How the board settles one field where sheet B differs from sheet A."""

    contest_id: str
    field: str  # a selection id or a ContestLine value
    choice: str  # "A", "B" or "recount"
    value: int


@dataclass(frozen=True, slots=True)
class ExplanationEntry:
    rule: RuleId
    subject: str | None  # None: every unexplained finding of the rule
    text: str

    def covers(self, rule: str, subject: str) -> bool:
        return self.rule.value == rule and (self.subject is None or self.subject == subject)


@dataclass(frozen=True, slots=True)
class ExpectedContest:
    votes: Mapping[str, int]
    write_ins: int  # unqualified write-ins, pooled
    undervotes: int
    overvotes: int


@dataclass(frozen=True, slots=True)
class DeckExpected:
    """What the precinct's results document must say."""

    ballots_cast: int
    ballots_outstanding: int
    discrepancy: bool
    contests: Mapping[str, ExpectedContest]


@dataclass(frozen=True, slots=True)
class DeckPrecinct:
    precinct_id: str
    note: str
    board: tuple[BoardEntry, ...]  # at least two; the first two confirm
    seals: tuple[SealEntry, ...]
    styles: Mapping[str, StyleCounts]
    roster: Mapping[RosterField, int]
    sheet_a: Mapping[str, SheetContest]
    sheet_b_given: Mapping[str, SheetContest] | None  # None: sheet B is sheet A
    resolve: tuple[Resolution, ...]
    explanations: tuple[ExplanationEntry, ...]
    expected: DeckExpected

    def sheet(self, sheet: Sheet) -> Mapping[str, SheetContest]:
        if sheet is Sheet.B and self.sheet_b_given is not None:
            return self.sheet_b_given
        return self.sheet_a


@dataclass(frozen=True, slots=True)
class Deck:
    election_id: str
    fingerprint: str
    description: str
    precincts: tuple[DeckPrecinct, ...]

    def precinct(self, precinct_id: str) -> DeckPrecinct:
        for p in self.precincts:
            if p.precinct_id == precinct_id:
                return p
        raise KeyError(precinct_id)


# --- loading --------------------------------------------------------------------------


def embedded_deck_path(election_id: str) -> Path | None:
    """The deck shipped for a built-in election, or None when there is none."""
    name = _EMBEDDED.get(election_id)
    if name is None:
        return None
    path = Path(str(files("resources") / DECKS_FOLDER / name))
    return path if path.is_file() else None


def load_deck(path: Path, definition: ElectionDefinition) -> Deck:
    """Read, parse and check a deck file against ``definition``; InputError if unusable."""
    source = os.fspath(path)
    data = _read_bounded(Path(path))
    return load_deck_bytes(data, definition, source=source)


def load_deck_bytes(data: bytes, definition: ElectionDefinition, *, source: str = "") -> Deck:
    """Check deck bytes completely; a `Deck`, or InputError naming the first problem."""
    problems = deck_problems(data, definition)
    if problems:
        first, more = problems[0], len(problems) - 1
        where = "" if first.path == "$" else f" (at {first.path})"
        raise InputError(
            "deck_invalid",
            f"{source or 'The file'} is not a usable test deck{where}: {first.message}"
            + (f" (and {more} more problem(s))" if more else ""),
            problems=tuple(problems),
        )
    document, _ = parse_json(data)
    return _build(document)


def deck_problems(data: bytes, definition: ElectionDefinition) -> list[Problem]:
    """Every problem of the deck bytes against the definition, header problems alone."""
    if len(data) > MAX_DECK_BYTES:
        return [_too_large(len(data))]
    document, found = parse_json(data)
    if document is None:
        return [Problem(p.path, p.code, _PARSE_MESSAGES.get(p.code, p.message)) for p in found]
    if not isinstance(document, dict):
        return [
            Problem(
                "$",
                "wrong_type",
                "The file holds a JSON value that is not an object, so it is not a test deck; "
                "choose the test deck file.",
            )
        ]
    header = _header_problem(document, definition)
    if header is not None:
        return [header]
    from tally_app.definition.schema_check import schema_problems

    problems = list(found)
    problems.extend(schema_problems(_validator(), document, skip=[p.path for p in found]))
    if problems:
        return problems
    return list(_definition_problems(document, definition))


def _read_bounded(path: Path) -> bytes:
    """A regular file of at most MAX_DECK_BYTES, or one sentence saying why not."""
    source = os.fspath(path)
    try:
        return read_limited(Path(path), MAX_DECK_BYTES)
    except UnsafeFile as exc:
        if exc.kind == "missing":
            message = f"There is no file {source!r}; check the name and the drive."
        elif exc.kind == "not_a_file":
            message = f"{source!r} {_NOT_A_FILE}"
        elif exc.kind == "too_large":
            message = f"{source}: {_too_large(exc.size or 0).message}"
        else:
            message = (
                f"The file {source!r} could not be read ({exc.reason or 'permission denied'}); "
                "check the drive and try again."
            )
        raise InputError("deck_invalid", message) from None


def _too_large(size: int) -> Problem:
    return Problem(
        "$",
        "too_large",
        f"The file is {size / _MB:.1f} MB, more than the {MAX_DECK_BYTES // _MB} MB a test deck "
        "may be; check that it is a test deck.",
    )


@cache
def _validator() -> Validator:
    """The deck schema, where an integer is never written with a decimal point."""
    from tally_app.definition.schema_check import strict_validator

    return strict_validator(DECK_SCHEMA)


def _header_problem(document: dict[str, Any], definition: ElectionDefinition) -> Problem | None:
    """A wrong format or election makes every other message noise: report it alone."""
    fmt = document.get("deck_format")
    if fmt != DECK_FORMAT or isinstance(fmt, bool):
        return Problem(
            "$.deck_format",
            "unsupported_version",
            f"Deck format {fmt!r} is not supported; this app reads test decks of format "
            f"{DECK_FORMAT}.",
        )
    election_id = document.get("election_id")
    if election_id != definition.id:
        return Problem(
            "$.election_id",
            "wrong_election",
            f"The deck is for election {election_id!r}, not {definition.id!r}; "
            "choose the deck made for this election.",
        )
    if document.get("election_fingerprint") != definition.fingerprint:
        return Problem(
            "$.election_fingerprint",
            "wrong_fingerprint",
            "The deck was made for a different version of this election definition "
            "(the fingerprints differ); use the definition it was made for, or rebuild the deck.",
        )
    return None


# --- the checks a schema cannot make ----------------------------------------------------


def _exact_keys(
    given: Mapping[str, Any], wanted: tuple[str, ...], parts: list[str | int], what: str
) -> Iterator[Problem]:
    """``given`` names exactly the ids in ``wanted``: none missing, none unknown."""
    for key in given:
        if key not in wanted:
            yield Problem(
                json_path([*parts, key]),
                "unknown_id",
                f"There is no {what} {key!r} here in this election; remove it or fix the id.",
            )
    for key in wanted:
        if key not in given:
            yield Problem(
                json_path([*parts, key]),
                "missing",
                f"The {what} {key!r} is missing; give every {what}, with 0 where nothing was "
                "counted.",
            )


def _definition_problems(
    document: dict[str, Any], definition: ElectionDefinition
) -> Iterator[Problem]:
    precinct_ids = {p.id for p in definition.precincts}
    roles = {r.id for r in definition.board_roles}
    seen: set[str] = set()
    for index, entry in enumerate(document["precincts"]):
        base: list[str | int] = ["precincts", index]
        pid = entry["precinct_id"]
        if pid not in precinct_ids:
            yield Problem(
                json_path([*base, "precinct_id"]),
                "unknown_id",
                f"There is no precinct {pid!r} in {definition.title}; fix the precinct id.",
            )
            continue
        if pid in seen:
            yield Problem(
                json_path([*base, "precinct_id"]),
                "duplicate_id",
                f"Precinct {pid!r} appears twice in the deck; keep it once.",
            )
        seen.add(pid)
        for m, member in enumerate(entry["board"]):
            if member["role"] not in roles:
                yield Problem(
                    json_path([*base, "board", m, "role"]),
                    "unknown_role",
                    f"There is no board role {member['role']!r} in this election; use one of "
                    f"{', '.join(sorted(roles))}.",
                )
        yield from _precinct_problems(entry, definition, definition.precinct(pid), base)


def _precinct_problems(
    entry: dict[str, Any], definition: ElectionDefinition, precinct: Precinct, base: list[Any]
) -> Iterator[Problem]:
    styles = entry["accounting"]["styles"]
    yield from _exact_keys(
        styles, precinct.ballot_style_ids, [*base, "accounting", "styles"], "ballot style"
    )
    for style_id, counts in styles.items():
        for r, serials in enumerate(counts["unused_serials"]):
            if serials["last"] < serials["first"]:
                yield Problem(
                    json_path([*base, "accounting", "styles", style_id, "unused_serials", r]),
                    "range_reversed",
                    "This serial range ends before it starts; write the lower serial first.",
                )
    contests = {c.id: c for c in definition.contests_for(precinct.id)}
    contest_ids = tuple(contests)
    sheets = entry["sheets"]
    for name in ("A", "B"):
        sheet = sheets.get(name)
        if sheet is None:
            continue
        parts = [*base, "sheets", name]
        yield from _exact_keys(sheet, contest_ids, parts, "contest")
        for contest_id, given in sheet.items():
            contest = contests.get(contest_id)
            if contest is None:
                continue
            yield from _exact_keys(
                given["votes"], contest.selection_ids, [*parts, contest_id, "votes"], "selection"
            )
            if given["write_ins"] and not (
                isinstance(contest, CandidateContest) and contest.unqualified_write_ins
            ):
                yield Problem(
                    json_path([*parts, contest_id, "write_ins"]),
                    "write_ins_not_recorded",
                    f"Contest {contest_id!r} does not record unqualified write-ins; remove them.",
                )
    expected = entry["expected"]["contests"]
    yield from _exact_keys(expected, contest_ids, [*base, "expected", "contests"], "contest")
    for contest_id, given in expected.items():
        if contest_id in contests:
            yield from _exact_keys(
                given["votes"],
                contests[contest_id].selection_ids,
                [*base, "expected", "contests", contest_id, "votes"],
                "selection",
            )
    yield from _resolution_problems(entry, contests, base)


def _resolution_problems(
    entry: dict[str, Any], contests: Mapping[ContestId, Contest], base: list[Any]
) -> Iterator[Problem]:
    """Every field where B differs from A has exactly one resolution, and nothing else does.

    Write-in rows cannot be settled field by field in the app (the board corrects the row),
    so in a deck they must be the same on both sheets.
    """
    resolve = entry.get("resolve", [])
    sheet_a, sheet_b = entry["sheets"]["A"], entry["sheets"].get("B")
    differing: set[tuple[str, str]] = set()
    if sheet_b is not None:
        for contest_id in contests:
            a, b = sheet_a.get(contest_id), sheet_b.get(contest_id)
            if a is None or b is None:
                continue
            a_fields, b_fields = _flat(a), _flat(b)
            differing.update(
                (contest_id, f) for f in a_fields if f in b_fields and a_fields[f] != b_fields[f]
            )
            if a["write_ins"] != b["write_ins"]:
                yield Problem(
                    json_path([*base, "sheets", "B", contest_id, "write_ins"]),
                    "write_ins_differ",
                    "The write-in rows of sheet B differ from sheet A; a deck must list the same "
                    "write-ins on both sheets.",
                )
    settled: set[tuple[str, str]] = set()
    for r, item in enumerate(resolve):
        key = (item["contest_id"], item["field"])
        where = json_path([*base, "resolve", r])
        if key not in differing:
            yield Problem(
                where,
                "nothing_to_resolve",
                f"Sheets A and B agree on {item['field']!r} of contest {item['contest_id']!r}, "
                "so there is nothing to resolve; remove this entry.",
            )
            continue
        if key in settled:
            yield Problem(
                where, "duplicate_id", "This field is resolved twice; keep one resolution."
            )
        settled.add(key)
        a_value = _flat(sheet_a[item["contest_id"]])[item["field"]]
        b_value = _flat(sheet_b[item["contest_id"]])[item["field"]] if sheet_b else None
        chosen = {"A": a_value, "B": b_value}.get(item["choice"])
        if chosen is not None and chosen != item["value"]:
            yield Problem(
                where,
                "bad_choice",
                f"Sheet {item['choice']} says {chosen}, not {item['value']}; give the value on "
                "that sheet, or record a recount.",
            )
    for unsettled, field in sorted(differing - settled):
        yield Problem(
            json_path([*base, "resolve"]),
            "unresolved_difference",
            f"Sheet B differs from sheet A on {field!r} of contest {unsettled!r}; add a "
            "resolution for it.",
        )


def _flat(contest: Mapping[str, Any]) -> dict[str, int]:
    fields = dict(contest["votes"])
    for line in ContestLine:
        fields[line.value] = contest[line.value]
    return fields


# --- building the values (only from a document every check has passed) ----------------------


def _sheet(given: Mapping[str, Any]) -> Mapping[str, SheetContest]:
    return MappingProxyType(
        {
            contest_id: SheetContest(
                votes=MappingProxyType(dict(c["votes"])),
                write_ins=tuple(WriteInCount(w["name"], w["votes"]) for w in c["write_ins"]),
                undervotes=c["undervotes"],
                overvotes=c["overvotes"],
                ballots=c["ballots"],
            )
            for contest_id, c in given.items()
        }
    )


def _precinct(entry: Mapping[str, Any]) -> DeckPrecinct:
    accounting = entry["accounting"]
    expected = entry["expected"]
    sheets = entry["sheets"]
    return DeckPrecinct(
        precinct_id=entry["precinct_id"],
        note=entry.get("note", ""),
        board=tuple(BoardEntry(m["name"], m["role"]) for m in entry["board"]),
        seals=tuple(SealEntry(s["purpose"], s["number"]) for s in entry["seals"]),
        styles=MappingProxyType(
            {
                style_id: StyleCounts(
                    values=MappingProxyType({f: counts[f.value] for f in StyleField}),
                    unused_serials=tuple((r["first"], r["last"]) for r in counts["unused_serials"]),
                )
                for style_id, counts in accounting["styles"].items()
            }
        ),
        roster=MappingProxyType({f: accounting["roster"][f.value] for f in RosterField}),
        sheet_a=_sheet(sheets["A"]),
        sheet_b_given=_sheet(sheets["B"]) if "B" in sheets else None,
        resolve=tuple(
            Resolution(r["contest_id"], r["field"], r["choice"], r["value"])
            for r in entry.get("resolve", [])
        ),
        explanations=tuple(
            ExplanationEntry(RuleId(e["rule"]), e.get("subject"), e["text"])
            for e in entry.get("explanations", [])
        ),
        expected=DeckExpected(
            ballots_cast=expected["ballots_cast"],
            ballots_outstanding=expected["ballots_outstanding"],
            discrepancy=expected["discrepancy"],
            contests=MappingProxyType(
                {
                    contest_id: ExpectedContest(
                        votes=MappingProxyType(dict(c["votes"])),
                        write_ins=c["write_ins"],
                        undervotes=c["undervotes"],
                        overvotes=c["overvotes"],
                    )
                    for contest_id, c in expected["contests"].items()
                }
            ),
        ),
    )


def _build(document: Mapping[str, Any]) -> Deck:
    return Deck(
        election_id=document["election_id"],
        fingerprint=document["election_fingerprint"],
        description=document["description"],
        precincts=tuple(_precinct(p) for p in document["precincts"]),
    )
