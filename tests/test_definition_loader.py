"""The definition loader on our own format: valid files, every kind of bad file, real files."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import time
from dataclasses import FrozenInstanceError
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tally_app.definition.loader import (
    MAX_BYTES,
    LoadResult,
    load_definition_bytes,
    load_definition_file,
    load_trusted_bytes,
)
from tally_app.definition.model import (
    CandidateContest,
    MeasureContest,
    RuleId,
    Severity,
)
from tally_app.definition.own_format import DEFAULT_BOARD_ROLES


def minimal() -> dict[str, Any]:
    """A small valid definition: two precincts, two styles, a candidate contest and a measure."""
    return {
        "format": "precinct-tally/election-definition",
        "format_version": 1,
        "id": "test-2024",
        "title": "Test Election",
        "date": "2024-11-05",
        "type": "general",
        "jurisdiction": {"county": "Alpine County", "state": "California", "state_code": "CA"},
        "districts": [{"id": "county", "name": "Alpine County", "type": "county"}],
        "parties": [
            {"id": "DEM", "name": "Democratic", "abbreviation": "DEM"},
            {"id": "REP", "name": "Republican", "abbreviation": "REP"},
        ],
        "contests": [
            {
                "kind": "candidate",
                "id": "mayor",
                "title": "Mayor",
                "district_id": "county",
                "vote_for": 1,
                "unqualified_write_ins": False,
                "candidates": [
                    {"id": "alice", "name": "Alice Adams", "party_id": "DEM"},
                    {"id": "bob", "name": "Bob Brown", "party_id": "REP"},
                    {"id": "wendy", "name": "Wendy Write", "party_id": None, "write_in": True},
                ],
            },
            {
                "kind": "measure",
                "id": "measure-a",
                "title": "Measure A",
                "district_id": "county",
                "text": "Shall the county build a library?",
                "options": [{"id": "a-yes", "name": "Yes"}, {"id": "a-no", "name": "No"}],
            },
        ],
        "ballot_styles": [
            {"id": "s1", "contest_ids": ["mayor", "measure-a"]},
            {"id": "s2", "contest_ids": ["mayor"]},
        ],
        "precincts": [
            {
                "id": "p1",
                "name": "Fire Hall",
                "ballot_style_ids": ["s1", "s2"],
                "registered_voters": 900,
            },
            {"id": "p2", "ballot_style_ids": ["s2"], "polling_place": "Library"},
        ],
    }


def encode(doc: Any) -> bytes:
    return json.dumps(doc).encode("utf-8")


def codes_at(result: LoadResult) -> set[tuple[str, str]]:
    return {(p.path, p.code) for p in result.problems}


# --- valid files -------------------------------------------------------------------------


def test_minimal_definition_loads_with_fingerprint_of_exact_bytes() -> None:
    data = encode(minimal())
    result = load_definition_bytes(data, source="x.json")
    assert result.problems == ()
    d = result.definition
    assert d is not None and result.ok and result.source == "x.json"
    assert d.fingerprint == hashlib.sha256(data).hexdigest()
    assert d.source_bytes == data
    assert d.source_format == "precinct-tally"
    assert (d.id, d.title, d.date, d.type) == (
        "test-2024",
        "Test Election",
        "2024-11-05",
        "general",
    )
    assert d.jurisdiction.state_code == "CA"
    mayor = d.contest("mayor")
    assert isinstance(mayor, CandidateContest)
    assert [c.id for c in mayor.on_ballot] == ["alice", "bob"]
    assert [c.id for c in mayor.qualified_write_ins] == ["wendy"]
    assert mayor.candidates[2].party_id is None
    measure = d.contest("measure-a")
    assert isinstance(measure, MeasureContest)
    assert [o.name for o in measure.options] == ["Yes", "No"]
    assert measure.text.startswith("Shall")
    p1, p2 = d.precincts
    assert (p1.name, p1.ballot_style_ids, p1.registered_voters) == ("Fire Hall", ("s1", "s2"), 900)
    assert (p2.name, p2.label, p2.polling_place) == ("", "p2", "Library")
    assert [c.id for c in d.contests_for("p2")] == ["mayor"]


def test_absent_board_roles_and_policy_take_the_defaults() -> None:
    d = load_definition_bytes(encode(minimal())).definition
    assert d is not None
    assert d.board_roles == DEFAULT_BOARD_ROLES
    assert [r.title for r in d.board_roles] == [
        "Inspector",
        "Judge",
        "Clerk",
        "Tally keeper A",
        "Tally keeper B",
    ]
    assert d.policy.double_entry is True
    assert d.policy.severity(RuleId.A4) is Severity.BLOCK


def test_policy_overrides_and_board_roles_are_read() -> None:
    doc = minimal()
    doc["policy"] = {
        "severities": {"A13": "block", "A4a": "warn"},
        "double_entry": False,
        "blank_ballot_warn_fraction": 0,
        "small_count_suppression": True,
        "small_count_threshold": 5,
    }
    doc["board_roles"] = [
        {"id": "inspector", "title": "Inspector"},
        {"id": "clerk", "title": "Clerk", "min_count": 2, "max_count": 3},
    ]
    d = load_definition_bytes(encode(doc)).definition
    assert d is not None
    assert d.policy.severity(RuleId.A13) is Severity.BLOCK
    assert d.policy.severity(RuleId.A4a) is Severity.WARN
    assert d.policy.severity(RuleId.A1) is Severity.EXPLAIN  # untouched default
    assert d.policy.double_entry is False and d.policy.small_count_threshold == 5
    assert d.policy.blank_ballot_warn_fraction == 0.0 and isinstance(
        d.policy.blank_ballot_warn_fraction, float
    )
    assert [(r.id, r.min_count, r.max_count) for r in d.board_roles] == [
        ("inspector", 1, 1),
        ("clerk", 2, 3),
    ]


def test_result_is_deeply_immutable() -> None:
    d = load_definition_bytes(
        encode(minimal() | {"policy": {"severities": {"A1": "warn"}}})
    ).definition
    assert d is not None
    with pytest.raises(FrozenInstanceError):
        d.title = "changed"  # type: ignore[misc]
    assert isinstance(d.contests, tuple) and isinstance(d.precincts[0].ballot_style_ids, tuple)
    assert isinstance(d.policy.severities, MappingProxyType)
    with pytest.raises(TypeError):
        d.policy.severities[RuleId.A1] = Severity.BLOCK  # type: ignore[index]


def test_utf8_bom_is_accepted_and_counted_in_the_fingerprint() -> None:
    data = b"\xef\xbb\xbf" + encode(minimal())
    d = load_definition_bytes(data).definition
    assert d is not None
    assert d.fingerprint == hashlib.sha256(data).hexdigest()


def test_trusted_path_gives_the_same_definition() -> None:
    data = encode(minimal())
    assert load_trusted_bytes(data).definition == load_definition_bytes(data).definition
    bad = minimal()
    bad["contests"][0]["district_id"] = "nowhere"
    assert ("$.contests[0].district_id", "unknown_reference") in codes_at(
        load_trusted_bytes(encode(bad))
    )


def test_load_result_holds_exactly_one_of_definition_and_problems() -> None:
    with pytest.raises(ValueError):
        LoadResult(None, ())


# --- bad bytes ---------------------------------------------------------------------------

BAD_BYTES = {
    "empty": (b"", "empty"),
    "whitespace": (b" \n\t ", "empty"),
    "only_bom": (b"\xef\xbb\xbf\n", "empty"),
    "not_json": (b"this is not json", "not_json"),
    "truncated": (encode(minimal())[:300], "truncated"),
    "binary": (bytes(range(256)) * 4, "not_utf8"),
    "latin1": ('{"title": "Peña"}'.encode("latin-1"), "not_utf8"),
    "utf16": (encode(minimal()).decode().encode("utf-16"), "not_utf8"),
    "deep_arrays": (b"[" * 100_000, "too_deep"),
    "deep_objects": (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "too_deep"),
    "huge_integer": (b'{"n": ' + b"9" * 5000 + b"}", "number_too_long"),
    "json_list": (b"[1, 2, 3]", "wrong_type"),
    "json_string": (b'"hello"', "wrong_type"),
    "other_json": (b'{"hello": "world"}', "unknown_format"),
}


@pytest.mark.parametrize("name", sorted(BAD_BYTES))
def test_bad_bytes_give_one_clear_problem(name: str) -> None:
    data, code = BAD_BYTES[name]
    result = load_definition_bytes(data)
    assert result.definition is None
    assert [p.code for p in result.problems] == [code]
    message = result.problems[0].message
    assert message.endswith(".") and ";" in message  # what is wrong; what to do
    assert "Traceback" not in message


def test_deep_nesting_inside_strings_is_not_counted() -> None:
    doc = minimal()
    doc["notes"] = '\\"[' * 1500  # escaped quotes must not end the string early
    assert load_definition_bytes(encode(doc)).ok


def test_nesting_at_the_limit_is_parsed_and_over_it_refused() -> None:
    doc = minimal()
    doc["notes"] = 1
    ok_depth = encode(doc).replace(b'"notes": 1', b'"notes": ' + b"[" * 63 + b"]" * 63)
    over = encode(doc).replace(b'"notes": 1', b'"notes": ' + b"[" * 64 + b"]" * 64)
    assert load_definition_bytes(ok_depth).codes == (
        "wrong_type",
    )  # parsed, then the schema speaks
    assert load_definition_bytes(over).codes == ("too_deep",)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_are_refused_with_their_path(literal: str) -> None:
    data = encode(minimal()).replace(b'"vote_for": 1', b'"vote_for": ' + literal.encode())
    result = load_definition_bytes(data)
    assert result.definition is None
    assert codes_at(result) == {("$.contests[0].vote_for", "not_a_number")}


def test_duplicate_keys_are_reported() -> None:
    data = encode(minimal()).replace(b'"title": "Test Election"', b'"title": "A", "title": "B"')
    result = load_definition_bytes(data)
    assert codes_at(result) == {("$.title", "duplicate_key")}


def test_unpaired_surrogate_is_reported() -> None:
    data = encode(minimal()).replace(b'"Alice Adams"', b'"Alice \\ud800"')
    assert codes_at(load_definition_bytes(data)) == {
        ("$.contests[0].candidates[0].name", "bad_text")
    }


def test_over_10_mb_of_bytes_is_refused_unparsed() -> None:
    result = load_definition_bytes(b" " * (MAX_BYTES + 1))
    assert result.codes == ("too_large",)
    assert "10 MB" in result.problems[0].message


def test_wrong_format_or_version_is_reported_alone() -> None:
    assert codes_at(load_definition_bytes(encode(minimal() | {"format": "other/thing"}))) == {
        ("$.format", "unknown_format")
    }
    assert codes_at(load_definition_bytes(encode(minimal() | {"format_version": 2}))) == {
        ("$.format_version", "unsupported_version")
    }


# --- structure and meaning: every problem, each with its path ------------------------------


def test_every_problem_is_listed_at_once_with_its_path() -> None:
    doc = minimal()
    doc["title"] = 5
    doc["extra"] = True
    doc["date"] = "2024-02-30"
    del doc["type"]
    doc["contests"][0]["vote_for"] = 0
    doc["contests"][0]["district_id"] = "nowhere"
    doc["contests"][0]["candidates"][1]["party_id"] = "GRN"
    doc["contests"][1]["options"].append({"id": "a-maybe", "name": "Maybe"})
    doc["contests"][1]["id"] = "mayor"
    doc["ballot_styles"][1]["contest_ids"] = ["mayor", "ghost"]
    doc["precincts"][1]["id"] = "p1"
    doc["precincts"][1]["ballot_style_ids"] = []
    doc["precincts"][0]["ballot_style_ids"] = ["s1", "s9"]
    doc["policy"] = {"severities": {"A11": "block", "A2": "fatal"}, "blank_ballot_warn_fraction": 2}
    result = load_definition_bytes(encode(doc))
    assert result.definition is None
    expected = {
        ("$.title", "wrong_type"),
        ("$.extra", "unknown_field"),
        ("$.date", "bad_date"),
        ("$.type", "missing"),
        ("$.contests[0].vote_for", "vote_for_too_small"),
        ("$.contests[0].district_id", "unknown_reference"),
        ("$.contests[0].candidates[1].party_id", "unknown_reference"),
        ("$.contests[1].options", "measure_needs_two_options"),
        ("$.contests[1].id", "duplicate_id"),
        ("$.ballot_styles[1].contest_ids[1]", "unknown_reference"),
        ("$.ballot_styles[0].contest_ids[1]", "unknown_reference"),  # measure-a was renamed
        ("$.precincts[1].id", "duplicate_id"),
        ("$.precincts[1].ballot_style_ids", "precinct_without_ballot_style"),
        ("$.precincts[0].ballot_style_ids[1]", "unknown_reference"),
        ("$.policy.severities.A11", "unknown_rule"),
        ("$.policy.severities.A2", "unknown_severity"),
        ("$.policy.blank_ballot_warn_fraction", "too_large"),
    }
    assert codes_at(result) == expected
    assert len(result.problems) == len(expected)  # each once
    for problem in result.problems:
        assert not problem.message[0].islower()
        assert problem.message.endswith(".")


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        (lambda d: d["contests"][0].update(vote_for="1"), "$.contests[0].vote_for", "wrong_type"),
        (lambda d: d["contests"][0].update(vote_for=True), "$.contests[0].vote_for", "wrong_type"),
        (lambda d: d["contests"][0].update(vote_for=1.5), "$.contests[0].vote_for", "wrong_type"),
        (
            lambda d: d["contests"][0].update(vote_for=10**20),
            "$.contests[0].vote_for",
            "vote_for_too_large",
        ),
        (
            lambda d: d["contests"][0].update(vote_for=-3),
            "$.contests[0].vote_for",
            "vote_for_too_small",
        ),
        (
            lambda d: d["contests"][0].update(vote_for=4),
            "$.contests[0].vote_for",
            "vote_for_too_large",
        ),
        (
            lambda d: d["contests"][0]["candidates"].append({"id": "late", "name": "Late"}),
            "$.contests[0].candidates[3]",
            "write_in_not_last",
        ),
        (
            lambda d: d["contests"][0]["candidates"][1].update(id="alice"),
            "$.contests[0].candidates[1].id",
            "duplicate_id",
        ),
        (
            lambda d: d["contests"][1]["options"][0].update(id="alice"),
            "$.contests[1].options[0].id",
            "duplicate_id",
        ),
        (
            lambda d: d["contests"][1]["options"].pop(),
            "$.contests[1].options",
            "measure_needs_two_options",
        ),
        (lambda d: d["contests"][1].update(kind="poll"), "$.contests[1].kind", "not_allowed"),
        (lambda d: d["contests"][0].pop("candidates"), "$.contests[0].candidates", "missing"),
        (
            lambda d: d["districts"].append(dict(d["districts"][0])),
            "$.districts[1].id",
            "duplicate_id",
        ),
        (
            lambda d: d["ballot_styles"].append({"id": "s1", "contest_ids": ["mayor"]}),
            "$.ballot_styles[2].id",
            "duplicate_id",
        ),
        (
            lambda d: d["ballot_styles"][0].update(contest_ids=["mayor", "mayor"]),
            "$.ballot_styles[0].contest_ids",
            "duplicate_item",
        ),
        (
            lambda d: d["precincts"][0].pop("ballot_style_ids"),
            "$.precincts[0].ballot_style_ids",
            "missing",
        ),
        (lambda d: d["precincts"][0].update(id="../etc"), "$.precincts[0].id", "bad_id"),
        (
            lambda d: d["precincts"][0].update(registered_voters=-1),
            "$.precincts[0].registered_voters",
            "too_small",
        ),
        (lambda d: d.update(date="June 6, 2017"), "$.date", "bad_date"),
        (lambda d: d.update(type="coronation"), "$.type", "not_allowed"),
        (
            lambda d: d["jurisdiction"].update(state_code="Calif"),
            "$.jurisdiction.state_code",
            "bad_format",
        ),
        (lambda d: d.update(title=""), "$.title", "empty_text"),
        (
            lambda d: d.update(
                board_roles=[{"id": "x", "title": "X", "min_count": 3, "max_count": 2}]
            ),
            "$.board_roles[0].min_count",
            "role_counts",
        ),
        (lambda d: d.update(precincts=[]), "$.precincts", "too_few_items"),
    ],
)
def test_single_problem_is_found_at_its_path(change: Any, path: str, code: str) -> None:
    doc = copy.deepcopy(minimal())
    change(doc)
    result = load_definition_bytes(encode(doc))
    assert result.definition is None
    assert (path, code) in codes_at(result), result.problems


def test_more_votes_than_candidates_is_fine_with_unqualified_write_ins() -> None:
    doc = minimal()
    doc["contests"][0].update(vote_for=4, unqualified_write_ins=True)
    assert load_definition_bytes(encode(doc)).ok


# --- files --------------------------------------------------------------------------------


def test_file_loads_and_names_its_source(tmp_path: Path) -> None:
    path = tmp_path / "def.json"
    path.write_bytes(encode(minimal()))
    result = load_definition_file(path)
    assert result.ok and result.source == str(path)
    assert result.definition is not None and result.definition.source_bytes == path.read_bytes()


def test_missing_file_and_folder_are_problems(tmp_path: Path) -> None:
    assert load_definition_file(tmp_path / "nope.json").codes == ("file_not_found",)
    assert load_definition_file(tmp_path).codes == ("not_a_file",)


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this platform")
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    assert load_definition_file(fifo).codes == ("not_a_file",)


def test_huge_file_is_refused_by_its_size_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(8 * 1024**3)  # sparse: 8 GB that would take minutes to read
    started = time.perf_counter()
    result = load_definition_file(path)
    assert result.codes == ("too_large",)
    assert time.perf_counter() - started < 1.0


def test_file_just_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (MAX_BYTES + 1))
    assert load_definition_file(path).codes == ("too_large",)


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root reads files whatever their permissions")
    path = tmp_path / "secret.json"
    path.write_bytes(encode(minimal()))
    path.chmod(0)
    try:
        assert load_definition_file(path).codes == ("file_unreadable",)
    finally:
        path.chmod(0o600)


def test_hostile_unterminated_string_is_scanned_in_linear_time() -> None:
    data = b'{"notes": "' + b'\\"[' * 3_000_000  # 9 MB, no closing quote, brackets inside
    started = time.perf_counter()
    result = load_definition_bytes(data)
    assert result.codes == ("truncated",)
    assert time.perf_counter() - started < 3.0


def test_many_shallow_brackets_near_the_limit_are_fast() -> None:
    data = b"[" + b"[]," * 3_000_000 + b"[]]"  # 9 MB of brackets, depth 2
    started = time.perf_counter()
    result = load_definition_bytes(data)
    assert result.codes == ("wrong_type",)
    assert time.perf_counter() - started < 5.0


def test_a_flood_of_problems_is_cut_with_a_note() -> None:
    doc = minimal()
    doc["precincts"] = [{"id": "same", "ballot_style_ids": ["s1"]} for _ in range(1000)]
    result = load_definition_bytes(encode(doc))
    assert len(result.problems) == 201
    assert result.problems[-1].code == "too_many_problems"
    assert result.problems[-1].message.startswith("799 more problem(s)")


# --- nothing raises, whatever the input ----------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    result = load_definition_bytes(data)
    assert (result.definition is None) == bool(result.problems)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_value_anywhere_gives_a_definition_or_problems(data: st.DataObject) -> None:
    doc = minimal()
    # walk to a random container inside the definition and put a random value there
    node: Any = doc
    for _ in range(data.draw(st.integers(0, 4))):
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        children = [(k, v) for k, v in children if isinstance(v, (dict, list)) and v]
        if not children:
            break
        _, node = data.draw(st.sampled_from(children))
    key = data.draw(
        st.sampled_from(sorted(node)) if isinstance(node, dict) else st.integers(0, len(node) - 1)
    )
    node[key] = data.draw(JSON_VALUES)
    result = load_definition_bytes(encode(doc))
    assert (result.definition is None) == bool(result.problems)
    for problem in result.problems:
        assert problem.path.startswith("$") and problem.code and problem.message.endswith(".")
