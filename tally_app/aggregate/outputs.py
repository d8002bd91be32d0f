"""What the supervisor's aggregation writes (DESIGN §11, issue 6 item 3).

- ``summary.json``: NIST ERR v2, ``summary-contest``: each contest's totals for the
  jurisdiction (the county unit), with the precincts reporting / total on that unit;
- ``precincts.json``: NIST ERR v2, ``precinct-level``: every summed precinct's counts in one
  document (a precinct's bundles from different kinds of device added together);
- ``results.csv``: the table of ``precincts.json`` (`results_csv_bytes`);
- ``certification.pdf``: the signed sheet, made by the facade.

Both documents use the ids of the precinct results files (the definition's ids, the
``county-…``/``state-…`` units, ``candidate-<selection>``, ``<contest>-write-ins``), so a
consumer joins them to the definition and to the bundles alike. Both say how they were made:
the definition fingerprint as an ExternalIdentifier, and TEST when a TEST bundle was summed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tally_app.aggregate.collect import WRITE_INS_SUFFIX
from tally_app.aggregate.model import Aggregation
from tally_app.clock import iso_seconds
from tally_app.definition.model import CandidateContest, ElectionDefinition
from tally_app.export.results_document import (
    CANDIDATE_PREFIX,
    FINGERPRINT_TYPE,
    T_,
    candidate_objects,
    contest_object,
    district_units,
    election_object,
    external_identifier,
    internationalized_text,
    jurisdiction_ids,
    jurisdiction_units,
    party_objects,
    results_json_bytes,
    total_vote_counts,
)

SUMMARY = "summary.json"
PRECINCTS = "precincts.json"
RESULTS_CSV = "results.csv"
CERTIFICATION = "certification.pdf"


def _definition(aggregation: Aggregation) -> ElectionDefinition:
    if aggregation.definition is None:
        raise ValueError("The aggregation does not carry its election definition.")
    return aggregation.definition


def _units(
    definition: ElectionDefinition, precinct_ids: Sequence[str], contest_ids: set[str]
) -> list[dict[str, Any]]:
    """The state, the county (composed of ``precinct_ids``), the contests' districts and the
    precincts themselves."""
    district_ids = {c.district_id for c in definition.contests if c.id in contest_ids}
    names: dict[str, str] = {p.id: p.name for p in definition.precincts}
    return [
        *jurisdiction_units(definition, precinct_ids),
        *district_units(definition, district_ids, ()),
        *(
            {
                "@type": T_ + "ReportingUnit",
                "@id": pid,
                "Type": "precinct",
                "Name": internationalized_text(names.get(pid) or pid),
            }
            for pid in precinct_ids
        ),
    ]


def _report(
    aggregation: Aggregation,
    definition: ElectionDefinition,
    *,
    detail: str,
    generated: datetime,
    units: list[dict[str, Any]],
    ballot_counts: list[dict[str, Any]],
    contests: list[dict[str, Any]],
) -> dict[str, Any]:
    from tally_app.export.bundle import app_version

    contest_ids = {c["@id"] for c in contests}
    candidates = candidate_objects(c for c in definition.contests if c.id in contest_ids)
    election = election_object(
        definition, ballot_counts=ballot_counts, contests=contests, candidates=candidates
    )
    complete = not aggregation.missing and aggregation.all_accepted
    doc: dict[str, Any] = {
        "@type": T_ + "ElectionReport",
        "Format": detail,
        "GeneratedDate": iso_seconds(generated),
        "Issuer": definition.jurisdiction.county,
        "IssuerAbbreviation": definition.jurisdiction.state_code,
        "SequenceStart": 1,
        "SequenceEnd": 1,
        "Status": "unofficial-complete" if complete else "unofficial-partial",
        "VendorApplicationId": f"Precinct Tally {app_version()}",
        "ExternalIdentifier": [external_identifier(FINGERPRINT_TYPE, definition.fingerprint)],
        "GpUnit": units,
        "Election": [election],
    }
    parties = party_objects(definition, candidates)
    if parties:
        doc["Party"] = parties
    if aggregation.is_test:
        doc["IsTest"] = True
        doc["TestType"] = "logic-and-accuracy"
    return doc


def _selection_json(
    contest: Any, selection_id: str, name: str, write_in: bool, order: int
) -> dict[str, Any]:
    if not isinstance(contest, CandidateContest):
        return {
            "@type": T_ + "BallotMeasureSelection",
            "@id": selection_id,
            "Selection": internationalized_text(name),
            "SequenceOrder": order,
        }
    selection: dict[str, Any] = {
        "@type": T_ + "CandidateSelection",
        "@id": selection_id,
        "SequenceOrder": order,
    }
    if selection_id == contest.id + WRITE_INS_SUFFIX:
        selection["IsWriteIn"] = True
    else:
        selection["CandidateIds"] = [CANDIDATE_PREFIX + selection_id]
        if write_in:
            selection["IsWriteIn"] = True
    return selection


def _other(unit: str, over: int, under: int) -> dict[str, Any]:
    return {"@type": T_ + "OtherCounts", "GpUnitId": unit, "Overvotes": over, "Undervotes": under}


def summary_document(aggregation: Aggregation, *, generated: datetime) -> dict[str, Any]:
    """The totals per contest for the jurisdiction, as a NIST ERR v2 ``summary-contest``."""
    definition = _definition(aggregation)
    _, county_id = jurisdiction_ids(definition)
    contests = []
    for total in aggregation.contests:
        contest = definition.contest(total.id)
        selections = []
        for order, s in enumerate(total.selections, start=1):
            item = _selection_json(contest, s.id, s.name, s.write_in, order)
            item["VoteCounts"] = total_vote_counts(county_id, s.votes)
            selections.append(item)
        contests.append(
            contest_object(
                contest, selections, [_other(county_id, total.overvotes, total.undervotes)]
            )
        )
    units = _units(definition, (), {c.id for c in aggregation.contests})
    county = units[1]
    county["SubUnitsReported"] = len(aggregation.reporting)
    county["TotalSubUnits"] = aggregation.precincts_total
    ballots = sum(p.ballots for p in aggregation.summed)
    return _report(
        aggregation,
        definition,
        detail="summary-contest",
        generated=generated,
        units=units,
        ballot_counts=[
            {
                "@type": T_ + "BallotCounts",
                "GpUnitId": county_id,
                "Type": "total",
                "BallotsCast": ballots,
            }
        ],
        contests=contests,
    )


def precincts_document(aggregation: Aggregation, *, generated: datetime) -> dict[str, Any]:
    """Every summed precinct's counts (its bundles from different devices added), as one
    NIST ERR v2 ``precinct-level`` document."""
    definition = _definition(aggregation)
    ballots: dict[str, int] = defaultdict(int)
    votes: dict[tuple[str, str, str], int] = defaultdict(int)
    lines: dict[tuple[str, str], list[int]] = {}
    known = {t.id: {s.id for s in t.selections} for t in aggregation.contests}
    for pc in aggregation.summed:
        ballots[pc.precinct_id] += pc.ballots
        for cc in pc.contests:
            line = lines.setdefault((cc.id, pc.precinct_id), [0, 0])
            line[0] += cc.overvotes
            line[1] += cc.undervotes
            for sc in cc.selections:
                sid = sc.id if sc.id in known[cc.id] else cc.id + WRITE_INS_SUFFIX
                votes[cc.id, sid, pc.precinct_id] += sc.votes
    precinct_ids = sorted(ballots)
    contests = []
    for total in aggregation.contests:
        units = [p for p in precinct_ids if (total.id, p) in lines]
        if not units:
            continue
        contest = definition.contest(total.id)
        selections = []
        for order, s in enumerate(total.selections, start=1):
            item = _selection_json(contest, s.id, s.name, s.write_in, order)
            item["VoteCounts"] = [total_vote_counts(p, votes[total.id, s.id, p])[0] for p in units]
            selections.append(item)
        other = [_other(p, *lines[total.id, p]) for p in units]
        contests.append(contest_object(contest, selections, other))
    return _report(
        aggregation,
        definition,
        detail="precinct-level",
        generated=generated,
        units=_units(definition, precinct_ids, {c["@id"] for c in contests}),
        ballot_counts=[
            {
                "@type": T_ + "BallotCounts",
                "GpUnitId": p,
                "Type": "total",
                "BallotsCast": ballots[p],
            }
            for p in precinct_ids
        ],
        contests=contests,
    )


def json_report(aggregation: Aggregation) -> dict[str, Any]:
    """The ``--json`` shape of issue 6, exactly. Every list is sorted by id (DESIGN §12):
    missing precincts, conflicts by precinct, contests and their selections; rejected
    bundles by path."""
    return {
        "election_id": aggregation.election_id,
        "precincts_total": aggregation.precincts_total,
        "precincts_reporting": len(aggregation.reporting),
        "missing": sorted(aggregation.missing),
        "rejected": [
            {"path": str(b.path), "reason": str(b.reason)}
            for b in sorted(aggregation.rejected, key=lambda b: str(b.path))
        ],
        "conflicts": [
            {"precinct_id": precinct_id, "paths": sorted(str(p) for p in paths)}
            for precinct_id, paths in sorted(aggregation.conflicts)
        ],
        "contests": [
            {
                "id": c.id,
                "name": c.name,
                "ballots": c.ballots,
                "overvotes": c.overvotes,
                "undervotes": c.undervotes,
                "selections": [
                    {"id": s.id, "name": s.name, "votes": s.votes, "write_in": s.write_in}
                    for s in sorted(c.selections, key=lambda s: s.id)
                ],
            }
            for c in sorted(aggregation.contests, key=lambda c: c.id)
        ],
    }


def output_files(
    aggregation: Aggregation, certification_pdf_bytes: bytes, *, now: datetime
) -> Mapping[str, bytes]:
    """Every output file's name and bytes."""
    from tally_app.export.results_csv import results_csv_bytes

    precincts = precincts_document(aggregation, generated=now)
    return {
        SUMMARY: results_json_bytes(summary_document(aggregation, generated=now)),
        PRECINCTS: results_json_bytes(precincts, indent=None),
        RESULTS_CSV: results_csv_bytes(precincts, election_id=aggregation.election_id),
        CERTIFICATION: certification_pdf_bytes,
    }


def write_outputs(
    aggregation: Aggregation,
    out_dir: Path,
    certification_pdf_bytes: bytes,
    *,
    now: datetime | None = None,
) -> tuple[Path, ...]:
    """Write the four outputs into ``out_dir``, each atomically (temp, fsync, rename)."""
    from tally_app.atomic_file import write_atomically
    from tally_app.clock import SystemClock

    files = output_files(aggregation, certification_pdf_bytes, now=now or SystemClock().now())
    written = []
    for name, data in files.items():
        write_atomically(Path(out_dir) / name, data)
        written.append(Path(out_dir) / name)
    return tuple(written)
