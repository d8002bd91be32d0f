"""The arithmetic a results document must satisfy, re-checked by whoever receives it.

For a contest in a precinct, every ballot tallied gives the contest exactly ``VotesAllowed``
marks: votes, overvotes or undervotes (overvotes and undervotes counted in votes, DESIGN §5;
CDF_NOTES §3.2). So ``Σ votes + overvotes + undervotes = VotesAllowed × K``, where K is the
number of ballots that carried the contest. ERR v2 reports ballots per precinct, not per
contest, so K is known only where every ballot style of the precinct carries the contest
(the document's ``BallotStyle`` objects say which): there the identity must hold exactly with
``BallotsCast``. Elsewhere the sum must be a whole multiple of ``VotesAllowed`` and at most
``VotesAllowed × BallotsCast``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any


def _whole(value: object) -> int | None:
    """A count as a whole non-negative number, or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


def _styles(election: Mapping[str, Any]) -> dict[str, list[set[str]]]:
    """Precinct id → the contest ids of each of its ballot styles."""
    styles: dict[str, list[set[str]]] = defaultdict(list)
    for style in election.get("BallotStyle", ()):
        contests = {
            str(item.get("ContestId"))
            for item in style.get("OrderedContent", ())
            if item.get("@type") == "ElectionResults.OrderedContest"
        }
        for unit in style.get("GpUnitIds", ()):
            styles[str(unit)].append(contests)
    return styles


def _ballots(election: Mapping[str, Any]) -> tuple[dict[str, int], list[str]]:
    ballots: dict[str, int] = {}
    problems: list[str] = []
    for counts in election.get("BallotCounts", ()):
        if counts.get("Type") != "total" or "BallotsCast" not in counts:
            continue
        unit = str(counts.get("GpUnitId"))
        cast = _whole(counts["BallotsCast"])
        if cast is None:
            problems.append(f"Ballots cast in {unit} is not a whole number of ballots.")
        elif unit in ballots:
            problems.append(f"Ballots cast in {unit} is given twice.")
        else:
            ballots[unit] = cast
    return ballots, problems


def arithmetic_problems(doc: Mapping[str, Any]) -> list[str]:
    """One sentence per contest and precinct whose counts do not add up."""
    return list(_problems(doc))


def _problems(doc: Mapping[str, Any]) -> Iterator[str]:
    for election in doc.get("Election", ()):
        ballots, problems = _ballots(election)
        yield from problems
        styles = _styles(election)
        for contest in election.get("Contest", ()):
            yield from _contest_problems(contest, ballots, styles)


def _contest_problems(
    contest: Mapping[str, Any], ballots: Mapping[str, int], styles: Mapping[str, list[set[str]]]
) -> Iterator[str]:
    name = contest.get("Name") or contest.get("@id")
    allowed = _whole(contest.get("VotesAllowed", 1)) or 1
    marks: dict[str, int] = defaultdict(int)
    for selection in contest.get("ContestSelection", ()):
        for counts in selection.get("VoteCounts", ()):
            if counts.get("Type") != "total":
                continue
            count = _whole(counts.get("Count"))
            if count is None:
                yield f"Contest {name}: a vote count of {selection.get('@id')} is not a whole number."
                return
            marks[str(counts.get("GpUnitId"))] += count
    for other in contest.get("OtherCounts", ()):
        unit = str(other.get("GpUnitId"))
        for field in ("Overvotes", "Undervotes"):
            if field in other:
                count = _whole(other[field])
                if count is None:
                    yield f"Contest {name}: {field.lower()} in {unit} is not a whole number."
                    return
                marks[unit] += count
    for unit, total in sorted(marks.items()):
        cast = ballots.get(unit)
        if cast is None:
            yield f"Contest {name}: {unit} reports votes but no ballots cast."
            continue
        unit_styles = styles.get(unit)
        contest_id = str(contest.get("@id"))
        exact = bool(unit_styles) and all(contest_id in s for s in unit_styles or ())
        if exact and total != allowed * cast:
            yield (
                f"Contest {name} in {unit}: votes, overvotes and undervotes add up to {total}, "
                f"but {cast} ballots × {allowed} vote(s) allowed = {allowed * cast}."
            )
        elif not exact and (total > allowed * cast or total % allowed):
            yield (
                f"Contest {name} in {unit}: votes, overvotes and undervotes add up to {total}, "
                f"which is not a whole number of ballots × {allowed} vote(s) allowed "
                f"up to {cast} ballots."
            )
