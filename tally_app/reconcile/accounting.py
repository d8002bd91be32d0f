"""The ballot-accounting rules of DESIGN §5.1: A1 A2 A8 A9 A10 A12 A13 A15 A16.

Every ballot the board was given must be accounted for (A1), the ballots in the box must match
the voters on the roster (A2), unused ballots must match their serial ranges (A9) and
provisional envelopes the provisional ballots issued (A10). The warnings (A12 A13 A15 A16) point
at numbers that are possible but worth a second look. A rule whose terms are blank is not
evaluated: the A8 ``a8_blank`` finding for the blank field covers it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from math import floor

from tally_app.definition.model import ElectionDefinition, Policy, Precinct, RuleId
from tally_app.entries import (
    Count,
    PrecinctEntries,
    RosterField,
    SerialRange,
    StyleAccounting,
    StyleField,
)
from tally_app.reconcile.equations import (
    Balance,
    a1_equation,
    a2_equation,
    finding_for,
    values_by_symbol,
)
from tally_app.reconcile.findings import Finding, Term, make_finding, ordered
from tally_app.reconcile.messages import FIELD_LABELS
from tally_app.reconcile.scope import (
    EQ_MINUS,
    field_subject,
    field_term,
    precinct_of,
    style_subject,
    style_total,
    style_where,
)


def check_accounting(
    definition: ElectionDefinition, precinct_id: str, entries: PrecinctEntries
) -> tuple[Finding, ...]:
    """Every accounting finding of the precinct, in a stable order."""
    precinct = precinct_of(definition, precinct_id)
    policy = definition.policy
    findings: list[Finding] = []
    for style_id in precinct.ballot_style_ids:
        accounting = entries.styles.get(style_id, StyleAccounting())
        findings.extend(_check_style(policy, precinct, style_id, accounting))
    roster = ((f, entries.roster.get(f)) for f in RosterField)
    findings.extend(_check_fields(policy, roster, None, ""))
    findings.extend(_check_roster(definition, precinct, entries))
    return ordered(findings)


# --- A8 on single fields ----------------------------------------------------------------


def _check_fields(
    policy: Policy,
    values: Iterable[tuple[StyleField | RosterField, Count]],
    style_id: str | None,
    where: str,
) -> Iterator[Finding]:
    """A8: each field entered (blank is not zero) and not negative."""
    for field, value in values:
        subject = field_subject(field, style_id)
        label = FIELD_LABELS[field]
        if value is None:
            yield make_finding(policy, RuleId.A8, "a8_blank", subject, where=where, label=label)
        elif value < 0:
            yield make_finding(
                policy,
                RuleId.A8,
                "a8_negative",
                subject,
                equation=f"{field_term(field, value).symbol} ≥ 0",
                left=(field_term(field, value),),
                expected=0,
                actual=value,
                where=where,
                label=label,
                value=value,
            )


# --- per ballot style -------------------------------------------------------------------


def _check_style(
    policy: Policy, precinct: Precinct, style_id: str, accounting: StyleAccounting
) -> Iterator[Finding]:
    where = style_where(precinct, style_id)
    values = ((f, accounting[f]) for f in StyleField)
    yield from _check_fields(policy, values, style_id, where)
    yield from _a8_tallied(policy, style_id, accounting, where)
    yield from _a1(policy, style_id, accounting, where)
    yield from _a9(policy, style_id, accounting, where)
    yield from _a10(policy, style_id, accounting, where)


def _a8_tallied(
    policy: Policy, style_id: str, accounting: StyleAccounting, where: str
) -> Iterator[Finding]:
    """A8: T = V − V_prov − X cannot be negative, and blank ballots B are a subset of T."""
    v = accounting[StyleField.VOTED]
    p = accounting[StyleField.PROVISIONAL]
    x = accounting[StyleField.REJECTED]
    b = accounting[StyleField.BLANK]
    t = accounting.tallied
    if t is None or v is None or p is None or x is None:
        return
    if t < 0:
        yield make_finding(
            policy,
            RuleId.A8,
            "a8_tallied_negative",
            style_subject(style_id),
            equation="V ≥ V_prov + X",
            left=(field_term(StyleField.VOTED, v),),
            right=(field_term(StyleField.PROVISIONAL, p), field_term(StyleField.REJECTED, x)),
            expected=p + x,
            actual=v,
            where=where,
            V=v,
            V_prov=p,
            X=x,
            taken=p + x,
        )
    if b is not None and 0 <= t < b:  # a negative T is reported above, once
        yield make_finding(
            policy,
            RuleId.A8,
            "a8_blank_exceeds_tallied",
            field_subject(StyleField.BLANK, style_id),
            equation=f"B ≤ V {EQ_MINUS} V_prov {EQ_MINUS} X",
            left=(field_term(StyleField.BLANK, b),),
            right=(
                field_term(StyleField.VOTED, v),
                field_term(StyleField.PROVISIONAL, p, -1),
                field_term(StyleField.REJECTED, x, -1),
            ),
            expected=t,
            actual=b,
            where=where,
            B=b,
            T=t,
            V=v,
            V_prov=p,
            X=x,
        )


def _a1(
    policy: Policy, style_id: str, accounting: StyleAccounting, where: str
) -> Iterator[Finding]:
    """A1: every ballot received is voted, spoiled or unused: R = V + S + U."""
    eq = a1_equation(style_id, accounting)
    if eq.balance is not Balance.OFF:
        return
    values = values_by_symbol(eq)
    yield finding_for(
        policy,
        eq,
        "a1_unbalanced",
        where=where,
        R=eq.left_total,
        V=values["V"],
        S=values["S"],
        U=values["U"],
        total=eq.right_total,
    )


def _a9(
    policy: Policy, style_id: str, accounting: StyleAccounting, where: str
) -> Iterator[Finding]:
    """A9: unused ballots match their serial ranges, and the ranges do not overlap."""
    subject = style_subject(style_id)
    ranges = accounting.unused_ranges
    reversed_ = [r for r in ranges if r.last < r.first]
    for r in reversed_:
        yield make_finding(
            policy,
            RuleId.A8,
            "a8_range_reversed",
            f"{subject}/field:{StyleField.UNUSED.value}",
            equation="last ≥ first",
            left=(Term("last", "last serial", r.last),),
            right=(Term("first", "first serial", r.first),),
            expected=r.first,
            actual=r.last,
            where=where,
            first=str(r.first),
            last=str(r.last),
        )
    valid = sorted((r for r in ranges if r.last >= r.first), key=lambda r: (r.first, r.last))
    for i, later in enumerate(valid):
        for earlier in valid[:i]:
            if later.first <= earlier.last:
                yield make_finding(
                    policy,
                    RuleId.A9,
                    "a9_overlap",
                    subject,
                    where=where,
                    r1=_range_text(earlier),
                    r2=_range_text(later),
                )
    unused = accounting[StyleField.UNUSED]
    if unused is None or reversed_:
        return
    left = (field_term(StyleField.UNUSED, unused),)
    if not ranges:
        if unused > 0:
            yield make_finding(
                policy,
                RuleId.A9,
                "a9_no_ranges",
                subject,
                equation=f"U = Σ (last {EQ_MINUS} first + 1)",
                left=left,
                expected=0,
                actual=unused,
                where=where,
                U=unused,
            )
        return
    right = tuple(
        Term(f"r{i + 1}", f"serials {_range_text(r)}", r.size) for i, r in enumerate(ranges)
    )
    expected = sum(r.size for r in ranges)
    if unused != expected:
        yield make_finding(
            policy,
            RuleId.A9,
            "a9_unbalanced",
            subject,
            equation=f"U = Σ (last {EQ_MINUS} first + 1)",
            left=left,
            right=right,
            expected=expected,
            actual=unused,
            where=where,
            U=unused,
            ranges=", ".join(_range_text(r) for r in ranges),
        )


def _range_text(r: SerialRange) -> str:
    return f"{r.first}–{r.last}"


def _a10(
    policy: Policy, style_id: str, accounting: StyleAccounting, where: str
) -> Iterator[Finding]:
    """A10: each provisional ballot issued comes back as a sealed envelope."""
    envelopes = accounting[StyleField.PROVISIONAL]
    issued = accounting[StyleField.PROVISIONAL_ISSUED]
    if envelopes is None or issued is None or envelopes == issued:
        return
    yield make_finding(
        policy,
        RuleId.A10,
        "a10_unbalanced",
        style_subject(style_id),
        equation="V_prov = P_issued",
        left=(field_term(StyleField.PROVISIONAL, envelopes),),
        right=(field_term(StyleField.PROVISIONAL_ISSUED, issued),),
        expected=issued,
        actual=envelopes,
        where=where,
        V_prov=envelopes,
        P=issued,
    )


# --- per precinct -----------------------------------------------------------------------


def _tallied(precinct: Precinct, entries: PrecinctEntries) -> int | None:
    """T = Σ T_s over the precinct's ballot styles, None while any term is blank."""
    total = 0
    for style_id in precinct.ballot_style_ids:
        t = entries.styles.get(style_id, StyleAccounting()).tallied
        if t is None:
            return None
        total += t
    return total


