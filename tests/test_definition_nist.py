"""Importing NIST ERR CDF v2 pre-election reports (NIST's own GEN-03 example, and broken copies)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tally_app.definition.loader import LoadResult, load_definition_bytes, load_definition_file
from tally_app.definition.model import CandidateContest, MeasureContest
from tally_app.definition.own_format import DEFAULT_BOARD_ROLES
from tally_app.definition.schema_check import nist_validator


@pytest.fixture(scope="module")
def example_path(shared_dir: Path) -> Path:
    return shared_dir / "standards" / "err-cdf" / "examples" / "pe-err-gen-03.json"


@pytest.fixture(scope="module")
def example(example_path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(example_path.read_bytes())
    return doc


def load(doc: Any) -> LoadResult:
    return load_definition_bytes(json.dumps(doc).encode())


def codes_at(result: LoadResult) -> set[tuple[str, str]]:
    return {(p.path, p.code) for p in result.problems}


def test_gen03_imports_completely(example_path: Path) -> None:
    result = load_definition_file(example_path)
    assert result.problems == ()
    d = result.definition
    assert d is not None
    assert d.source_format == "nist-err-v2"
    assert (
        d.fingerprint == "20cf657e85e43796003b9b69b599b192c44b811153d739600fd5207a4307a08d"
    )  # shared/standards/README
    assert (d.title, d.date, d.type) == ("GEN-03 General Election", "2004-11-02", "general")
    assert d.id == "gen-03-general-election-2004-11-02"
    assert d.jurisdiction.county == "Test County"
    assert [(p.id, p.name) for p in d.precincts] == [
        ("prec-fs-23", "Fire Station 23"),
        ("prec-ac", "Aldersgate Church"),
    ]
    assert [c.id for c in d.contests] == [
        "cc-president", "cc-senate", "cc-congress-1", "cc-congress-2",
        "cc-assembly-1", "cc-assembly-2", "bm-22.6", "bm-25.3",
    ]  # fmt: skip
    candidate_contests = [c for c in d.contests if isinstance(c, CandidateContest)]
    assert len(candidate_contests) == 6
    assert sum(len(c.candidates) for c in candidate_contests) == 12
    assert all(c.vote_for == 1 and c.unqualified_write_ins for c in candidate_contests)
    assert all(not c.qualified_write_ins for c in candidate_contests)
    president = d.contest("cc-president")
    assert isinstance(president, CandidateContest)
    assert president.title == "President of the United States"
    assert president.district_id == "ru-county-3"
    first = president.candidates[0]
    assert (first.id, first.name, first.party_id) == ("cs-president-ak", "Arthur Kumar", "par-rep")
    assert d.party("par-rep").name == "Republican" and d.party("par-dem").abbreviation == "DEM"
    measure = d.contest("bm-22.6")
    assert isinstance(measure, MeasureContest)
    assert [(o.id, o.name) for o in measure.options] == [
        ("cs-22.6-yes", "YES"),
        ("cs-22.6-no", "NO"),
    ]
    assert measure.text.startswith("Shall the proposed amendment")
    assert [s.id for s in d.ballot_styles] == ["bs-1", "bs-2"]
    assert d.ballot_style("bs-1").contest_ids == (
        "cc-president", "cc-senate", "cc-congress-1", "cc-assembly-1", "bm-22.6", "bm-25.3",
    )  # fmt: skip
    assert d.precinct("prec-ac").ballot_style_ids == ("bs-2",)
    assert [c.id for c in d.contests_for("prec-ac")] == [
        "cc-president", "cc-senate", "cc-congress-2", "cc-assembly-2", "bm-22.6", "bm-25.3",
    ]  # fmt: skip
    assert {x.id: x.type for x in d.districts} == {
        "ru-county-3": "county",
        "ru-congress-1": "congressional",
        "ru-congress-2": "congressional",
        "ru-assembly-1": "state-house",
        "ru-assembly-2": "state-house",
    }
    assert d.board_roles == DEFAULT_BOARD_ROLES


def test_qualified_write_in_selection_and_style_on_a_district(example: dict[str, Any]) -> None:
    doc = copy.deepcopy(example)
    election = doc["Election"][0]
    election["Candidate"].append(
        {"@id": "can-wi", "@type": "ElectionResults.Candidate", "PartyId": "par-dem",
         "BallotName": {"@type": "ElectionResults.InternationalizedText",
                        "Text": [{"@type": "ElectionResults.LanguageString", "Language": "en", "Content": "Wanda Inn"}]}}
    )  # fmt: skip
    president = election["Contest"][0]
    president["ContestSelection"].insert(
        0,
        {
            "@type": "ElectionResults.CandidateSelection",
            "@id": "cs-president-wanda",
            "IsWriteIn": True,
            "CandidateIds": ["can-wi"],
        },
    )
    president["ContestSelection"] = [
        s for s in president["ContestSelection"] if s["@id"] != "cs-president-wi"
    ]
    election["BallotStyle"][0]["GpUnitIds"] = [
        "ru-congress-1"
    ]  # the style of every precinct in the district
    doc["GpUnit"].append({"@type": "ElectionResults.ReportingUnit", "@id": "ru-ca", "Type": "state",
                          "Name": {"@type": "ElectionResults.InternationalizedText",
                                   "Text": [{"@type": "ElectionResults.LanguageString", "Language": "en", "Content": "California"}]}})  # fmt: skip
    result = load(doc)
    assert result.problems == ()
    d = result.definition
    assert d is not None
    contest = d.contest("cc-president")
    assert isinstance(contest, CandidateContest)
    assert [c.id for c in contest.candidates] == [
        "cs-president-ak",
        "cs-president-bg",
        "cs-president-wanda",
    ]
    assert contest.qualified_write_ins[0].name == "Wanda Inn"
    assert contest.unqualified_write_ins is False
    assert d.precinct("prec-fs-23").ballot_style_ids == ("bs-1",)
    assert (d.jurisdiction.state, d.jurisdiction.state_code) == ("California", "CA")


def test_results_report_is_not_a_definition(shared_dir: Path) -> None:
    result = load_definition_file(
        shared_dir / "standards" / "err-cdf" / "examples" / "err-gen-03.json"
    )
    assert codes_at(result) == {("$.Status", "not_pre_election")}
    assert "pre-election" in result.problems[0].message


def test_every_problem_of_a_broken_report_is_listed(example: dict[str, Any]) -> None:
    doc = copy.deepcopy(example)
    election = doc["Election"][0]
    contests = election["Contest"]
    contests[0]["VotesAllowed"] = "one"  # schema, inside the Contest oneOf
    contests[1]["ElectionDistrictId"] = "ru-nowhere"
    contests[2]["VotesAllowed"] = 0
    contests[3]["VotesAllowed"] = 5
    contests[3]["ContestSelection"] = [
        s for s in contests[3]["ContestSelection"] if not s.get("IsWriteIn")
    ]
    contests[4]["ContestSelection"][0]["CandidateIds"] = ["can-ghost"]
    contests[6]["ContestSelection"].pop()
    contests[7]["@id"] = "bm-22.6"
    election["Candidate"][0]["PartyId"] = "par-grn"
    election["BallotStyle"][1]["OrderedContent"][0]["ContestId"] = "cc-nothing"
    election["BallotStyle"][1]["GpUnitIds"] = ["prec-nowhere"]
    election["StartDate"] = "2004-13-45"
    result = load(doc)
    assert result.definition is None
    found = codes_at(result)
    expected = {
        ("$.Election[0].Contest[0].VotesAllowed", "wrong_type"),
        ("$.Election[0].Contest[1].ElectionDistrictId", "unknown_reference"),
        ("$.Election[0].Contest[2].VotesAllowed", "vote_for_too_small"),
        ("$.Election[0].Contest[3].VotesAllowed", "vote_for_too_large"),
        ("$.Election[0].Contest[4].ContestSelection[0].CandidateIds[0]", "unknown_reference"),
        ("$.Election[0].Contest[6].ContestSelection", "measure_needs_two_options"),
        ("$.Election[0].Contest[7].@id", "duplicate_id"),
        ("$.Election[0].Candidate[0].PartyId", "unknown_reference"),
        ("$.Election[0].BallotStyle[1].OrderedContent[0].ContestId", "unknown_reference"),
        ("$.Election[0].BallotStyle[1].GpUnitIds[0]", "unknown_reference"),
        ("$.GpUnit[6]", "precinct_without_ballot_style"),
        ("$.Election[0].StartDate", "bad_date"),
    }
    assert expected <= found, sorted(found - expected)
    assert not any(p.code == "wrong_kind" for p in result.problems)  # the oneOf was looked into


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        (lambda d: d.pop("Election"), "$.Election", "missing"),
        (
            lambda d: d["Election"].append(copy.deepcopy(d["Election"][0])),
            "$.Election",
            "multiple_elections",
        ),
        (lambda d: d["GpUnit"].__setitem__(slice(5, 7), []), "$.GpUnit", "no_precincts"),
        (
            lambda d: d["Election"][0]["Contest"][0].update(
                {"@type": "ElectionResults.PartyContest"}
            ),
            "$.Election[0].Contest[0].@type",
            "unsupported_contest",
        ),
        (
            lambda d: d["Election"][0]["Contest"][0].update({"@type": "ElectionResults.Nonsense"}),
            "$.Election[0].Contest[0]",
            "wrong_kind",
        ),
        (
            lambda d: d["Election"][0]["Contest"][0].update(VoteVariation="rcv"),
            "$.Election[0].Contest[0].VoteVariation",
            "unsupported_vote_variation",
        ),
        (lambda d: d["GpUnit"][6].update({"@id": "prec ac/../x"}), "$.GpUnit[6].@id", "bad_id"),
        (lambda d: d.pop("IssuerAbbreviation"), "$.IssuerAbbreviation", "missing"),
        (lambda d: d.update(Extra=1), "$.Extra", "unknown_field"),
    ],
)
def test_single_nist_problem(example: dict[str, Any], change: Any, path: str, code: str) -> None:
    doc = copy.deepcopy(example)
    change(doc)
    result = load(doc)
    assert result.definition is None
    assert (path, code) in codes_at(result), result.problems


def test_nist_nan_is_refused_with_its_path(example: dict[str, Any]) -> None:
    data = json.dumps(example).replace('"VotesAllowed": 1', '"VotesAllowed": NaN', 1).encode()
    result = load_definition_bytes(data)
    assert codes_at(result) == {("$.Election[0].Contest[0].VotesAllowed", "not_a_number")}


def test_nist_validator_is_compiled_once() -> None:
    assert nist_validator() is nist_validator()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_value_anywhere_in_a_nist_report_never_raises(
    example: dict[str, Any], data: st.DataObject
) -> None:
    doc = copy.deepcopy(example)
    node: Any = doc
    for _ in range(data.draw(st.integers(0, 6))):
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        children = [(k, v) for k, v in children if isinstance(v, (dict, list)) and v]
        if not children:
            break
        _, node = data.draw(st.sampled_from(children))
    key = data.draw(
        st.sampled_from(sorted(node)) if isinstance(node, dict) else st.integers(0, len(node) - 1)
    )
    node[key] = data.draw(JSON_VALUES)
    result = load(doc)
    assert (result.definition is None) == bool(result.problems)
    assert all(p.path.startswith("$") and p.message.endswith(".") for p in result.problems)


def test_a_candidate_without_a_ballot_name_is_a_problem(example: dict[str, Any]) -> None:
    doc = copy.deepcopy(example)
    candidate = doc["Election"][0]["Candidate"][0]
    candidate["BallotName"]["Text"][0]["Content"] = ""
    result = load(doc)
    assert result.definition is None
    assert any(p.code == "missing" and "BallotName" in p.message for p in result.problems)
