"""One precinct's finalized results as a NIST SP 1500-100 v2 (ERR CDF) JSON document.

The document is built from the finalized snapshot only (sheet A is the record), so it
refuses any blank count: a results file must never say 0 where nobody counted. It holds
only this precinct, the jurisdiction and district units it needs, and the laptop as a
``ReportingDevice``; a consumer joins it to the definition through the reused ids.

Id mapping (every ``@id`` in the document is unique; see CDF_NOTES §2, §5):

- precinct, districts, parties, contests and selections: the definition's own ids;
- candidates: ``candidate-<selection id>``, because NIST keeps a ``Candidate`` and its
  ``CandidateSelection`` as two objects that both need an ``@id``;
- the unqualified write-ins of a contest, pooled: ``<contest id>-write-ins``;
- the jurisdiction, which has no id in the definition: ``state-<state code>`` and
  ``county-<county name as a slug>``;
- the device: ``device-<device id>``.

Bytes are canonical (`results_json_bytes`): the same data gives the same bytes, so the
file can be signed and re-derived.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from tally_app.clock import iso_seconds
from tally_app.definition.model import (
    CandidateContest,
    Contest,
    DistrictId,
    ElectionDefinition,
    MeasureContest,
)
from tally_app.entries import ContestEntry, PrecinctEntries, Sheet, StyleField

T_ = "ElectionResults."
FINGERPRINT_TYPE = "election-definition-sha256"
DISCREPANCY_TYPE = "DISCREPANCY"
DEVICE_IDENTITY_TYPE = "device-identity"
BALLOT_STYLE_TYPE = "ballot-style"
ELECTION_ID_TYPE = "election-id"
CANDIDATE_PREFIX = "candidate-"
WRITE_INS_SUFFIX = "-write-ins"
DEVICE_PREFIX = "device-"


def internationalized_text(content: str) -> dict[str, Any]:
    return {
        "@type": T_ + "InternationalizedText",
        "Text": [{"@type": T_ + "LanguageString", "Language": "en", "Content": content}],
    }


def external_identifier(other_type: str, value: str) -> dict[str, Any]:
    return {
        "@type": T_ + "ExternalIdentifier",
        "Type": "other",
        "OtherType": other_type,
        "Value": value,
    }


def unit_slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "unit"


def total_vote_counts(gp_unit: str, count: int) -> list[dict[str, Any]]:
    return [{"@type": T_ + "VoteCounts", "GpUnitId": gp_unit, "Type": "total", "Count": count}]


def jurisdiction_ids(definition: ElectionDefinition) -> tuple[str, str]:
    """The ids of the state and county units: ``state-<code>``, ``county-<slug>``."""
    jurisdiction = definition.jurisdiction
    return "state-" + jurisdiction.state_code.lower(), "county-" + unit_slug(jurisdiction.county)


def jurisdiction_units(
    definition: ElectionDefinition, precinct_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """The state and county ReportingUnits, the county composed of ``precinct_ids`` (if any)."""
    state_id, county_id = jurisdiction_ids(definition)
    jurisdiction = definition.jurisdiction
    county: dict[str, Any] = {
        "@type": T_ + "ReportingUnit",
        "@id": county_id,
        "Type": "county",
        "Name": internationalized_text(jurisdiction.county),
    }
    if precinct_ids:
        county["ComposingGpUnitIds"] = list(precinct_ids)
    return [
        {
            "@type": T_ + "ReportingUnit",
            "@id": state_id,
            "Type": "state",
            "Name": internationalized_text(jurisdiction.state),
            "ComposingGpUnitIds": [county_id],
        },
        county,
    ]


def district_units(
    definition: ElectionDefinition, district_ids: Iterable[DistrictId], precinct_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """The districted ReportingUnits of ``district_ids`` (sorted; the state and county are
    left out, they have their own units), each composed of ``precinct_ids`` (if any); a
    district the definition does not describe is an ``other`` unit."""
    state_id, county_id = jurisdiction_ids(definition)
    districts = {d.id: d for d in definition.districts}
    units: list[dict[str, Any]] = []
    for district_id in sorted(set(district_ids)):
        if district_id in (state_id, county_id):
            continue
        district = districts.get(district_id)
        unit: dict[str, Any] = {
            "@type": T_ + "ReportingUnit",
            "@id": district_id,
            "Type": district.type if district else "other",
            "IsDistricted": True,
        }
        if precinct_ids:
            unit["ComposingGpUnitIds"] = list(precinct_ids)
        if district is None:
            unit["OtherType"] = "district"
        else:
            unit["Name"] = internationalized_text(district.name)
        units.append(unit)
    return units


def candidate_objects(contests: Iterable[Contest]) -> list[dict[str, Any]]:
    """The Candidate objects of the candidate contests among ``contests``, in their order."""
    return [
        {
            "@type": T_ + "Candidate",
            "@id": CANDIDATE_PREFIX + c.id,
            "BallotName": internationalized_text(c.name),
            **({"PartyId": c.party_id} if c.party_id is not None else {}),
        }
        for contest in contests
        if isinstance(contest, CandidateContest)
        for c in contest.candidates
    ]


def party_objects(
    definition: ElectionDefinition, candidates: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The Party objects of the parties ``candidates`` (Candidate objects) belong to."""
    party_ids = {c["PartyId"] for c in candidates if "PartyId" in c}
    return [
        {
            "@type": T_ + "Party",
            "@id": p.id,
            "Name": internationalized_text(p.name),
            "Abbreviation": internationalized_text(p.abbreviation),
        }
        for p in definition.parties
        if p.id in party_ids
    ]


