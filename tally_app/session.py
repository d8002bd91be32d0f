"""One open precinct: the store, its definition and the reconciliation rules together.

`PrecinctSession` is what the facade hands to the UI, the command line, the tests and the
benchmarks. Every write goes to the store as one transaction with its audit event; the
checks are recomputed from the store's snapshot, never from what a screen believes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import EllipsisType
from typing import Any, Self

from tally_app.audit.catalogue import EventId
from tally_app.audit.events import Actor
from tally_app.clock import Clock
from tally_app.definition.model import Contest, ElectionDefinition, Precinct, Severity
from tally_app.entries import ContestLine, PrecinctEntries, RosterField, Sheet, StyleField
from tally_app.errors import InputError
from tally_app.reconcile import (
    Finding,
    SheetDifference,
    check_accounting,
    check_contest,
    check_precinct,
    compare_sheets,
    contest_equations,
)
from tally_app.reconcile.scope import contest_subject
from tally_app.store.precinct_store import PrecinctStore
from tally_app.store.records import BoardMember, Explanation
from tally_app.store.states import is_locked

# The override reason stored with a K_c the session filled in from the ballot accounting.
# A K carrying it follows the accounting (``sync_contest_ballots``); a typed K clears it.
AUTO_BALLOTS_REASON = "filled from the ballot accounting"


@dataclass(frozen=True, slots=True)
class BallotsOverride:
    """A contest's ballots tallied (K) on one sheet against the ballot accounting (T).

    ``t`` is the reference side of the A3/A5 equation (T, or Σ T_s of the styles carrying
    the contest; None while the accounting is incomplete). ``automatic`` says K was filled
    in from the accounting and follows it; ``reason`` is the worker's stated reason for a
    typed K that differs (never the automatic marker); ``reason_needed`` is the rule the
    contest page shows: a typed K differs from T and no reason was given.
    """

    k: int | None
    t: int | None
    reason: str | None
    automatic: bool
    reason_needed: bool


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the precinct can be finalized, and what stands in the way.

    The one rule for finalizing: ``PrecinctSession.finalize`` refuses exactly when
    ``can_finalize`` is false (or the two confirmers are not two different members), and
    the finalize page shows these same fields.
    """

    state: str
    trusted: bool
    blockers: tuple[Finding, ...]
    unexplained: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    blank: int
    members: int

    @property
    def open_for_finalize(self) -> bool:
        """The state machine allows finalizing (not finalized or exported already)."""
        return not is_locked(self.state)

    @property
    def has_two_members(self) -> bool:
        return self.members >= 2

    @property
    def can_finalize(self) -> bool:
        return (
            self.open_for_finalize
            and self.trusted
            and not self.blockers
            and not self.blank
            and not self.unexplained
            and self.has_two_members
        )


