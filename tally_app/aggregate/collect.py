"""The supervisor's aggregation (DESIGN §11): verify every bundle, sum only what may be summed.

Every bundle found is checked (`tally_app.aggregate.check`), then held against the election
definition: the same election, the same definition fingerprint, and every precinct, contest
and selection id known (a bundle without a manifest, from another producer, cannot prove its
fingerprint: it is accepted on its ids and says "fingerprint not checked"). TEST bundles are
refused unless ``allow_test`` (then real and TEST bundles are both summed and every output is
marked TEST, as a dry run of election night must be).

Only a precinct's whole count is summed: Status unofficial-complete, correction or
certified (pre-election and unofficial-partial are rejected). Every contest's arithmetic is
re-checked with the DEFINITION's vote-for and ballot styles, not the file's own
VotesAllowed/BallotStyle (a file whose VotesAllowed differs is rejected). A file without an
election id must still hold this election's date (and type, if it gives one).

Then, among the bundles not rejected: equal results.json bytes are one bundle (the others
are ``duplicate``); results are keyed by precinct and the reporting device's ``DeviceClass``
type, so a central vote-by-mail count adds to the precinct's hand count; two different
bundles with one key are a ``conflict`` and neither is summed, unless one is a
``correction`` generated later than every other (and of the same IsTest: a TEST bundle never
replaces a real one), which supersedes them (``superseded``). A bundle whose device is of
unknown kind (none named, "unknown" or "other") is never added to another count of its
precinct: it conflicts with every other bundle of that precinct (the safe rule: it might be
the same count re-exported), and in that case a later correction replaces nothing unless
all of them are of one kind. A bundle not summed is in conflict for all its precincts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tally_app.aggregate.check import Checked, check_all
from tally_app.aggregate.extract import (
    UNKNOWN_DEVICE,
    ContestCount,
    Extracted,
    PrecinctCounts,
    SelectionCount,
)
from tally_app.aggregate.model import (
    Aggregation,
    BundleOutcome,
    ContestTotal,
    Disposition,
    PrecinctRow,
    SelectionTotal,
)
from tally_app.definition.model import CandidateContest, ElectionDefinition
from tally_app.verify.discover import discover

if TYPE_CHECKING:
    from cryptography import x509

WRITE_INS_SUFFIX = "-write-ins"
WRITE_INS_NAME = "Write-ins"
CORRECTION = "correction"
# A precinct's whole count (DESIGN §10): its first report, a correction of it, or the count
# certified later. pre-election (a logic-and-accuracy report without IsTest) and
# unofficial-partial (a count not finished) are never summed as a precinct's count.
# A device that does not say what kind of count it made (DeviceClass absent, "unknown" or
# "other"): see _groups.
VAGUE_DEVICES = frozenset({UNKNOWN_DEVICE, "other"})
ANY_DEVICE = "*"
SUMMABLE_STATUSES = frozenset({"unofficial-complete", CORRECTION, "certified"})
NOT_CHECKED = (
    "fingerprint not checked: the bundle has no manifest, so every election, precinct, "
    "contest and selection id was checked against the election definition instead."
)


@dataclass(frozen=True, slots=True)
class _Index:
    """The definition, indexed once (a 5,000-precinct definition is searched 5,000 times)."""

    definition: ElectionDefinition
    carried: dict[str, frozenset[str]]  # precinct id -> contest ids on any of its ballots
    everywhere: dict[str, frozenset[str]]  # precinct id -> contest ids on all of its ballots
    selections: dict[str, frozenset[str]]  # contest id -> selection ids
    vote_for: dict[str, int]  # contest id -> the definition's vote-for
    candidate_contests: frozenset[str]
    unqualified_write_ins: frozenset[str]  # contests whose write-in names are pooled

    @classmethod
    def of(cls, definition: ElectionDefinition) -> _Index:
        styles = {s.id: frozenset(s.contest_ids) for s in definition.ballot_styles}
        carried: dict[str, frozenset[str]] = {}
        everywhere: dict[str, frozenset[str]] = {}
        for p in definition.precincts:
            own = [styles.get(s, frozenset()) for s in p.ballot_style_ids]
            carried[p.id] = frozenset().union(*own)
            everywhere[p.id] = frozenset.intersection(*own) if own else frozenset()
        return cls(
            definition,
            carried,
            everywhere,
            {c.id: frozenset(c.selection_ids) for c in definition.contests},
            {c.id: c.vote_for for c in definition.contests},
            frozenset(c.id for c in definition.contests if isinstance(c, CandidateContest)),
            frozenset(
                c.id
                for c in definition.contests
                if isinstance(c, CandidateContest) and c.unqualified_write_ins
            ),
        )


def _pooled(contest_id: str, selection: SelectionCount, index: _Index) -> bool:
    """The one selection pooling a contest's unqualified write-ins: this application's own
    ``<contest>-write-ins``, or (from another producer) a selection flagged IsWriteIn with no
    candidate, where the definition lets the board pool unqualified write-ins."""
    if contest_id not in index.candidate_contests:
        return False
    if selection.id == contest_id + WRITE_INS_SUFFIX:
        return True
    return selection.pooled_write_in and contest_id in index.unqualified_write_ins


def _election_problem(extracted: Extracted, definition: ElectionDefinition) -> str | None:
    """A file naming its election id must name this one; a file naming none (another
    producer) must at least hold this election's date and, if it says, its type."""
    for election_id in extracted.election_ids:
        if election_id != definition.id:
            return f"This bundle is for election {election_id!r}, not {definition.id!r}."
    if extracted.election_ids:
        return None
    if extracted.start_date[:10] != definition.date[:10]:
        return (
            f"This file names no election id and is for an election on "
            f"{extracted.start_date or 'no date'}, not {definition.title} on {definition.date}."
        )
    if extracted.election_type and extracted.election_type != definition.type:
        return (
            f"This file names no election id and is for a {extracted.election_type} election, "
            f"not {definition.title} (a {definition.type} election)."
        )
    return None


