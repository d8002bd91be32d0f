"""The per-contest rules of DESIGN §5.1: A3 A4 A4a A5 A6 A8 A14, for one contest on one sheet.

This is what the contest page shows live while a tally keeper types, so it looks at one
contest and one sheet only (plus the precinct's ballots tallied, for A3/A5). Every ballot has
N votes (vote for N), each one a vote, an undervote or part of an overvote, so the marks of a
contest add up to N × K_c (A4); an overvoted ballot adds N overvotes (A4a).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, assert_never

from tally_app.definition.model import (
    CandidateContest,
    Contest,
    ElectionDefinition,
    MeasureContest,
    Policy,
    Precinct,
    RuleId,
    selection_names,
)
from tally_app.entries import ContestEntry, ContestLine, PrecinctEntries, Sheet, WriteIn
from tally_app.errors import InputError
from tally_app.reconcile.findings import Finding, Term, make_finding, ordered, term_sum
from tally_app.reconcile.messages import FIELD_LABELS
from tally_app.reconcile.scope import (
    contest_subject,
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


def check_contest(
    definition: ElectionDefinition,
    precinct_id: str,
    entries: PrecinctEntries,
    contest_id: str,
    sheet: Sheet,
) -> tuple[Finding, ...]:
    """Every finding for one contest as entered on one sheet, in a stable order."""
    precinct = precinct_of(definition, precinct_id)
    contest = _contest_of(definition, precinct, contest_id)
    entry = entries.contest(sheet, contest.id) or ContestEntry(contest.id, {}, {})
    where = f"{contest.title}: " if sheet == Sheet.A else f"{contest.title}, sheet {sheet}: "
    ctx = _Context(definition.policy, contest, entry, sheet, where)
    findings: list[Finding] = []
    findings.extend(_a8_fields(ctx))
    findings.extend(_a8_limits(ctx))
    findings.extend(_a3_a5(ctx, definition, precinct, entries))
    match contest:
        case CandidateContest():
            findings.extend(_a4(ctx, contest))
            findings.extend(_a4a(ctx, contest))
            findings.extend(_a14(ctx, contest))
        case MeasureContest():
            findings.extend(_a6(ctx, contest))
        case _:
            assert_never(contest)
    return ordered(findings)


def _contest_of(definition: ElectionDefinition, precinct: Precinct, contest_id: str) -> Contest:
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


def _a3_a5(
    ctx: _Context, definition: ElectionDefinition, precinct: Precinct, entries: PrecinctEntries
) -> Iterator[Finding]:
    """A3 (contest on every style): K_c = T. A5 (on some styles): K_c = Σ T_s of those styles."""
    k = ctx.entry.ballots
    carrying = definition.styles_carrying(precinct.id, ctx.contest.id)
    on_every_style = set(carrying) == set(precinct.ballot_style_ids)
    right: list[Term] = []
    for style_id in carrying:
        accounting = entries.styles.get(style_id)
        t_s = None if accounting is None else accounting.tallied
        right.append(Term(f"T_{style_id}", f"ballots tallied on ballot style {style_id}", t_s))
    t = term_sum(right)
    if k is None or t is None or k == t:
        return
    left = (field_term(ContestLine.BALLOTS, k),)
    if on_every_style:
        yield ctx.finding(
            RuleId.A3,
            "a3_ballots_differ",
            line_subject(ctx.contest.id, ContestLine.BALLOTS),
            equation="K = T",
            left=left,
            right=(Term("T", "ballots tallied for the precinct", t),),
            expected=t,
            actual=k,
            K=k,
            T=t,
        )
    else:
        yield ctx.finding(
            RuleId.A5,
            "a5_ballots_differ",
            line_subject(ctx.contest.id, ContestLine.BALLOTS),
            equation="K = Σ T_s over the ballot styles carrying the contest",
            left=left,
            right=tuple(right),
            expected=t,
            actual=k,
            K=k,
            T=t,
            styles="ballot style" + ("s " if len(carrying) > 1 else " ") + ", ".join(carrying),
        )


# --- A4 / A4a / A14 (candidate contests) ------------------------------------------------


def _a4(ctx: _Context, contest: CandidateContest) -> Iterator[Finding]:
    """A4: Σ votes + unqualified write-ins + undervotes + overvotes = N × K_c."""
    entry = ctx.entry
    k = entry.ballots
    votes = tuple(Term(c.id, c.name, entry.votes.get(c.id)) for c in contest.candidates)
    listed = listed_write_ins(entry.write_ins)
    write_ins = _sum(w.count for w in listed)
    left = votes
    if contest.unqualified_write_ins or listed:
        left += (Term("W", "unqualified write-ins", write_ins),)
    under = entry.undervotes
    over = entry.overvotes
    left += (field_term(ContestLine.UNDERVOTES, under), field_term(ContestLine.OVERVOTES, over))
    total = term_sum(left)
    if k is None or total is None:
        return
    n = contest.vote_for
    expected = n * k
    if total == expected:
        return
    yield ctx.finding(
        RuleId.A4,
        "a4_unbalanced",
        ctx.subject,
        equation="Σ votes + W + under + over = N × K",
        left=left,
        right=(Term("N×K", f"{n} votes allowed × ballots tallied ({k})", expected),),
        expected=expected,
        actual=total,
        votes=term_sum(votes),
        write_ins=write_ins or 0,
        under=under,
        over=over,
        total=total,
        n=n,
        K=k,
    )


def _a6(ctx: _Context, contest: MeasureContest) -> Iterator[Finding]:
    """A6: yes + no + undervotes + overvotes = K_c (a measure allows one vote)."""
    entry = ctx.entry
    k = entry.ballots
    yes, no = contest.options
    left = (
        Term(yes.id, yes.name, entry.votes.get(yes.id)),
        Term(no.id, no.name, entry.votes.get(no.id)),
        field_term(ContestLine.UNDERVOTES, entry.undervotes),
        field_term(ContestLine.OVERVOTES, entry.overvotes),
    )
    total = term_sum(left)
    if k is None or total is None or total == k:
        return
    yield ctx.finding(
        RuleId.A6,
        "a6_unbalanced",
        ctx.subject,
        equation="yes + no + under + over = K",
        left=left,
        right=(field_term(ContestLine.BALLOTS, k),),
        expected=k,
        actual=total,
        yes_name=yes.name,
        yes=left[0].value,
        no_name=no.name,
        no=left[1].value,
        under=entry.undervotes,
        over=entry.overvotes,
        total=total,
        K=k,
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


def _sum(values: Iterable[int | None]) -> int | None:
    total = 0
    for v in values:
        if v is None:
            return None
        total += v
    return total
