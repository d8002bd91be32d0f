"""The NIST ERR v2 results document of one finalized precinct (issue 4, item 1).

Precincts are entered through the real service and store; the document is checked against
the shipped NIST schema, its references are resolved with the schema's own ``refTypes``,
and the arithmetic identity is checked per contest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from tally_app import service
from tally_app.definition.model import (
    BallotStyle,
    BallotStyleId,
    CandidateContest,
    ContestId,
    DistrictId,
    MeasureContest,
    MeasureOption,
    Precinct,
    PrecinctId,
    SelectionId,
)
from tally_app.definition.schema_check import nist_validator
from tally_app.entries import (
    ContestEntry,
    ContestLine,
    PrecinctEntries,
    Sheet,
    StyleAccounting,
)
from tally_app.export.results_document import results_document, results_json_bytes
from tally_app.session import PrecinctSession
from tally_app.verify.arithmetic import arithmetic_problems
from tally_app.verify.references import objects, reference_problems
from tests.balanced_precinct import (
    ACCOUNTING,
    INSPECTOR,
    ROSTER,
    T,
    add_two_members,
    enter_accounting,
    enter_contest,
    start,
)

GENERATED = datetime(2017, 6, 6, 21, 14, 5, 123456, tzinfo=UTC)
DEVICE = "laptop-0042"


def enter_complete(
    session: PrecinctSession,
    votes: Mapping[str, int],
    write_ins: Mapping[str, int],
    *,
    under: int,
    over: int,
) -> None:
    """Enter the accounting, the roster and the one contest on both sheets, identically."""
    enter_accounting(session)
    for sheet in (Sheet.A, Sheet.B):
        enter_contest(session, sheet, votes, write_ins, under=under, over=over)


def finalize(session: PrecinctSession) -> None:
    session.finalize(add_two_members(session), INSPECTOR)
    assert session.state == "finalized"


@pytest.fixture
def general(tmp_path: Path) -> Iterator[PrecinctSession]:
    """The CA-34 runoff: Ahn 100, Gomez 140, write-ins 2, under 4, over 1 = 247."""
    s = start(tmp_path, service.default_definition())
    contest = s.contests[0]
    assert isinstance(contest, CandidateContest)
    ahn, gomez = (c.id for c in contest.on_ballot)
    enter_complete(s, {ahn: 100, gomez: 140}, {"Mickey Mouse": 2}, under=4, over=1)
    finalize(s)
    yield s
    s.close()


@pytest.fixture
def primary(tmp_path: Path) -> Iterator[PrecinctSession]:
    """The 23-candidate primary with its qualified write-in and two unqualified names."""
    definition = next(d for d in service.embedded_definitions() if d.id == "ca34-2017-04-04")
    s = start(tmp_path, definition)
    contest = s.contests[0]
    assert isinstance(contest, CandidateContest)
    assert len(contest.on_ballot) == 23 and len(contest.qualified_write_ins) == 1
    # 23 candidates: 10 each = 230; qualified write-in 4; unqualified 2 + 3; under 6, over 2.
    votes: dict[str, int] = {c.id: 10 for c in contest.on_ballot}
    votes[contest.qualified_write_ins[0].id] = 4
    enter_complete(s, votes, {"Mickey Mouse": 2, "Donald Duck": 3}, under=6, over=2)
    finalize(s)
    yield s
    s.close()


def document(session: PrecinctSession, **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "generated": GENERATED,
        "device_id": DEVICE,
        "county_issued": True,
        "app_version": "1.2.3",
    }
    kwargs.update(overrides)
    return results_document(session.definition, session.precinct.id, session.entries(), **kwargs)


# --- checkers ---------------------------------------------------------------------------


def schema_errors(doc: Mapping[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in nist_validator().iter_errors(doc)]


def reference_errors(doc: Mapping[str, Any]) -> list[str]:
    return reference_problems(doc)


def check_identity(doc: Mapping[str, Any]) -> None:
    """Σ selections + over + under = VotesAllowed × BallotsCast for every contest."""
    (election,) = doc["Election"]
    (ballots,) = election["BallotCounts"]
    for contest in election["Contest"]:
        votes = sum(vc["Count"] for s in contest["ContestSelection"] for vc in s["VoteCounts"])
        (other,) = contest["OtherCounts"]
        n = contest.get("VotesAllowed", 1)
        assert votes + other["Overvotes"] + other["Undervotes"] == n * ballots["BallotsCast"]
    assert arithmetic_problems(doc) == []


def selection(doc: Mapping[str, Any], selection_id: str) -> dict[str, Any]:
    for obj in objects(doc):
        if obj.get("@id") == selection_id:
            return obj
    raise AssertionError(selection_id)


def count_of(sel: Mapping[str, Any]) -> int:
    (vc,) = sel["VoteCounts"]
    assert vc["Type"] == "total"
    return int(vc["Count"])


def externals(doc: Mapping[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for e in doc["ExternalIdentifier"]:
        assert e["Type"] == "other"
        found.setdefault(e["OtherType"], []).append(e["Value"])
    return found


# --- tests ------------------------------------------------------------------------------


def test_ca34_runoff_document_is_valid_and_counts_are_right(general: PrecinctSession) -> None:
    doc = document(general)
    assert schema_errors(doc) == []
    assert reference_errors(doc) == []
    check_identity(doc)
    assert doc["Format"] == "precinct-level"
    assert doc["Status"] == "unofficial-complete"
    assert "IsTest" not in doc
    assert doc["GeneratedDate"] == "2017-06-06T21:14:05+00:00"
    assert doc["IssuerAbbreviation"] == "CA"
    (election,) = doc["Election"]
    assert election["BallotCounts"] == [
        {
            "@type": "ElectionResults.BallotCounts",
            "GpUnitId": general.precinct.id,
            "Type": "total",
            "BallotsCast": 247,
            "BallotsOutstanding": 2,
        }
    ]
    assert count_of(selection(doc, "jimmy-gomez")) == 140
    assert count_of(selection(doc, "robert-lee-ahn")) == 100
    assert selection(doc, "jimmy-gomez")["CandidateIds"] == ["candidate-jimmy-gomez"]
    write_in = selection(doc, "us-rep-cd34-write-ins")
    assert write_in["IsWriteIn"] is True and "CandidateIds" not in write_in
    assert count_of(write_in) == 2
    (contest,) = election["Contest"]
    assert contest["@id"] == "us-rep-cd34" and contest["ElectionDistrictId"] == "cd34"
    (other,) = contest["OtherCounts"]
    assert (other["Overvotes"], other["Undervotes"]) == (1, 4)
    assert externals(doc) == {
        "election-definition-sha256": [general.definition.fingerprint],
    }


def test_only_its_own_precinct_the_units_it_needs_and_the_device(general: PrecinctSession) -> None:
    doc = document(general)
    units = {u["@id"]: u for u in doc["GpUnit"]}
    precincts = [u for u in units.values() if u.get("Type") == "precinct"]
    assert [p["@id"] for p in precincts] == [general.precinct.id]
    device = units["device-" + DEVICE]
    assert device["@type"] == "ElectionResults.ReportingDevice"
    assert device["DeviceClass"]["Type"] == "manual-count"
    assert device["ExternalIdentifier"][0]["Value"] == "county-issued"
    assert "device-" + DEVICE in precincts[0]["ComposingGpUnitIds"]
    assert set(units) == {
        "state-ca",
        "county-los-angeles-county",
        "cd34",
        "0850001A",
        "device-" + DEVICE,
    }
    assert doc["Election"][0]["ElectionScopeId"] == "county-los-angeles-county"
    not_issued = document(general, county_issued=False)
    dev = next(u for u in not_issued["GpUnit"] if u["@id"] == "device-" + DEVICE)
    assert dev["ExternalIdentifier"][0]["Value"] == "not county-issued"


def test_primary_with_qualified_write_in(primary: PrecinctSession) -> None:
    doc = document(primary)
    assert schema_errors(doc) == []
    assert reference_errors(doc) == []
    check_identity(doc)
    contest = primary.contests[0]
    assert isinstance(contest, CandidateContest)
    qualified = contest.qualified_write_ins[0]
    sel = selection(doc, qualified.id)
    assert sel["IsWriteIn"] is True
    assert sel["CandidateIds"] == ["candidate-" + qualified.id]
    assert count_of(sel) == 4
    pooled = selection(doc, contest.id + "-write-ins")
    assert pooled["IsWriteIn"] is True and "CandidateIds" not in pooled
    assert count_of(pooled) == 5
    (election,) = doc["Election"]
    # 23 on the ballot + the qualified write-in + the pooled unqualified write-ins.
    assert len(election["Contest"][0]["ContestSelection"]) == 25
    assert len(election["Candidate"]) == 24
    assert election["BallotCounts"][0]["BallotsCast"] == 247
    assert {p["@id"] for p in doc["Party"]} <= {p.id for p in primary.definition.parties}


def test_discrepancy_only_when_given(general: PrecinctSession) -> None:
    assert "DISCREPANCY" not in externals(document(general))
    doc = document(general, discrepancies=["A1: received is off by 1, explained"])
    assert schema_errors(doc) == []
    assert externals(doc)["DISCREPANCY"] == ["A1: received is off by 1, explained"]
    assert externals(doc)["election-definition-sha256"] == [general.definition.fingerprint]


def test_test_and_correction_switches(general: PrecinctSession) -> None:
    test = document(general, is_test=True)
    assert test["IsTest"] is True and schema_errors(test) == []
    corrected = document(general, correction=True)
    assert corrected["Status"] == "correction" and schema_errors(corrected) == []
    assert "IsTest" not in corrected


def test_same_data_same_bytes(general: PrecinctSession, tmp_path: Path) -> None:
    first = results_json_bytes(document(general))
    second = results_json_bytes(document(general))
    assert first == second
    assert first.endswith(b"}\n") and not first.endswith(b"\n\n")
    assert json.loads(first) == document(general)
    # Key order in the input does not matter: the bytes are canonical.
    shuffled = dict(reversed(list(document(general).items())))
    assert results_json_bytes(shuffled) == first
    assert results_json_bytes(document(general, app_version="9.9")) != first


def test_no_nan_in_canonical_bytes() -> None:
    with pytest.raises(ValueError):
        results_json_bytes({"Count": float("nan")})


def test_a_blank_count_is_refused(tmp_path: Path) -> None:
    s = start(tmp_path, service.default_definition())
    try:
        contest = s.contests[0]
        assert isinstance(contest, CandidateContest)
        ahn, gomez = (c.id for c in contest.on_ballot)
        enter_complete(s, {ahn: 100, gomez: 140}, {"Mickey Mouse": 2}, under=4, over=1)
        s.set_vote(Sheet.A, contest.id, gomez, None, INSPECTOR)
        with pytest.raises(ValueError, match=r"jimmy-gomez .* is blank"):
            document(s)
    finally:
        s.close()


def test_a_blank_write_in_count_is_refused(tmp_path: Path) -> None:
    s = start(tmp_path, service.default_definition())
    try:
        contest = s.contests[0]
        ahn, gomez = contest.selection_ids
        enter_complete(s, {ahn: 100, gomez: 140}, {"Mickey Mouse": 2}, under=4, over=1)
        s.add_write_in(Sheet.A, contest.id, "Donald Duck", INSPECTOR)
        with pytest.raises(ValueError, match=r"write-in 'Donald Duck'.*blank"):
            document(s)
    finally:
        s.close()


def test_measure_contest_becomes_ballot_measure_selections() -> None:
    """A definition with a measure (none ships yet), with entries built directly."""
    base = service.default_definition()
    measure = MeasureContest(
        id=ContestId("measure-h"),
        title="Measure H",
        district_id=DistrictId("cd34"),
        text="Shall the county fund homeless services?",
        options=(
            MeasureOption(SelectionId("measure-h-yes"), "Yes"),
            MeasureOption(SelectionId("measure-h-no"), "No"),
        ),
    )
    candidate = base.contests[0]
    style = BallotStyle(BallotStyleId("s1"), (candidate.id, measure.id))
    precinct = Precinct(PrecinctId("p1"), "Precinct 1", (style.id,), registered_voters=900)
    definition = replace(
        base, contests=(candidate, measure), ballot_styles=(style,), precincts=(precinct,)
    )
    lines = {ContestLine.UNDERVOTES: 4, ContestLine.OVERVOTES: 1, ContestLine.BALLOTS: T}
    ahn, gomez = candidate.selection_ids
    entries = PrecinctEntries(
        styles={style.id: StyleAccounting(MappingProxyType(dict(ACCOUNTING)))},
        roster=dict(ROSTER),
        sheets={
            sheet: {
                candidate.id: ContestEntry(candidate.id, {ahn: 102, gomez: 140}, lines),
                measure.id: ContestEntry(
                    measure.id,
                    {SelectionId("measure-h-yes"): 150, SelectionId("measure-h-no"): 90},
                    {ContestLine.UNDERVOTES: 6, ContestLine.OVERVOTES: 1, ContestLine.BALLOTS: T},
                ),
            }
            for sheet in Sheet
        },
    )
    doc = results_document(
        definition,
        "p1",
        entries,
        generated=GENERATED,
        device_id=DEVICE,
        county_issued=False,
        app_version="1.2.3",
    )
    assert schema_errors(doc) == []
    assert reference_errors(doc) == []
    check_identity(doc)
    yes = selection(doc, "measure-h-yes")
    assert yes["@type"] == "ElectionResults.BallotMeasureSelection" and count_of(yes) == 150
    precinct_unit = next(u for u in doc["GpUnit"] if u["@id"] == "p1")
    assert precinct_unit["VotersRegistered"] == 900


def test_unknown_precinct_is_refused(general: PrecinctSession) -> None:
    with pytest.raises(ValueError, match="not in election"):
        results_document(
            general.definition,
            "no-such-precinct",
            general.entries(),
            generated=GENERATED,
            device_id=DEVICE,
            county_issued=True,
            app_version="1",
        )


def test_the_reference_check_catches_what_the_schema_cannot(general: PrecinctSession) -> None:
    """The resolver is not vacuous: a scope on the device and a dangling GpUnitId both fail."""
    doc = document(general)
    doc["Election"][0]["ElectionScopeId"] = "device-" + DEVICE
    doc["Election"][0]["BallotCounts"][0]["GpUnitId"] = "nowhere"
    assert schema_errors(doc) == []
    errors = reference_errors(doc)
    assert any("ElectionScopeId" in e and "ReportingDevice" in e for e in errors)
    assert any("'nowhere', which does not exist" in e for e in errors)


def test_the_arithmetic_check_catches_one_vote_too_many(general: PrecinctSession) -> None:
    doc = document(general)
    contest = doc["Election"][0]["Contest"][0]
    contest["ContestSelection"][0]["VoteCounts"][0]["Count"] += 1
    (problem,) = arithmetic_problems(doc)
    assert contest["Name"] in problem and "add up to 248" in problem and "247" in problem
    contest["ContestSelection"][0]["VoteCounts"][0]["Count"] = 2.5
    assert "not a whole number" in arithmetic_problems(doc)[0]


def test_a_contest_on_some_ballot_styles_only_is_bounded_not_exact(
    general: PrecinctSession,
) -> None:
    """Without a per-contest ballot count, a contest on some styles is checked against T."""
    doc = document(general)
    election = doc["Election"][0]
    contest = election["Contest"][0]
    election["BallotStyle"][0]["OrderedContent"] = []  # the style no longer carries it
    selection = contest["ContestSelection"][0]["VoteCounts"][0]
    selection["Count"] -= 1  # one ballot short of T: fine if the contest is on some styles
    assert arithmetic_problems(doc) == []
    selection["Count"] += 2  # one mark over T ballots: never possible
    assert "not a whole number of ballots" in arithmetic_problems(doc)[0]


def test_the_format_checker_really_checks_date_times(general: PrecinctSession) -> None:
    """jsonschema skips ``date-time`` unless rfc3339-validator is installed: pin that it is."""
    doc = document(general)
    doc["GeneratedDate"] = "2017-06-06T21:14:05"  # no zone
    assert any("date-time" in e for e in schema_errors(doc))
    doc["GeneratedDate"] = "2017-02-30T21:14:05+00:00"  # no such day
    assert any("date-time" in e for e in schema_errors(doc))