def _check_roster(
    definition: ElectionDefinition, precinct: Precinct, entries: PrecinctEntries
) -> Iterator[Finding]:
    policy = definition.policy
    sig = entries.roster.get(RosterField.SIGNATURES)
    nv = entries.roster.get(RosterField.NOT_VOTED)
    surrendered = entries.roster.get(RosterField.VBM_SURRENDERED)
    voters = None if sig is None or nv is None else sig - nv
    roster_terms = (
        field_term(RosterField.SIGNATURES, sig),
        field_term(RosterField.NOT_VOTED, nv, -1),
    )
    t = _tallied(precinct, entries)

    # A2: the ballots in the box match the voters on the roster.
    a2 = a2_equation(policy, precinct, entries)
    if a2.balance is Balance.OFF:
        values = values_by_symbol(a2)
        yield finding_for(
            policy,
            a2,
            "a2_unbalanced_roster" if policy.provisional_voters_sign_roster else "a2_unbalanced",
            V=values["V"],
            V_prov=values.get("V_prov"),  # not a term when provisional voters sign the roster
            ballots=a2.left_total,
            Sig=values["Sig"],
            NV=values["NV"],
            voters=a2.right_total,
        )

    # A12: a voter surrenders a vote-by-mail packet to vote at the polls, so signs the roster.
    if voters is not None and surrendered is not None and surrendered > voters:
        yield make_finding(
            policy,
            RuleId.A12,
            "a12_surrendered_exceed_voters",
            field_subject(RosterField.VBM_SURRENDERED),
            equation=f"VBM_surr ≤ Sig {EQ_MINUS} NV",
            left=(field_term(RosterField.VBM_SURRENDERED, surrendered),),
            right=roster_terms,
            expected=voters,
            actual=surrendered,
            VBM_surr=surrendered,
            voters=voters,
            Sig=sig,
            NV=nv,
        )

    # A13: blank ballots are reported; unusually many are worth a look.
    blank = style_total(precinct, entries, StyleField.BLANK)
    fraction = policy.blank_ballot_warn_fraction
    if blank is not None and t is not None and blank > fraction * t:
        limit = floor(fraction * t)
        yield make_finding(
            policy,
            RuleId.A13,
            "a13_many_blank",
            "precinct",
            equation="B ≤ fraction × T",
            left=(field_term(StyleField.BLANK, blank),),
            right=(Term("fraction×T", f"{_percent(fraction)} of the ballots tallied", limit),),
            expected=limit,
            actual=blank,
            B=blank,
            T=t,
            pct=_percent(fraction),
        )

    # A15: more voters than registered voters.
    registered = precinct.registered_voters
    if registered is not None and voters is not None and voters > registered:
        yield make_finding(
            policy,
            RuleId.A15,
            "a15_voters_exceed_registered",
            "precinct",
            equation=f"Sig {EQ_MINUS} NV ≤ registered",
            left=roster_terms,
            right=(Term("registered", "registered voters", registered),),
            expected=registered,
            actual=voters,
            voters=voters,
            registered=registered,
        )

    # A16: small counts are not posted by candidate, to keep the vote secret.
    threshold = policy.small_count_threshold
    if policy.small_count_suppression and t is not None and t < threshold:
        yield make_finding(
            policy,
            RuleId.A16,
            "a16_small_count",
            "precinct",
            equation="T ≥ threshold",
            left=(Term("T", "ballots tallied", t),),
            right=(Term("threshold", "small-count threshold", threshold),),
            expected=threshold,
            actual=t,
            T=t,
            threshold=threshold,
        )


def _percent(fraction: float) -> str:
    return f"{fraction * 100:g}%"