def _arithmetic_problem(pc: PrecinctCounts, contest: ContestCount, index: _Index) -> str | None:
    """Votes + overvotes + undervotes against the DEFINITION's vote-for and ballot styles,
    never the file's own VotesAllowed or BallotStyle (as tally_app.verify.arithmetic does
    with the file's): exactly vote-for × ballots where every ballot style of the precinct
    carries the contest, else at most that and a whole multiple of vote-for."""
    allowed = index.vote_for[contest.id]
    if contest.votes_allowed is not None and contest.votes_allowed != allowed:
        return (
            f"Contest {contest.id!r} says {contest.votes_allowed} vote(s) allowed, but the "
            f"election definition says vote for {allowed}."
        )
    marks = sum(s.votes for s in contest.selections) + contest.overvotes + contest.undervotes
    most = allowed * pc.ballots
    if contest.id in index.everywhere[pc.precinct_id]:
        if marks != most:
            return (
                f"Contest {contest.id!r} in precinct {pc.precinct_id!r}: votes, overvotes and "
                f"undervotes add up to {marks}, but {pc.ballots} ballots × {allowed} vote(s) "
                f"allowed = {most}."
            )
    elif marks > most or marks % allowed:
        return (
            f"Contest {contest.id!r} in precinct {pc.precinct_id!r}: votes, overvotes and "
            f"undervotes add up to {marks}, which is not a whole number of ballots × "
            f"{allowed} vote(s) allowed up to {pc.ballots} ballots."
        )
    return None


def _contest_problem(pc: PrecinctCounts, contest: ContestCount, index: _Index) -> str | None:
    definition = index.definition
    known = index.selections.get(contest.id)
    if known is None:
        return f"Contest {contest.id!r} is not in election {definition.id!r}."
    if contest.id not in index.carried[pc.precinct_id]:
        return f"Contest {contest.id!r} is not on the ballots of precinct {pc.precinct_id!r}."
    seen = set()
    pooled = 0
    for s in contest.selections:
        if s.id in known:
            seen.add(s.id)
        elif _pooled(contest.id, s, index) and not pooled:
            pooled += 1
        else:
            return (
                f"Selection {s.id!r} of contest {contest.id!r} is not in the election definition."
            )
    if seen != known:
        absent = sorted(known - seen)[0]
        return (
            f"results.json has no count for selection {absent!r} of contest "
            f"{contest.id!r} in precinct {pc.precinct_id!r}."
        )
    return _arithmetic_problem(pc, contest, index)


def _definition_problem(checked: Checked, index: _Index) -> str | None:
    """Why a verified bundle does not belong to this election, in one sentence, or None."""
    definition = index.definition
    extracted = checked.extracted
    assert extracted is not None
    problem = _election_problem(extracted, definition)
    if problem is not None:
        return problem
    if checked.fingerprint is not None and checked.fingerprint != definition.fingerprint:
        return (
            f"This bundle was made with another election definition (fingerprint "
            f"{checked.fingerprint[:12]}…, not {definition.fingerprint[:12]}…)."
        )
    for pc in extracted.precincts:
        carried = index.carried.get(pc.precinct_id)
        if carried is None:
            return f"Precinct {pc.precinct_id!r} is not in election {definition.id!r}."
        for contest in pc.contests:
            problem = _contest_problem(pc, contest, index)
            if problem is not None:
                return problem
        reported = {c.id for c in pc.contests}
        if carried - reported:
            return (
                f"results.json has no counts for contest {sorted(carried - reported)[0]!r}, which "
                f"is on the ballots of precinct {pc.precinct_id!r}."
            )
    return None


