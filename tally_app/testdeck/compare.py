"""Comparing a precinct's NIST results document with the results a test deck expects.

The document is read as data (it may come from an export bundle on a drive), so nothing here
assumes its shape: anything missing or malformed is one more difference, never an exception.
Each difference is one sentence naming the contest and the candidate or line, e.g.
"Contest us-rep-cd34 (United States Representative, 34th District), Jimmy Gomez: expected 123
votes, the results file says 122."
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from tally_app.export.results_document import (
    CANDIDATE_PREFIX,
    DISCREPANCY_TYPE,
    WRITE_INS_SUFFIX,
)
from tally_app.testdeck.deck import DeckExpected, ExpectedContest


def compare_results(doc: Mapping[str, Any], expected: DeckExpected) -> list[str]:
    """One sentence per difference between ``doc`` and ``expected``; [] when they agree."""
    election = _first(_list(doc.get("Election")))
    counts = _first(_list(election.get("BallotCounts")))
    found: list[str] = []
    for key, words, count in (
        ("BallotsCast", "ballots cast", expected.ballots_cast),
        ("BallotsOutstanding", "ballots outstanding", expected.ballots_outstanding),
    ):
        found.extend(_differ(f"The precinct's {words}", count, counts.get(key), ""))
    recorded = [
        e
        for e in _list(doc.get("ExternalIdentifier"))
        if isinstance(e, Mapping) and e.get("OtherType") == DISCREPANCY_TYPE
    ]
    if bool(recorded) != expected.discrepancy:
        found.append(
            "The deck expects the results file to record a discrepancy, but it records none."
            if expected.discrepancy
            else f"The deck expects no discrepancy, but the results file records {len(recorded)}."
        )
    contests = {c.get("@id"): c for c in _list(election.get("Contest")) if isinstance(c, Mapping)}
    names = _candidate_names(election)
    for contest_id, want in expected.contests.items():
        contest = contests.get(contest_id)
        if contest is None:
            found.append(f"Contest {contest_id}: the results file does not have this contest.")
            continue
        found.extend(_contest(contest_id, contest, want, names))
    for extra in contests:
        if extra not in expected.contests:
            found.append(f"Contest {extra}: the results file has it, but the deck does not.")
    return found


def _contest(
    contest_id: str, contest: Mapping[str, Any], want: ExpectedContest, names: Mapping[str, str]
) -> Iterator[str]:
    title = contest.get("Name")
    where = f"Contest {contest_id} ({title})" if isinstance(title, str) else f"Contest {contest_id}"
    selections = {
        s.get("@id"): s for s in _list(contest.get("ContestSelection")) if isinstance(s, Mapping)
    }
    for selection_id, votes in want.votes.items():
        selection = selections.get(selection_id)
        name = _selection_name(selection, selection_id, names)
        if selection is None:
            yield f"{where}, {name}: the results file does not have this selection."
            continue
        yield from _differ(f"{where}, {name}", votes, _total(selection), " votes")
    pooled = selections.get(contest_id + WRITE_INS_SUFFIX)
    yield from _differ(
        f"{where}, unqualified write-ins",
        want.write_ins,
        _total(pooled) if pooled is not None else None,
        " votes",
    )
    known = {*want.votes, contest_id + WRITE_INS_SUFFIX}
    for extra in selections:
        if extra not in known:
            yield f"{where}: the results file has selection {extra}, but the deck does not."
    other = _first(_list(contest.get("OtherCounts")))
    yield from _differ(f"{where}, undervotes", want.undervotes, other.get("Undervotes"), "")
    yield from _differ(f"{where}, overvotes", want.overvotes, other.get("Overvotes"), "")


def _differ(what: str, want: int, got: Any, unit: str) -> Iterator[str]:
    if isinstance(got, bool) or not isinstance(got, int):
        yield f"{what}: expected {want}{unit}, the results file does not give a number."
    elif got != want:
        yield f"{what}: expected {want}{unit}, the results file says {got}."


def _total(selection: Mapping[str, Any]) -> Any:
    for counts in _list(selection.get("VoteCounts")):
        if isinstance(counts, Mapping) and counts.get("Type") == "total":
            return counts.get("Count")
    return None


def _candidate_names(election: Mapping[str, Any]) -> dict[str, str]:
    """Candidate @id → ballot name, from the document's own Candidate list."""
    names: dict[str, str] = {}
    for candidate in _list(election.get("Candidate")):
        if isinstance(candidate, Mapping) and isinstance(candidate.get("@id"), str):
            text = _text(candidate.get("BallotName"))
            if text:
                names[candidate["@id"]] = text
    return names


def _selection_name(
    selection: Mapping[str, Any] | None, selection_id: str, names: Mapping[str, str]
) -> str:
    if selection is not None:
        for candidate_id in _list(selection.get("CandidateIds")):
            if isinstance(candidate_id, str) and candidate_id in names:
                return names[candidate_id]
        text = _text(selection.get("Selection"))  # a ballot measure's option
        if text:
            return text
    return names.get(CANDIDATE_PREFIX + selection_id, selection_id)


def _text(node: Any) -> str | None:
    if not isinstance(node, Mapping):
        return None
    for item in _list(node.get("Text")):
        if isinstance(item, Mapping) and isinstance(item.get("Content"), str):
            return str(item["Content"])
    return None


def _list(node: Any) -> list[Any]:
    return node if isinstance(node, list) else []


def _first(items: list[Any]) -> Mapping[str, Any]:
    return items[0] if items and isinstance(items[0], Mapping) else {}


def compare_csv(data: bytes, expected: DeckExpected) -> list[str]:
    """One sentence per difference between results.csv and the deck: every expected number
    must be on its row, and every row must be one the deck expects."""
    import csv
    import io

    try:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return ["results.csv cannot be read as UTF-8 CSV."]
    want: dict[tuple[str, str, str], int] = {}
    for contest_id, contest in expected.contests.items():
        for selection_id, votes in contest.votes.items():
            want[(contest_id, "selection", selection_id)] = votes
        want[(contest_id, "write-ins", "")] = contest.write_ins
        want[(contest_id, "undervotes", "")] = contest.undervotes
        want[(contest_id, "overvotes", "")] = contest.overvotes
    got: dict[tuple[str, str, str], str] = {}
    for row in rows:
        kind = row.get("kind") or ""
        key_kind = kind if kind in ("write-ins", "undervotes", "overvotes") else "selection"
        selection = "" if key_kind != "selection" else row.get("selection_id") or ""
        got[(row.get("contest_id") or "", key_kind, selection)] = row.get("votes") or ""
    found = []
    for (contest_id, kind, selection), votes in want.items():
        what = f"results.csv, contest {contest_id}, {selection or kind}"
        if (contest_id, kind, selection) not in got:
            if kind == "write-ins" and votes == 0:
                continue  # a contest without write-in lines has no write-ins row
            found.append(f"{what}: expected {votes}, the file has no such row.")
        elif got[(contest_id, kind, selection)] != str(votes):
            found.append(
                f"{what}: expected {votes}, the file says {got[(contest_id, kind, selection)]}."
            )
    for key in sorted(set(got) - set(want)):
        found.append(
            f"results.csv has a row the deck does not expect: {key[0]}, {key[2] or key[1]}."
        )
    return found
