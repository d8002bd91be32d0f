"""Small shared pieces of the rules: finding the precinct, subjects, message prefixes, terms."""

from __future__ import annotations

from tally_app.definition.model import BallotStyleId, Contest, ElectionDefinition, Precinct
from tally_app.entries import (
    SYMBOLS,
    ContestEntry,
    ContestLine,
    PrecinctEntries,
    RosterField,
    Sheet,
    StyleAccounting,
    StyleField,
    WriteIn,
)
from tally_app.errors import InputError
from tally_app.reconcile.findings import Term
from tally_app.reconcile.messages import FIELD_LABELS

EQ_MINUS = "\u2212"


def precinct_of(definition: ElectionDefinition, precinct_id: str) -> Precinct:
    """The precinct, or an InputError: a caller asking about an unknown precinct is told so."""
    try:
        return definition.precinct(precinct_id)
    except KeyError:
        raise InputError(
            "unknown_precinct",
            f"Precinct {precinct_id} is not in the election definition; choose one of its"
            " precincts.",
            precinct_id=precinct_id,
        ) from None


def contest_of(definition: ElectionDefinition, precinct: Precinct, contest_id: str) -> Contest:
    """The contest, or an InputError when it is unknown or on none of the precinct's ballots."""
    try:
        contest = definition.contest(contest_id)
    except KeyError:
        raise InputError(
            "unknown_contest",
            f"Contest {contest_id} is not in the election definition; choose one of its contests.",
            contest_id=contest_id,
        ) from None
    if not definition.styles_carrying(precinct.id, contest.id):
        raise InputError(
            "contest_not_in_precinct",
            f"Contest {contest_id} is not on any ballot of precinct {precinct.id}; choose one of"
            " the precinct's contests.",
            contest_id=contest_id,
            precinct_id=precinct.id,
        )
    return contest


def entry_of(entries: PrecinctEntries, sheet: Sheet, contest: Contest) -> ContestEntry:
    """The contest as entered on the sheet; a contest nobody started is entirely blank."""
    return entries.contest(sheet, contest.id) or ContestEntry(contest.id, {}, {})


def style_accounting(entries: PrecinctEntries, style_id: BallotStyleId) -> StyleAccounting:
    """A style's accounting; a style nobody started is entirely blank."""
    return entries.styles.get(style_id, StyleAccounting())


def style_total(precinct: Precinct, entries: PrecinctEntries, field: StyleField) -> int | None:
    """Σ of a style field over the precinct's ballot styles, None while any is blank."""
    total = 0
    for style_id in precinct.ballot_style_ids:
        value = style_accounting(entries, style_id)[field]
        if value is None:
            return None
        total += value
    return total


def style_subject(style_id: str) -> str:
    return f"style:{style_id}"


def field_subject(field: StyleField | RosterField, style_id: str | None = None) -> str:
    """``style:<id>/field:<name>`` for a style's field, ``field:<name>`` for a roster field."""
    if style_id is None:
        return f"field:{field.value}"
    return f"{style_subject(style_id)}/field:{field.value}"


def contest_subject(contest_id: str) -> str:
    return f"contest:{contest_id}"


def line_subject(contest_id: str, line: ContestLine) -> str:
    return f"{contest_subject(contest_id)}/field:{line.value}"


def selection_subject(contest_id: str, selection_id: str) -> str:
    return f"{contest_subject(contest_id)}/selection:{selection_id}"


def write_in_subject(contest_id: str, row_id: int) -> str:
    return f"{contest_subject(contest_id)}/write_in:{row_id}"


def style_where(precinct: Precinct, style_id: str) -> str:
    """The message prefix naming a ballot style, only when the precinct has more than one."""
    return f"Ballot style {style_id}: " if len(precinct.ballot_style_ids) > 1 else ""


def field_term(
    field: StyleField | RosterField | ContestLine, value: int | None, sign: int = 1
) -> Term:
    """The term for an accounting field or contest line, with its symbol from DESIGN §5.1."""
    return Term(SYMBOLS[field], FIELD_LABELS[field], value, sign)


def listed_write_ins(write_ins: tuple[WriteIn, ...]) -> tuple[WriteIn, ...]:
    """The write-in rows that hold something: a row with no name and no count is ignored."""
    return tuple(w for w in write_ins if w.name.strip() or w.count is not None)