def _rejection(checked: Checked, index: _Index, allow_test: bool) -> str | None:
    if checked.problems:
        first, more = checked.problems[0], len(checked.problems) - 1
        if more:
            return f"{first.rstrip('.')} (and {more} more problem{'s' if more > 1 else ''})."
        return first
    if checked.is_test and not allow_test:
        return "This is a TEST bundle (from a test deck); TEST bundles are summed only with --test."
    if checked.status not in SUMMABLE_STATUSES:
        return (
            f"This results file's Status is {checked.status or 'not given'}, not a precinct's "
            "whole count; only unofficial-complete, correction or certified results are summed."
        )
    if checked.extracted is None:
        return "results.json could not be read."
    return _definition_problem(checked, index)


def _when(generated: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(generated)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _keys(checked: Checked) -> set[tuple[str, str]]:
    assert checked.extracted is not None
    return {(p.precinct_id, p.device_class) for p in checked.extracted.precincts}


def _groups(kept: Sequence[Checked]) -> dict[tuple[str, str], list[Checked]]:
    """The bundles that claim one count: same precinct and same kind of device. A device
    of unknown kind (none named, or "unknown"/"other") may be the very device another key
    names, so the safe rule is that such a bundle claims the precinct's count as a whole: it
    shares one group with every other bundle of that precinct and is never added to any of
    them (two of them: a conflict, never a double count)."""
    by_key: dict[tuple[str, str], list[Checked]] = defaultdict(list)
    vague: set[str] = set()
    for checked in kept:
        for precinct_id, device in sorted(_keys(checked)):
            by_key[precinct_id, device].append(checked)
            if device in VAGUE_DEVICES:
                vague.add(precinct_id)
    groups: dict[tuple[str, str], list[Checked]] = {}
    for (precinct_id, device), group in sorted(by_key.items()):
        if precinct_id not in vague:
            groups[precinct_id, device] = group
            continue
        merged = groups.setdefault((precinct_id, ANY_DEVICE), [])
        merged.extend(c for c in group if all(m.path != c.path for m in merged))
    return groups


def _settle(
    kept: Sequence[Checked],
) -> tuple[dict[Path, tuple[Disposition, str]], dict[str, set[Path]]]:
    """Conflicts and superseded bundles among the distinct bundles not rejected.

    A bundle not summed is not summed for any of its precincts, so every one of them is
    listed under conflicts (never "missing"); a correction supersedes a bundle only if it
    covers all of that bundle's keys, else the bundle is in conflict."""
    fate: dict[Path, tuple[Disposition, str]] = {}
    replaced: dict[Path, Checked] = {}
    by_path = {c.path: c for c in kept}
    for (precinct_id, device), group in sorted(_groups(kept).items()):
        if len(group) < 2:
            continue
        latest = _superseding(group)
        if latest is not None and device == ANY_DEVICE:
            # A correction replaces counts of its own kind only, never a count of another.
            kinds = {d for c in group for p, d in _keys(c) if p == precinct_id}
            latest = latest if len(kinds) == 1 else None
        if latest is not None:
            for other in group:
                if other is not latest:
                    replaced.setdefault(other.path, latest)
            continue
        paths = sorted(c.path for c in group)
        kind = "a device of unknown kind" if device == ANY_DEVICE else f"device ({device})"
        for checked in group:
            others = ", ".join(str(p) for p in paths if p != checked.path)
            fate.setdefault(
                checked.path,
                (
                    Disposition.CONFLICT,
                    f"Precinct {precinct_id} has another, different bundle from the same kind "
                    f"of {kind}: {others}; neither is summed until one is withdrawn or a later "
                    "correction replaces them.",
                ),
            )
    for path, latest in replaced.items():
        if path in fate:
            continue
        uncovered = sorted(p for p, _ in _keys(by_path[path]) - _keys(latest))
        if uncovered:
            fate[path] = (
                Disposition.CONFLICT,
                f"The later correction {latest.path} replaces this bundle for some of its "
                f"precincts but not for {', '.join(uncovered)}; it is not summed until a "
                "correction covers all of them.",
            )
        else:
            fate[path] = (
                Disposition.SUPERSEDED,
                f"Replaced by the later correction {latest.path}.",
            )
    conflicts: dict[str, set[Path]] = defaultdict(set)
    for path, (disposition, _) in fate.items():
        if disposition is Disposition.CONFLICT:
            for precinct_id in by_path[path].precinct_ids:
                conflicts[precinct_id].add(path)
    return fate, conflicts


def _superseding(group: Sequence[Checked]) -> Checked | None:
    """The correction generated later than every other bundle of the group, if there is one.
    A TEST bundle never replaces a real one, nor a real one a TEST one: all must agree."""
    if len({c.is_test for c in group}) > 1:
        return None
    dated = [(c, _when(c.extracted.generated) if c.extracted else None) for c in group]
    corrections = [(m, c) for c, m in dated if m is not None and c.status == CORRECTION]
    if not corrections:
        return None
    moment, latest = max(corrections, key=lambda mc: mc[0])
    if all(c is latest or (m is not None and m < moment) for c, m in dated):
        return latest
    return None


def _outcome(checked: Checked, disposition: Disposition, reason: str | None) -> BundleOutcome:
    extracted = checked.extracted
    discrepancies = extracted.discrepancies if extracted else ()
    if disposition is Disposition.ACCEPTED and discrepancies:
        disposition = Disposition.ACCEPTED_DISCREPANCY
    devices = sorted({p.device_class for p in extracted.precincts}) if extracted else []
    unchecked = disposition.summed and not (
        checked.manifest_checked and checked.fingerprint is not None
    )
    return BundleOutcome(
        path=checked.path,
        disposition=disposition,
        reason=reason,
        precinct_ids=checked.precinct_ids,
        device_class=", ".join(devices) or None,
        results_sha256=checked.results_sha256,
        status=checked.status,
        generated=extracted.generated if extracted else None,
        is_test=checked.is_test,
        fingerprint_checked=not unchecked and checked.manifest_checked,
        county_issued=checked.county_issued,
        discrepancies=discrepancies,
        notes=(NOT_CHECKED,) if unchecked else (),
    )


def _totals(index: _Index, summed: Sequence[PrecinctCounts]) -> tuple[ContestTotal, ...]:
    votes: dict[tuple[str, str], int] = defaultdict(int)
    lines: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # ballots, over, under
    pooled: set[str] = set()
    for pc in summed:
        for counted in pc.contests:
            line = lines[counted.id]
            line[0] += pc.ballots
            line[1] += counted.overvotes
            line[2] += counted.undervotes
            for sel in counted.selections:
                if sel.id in index.selections[counted.id]:
                    votes[counted.id, sel.id] += sel.votes
                else:
                    votes[counted.id, counted.id + WRITE_INS_SUFFIX] += sel.votes
                    pooled.add(counted.id)
    totals = []
    for contest in index.definition.contests:
        selections = []
        if isinstance(contest, CandidateContest):
            for c in contest.candidates:
                selections.append(SelectionTotal(c.id, c.name, votes[contest.id, c.id], c.write_in))
            if contest.unqualified_write_ins or contest.id in pooled:
                wid = contest.id + WRITE_INS_SUFFIX
                selections.append(SelectionTotal(wid, WRITE_INS_NAME, votes[contest.id, wid], True))
        else:
            selections = [
                SelectionTotal(o.id, o.name, votes[contest.id, o.id], False)
                for o in contest.options
            ]
        ballots, over, under = lines[contest.id]
        totals.append(
            ContestTotal(contest.id, contest.title, ballots, over, under, tuple(selections))
        )
    return tuple(totals)


def aggregate(
    paths: Iterable[Path],
    definition: ElectionDefinition,
    trust_roots: Sequence[x509.Certificate],
    *,
    allow_test: bool = False,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> Aggregation:
    """Verify every bundle under ``paths`` against ``definition`` and the county CA, and sum
    the ones that may be summed. Raises InputError for a path that is not there."""
    index = _Index.of(definition)
    found = discover(paths)
    folders = found.folders
    rejected: dict[Path, str] = {}
    kept: list[Checked] = []
    duplicates: dict[Path, Path] = {}
    first_of: dict[str, Path] = {}
    every: list[Checked] = []
    for checked in check_all(folders, trust_roots, workers=workers, progress=progress):
        every.append(checked)
        reason = _rejection(checked, index, allow_test)
        if reason is not None:
            rejected[checked.path] = reason
        elif checked.results_sha256 in first_of:
            duplicates[checked.path] = first_of[checked.results_sha256]
        else:
            first_of[str(checked.results_sha256)] = checked.path
            kept.append(checked)
    fate, conflicts = _settle(kept)
    outcomes: list[BundleOutcome] = []
    summed_bundles: list[Checked] = []
    for checked in every:
        if checked.path in rejected:
            outcomes.append(_outcome(checked, Disposition.REJECTED, rejected[checked.path]))
        elif checked.path in duplicates:
            reason = f"The same results.json as {duplicates[checked.path]}; counted once."
            outcomes.append(_outcome(checked, Disposition.DUPLICATE, reason))
        elif checked.path in fate:
            outcomes.append(_outcome(checked, *fate[checked.path]))
        else:
            outcomes.append(_outcome(checked, Disposition.ACCEPTED, None))
            summed_bundles.append(checked)
    outcomes.sort(key=lambda o: str(o.path))
    summed = [p for c in summed_bundles if c.extracted for p in c.extracted.precincts]
    rows = _rows(definition, every, {o.path: o.disposition for o in outcomes})
    reporting = tuple(sorted({p.precinct_id for p in summed}))
    return Aggregation(
        election_id=definition.id,
        election_title=definition.title,
        definition_fingerprint=definition.fingerprint,
        precincts_total=len(definition.precincts),
        reporting=reporting,
        missing=tuple(sorted(set(index.carried) - set(reporting))),
        bundles=tuple(outcomes),
        conflicts=tuple(
            (precinct_id, tuple(sorted(paths))) for precinct_id, paths in sorted(conflicts.items())
        ),
        contests=_totals(index, summed),
        precincts=rows,
        definition=definition,
        summed=tuple(sorted(summed, key=lambda p: (p.precinct_id, p.device_class))),
        is_test=any(c.is_test for c in summed_bundles),
        warnings=found.warnings,
    )


DEVICE_WORDS = {
    "manual-count": "hand count",
    "opscan-central": "central count",
    "opscan-precinct": "precinct scanner",
    "dre": "DRE",
    "bmd": "ballot-marking device",
    UNKNOWN_DEVICE: "device not named",
    "other": "other device",
}
STATE_ORDER = ("accepted", "accepted with discrepancy", "conflict", "rejected")


def _row_state(keys: dict[str | None, str]) -> str:
    """One state ("accepted") when all of a precinct's counts agree, else each state with
    the kinds of device it holds for: "accepted (central count); conflict (hand count)"."""
    states: dict[str, list[str]] = defaultdict(list)
    for device, state in keys.items():
        if device is not None:
            states[state].append(DEVICE_WORDS.get(device, device))
    if None in keys and not states:
        states[keys[None]] = []
    if not states:
        return "missing"
    if len(states) == 1:
        return next(iter(states))
    return "; ".join(
        f"{state} ({', '.join(sorted(states[state]))})" if states[state] else state
        for state in STATE_ORDER
        if state in states
    )


def _rows(
    definition: ElectionDefinition,
    every: Sequence[Checked],
    dispositions: dict[Path, Disposition],
) -> tuple[PrecinctRow, ...]:
    ballots: dict[str, int] = defaultdict(int)
    hashes: dict[str, list[str]] = defaultdict(list)
    # Per precinct, per kind of device: the state of its count. Summed wins over conflict,
    # conflict over rejected (a rejected copy beside the summed count changes nothing); a
    # rejected bundle whose device could not be read (None) shows only if nothing else does.
    keys: dict[str, dict[str | None, str]] = defaultdict(dict)
    rank = {s: i for i, s in enumerate(STATE_ORDER)}
    for checked in every:
        disposition = dispositions[checked.path]
        devices: dict[str, str | None] = dict.fromkeys(checked.precinct_ids)
        if checked.extracted is not None:
            devices.update((p.precinct_id, p.device_class) for p in checked.extracted.precincts)
        if disposition.summed:
            state = (
                "accepted with discrepancy"
                if disposition is Disposition.ACCEPTED_DISCREPANCY
                else "accepted"
            )
            assert checked.extracted is not None
            for pc in checked.extracted.precincts:
                ballots[pc.precinct_id] += pc.ballots
                hashes[pc.precinct_id].append(str(checked.results_sha256))
        elif disposition in (Disposition.CONFLICT, Disposition.REJECTED):
            state = disposition.value
        else:
            continue
        for precinct_id, device in devices.items():
            known = keys[precinct_id].get(device)
            if known is None or rank[state] < rank[known]:
                keys[precinct_id][device] = state
    rows = []
    for precinct in sorted(definition.precincts, key=lambda p: p.id):
        pid = precinct.id
        rows.append(
            PrecinctRow(
                pid,
                _row_state(keys.get(pid, {})),
                ballots.get(pid) if pid in ballots else None,
                tuple(sorted(hashes[pid])),
            )
        )
    return tuple(rows)
