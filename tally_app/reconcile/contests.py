"""The per-contest rules of DESIGN §5.1: A3 A4 A4a A5 A6 A8 A14, for one contest on one sheet.

This is what the contest page shows live while a tally keeper types, so it looks at one
contest and one sheet only (plus the precinct's ballots tallied, for A3/A5). Every ballot has
N votes (vote for N), each one a vote, an undervote or part of an overvote, so the marks of a
contest add up to N × K_c (A4); an overvoted ballot adds N overvotes (A4a).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, assert_never

from tally_app.definition.model import (
    CandidateContest,
    Contest,
    ElectionDefinition,
    MeasureContest,
    Policy,
    RuleId,
    selection_names,
)
from tally_app.entries import ContestEntry, ContestLine, PrecinctEntries, Sheet, WriteIn
from tally_app.reconcile.equations import (
    Balance,
    Equation,
    a3_a5_equation,
    a4_equation,
    a6_equation,
    finding_for,
)
from tally_app.reconcile.findings import Finding, Term, make_finding, ordered, term_sum
from tally_app.reconcile.messages import FIELD_LABELS
from tally_app.reconcile.scope import (
    contest_of,
    contest_subject,
    entry_of,
    field_term,
    line_subject,
    listed_write_ins,
    precinct_of,
    selection_subject,
    write_in_subject,
)


@dataclass(frozen=True, slots=True)
class _Context:
    """What every rule of one contest on one sheet needs."""

    policy: Policy
    contest: Contest
    entry: ContestEntry
    sheet: Sheet
    where: str

    @property
    def subject(self) -> str:
        return contest_subject(self.contest.id)

    def finding(self, rule: RuleId, code: str, subject: str, **kwargs: Any) -> Finding:
        return make_finding(
            self.policy, rule, code, subject, sheet=self.sheet, where=self.where, **kwargs
        )

    def finding_for(self, eq: Equation, code: str, **params: object) -> Finding:
        """The finding of an OFF equation of this contest on this sheet."""
        return finding_for(self.policy, eq, code, where=self.where, **params)


def check_contest(
    definition: ElectionDefinition,
    precinct_id: str,
    entries: PrecinctEntries,
    contest_id: str,
    sheet: Sheet,
) -> tuple[Finding, ...]:
    """Every finding for one contest as entered on one sheet, in a stable order."""
    precinct = precinct_of(definition, precinct_id)
    contest = contest_of(definition, precinct, contest_id)
    entry = entry_of(entries, sheet, contest)
    where = f"{contest.title}: " if sheet == Sheet.A else f"{contest.title}, sheet {sheet}: "
    ctx = _Context(definition.policy, contest, entry, sheet, where)
    findings: list[Finding] = []
    findings.extend(_a8_fields(ctx))
    findings.extend(_a8_limits(ctx))
    a3_a5 = a3_a5_equation(definition, precinct, entries, contest, entry, sheet)
    findings.extend(_a3_a5(ctx, a3_a5, definition.styles_carrying(precinct.id, contest.id)))
    match contest:
        case CandidateContest():
            findings.extend(_a4(ctx, contest, a4_equation(contest, entry, sheet)))
            findings.extend(_a4a(ctx, contest))
            findings.extend(_a14(ctx, contest))
        case MeasureContest():
            findings.extend(_a6(ctx, contest, a6_equation(contest, entry, sheet)))
        case _:
            assert_never(contest)
    return ordered(findings)


def _records_write_ins(contest: Contest) -> bool:
    match contest:
        case CandidateContest():
            return contest.unqualified_write_ins
        case MeasureContest():
            return False
        case _:
            assert_never(contest)


def _write_in_label(w: WriteIn) -> str:
    return f'the write-in "{w.name.strip()}"' if w.name.strip() else "an unnamed write-in"


# --- A8 ---------------------------------------------------------------------------------


def _a8_fields(ctx: _Context) -> Iterator[Finding]:
    """A8: every count entered and not negative; write-in lines named and allowed."""
    contest, entry = ctx.contest, ctx.entry
    cells: list[tuple[str, str, int | None]] = [
        (selection_subject(contest.id, sid), name, entry.votes.get(sid))
        for sid, name in selection_names(contest).items()
    ]
    cells += [
        (line_subject(contest.id, line), FIELD_LABELS[line], entry.lines.get(line))
        for line in ContestLine
    ]
    listed = listed_write_ins(entry.write_ins)
    for w in listed:
        subject = write_in_subject(contest.id, w.id)
        if not w.name.strip():
            yield ctx.finding(RuleId.A8, "a8_write_in_unnamed", subject, count=w.count)
        cells.append((subject, _write_in_label(w), w.count))
    for subject, label, value in cells:
        if value is None:
            yield ctx.finding(RuleId.A8, "a8_blank", subject, label=label)
        elif value < 0:
            yield ctx.finding(
                RuleId.A8,
                "a8_negative",
                subject,
                equation="count ≥ 0",
                left=(Term("count", label, value),),
                expected=0,
                actual=value,
                label=label,
                value=value,
            )
    if listed and not _records_write_ins(contest):
        yield ctx.finding(RuleId.A8, "a8_write_ins_not_recorded", ctx.subject, rows=len(listed))


def _a8_limits(ctx: _Context) -> Iterator[Finding]:
    """A8: no option has more votes than there are ballots; under/over at most N × K_c."""
    contest, entry = ctx.contest, ctx.entry
    k = entry.ballots
    if k is None:
        return
    ballots = field_term(ContestLine.BALLOTS, k)
    options: list[tuple[str, str, int | None]] = [
        (selection_subject(contest.id, sid), name, entry.votes.get(sid))
        for sid, name in selection_names(contest).items()
    ]
    options += [
        (write_in_subject(contest.id, w.id), _write_in_label(w), w.count)
        for w in listed_write_ins(entry.write_ins)
    ]
    for subject, label, votes in options:
        if votes is not None and votes > k:
            yield ctx.finding(
                RuleId.A8,
                "a8_over_ballots",
                subject,
                equation="votes ≤ K",
                left=(Term("votes", label, votes),),
                right=(ballots,),
                expected=k,
                actual=votes,
                label=label,
                votes=votes,
                K=k,
            )
    n = contest.vote_for
    limit = n * k
    for line, code, param in (
        (ContestLine.UNDERVOTES, "a8_undervotes_exceed", "under"),
        (ContestLine.OVERVOTES, "a8_overvotes_exceed", "over"),
    ):
        value = entry.lines.get(line)
        if value is not None and value > limit:
            yield ctx.finding(
                RuleId.A8,
                code,
                line_subject(contest.id, line),
                equation=f"{param} ≤ N × K",
                left=(field_term(line, value),),
                right=(Term("N×K", f"{n} votes allowed × ballots tallied ({k})", limit),),
                expected=limit,
                actual=value,
                n=n,
                K=k,
                limit=limit,
                **{param: value},
            )


# --- A3 / A5 ----------------------------------------------------------------------------


def _a3_a5(ctx: _Context, eq: Equation, carrying: tuple[str, ...]) -> Iterator[Finding]:
    """A3 (contest on every style): K_c = T. A5 (on some styles): K_c = Σ T_s of those styles."""
    if eq.balance is not Balance.OFF:
        return
    if eq.rule is RuleId.A3:
        yield ctx.finding_for(eq, "a3_ballots_differ", K=eq.left_total, T=eq.right_total)
    else:
        yield ctx.finding_for(
            eq,
            "a5_ballots_differ",
            K=eq.left_total,
            T=eq.right_total,
            styles="ballot style" + ("s " if len(carrying) > 1 else " ") + ", ".join(carrying),
        )


# --- A4 / A4a / A14 (candidate contests) ------------------------------------------------


def _a4(ctx: _Context, contest: CandidateContest, eq: Equation) -> Iterator[Finding]:
    """A4: Σ votes + unqualified write-ins + undervotes + overvotes = N × K_c."""
    if eq.balance is not Balance.OFF:
        return
    # The left side is the candidates' votes, then W when it is a term, then under and over.
    votes, extra = eq.left[: len(contest.candidates)], eq.left[len(contest.candidates) : -2]
    under, over = eq.left[-2:]
    yield ctx.finding_for(
        eq,
        "a4_unbalanced",
        votes=term_sum(votes),
        write_ins=term_sum(extra),
        under=under.value,
        over=over.value,
        total=eq.left_total,
        n=contest.vote_for,
        K=ctx.entry.ballots,
    )


def _a6(ctx: _Context, contest: MeasureContest, eq: Equation) -> Iterator[Finding]:
    """A6: yes + no + undervotes + overvotes = K_c (a measure allows one vote)."""
    if eq.balance is not Balance.OFF:
        return
    entry = ctx.entry
    yes, no = contest.options
    yield ctx.finding_for(
        eq,
        "a6_unbalanced",
        yes_name=yes.name,
        yes=eq.left[0].value,
        no_name=no.name,
        no=eq.left[1].value,
        under=entry.undervotes,
        over=entry.overvotes,
        total=eq.left_total,
        K=eq.right_total,
    )


def _a4a(ctx: _Context, contest: CandidateContest) -> Iterator[Finding]:
    """A4a: an overvoted vote-for-N ballot adds N overvotes, so overvotes mod N = 0."""
    over = ctx.entry.overvotes
    n = contest.vote_for
    if over is None or over < 0 or over % n == 0:
        return
    rem = over % n
    yield ctx.finding(
        RuleId.A4a,
        "a4a_not_multiple",
        line_subject(contest.id, ContestLine.OVERVOTES),
        equation="over mod N = 0",
        left=(field_term(ContestLine.OVERVOTES, over),),
        right=(Term("N", "votes allowed", n),),
        expected=over - rem,
        actual=over,
        over=over,
        n=n,
        rem=rem,
        lower=over - rem,
    )


def _a14(ctx: _Context, contest: CandidateContest) -> Iterator[Finding]:
    """A14: unqualified write-ins are listed by name, not counted for anyone."""
    if not contest.unqualified_write_ins:
        return
    listed = listed_write_ins(ctx.entry.write_ins)
    counted = sum(w.count for w in listed if w.count is not None and w.count > 0)
    if counted > 0:
        yield ctx.finding(
            RuleId.A14,
            "a14_listed_not_counted",
            ctx.subject,
            left=tuple(Term(f"write_in:{w.id}", _write_in_label(w), w.count) for w in listed),
            actual=counted,
            W=counted,
        )