def election_object(
    definition: ElectionDefinition,
    *,
    ballot_counts: list[dict[str, Any]],
    contests: list[dict[str, Any]],
    candidates: list[dict[str, Any]],
) -> dict[str, Any]:
    """The Election object, scoped to the county, with its candidates if there are any."""
    _, county_id = jurisdiction_ids(definition)
    election: dict[str, Any] = {
        "@type": T_ + "Election",
        "Name": internationalized_text(definition.title),
        "Type": definition.type,
        "StartDate": definition.date,
        "EndDate": definition.date,
        "ElectionScopeId": county_id,
        "ExternalIdentifier": [external_identifier(ELECTION_ID_TYPE, definition.id)],
        "BallotCounts": ballot_counts,
        "Contest": contests,
    }
    if candidates:
        election["Candidate"] = candidates
    return election


def contest_object(
    contest: Contest, selections: list[dict[str, Any]], other_counts: list[dict[str, Any]]
) -> dict[str, Any]:
    """The CandidateContest or BallotMeasureContest object of ``contest``, with its
    ContestSelections and OtherCounts."""
    if isinstance(contest, CandidateContest):
        return {
            "@type": T_ + "CandidateContest",
            "@id": contest.id,
            "Name": contest.title,
            "ElectionDistrictId": contest.district_id,
            "VotesAllowed": contest.vote_for,
            "NumberElected": contest.vote_for,
            "ContestSelection": selections,
            "OtherCounts": other_counts,
        }
    return {
        "@type": T_ + "BallotMeasureContest",
        "@id": contest.id,
        "Name": contest.title,
        "ElectionDistrictId": contest.district_id,
        "FullText": internationalized_text(contest.text),
        "ContestSelection": selections,
        "OtherCounts": other_counts,
    }


def _blanks(definition: ElectionDefinition, entries: PrecinctEntries) -> Iterator[str]:
    """Where a count is still blank, in words, for the refusal message."""
    for style_id, style in entries.styles.items():
        for f in StyleField:
            if style[f] is None:
                yield f"{f.value} of ballot style {style_id}"
    for roster_field, value in entries.roster.items():
        if value is None:
            yield f"roster {roster_field.value}"
    sheets = (Sheet.A, Sheet.B) if definition.policy.double_entry else (Sheet.A,)
    for sheet in sheets:
        for contest_id, entry in entries.sheets.get(sheet, {}).items():
            for sel, v in entry.votes.items():
                if v is None:
                    yield f"votes for {sel} in {contest_id} on sheet {sheet.value}"
            for line, v in entry.lines.items():
                if v is None:
                    yield f"{line.value} in {contest_id} on sheet {sheet.value}"
            for w in entry.write_ins:
                if w.count is None:
                    yield f"write-in {w.name!r} in {contest_id} on sheet {sheet.value}"


