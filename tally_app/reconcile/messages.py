"""The English text of every finding, kept apart from the rules that compute them.

Each finding ``code`` has exactly one template here; a test checks that every code the rules can
emit has one, and that every template is used. The templates say what is wrong with the numbers
and what the board should recount or check (VVSG 2.0 7.3-K). ``{where}`` is a prefix naming the
ballot style or contest ("Ballot style 2: ", "United States Representative: ") or empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from tally_app.entries import ContestLine, RosterField, StyleField

MINUS = "\u2212"

TEMPLATES: Mapping[str, str] = MappingProxyType(
    {
        # A1
        "a1_unbalanced": (
            "{where}ballots received ({R}) should equal voted ({V}) + spoiled ({S}) + unused ({U})"
            " = {total}; the difference is {diff}. Recount the unused and the spoiled ballots,"
            " and check the number of ballots received."
        ),
        # A2
        "a2_unbalanced": (
            "voted ballots ({V}) less provisional envelopes ({V_prov}) = {ballots} should equal"
            " roster signatures ({Sig}) less voters who signed but did not vote ({NV}) = {voters};"
            " the difference is {diff}. Recount the roster signatures and the voted ballots."
        ),
        "a2_unbalanced_roster": (
            "voted ballots ({V}) should equal roster signatures ({Sig}) less voters who signed but"
            " did not vote ({NV}) = {voters}, because provisional voters sign the roster here;"
            " the difference is {diff}. Recount the roster signatures and the voted ballots."
        ),
        # A3, A5
        "a3_ballots_differ": (
            "{where}ballots tallied for this contest ({K}) should equal the ballots tallied for the"
            " precinct ({T}); the difference is {diff}. Recount the ballots for this contest."
        ),
        "a5_ballots_differ": (
            "{where}ballots tallied for this contest ({K}) should equal the ballots tallied on the"
            " ballot styles that carry it ({styles}: {T}); the difference is {diff}."
            " Recount the ballots for this contest."
        ),
        # A4, A4a
        "a4_unbalanced": (
            "{where}votes ({votes}) + unqualified write-ins ({write_ins}) + undervotes ({under})"
            " + overvotes ({over}) = {total} should equal {n} votes allowed × {K} ballots"
            " = {expected}; the difference is {diff}. Recount the tally marks for this contest."
        ),
        "a4a_not_multiple": (
            "{where}overvotes ({over}) should be a multiple of {n}, because each overvoted ballot"
            " counts {n} overvotes; {over} is {rem} more than {lower}. Recount the overvoted"
            " ballots and enter {n} overvotes for each."
        ),
        # A6
        "a6_unbalanced": (
            "{where}{yes_name} ({yes}) + {no_name} ({no}) + undervotes ({under}) + overvotes"
            " ({over}) = {total} should equal the {K} ballots tallied for this measure;"
            " the difference is {diff}. Recount the tally marks for this measure."
        ),
        # A7
        "a7_mismatch": (
            "{where}for {label}, sheet A has {a} and sheet B has {b}. Recount this line together"
            " and correct the sheet that is wrong."
        ),
        "a7_write_in_unmatched": (
            "{where}the {name} is on sheet {on} ({count}) but not on sheet"
            " {missing}. Check the spelling on both sheets, or add the name to sheet {missing}."
        ),
        "a7_b_missing": (
            "{where}sheet B has not been entered yet. The second tally keeper enters this contest"
            " on sheet B without looking at sheet A."
        ),
        # A8
        "a8_blank": (
            "{where}the count for {label} is blank. Enter the number, or 0 if there were none."
        ),
        "a8_negative": (
            "{where}the count for {label} is {value}, but a count cannot be negative."
            " Enter the number again."
        ),
        "a8_over_ballots": (
            "{where}{label} has {votes} votes, more than the {K} ballots tallied for this contest."
            " Recount the votes for {label} and the ballots."
        ),
        "a8_undervotes_exceed": (
            "{where}undervotes ({under}) cannot be more than {n} votes allowed × {K} ballots"
            " = {limit}. Recount the undervotes."
        ),
        "a8_overvotes_exceed": (
            "{where}overvotes ({over}) cannot be more than {n} votes allowed × {K} ballots"
            " = {limit}. Recount the overvotes."
        ),
        "a8_blank_exceeds_tallied": (
            "{where}blank ballots ({B}) cannot be more than the ballots tallied ({T} = voted {V}"
            " − provisional {V_prov} − rejected {X}). Recount the blank ballots."
        ),
        "a8_tallied_negative": (
            "{where}provisional envelopes ({V_prov}) + rejected ballots ({X}) = {taken} cannot be"
            " more than the voted ballots ({V}). Recount the voted, provisional and rejected"
            " ballots."
        ),
        "a8_write_in_unnamed": (
            "{where}a write-in line has a count ({count}) but no name. Type the name as it is"
            " written on the ballots."
        ),
        "a8_write_ins_not_recorded": (
            "{where}this contest does not record unqualified write-ins, but {rows} write-in"
            " line(s) were entered. Remove the write-in lines."
        ),
        "a8_range_reversed": (
            "{where}the unused-ballot serial range {first}–{last} ends before it starts."
            " Enter the first and last serial numbers again."
        ),
        # A9
        "a9_unbalanced": (
            "{where}unused ballots ({U}) should equal the ballots in the unused serial ranges"
            " ({ranges}) = {expected}; the difference is {diff}. Recount the unused ballots and"
            " check the serial numbers."
        ),
        "a9_no_ranges": (
            "{where}unused ballots ({U}) are entered, but no serial range. Enter the first and"
            " last serial numbers of the unused ballots."
        ),
        "a9_overlap": (
            "{where}the unused-ballot serial ranges {r1} and {r2} overlap. Check the serial"
            " numbers: each unused ballot belongs to one range."
        ),
        # A10
        "a10_unbalanced": (
            "{where}provisional envelopes ({V_prov}) should equal provisional ballots issued"
            " ({P}); the difference is {diff}. Count the provisional envelopes and check the"
            " provisional log."
        ),
        # A12
        "a12_surrendered_exceed_voters": (
            "surrendered vote-by-mail packets ({VBM_surr}) are more than the voters on the roster"
            " ({voters} = {Sig} signatures − {NV} did not vote). Check the surrendered packets"
            " and the roster."
        ),
        # A13
        "a13_many_blank": (
            "blank ballots ({B}) are more than {pct} of the ballots tallied ({T})."
            " Check that the blank ballots really have no marks."
        ),
        # A14
        "a14_listed_not_counted": (
            "{where}unqualified write-in votes ({W}) are listed by name but not counted for any"
            " candidate. This is expected; check that each name is written as on the ballots."
        ),
        # A15
        "a15_voters_exceed_registered": (
            "voters on the roster ({voters}) are more than the {registered} registered voters of"
            " the precinct. Check the roster signatures and the signed-but-did-not-vote count."
        ),
        # A16
        "a16_small_count": (
            "only {T} ballots were tallied (fewer than {threshold}): the posted results will show"
            " only the ballot count, to protect the secrecy of the vote."
        ),
    }
)

CODES: frozenset[str] = frozenset(TEMPLATES)

FIELD_LABELS: Mapping[str, str] = MappingProxyType(
    {
        StyleField.RECEIVED: "ballots received",
        StyleField.VOTED: "voted ballots",
        StyleField.PROVISIONAL: "provisional envelopes",
        StyleField.REJECTED: "rejected ballots",
        StyleField.SPOILED: "spoiled ballots",
        StyleField.UNUSED: "unused ballots",
        StyleField.BLANK: "blank ballots",
        StyleField.PROVISIONAL_ISSUED: "provisional ballots issued",
        RosterField.SIGNATURES: "roster signatures",
        RosterField.NOT_VOTED: "signed but did not vote",
        RosterField.VBM_DROPPED: "vote-by-mail envelopes dropped off",
        RosterField.VBM_SURRENDERED: "surrendered vote-by-mail packets",
        ContestLine.UNDERVOTES: "undervotes",
        ContestLine.OVERVOTES: "overvotes",
        ContestLine.BALLOTS: "ballots tallied",
    }
)


def number(value: int | None) -> str:
    """A count as printed in a message: 'blank' when nobody typed it, a true minus sign."""
    if value is None:
        return "blank"
    return f"{MINUS}{-value}" if value < 0 else str(value)


def signed(value: int | None) -> str:
    """A difference, always with its sign: +2, −2, 0."""
    if value is None:
        return "unknown"
    if value > 0:
        return f"+{value}"
    return number(value)


def render(code: str, **params: object) -> str:
    """The message for ``code``; ints are printed with :func:`number`, ``diff`` with :func:`signed`.

    Raises KeyError for a code without a template: that is a bug, caught by the tests.
    """
    template = TEMPLATES[code]
    values: dict[str, object] = {"where": ""}
    for key, value in params.items():
        if key == "diff" and (value is None or isinstance(value, int)):
            values[key] = signed(value)
        elif value is None or isinstance(value, int):
            values[key] = number(value)
        else:
            values[key] = value
    text = template.format_map(values)
    return text[:1].upper() + text[1:]