class PrecinctSession:
    """An open precinct file. Close it (or use ``with``) when done."""

    def __init__(self, store: PrecinctStore, definition: ElectionDefinition, clock: Clock) -> None:
        if store.fingerprint != definition.fingerprint:
            raise InputError(
                "fingerprint_mismatch",
                "The precinct file was made for a different election definition; "
                "open it with the definition it was started with.",
            )
        self.store = store
        self.definition = definition
        self.clock = clock
        self.precinct: Precinct = definition.precinct(store.precinct_id)
        self._entries: PrecinctEntries | None = None

    # --- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def path(self) -> Path:
        return self.store.path

    @property
    def state(self) -> str:
        return self.store.state

    @property
    def resume_page(self) -> str | None:
        """The page key the GUI was last on, so a restart resumes there (None: never set)."""
        return self.store.resume_page

    def set_resume_page(self, key: str) -> None:
        """Remember the GUI's page; a bookmark, not an entry, so it writes no audit event."""
        self.store.set_resume_page(key)

    @property
    def locked(self) -> bool:
        """Finalized or exported: counts change only through a supervisor's correction."""
        return is_locked(self.state)

    @property
    def contests(self) -> tuple[Contest, ...]:
        """The contests this precinct's ballots carry, in ballot order."""
        return self.definition.contests_for(self.precinct.id)

    # --- reads ------------------------------------------------------------------------

    def entries(self) -> PrecinctEntries:
        """The current snapshot; re-read from disk after every write."""
        if self._entries is None:
            self._entries = self.store.snapshot()
        return self._entries

    def findings(self) -> tuple[Finding, ...]:
        return check_precinct(self.definition, self.precinct.id, self.entries())

    def accounting_findings(self) -> tuple[Finding, ...]:
        return check_accounting(self.definition, self.precinct.id, self.entries())

    def contest_findings(self, contest_id: str, sheet: Sheet) -> tuple[Finding, ...]:
        return check_contest(self.definition, self.precinct.id, self.entries(), contest_id, sheet)

    def sheet_differences(self) -> tuple[SheetDifference, ...]:
        return compare_sheets(self.definition, self.precinct.id, self.entries())

    def board(self) -> tuple[BoardMember, ...]:
        return self.store.board()

    def explanations(self) -> tuple[Explanation, ...]:
        return self.store.explanations()

    def unexplained(self, findings: Sequence[Finding] | None = None) -> tuple[Finding, ...]:
        """EXPLAIN findings without an explanation signed by every current board member.

        An explanation covers a finding only with the numbers it was written for (the
        finding's expected and actual): once they change, it needs a new explanation.
        """
        found = self.findings() if findings is None else findings
        members = {m.id for m in self.board()}
        signed = {
            (e.rule_id, e.subject, e.expected, e.actual)
            for e in self.explanations()
            if members and members <= {s.member_id for s in e.signers}
        }
        return tuple(
            f
            for f in found
            if f.severity is Severity.EXPLAIN
            and (f.rule.value, f.subject, f.expected, f.actual) not in signed
        )

    def ballots_override(self, contest_id: str, sheet: Sheet) -> BallotsOverride:
        """K against the accounting for one contest and sheet, and whether a reason is due."""
        _, ballots = contest_equations(
            self.definition, self.precinct.id, self.entries(), contest_id, sheet
        )
        k, t = ballots.left_total, ballots.right_total
        stored = self.store.override_reasons().get((sheet, contest_id, ContestLine.BALLOTS))
        automatic = stored == AUTO_BALLOTS_REASON
        reason = None if automatic else stored
        needed = not automatic and k is not None and t is not None and k != t and not reason
        return BallotsOverride(k, t, reason, automatic, needed)

    def override_reason(self, contest_id: str, sheet: Sheet) -> str | None:
        """The worker's reason for a K that differs from the accounting, if one was given."""
        return self.ballots_override(contest_id, sheet).reason

    def b_missing_contests(self) -> tuple[str, ...]:
        """Ids of the contests whose sheet B is not entered yet (the A7 ``a7_b_missing``
        findings), in ballot order; empty when the policy waives the second entry."""
        missing = {f.subject for f in self.findings() if f.code == "a7_b_missing"}
        return tuple(c.id for c in self.contests if contest_subject(c.id) in missing)

    def last_export(self) -> Mapping[str, object] | None:
        """What the last export of these finalized results recorded (its results SHA-256,
        TEST flag, device), or None when they have not been exported since finalizing."""
        if not is_locked(self.state):
            return None
        found: Mapping[str, object] | None = None
        for event in self.store.audit_events():
            if event.disposition != "success":
                continue
            if (
                event.event == EventId.STATE_CHANGED.value
                and event.details.get("to") == "finalized"
            ):
                found = None  # a later finalize (after a correction) makes new results
            elif event.event == EventId.EXPORT_WRITTEN.value:
                found = event.details
        return found

    def finalized_at(self) -> datetime | None:
        """When the precinct was locked (the last successful move to finalized), or None
        while it is not finalized or exported."""
        if not is_locked(self.state):
            return None
        for event in reversed(self.store.audit_events()):
            if (
                event.event == EventId.STATE_CHANGED.value
                and event.disposition == "success"
                and event.details.get("to") == "finalized"
            ):
                try:
                    return datetime.fromisoformat(event.at)
                except ValueError:
                    return None
        return None

    def readiness(self) -> Readiness:
        """Everything finalizing depends on, read from what is on disk now."""
        self._entries = None
        findings = self.findings()
        return Readiness(
            state=self.state,
            trusted=self.store.trusted,
            blockers=tuple(f for f in findings if f.severity is Severity.BLOCK),
            unexplained=self.unexplained(findings),
            warnings=tuple(f for f in findings if f.severity is Severity.WARN),
            blank=self._blank_fields(),
            members=len(self.board()),
        )

    def _blank_fields(self) -> int:
        """How many fields nobody has entered: accounting, roster, and every contest field
        on sheet A (and on sheet B when the policy requires the second entry)."""
        entries = self.entries()
        blank = sum(v is None for s in entries.styles.values() for v in s.values.values())
        blank += sum(v is None for v in entries.roster.values())
        sheets = (Sheet.A, Sheet.B) if self.definition.policy.double_entry else (Sheet.A,)
        for sheet in sheets:
            for entry in entries.sheets.get(sheet, {}).values():
                blank += sum(v is None for v in entry.votes.values())
                blank += sum(v is None for v in entry.lines.values())
                blank += sum(w.count is None for w in entry.write_ins)
        return blank

    # --- writes: each is one transaction with its audit event --------------------------

    def _changed(self, changed: bool) -> bool:
        if changed:
            self._entries = None
        return changed

    def set_style_field(
        self, style_id: str, field: StyleField, value: int | None, actor: Actor
    ) -> bool:
        return self._changed(self.store.set_style_field(style_id, field, value, actor))

    def set_roster_field(self, field: RosterField, value: int | None, actor: Actor) -> bool:
        return self._changed(self.store.set_roster_field(field, value, actor))

    def add_unused_range(self, style_id: str, first: int, last: int, actor: Actor) -> int:
        new_id = self.store.add_unused_range(style_id, first, last, actor)
        self._entries = None
        return new_id

    def remove_unused_range(self, range_id: int, actor: Actor) -> None:
        self.store.remove_unused_range(range_id, actor)
        self._entries = None

    def set_vote(
        self, sheet: Sheet, contest_id: str, selection_id: str, value: int | None, actor: Actor
    ) -> bool:
        return self._changed(self.store.set_vote(sheet, contest_id, selection_id, value, actor))

    def set_line(
        self,
        sheet: Sheet,
        contest_id: str,
        line: ContestLine,
        value: int | None,
        actor: Actor,
        *,
        reason: str | None = None,
    ) -> bool:
        return self._changed(
            self.store.set_line(sheet, contest_id, line, value, actor, reason=reason)
        )

    def set_contest_ballots(
        self,
        contest_id: str,
        sheet: Sheet,
        value: int | None,
        actor: Actor,
        *,
        reason: str | None = None,
    ) -> bool:
        """K as the worker typed it (or its reason): from now on it no longer follows T.

        The reason is kept only while K differs from the ballot accounting. Writing back the
        automatic K unchanged with no reason to keep changes nothing: it still follows T.
        """
        current = self.ballots_override(contest_id, sheet)
        keep = reason.strip() or None if reason is not None else None
        if value is not None and value == current.t:
            keep = None
        if current.automatic and value == current.k and keep is None:
            return False
        return self.set_line(sheet, contest_id, ContestLine.BALLOTS, value, actor, reason=keep)

    def sync_contest_ballots(self, contest_id: str, sheet: Sheet, actor: Actor) -> bool:
        """Fill K from the ballot accounting while it is blank or was filled automatically.

        K then follows the accounting: each call sets it to the current T (the reference side
        of A3/A5) and marks it automatic. A K the worker typed is never overwritten, nothing
        changes while the accounting is incomplete, and a locked or untrusted precinct is
        left alone. True when K was written.
        """
        if is_locked(self.state) or not self.store.trusted:
            return False
        current = self.ballots_override(contest_id, sheet)
        if current.t is None or not (current.k is None or current.automatic):
            return False
        if current.automatic and current.k == current.t:
            return False
        return self.set_line(
            sheet, contest_id, ContestLine.BALLOTS, current.t, actor, reason=AUTO_BALLOTS_REASON
        )

    def add_write_in(self, sheet: Sheet, contest_id: str, name: str, actor: Actor) -> int:
        new_id = self.store.add_write_in(sheet, contest_id, name, actor)
        self._entries = None
        return new_id

    def set_write_in(
        self,
        write_in_id: int,
        *,
        actor: Actor,
        name: str | None = None,
        count: int | EllipsisType | None = ...,
    ) -> bool:
        return self._changed(
            self.store.set_write_in(write_in_id, name=name, count=count, actor=actor)
        )

    def remove_write_in(self, write_in_id: int, actor: Actor) -> None:
        self.store.remove_write_in(write_in_id, actor)
        self._entries = None

    def fill_blanks_with_zero(
        self,
        actor: Actor,
        *,
        sheet: Sheet | None = None,
        contest_id: str | None = None,
        accounting: bool = False,
    ) -> int:
        filled = self.store.fill_blanks_with_zero(
            actor, sheet=sheet, contest_id=contest_id, accounting=accounting
        )
        self._entries = None
        return filled

    def resolve_difference(
        self, contest_id: str, field: str, value: int, choice: str, actor: Actor
    ) -> None:
        """Settle a sheet A/B difference. A K settled this way is the board's decision: an
        automatic K stops following the accounting first, so a later sync cannot undo it."""
        if field == ContestLine.BALLOTS.value and not is_locked(self.state):
            for sheet in (Sheet.A, Sheet.B):
                current = self.ballots_override(contest_id, sheet)
                if current.automatic:
                    self.set_line(sheet, contest_id, ContestLine.BALLOTS, current.k, actor)
        self.store.resolve_difference(contest_id, field, value, choice, actor)
        self._entries = None

    def add_board_member(self, name: str, role: str, actor: Actor) -> int:
        roles = {r.id for r in self.definition.board_roles}
        if role not in roles:
            raise InputError(
                "unknown_role",
                f"There is no board role {role!r} in this election; choose one of "
                f"{', '.join(sorted(roles))}.",
            )
        return self.store.add_board_member(name, role, actor)

    def remove_board_member(self, member_id: int, actor: Actor) -> None:
        self.store.remove_board_member(member_id, actor)

    def add_seal(self, purpose: str, number: str, actor: Actor) -> int:
        return self.store.add_seal(purpose, number, actor)

    def add_explanation(
        self, finding: Finding, text: str, signer_ids: Sequence[int], actor: Actor
    ) -> int:
        if not text.strip():
            raise InputError(
                "explanation_empty",
                "An explanation cannot be empty; write what the board found.",
            )
        return self.store.add_explanation(
            finding.rule.value,
            finding.subject,
            text.strip(),
            signer_ids,
            actor,
            expected=finding.expected,
            actual=finding.actual,
        )

    # --- the state machine --------------------------------------------------------------

    def finalize(self, confirmer_ids: tuple[int, int], actor: Actor) -> None:
        """Lock the precinct: nothing blocks, every discrepancy is explained, two members confirm.

        Also refused while the file is not trusted, and while any field is blank whatever
        the policy says of A8 (a blank is not a zero). The checks are ``readiness()``, the
        same the finalize page shows. The moves to reconciled and to finalized are one
        transaction (``PrecinctStore.finalize``).
        """
        ready = self.readiness()
        members = {m.id: m for m in self.board()}
        problem = _refusal(ready, confirmer_ids, set(members))
        if problem is not None:
            self.store.record_event(
                EventId.FINALIZE_REFUSED,
                actor,
                {"reason": problem.code},
                disposition="failure",
            )
            raise problem
        self.store.finalize(
            actor,
            {
                "confirmed_by": [members[i].name for i in confirmer_ids],
                "discrepancies": [
                    f"{f.rule.value} {f.subject}"
                    for f in self.findings()
                    if f.severity is Severity.EXPLAIN
                ],
            },
        )
        self._entries = None

    def discrepancies(self) -> tuple[str, ...]:
        """Each explained discrepancy in one line, as the results file flags it."""
        texts = {(e.rule_id, e.subject): e.text for e in self.explanations()}
        return tuple(
            f"{f.rule.value} {f.subject}: {f.message}"
            + (
                f" Explained: {texts[(f.rule.value, f.subject)]}"
                if (f.rule.value, f.subject) in texts
                else ""
            )
            for f in self.findings()
            if f.severity is Severity.EXPLAIN
        )

    def results_document(
        self, *, device_id: str, county_issued: bool, is_test: bool, app_version: str
    ) -> dict[str, Any]:
        """The NIST results document of this finalized precinct, dated when it was finalized
        (so exporting again gives the same bytes); ``correction`` after an amendment."""
        from tally_app.export.results_document import results_document

        finalized = self.finalized_at()
        if finalized is None:
            raise InputError(
                "not_finalized",
                "This precinct is not finalized yet; finalize it before exporting its results.",
            )
        return results_document(
            self.definition,
            self.precinct.id,
            self.entries(),
            generated=finalized,
            device_id=device_id,
            county_issued=county_issued,
            is_test=is_test,
            correction=self.store.amended,
            discrepancies=self.discrepancies(),
            app_version=app_version,
        )

    def begin_correction(self, reason: str, actor: Actor) -> int:
        if not reason.strip():
            raise InputError(
                "correction_reason", "A correction needs a reason; say what must change and why."
            )
        correction_id = self.store.begin_correction(reason.strip(), actor)
        self._entries = None
        return correction_id


