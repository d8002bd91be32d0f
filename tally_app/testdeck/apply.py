"""Entering one deck precinct into a precinct session, the way a board would.

Everything goes through `PrecinctSession`, the same calls the screens make, so a deck tests the
store, the reconciliation rules and the state machine together: the board and seals, the
ballot accounting with its serial ranges, the roster, every contest on sheet A and (blind) on
sheet B, the board's resolution of each A/B difference, a signed explanation for each
discrepancy, and finalizing with two members. Nothing is forced: a precinct the app would not
let a board finalize is refused here too, with the app's own reason.
"""

from __future__ import annotations

from tally_app.audit.events import Actor
from tally_app.entries import ContestLine, Sheet
from tally_app.errors import InputError
from tally_app.session import PrecinctSession
from tally_app.testdeck.deck import DeckPrecinct, ExplanationEntry


def apply_precinct(session: PrecinctSession, precinct: DeckPrecinct, actor: Actor) -> None:
    """Enter ``precinct`` into a fresh ``session`` and finalize it.

    Raises InputError when the session is for another precinct or already has entries, when
    the app finds a discrepancy the deck does not explain (or the deck explains one the app
    does not find), or when the precinct cannot be finalized.
    """
    label = f"Precinct {precinct.precinct_id}"
    if session.precinct.id != precinct.precinct_id:
        raise InputError(
            "deck_not_applied",
            f"{label} of the deck cannot be entered into the file of precinct "
            f"{session.precinct.id}; open that precinct's own file.",
        )
    if session.locked or session.board():
        raise InputError(
            "deck_not_applied",
            f"{label} already has a board or is finalized; a test deck is entered into a new, "
            "empty precinct file.",
        )
    member_ids = [session.add_board_member(m.name, m.role, actor) for m in precinct.board]
    for seal in precinct.seals:
        session.add_seal(seal.purpose, seal.number, actor)
    for style_id, counts in precinct.styles.items():
        for field, value in counts.values.items():
            session.set_style_field(style_id, field, value, actor)
        for first, last in counts.unused_serials:
            session.add_unused_range(style_id, first, last, actor)
    for roster_field, value in precinct.roster.items():
        session.set_roster_field(roster_field, value, actor)
    for sheet in (Sheet.A, Sheet.B):
        _enter_sheet(session, precinct, sheet, actor)
    for r in precinct.resolve:
        session.resolve_difference(r.contest_id, r.field, r.value, r.choice, actor)
    _explain(session, precinct, member_ids, actor)
    ready = session.readiness()
    if not ready.can_finalize:
        reasons = [f.message for f in (*ready.blockers, *ready.unexplained)]
        if ready.blank:
            reasons.append(f"{ready.blank} field(s) are blank")
        why = reasons[0] if reasons else "the app refuses to finalize it"
        raise InputError(
            "deck_not_applied",
            f"{label} of the deck cannot be finalized: {why.rstrip('.')}; fix the deck.",
        )
    session.finalize((member_ids[0], member_ids[1]), actor)


def _enter_sheet(
    session: PrecinctSession, precinct: DeckPrecinct, sheet: Sheet, actor: Actor
) -> None:
    for contest_id, given in precinct.sheet(sheet).items():
        for selection_id, count in given.votes.items():
            session.set_vote(sheet, contest_id, selection_id, count, actor)
        for write_in in given.write_ins:
            row = session.add_write_in(sheet, contest_id, write_in.name, actor)
            session.set_write_in(row, count=write_in.votes, actor=actor)
        session.set_line(sheet, contest_id, ContestLine.UNDERVOTES, given.undervotes, actor)
        session.set_line(sheet, contest_id, ContestLine.OVERVOTES, given.overvotes, actor)
        session.set_contest_ballots(contest_id, sheet, given.ballots, actor)


def _explain(
    session: PrecinctSession, precinct: DeckPrecinct, member_ids: list[int], actor: Actor
) -> None:
    """Sign the deck's explanation for every discrepancy; each explanation must be used."""
    used: set[ExplanationEntry] = set()
    for finding in session.readiness().unexplained:
        entry = next(
            (e for e in precinct.explanations if e.covers(finding.rule.value, finding.subject)),
            None,
        )
        if entry is None:
            raise InputError(
                "deck_not_applied",
                f"Precinct {precinct.precinct_id} of the deck has a discrepancy the deck does "
                f"not explain ({finding.rule.value} {finding.subject}: "
                f"{finding.message.rstrip('.')}); add an explanation or fix the counts.",
            )
        session.add_explanation(finding, entry.text, member_ids, actor)
        used.add(entry)
    for entry in precinct.explanations:
        if entry not in used:
            raise InputError(
                "deck_not_applied",
                f"Precinct {precinct.precinct_id} of the deck explains a discrepancy under rule "
                f"{entry.rule.value} that the app did not find; remove the explanation or fix "
                "the counts.",
            )
