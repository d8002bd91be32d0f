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
    ELECTION_ID_TYPE,
    FINGERPRINT_TYPE,
    T_,
    results_json_bytes,
)
from tally_app.export.results_document import _external as external
from tally_app.export.results_document import _slug as slug
from tally_app.export.results_document import _text as text

SUMMARY = "summary.json"
PRECINCTS = "precincts.json"
RESULTS_CSV = "results.csv"
CERTIFICATION = "certification.pdf"


def _definition(aggregation: Aggregation) -> ElectionDefinition:
    if aggregation.definition is None:
        raise ValueError("The aggregation does not carry its election definition.")
    return aggregation.definition


def _jurisdiction_ids(definition: ElectionDefinition) -> tuple[str, str]:
    j = definition.jurisdiction
    return "state-" + j.state_code.lower(), "county-" + slug(j.county)


def _units(
    definition: ElectionDefinition, precinct_ids: Sequence[str], contest_ids: set[str]
) -> list[dict[str, Any]]:
    """The state, the county (composed of ``precinct_ids``), the contests' districts and the
    precincts themselves."""
    state_id, county_id = _jurisdiction_ids(definition)
    j = definition.jurisdiction
    county: dict[str, Any] = {
        "@type": T_ + "ReportingUnit",
        "@id": county_id,
        "Type": "county",
        "Name": text(j.county),
    }
    if precinct_ids:
        county["ComposingGpUnitIds"] = list(precinct_ids)
    units: list[dict[str, Any]] = [
        {
            "@type": T_ + "ReportingUnit",
            "@id": state_id,
            "Type": "state",
            "Name": text(j.state),
            "ComposingGpUnitIds": [county_id],
        },
        county,
    ]
    districts = {d.id: d for d in definition.districts}
    for district_id in sorted({c.district_id for c in definition.contests if c.id in contest_ids}):
        if district_id in (state_id, county_id):
            continue
        district = districts.get(district_id)
        unit: dict[str, Any] = {
            "@type": T_ + "ReportingUnit",
            "@id": district_id,
            "Type": district.type if district else "other",
            "IsDistricted": True,
        }
        if district is None:
            unit["OtherType"] = "district"
        else:
            unit["Name"] = text(district.name)
        units.append(unit)
    names: dict[str, str] = {p.id: p.name for p in definition.precincts}
    units += [
        {
            "@type": T_ + "ReportingUnit",
            "@id": pid,
            "Type": "precinct",
            "Name": text(names.get(pid) or pid),
        }
        for pid in precinct_ids
    ]
    return units


def _counts(unit: str, count: int) -> list[dict[str, Any]]:
    return [{"@type": T_ + "VoteCounts", "GpUnitId": unit, "Type": "total", "Count": count}]


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
    candidates = [
        {
            "@type": T_ + "Candidate",
            "@id": CANDIDATE_PREFIX + c.id,
            "BallotName": text(c.name),
            **({"PartyId": c.party_id} if c.party_id is not None else {}),
        }
        for contest in definition.contests
        if isinstance(contest, CandidateContest) and contest.id in contest_ids
        for c in contest.candidates
    ]
    party_ids = {c["PartyId"] for c in candidates if "PartyId" in c}
    _, county_id = _jurisdiction_ids(definition)
    election: dict[str, Any] = {
        "@type": T_ + "Election",
        "Name": text(definition.title),
        "Type": definition.type,
        "StartDate": definition.date,
        "EndDate": definition.date,
        "ElectionScopeId": county_id,
        "ExternalIdentifier": [external(ELECTION_ID_TYPE, definition.id)],
        "BallotCounts": ballot_counts,
        "Contest": contests,
    }
    if candidates:
        election["Candidate"] = candidates
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
        "ExternalIdentifier": [external(FINGERPRINT_TYPE, definition.fingerprint)],
        "GpUnit": units,
        "Election": [election],
    }
    parties = [
        {
            "@type": T_ + "Party",
            "@id": p.id,
            "Name": text(p.name),
            "Abbreviation": text(p.abbreviation),
        }
        for p in definition.parties
        if p.id in party_ids
    ]
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
            "Selection": text(name),
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


def _contest_json(
    contest: Any, selections: list[dict[str, Any]], other: list[dict[str, Any]]
) -> dict[str, Any]:
    if isinstance(contest, CandidateContest):
        return {
            "@type": T_ + "CandidateContest",
            "@id": contest.id,
            "Name": contest.title,
            "ElectionDistrictId": contest.district_id,
            "VotesAllowed": contest.vote_for,
            "NumberElected": contest.vote_for,
            "ContestSelection": selections,
            "OtherCounts": other,
        }
    return {
        "@type": T_ + "BallotMeasureContest",
        "@id": contest.id,
        "Name": contest.title,
        "ElectionDistrictId": contest.district_id,
        "FullText": text(contest.text),
        "ContestSelection": selections,
        "OtherCounts": other,
    }


def _other(unit: str, over: int, under: int) -> dict[str, Any]:
    return {"@type": T_ + "OtherCounts", "GpUnitId": unit, "Overvotes": over, "Undervotes": under}


def summary_document(aggregation: Aggregation, *, generated: datetime) -> dict[str, Any]:
    """The totals per contest for the jurisdiction, as a NIST ERR v2 ``summary-contest``."""
    definition = _definition(aggregation)
    _, county_id = _jurisdiction_ids(definition)
    contests = []
    for total in aggregation.contests:
        contest = definition.contest(total.id)
        selections = []
        for order, s in enumerate(total.selections, start=1):
            item = _selection_json(contest, s.id, s.name, s.write_in, order)
            item["VoteCounts"] = _counts(county_id, s.votes)
            selections.append(item)
        contests.append(
            _contest_json(
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
            item["VoteCounts"] = [_counts(p, votes[total.id, s.id, p])[0] for p in units]
            selections.append(item)
        other = [_other(p, *lines[total.id, p]) for p in units]
        contests.append(_contest_json(contest, selections, other))
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
