"""The few facts of one verified results document that summing needs, as small values.

A worker process verifies a bundle and sends back only these (a few hundred bytes a
precinct), never the parsed document, so that memory stays flat however many bundles a
drive holds. The document has already passed the NIST schema and the reference check, so
every object has its ``@type`` and every reference resolves; what is still the producer's
choice (a count that is not whole, a count for a unit that is not one of its precincts, a
selection with no total) becomes one sentence, and the bundle is not summed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

T_ = "ElectionResults."
PRECINCT_TYPES = frozenset({"precinct", "split-precinct", "combined-precinct"})
UNKNOWN_DEVICE = "unknown"
DISCREPANCY_TYPE = "DISCREPANCY"
ELECTION_ID_TYPE = "election-id"


@dataclass(frozen=True, slots=True)
class SelectionCount:
    id: str
    votes: int
    pooled_write_in: bool  # IsWriteIn without CandidateIds: every unqualified write-in


@dataclass(frozen=True, slots=True)
class ContestCount:
    id: str
    overvotes: int
    undervotes: int
    selections: tuple[SelectionCount, ...]
    votes_allowed: int | None = None  # the file's own VotesAllowed (None: not given)


@dataclass(frozen=True, slots=True)
class PrecinctCounts:
    """One precinct's counts from one bundle, keyed with the reporting device's class."""

    precinct_id: str
    device_class: str
    ballots: int  # BallotsCast (Type total)
    contests: tuple[ContestCount, ...]


@dataclass(frozen=True, slots=True)
class Extracted:
    election_ids: tuple[str, ...]  # the Election's election-id identifiers (none: not given)
    generated: str
    discrepancies: tuple[str, ...]
    precincts: tuple[PrecinctCounts, ...]
    # The Election's own StartDate, EndDate and Type: what a file without an election id is
    # matched on.
    start_date: str = ""
    end_date: str = ""
    election_type: str = ""


class NotSummable(ValueError):
    """One sentence: why this document's counts cannot be summed."""


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise NotSummable(f"results.json: the count of {where} is not a whole number.")
    if value < 0:
        raise NotSummable(f"results.json: the count of {where} is negative.")
    return int(value)


def _others(node: Mapping[str, Any], other_type: str) -> tuple[str, ...]:
    return tuple(
        str(item.get("Value"))
        for item in node.get("ExternalIdentifier", ())
        if item.get("Type") == "other" and item.get("OtherType") == other_type
    )


def _device_classes(units: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The DeviceClass type of the device reporting each precinct ("unknown" if none)."""
    devices = {
        str(u["@id"]): str((u.get("DeviceClass") or {}).get("Type") or UNKNOWN_DEVICE)
        for u in units
        if u.get("@type") == T_ + "ReportingDevice"
    }
    classes: dict[str, str] = {}
    for unit in units:
        if unit.get("@type") != T_ + "ReportingUnit" or unit.get("Type") not in PRECINCT_TYPES:
            continue
        found = {devices[c] for c in unit.get("ComposingGpUnitIds", ()) if c in devices}
        if not found and len(set(devices.values())) == 1:
            found = set(devices.values())
        if len(found) > 1:
            raise NotSummable(
                f"results.json: precinct {unit['@id']!r} is reported by devices of different "
                "kinds in one file; export each kind of count as its own file."
            )
        classes[str(unit["@id"])] = found.pop() if found else UNKNOWN_DEVICE
    return classes


def _totals(counts: Sequence[Mapping[str, Any]], where: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for vc in counts:
        if vc.get("Type") != "total":
            continue
        unit = str(vc.get("GpUnitId"))
        if unit in found:
            raise NotSummable(f"results.json: {where} has two total counts for {unit!r}.")
        found[unit] = _whole(vc.get("Count"), f"{where} in {unit}")
    return found


def extract(doc: Mapping[str, Any]) -> Extracted:
    """The counts of a schema-valid, reference-checked precinct-level document."""
    elections = doc.get("Election", ())
    if len(elections) != 1:
        raise NotSummable("results.json must hold exactly one election.")
    election = elections[0]
    units = doc.get("GpUnit", ())
    classes = _device_classes(units)
    ballots: dict[str, int] = {}
    for bc in election.get("BallotCounts", ()):
        if bc.get("Type") != "total" or bc.get("GpUnitId") not in classes:
            continue
        unit = str(bc["GpUnitId"])
        if unit in ballots:
            raise NotSummable(f"results.json: precinct {unit!r} has two ballot counts.")
        if "BallotsCast" not in bc:
            raise NotSummable(f"results.json: precinct {unit!r} has no ballots cast.")
        ballots[unit] = _whole(bc["BallotsCast"], f"ballots cast in {unit}")
    per_precinct: dict[str, list[ContestCount]] = {p: [] for p in ballots}
    for contest in election.get("Contest", ()):
        cid = str(contest.get("@id"))
        allowed = contest.get("VotesAllowed")
        votes_allowed = None if allowed is None else _whole(allowed, f"votes allowed in {cid}")
        other: dict[str, tuple[int, int]] = {}
        for oc in contest.get("OtherCounts", ()):
            unit = str(oc.get("GpUnitId"))
            if unit in other:
                raise NotSummable(
                    f"results.json: contest {cid!r} has two OtherCounts for {unit!r}."
                )
            other[unit] = (
                _whole(oc.get("Overvotes", 0), f"overvotes of {cid}"),
                _whole(oc.get("Undervotes", 0), f"undervotes of {cid}"),
            )
        selections = []
        reported: set[str] = set(other)
        for s in contest.get("ContestSelection", ()):
            sid = str(s.get("@id"))
            totals = _totals(s.get("VoteCounts", ()), f"selection {sid!r} of {cid!r}")
            reported |= set(totals)
            pooled = bool(s.get("IsWriteIn")) and not s.get("CandidateIds")
            selections.append((sid, pooled, totals))
        for unit in sorted(reported):
            if unit not in ballots:
                raise NotSummable(
                    f"results.json: contest {cid!r} has counts for {unit!r}, which is not a "
                    "precinct of the file with ballots cast; such counts cannot be summed."
                )
            if unit not in other:
                raise NotSummable(
                    f"results.json: contest {cid!r} has no overvotes and undervotes for {unit!r}."
                )
            missing = [sid for sid, _, totals in selections if unit not in totals]
            if missing:
                raise NotSummable(
                    f"results.json: selection {missing[0]!r} of contest {cid!r} has no total "
                    f"count for {unit!r}."
                )
            per_precinct[unit].append(
                ContestCount(
                    cid,
                    *other[unit],
                    tuple(
                        SelectionCount(sid, totals[unit], pooled)
                        for sid, pooled, totals in selections
                    ),
                    votes_allowed,
                )
            )
    return Extracted(
        election_ids=_others(election, ELECTION_ID_TYPE),
        generated=str(doc.get("GeneratedDate", "")),
        discrepancies=_others(doc, DISCREPANCY_TYPE),
        precincts=tuple(
            PrecinctCounts(p, classes[p], ballots[p], tuple(per_precinct[p]))
            for p in sorted(ballots)
        ),
        start_date=str(election.get("StartDate", "")),
        end_date=str(election.get("EndDate", "")),
        election_type=str(election.get("Type", "")),
    )