def _count(value: int | None) -> int:
    if value is None:  # guarded by _blanks; kept for the type checker
        raise ValueError("A count is blank; finalize the precinct before exporting.")
    return value


def _contest(contest: Contest, entry: ContestEntry, precinct_id: str) -> dict[str, Any]:
    other = {
        "@type": T_ + "OtherCounts",
        "GpUnitId": precinct_id,
        "Overvotes": _count(entry.overvotes),
        "Undervotes": _count(entry.undervotes),
    }
    if isinstance(contest, MeasureContest):
        measure_selections = [
            {
                "@type": T_ + "BallotMeasureSelection",
                "@id": option.id,
                "Selection": internationalized_text(option.name),
                "SequenceOrder": order,
                "VoteCounts": total_vote_counts(precinct_id, _count(entry.votes.get(option.id))),
            }
            for order, option in enumerate(contest.options, start=1)
        ]
        return contest_object(contest, measure_selections, [other])
    selections: list[dict[str, Any]] = []
    for order, candidate in enumerate(contest.candidates, start=1):
        selection: dict[str, Any] = {
            "@type": T_ + "CandidateSelection",
            "@id": candidate.id,
            "CandidateIds": [CANDIDATE_PREFIX + candidate.id],
            "SequenceOrder": order,
            "VoteCounts": total_vote_counts(precinct_id, _count(entry.votes.get(candidate.id))),
        }
        if candidate.write_in:
            selection["IsWriteIn"] = True
        selections.append(selection)
    if contest.unqualified_write_ins or entry.write_ins:
        selections.append(
            {
                "@type": T_ + "CandidateSelection",
                "@id": contest.id + WRITE_INS_SUFFIX,
                "IsWriteIn": True,
                "SequenceOrder": len(selections) + 1,
                "VoteCounts": total_vote_counts(
                    precinct_id, sum(_count(w.count) for w in entry.write_ins)
                ),
            }
        )
    return contest_object(contest, selections, [other])


def _ballot_style(
    definition: ElectionDefinition, style_id: str, precinct_id: str
) -> dict[str, Any]:
    style = definition.ballot_style(style_id)
    return {
        "@type": T_ + "BallotStyle",
        "GpUnitIds": [precinct_id],
        "OrderedContent": [
            {"@type": T_ + "OrderedContest", "ContestId": contest_id}
            for contest_id in style.contest_ids
        ],
        "ExternalIdentifier": [external_identifier(BALLOT_STYLE_TYPE, style_id)],
    }