def _refusal(
    ready: Readiness, confirmer_ids: tuple[int, int], member_ids: set[int]
) -> InputError | None:
    """Why finalizing is refused (the first reason, in the order a board fixes them)."""
    if not ready.open_for_finalize:
        return InputError(
            "already_finalized",
            "This precinct is already finalized; start a correction to change it.",
        )
    if not ready.trusted:
        return InputError(
            "untrusted_file",
            "This precinct file was changed outside the app, so it cannot be finalized "
            "until a supervisor has checked and acknowledged the problems; call your "
            "supervisor.",
        )
    if ready.blockers:
        return InputError(
            "finalize_blocked",
            f"{len(ready.blockers)} check(s) must be fixed before finalizing; "
            "see the review page for what to recount.",
            findings=ready.blockers,
        )
    if ready.blank:
        return InputError(
            "finalize_blank",
            f"{ready.blank} field(s) are still blank; enter every count (type 0 where "
            "nothing was counted) before finalizing.",
            blank=ready.blank,
        )
    if ready.unexplained:
        return InputError(
            "finalize_unexplained",
            f"{len(ready.unexplained)} discrepancy(ies) need a written explanation signed by "
            "every board member before finalizing.",
            findings=ready.unexplained,
        )
    if len(set(confirmer_ids)) != 2 or not set(confirmer_ids) <= member_ids:
        return InputError(
            "finalize_confirmers",
            "Finalizing needs two different board members to confirm.",
        )
    return None
