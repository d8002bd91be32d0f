"""Small shared pieces of the rules: finding the precinct, subjects, message prefixes, terms."""

from __future__ import annotations

from tally_app.definition.model import ElectionDefinition, Precinct
from tally_app.entries import SYMBOLS, ContestLine, RosterField, StyleField, WriteIn
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