def _ids(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "@id" in node:
            yield node["@id"]
        for value in node.values():
            yield from _ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from _ids(value)


def results_document(
    definition: ElectionDefinition,
    precinct_id: str,
    entries: PrecinctEntries,
    *,
    generated: datetime,
    device_id: str,
    county_issued: bool,
    is_test: bool = False,
    correction: bool = False,
    discrepancies: Sequence[str] = (),
    app_version: str,
) -> dict[str, Any]:
    """The NIST ERR v2 results document of one finalized precinct, as plain JSON data.

    Raises ValueError when a count is blank or a contest of the precinct has no sheet A,
    since the document is only ever made from finalized, complete data.
    """
    try:
        precinct = definition.precinct(precinct_id)
    except KeyError:
        raise ValueError(
            f"Precinct {precinct_id!r} is not in election {definition.id}; "
            "export a precinct of this election."
        ) from None
    blanks = list(_blanks(definition, entries))
    if blanks:
        more = f" (and {len(blanks) - 1} more)" if len(blanks) > 1 else ""
        raise ValueError(
            f"Cannot make the results document: {blanks[0]} is blank{more}; "
            "enter every count and finalize the precinct first."
        )
    contests = definition.contests_for(precinct_id)
    sheet_a = entries.sheets.get(Sheet.A, {})
    missing = [c.id for c in contests if c.id not in sheet_a]
    if missing:
        raise ValueError(
            f"Cannot make the results document: contest {missing[0]} has no sheet A entry; "
            "enter every contest and finalize the precinct first."
        )
    tallied = entries.tallied
    if tallied is None:  # impossible after _blanks, unless a style has no accounting at all
        raise ValueError("Cannot make the results document: the ballot accounting is blank.")
    outstanding = sum(_count(s[StyleField.PROVISIONAL]) for s in entries.styles.values())

    jurisdiction = definition.jurisdiction
    device_unit = DEVICE_PREFIX + device_id
    gp_units = jurisdiction_units(definition, [precinct.id])
    gp_units += district_units(definition, (c.district_id for c in contests), [precinct.id])
    precinct_unit: dict[str, Any] = {
        "@type": T_ + "ReportingUnit",
        "@id": precinct.id,
        "Type": "precinct",
        "Name": internationalized_text(precinct.name or precinct.id),
        "ComposingGpUnitIds": [device_unit],
        "CountStatus": [
            {"@type": T_ + "CountStatus", "Type": "total", "Status": "completed"},
            {"@type": T_ + "CountStatus", "Type": "write-in", "Status": "completed"},
        ],
    }
    if precinct.registered_voters is not None:
        precinct_unit["VotersRegistered"] = precinct.registered_voters
    gp_units.append(precinct_unit)
    gp_units.append(
        {
            "@type": T_ + "ReportingDevice",
            "@id": device_unit,
            "SerialNumber": device_id,
            "DeviceClass": {
                "@type": T_ + "DeviceClass",
                "Type": "manual-count",
                "Model": "Precinct Tally",
            },
            "ExternalIdentifier": [
                external_identifier(
                    DEVICE_IDENTITY_TYPE, "county-issued" if county_issued else "not county-issued"
                )
            ],
        }
    )

    candidates = candidate_objects(contests)
    parties = party_objects(definition, candidates)
    election = election_object(
        definition,
        ballot_counts=[
            {
                "@type": T_ + "BallotCounts",
                "GpUnitId": precinct.id,
                "Type": "total",
                "BallotsCast": tallied,
                "BallotsOutstanding": outstanding,
            }
        ],
        contests=[_contest(c, sheet_a[c.id], precinct.id) for c in contests],
        candidates=candidates,
    )
    # Which contests each ballot style carries: a receiver re-checks a contest's
    # arithmetic exactly only where every ballot of the precinct carried it.
    election["BallotStyle"] = [
        _ballot_style(definition, s, precinct.id) for s in precinct.ballot_style_ids
    ]

    external = [external_identifier(FINGERPRINT_TYPE, definition.fingerprint)]
    external += [external_identifier(DISCREPANCY_TYPE, text) for text in discrepancies]
    doc: dict[str, Any] = {
        "@type": T_ + "ElectionReport",
        "Format": "precinct-level",
        "GeneratedDate": iso_seconds(generated),
        "Issuer": jurisdiction.county,
        "IssuerAbbreviation": jurisdiction.state_code,
        "SequenceStart": 1,
        "SequenceEnd": 1,
        "Status": "correction" if correction else "unofficial-complete",
        "VendorApplicationId": f"Precinct Tally {app_version}",
        "ExternalIdentifier": external,
        "GpUnit": gp_units,
        "Election": [election],
    }
    if parties:
        doc["Party"] = parties
    if is_test:
        doc["IsTest"] = True
        doc["TestType"] = "logic-and-accuracy"

    seen: set[str] = set()
    for identifier in _ids(doc):
        if identifier in seen:
            raise ValueError(
                f"The id {identifier!r} names two different objects in the results document; "
                "give every precinct, district, party, contest and selection its own id."
            )
        seen.add(identifier)
    return doc


def results_json_bytes(doc: Mapping[str, Any], *, indent: int | None = 2) -> bytes:
    """Canonical bytes: sorted keys, UTF-8, no NaN, two-space indent (or, with
    ``indent=None``, one compact line, for long machine-read files), a final newline."""
    try:
        text = json.dumps(doc, sort_keys=True, ensure_ascii=False, allow_nan=False, indent=indent)
    except ValueError:  # NaN or Infinity: never valid JSON, never a count
        raise ValueError("The document holds a number that is not finite.") from None
    return (text + "\n").encode("utf-8")
