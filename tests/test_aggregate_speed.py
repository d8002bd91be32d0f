"""What was made faster for the supervisor stays exactly as strict (issue 6 item 7).

`verify` decides a NIST ``oneOf`` by the object's ``@type`` (bundle_check._results_validator);
on every document, valid or broken, it must find exactly the problems the standard validator
finds. Signature checks reuse one event loop per thread; they must still tell a good
signature from a bad one, many times over.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tally_app import service
from tally_app.definition.schema_check import nist_validator, schema_problems
from tally_app.verify.bundle_check import _results_validator, verify_bundle
from tests.bundle_fixtures import Pki, make_pki
from tests.test_aggregate_helpers import county_bundles, read_doc

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Path:
    definition = service.default_definition()
    (made,) = county_bundles(
        definition, [definition.precincts[0].id], tmp_path_factory.mktemp("usb"), pki.identity
    )
    return made


def _contest(doc: Doc) -> Doc:
    contest: Doc = doc["Election"][0]["Contest"][0]
    return contest


def _set(path: Callable[[Doc], Doc], key: str, value: Any) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        path(doc)[key] = value

    return change


def _drop(path: Callable[[Doc], Doc], key: str) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        del path(doc)[key]

    return change


def _selection(doc: Doc) -> Doc:
    selection: Doc = _contest(doc)["ContestSelection"][0]
    return selection


def _device(doc: Doc) -> Doc:
    unit: Doc = next(u for u in doc["GpUnit"] if "DeviceClass" in u)
    return unit


CHANGES: dict[str, Callable[[Doc], None]] = {
    "unchanged": lambda doc: None,
    "contest of another class": _set(_contest, "@type", "ElectionResults.BallotMeasureContest"),
    "contest of no class": _set(_contest, "@type", "ElectionResults.Nothing"),
    "contest without a type": _drop(_contest, "@type"),
    "contest with a number type": _set(_contest, "@type", 7),
    "contest with an extra field": _set(_contest, "Custom", "x"),
    "contest without its name": _drop(_contest, "Name"),
    "selection count as text": lambda doc: _selection(doc)["VoteCounts"][0].update(Count="5"),
    "selection of a party": _set(_selection, "@type", "ElectionResults.PartySelection"),
    "selection without an id": _drop(_selection, "@id"),
    "device as a unit": _set(_device, "@type", "ElectionResults.ReportingUnit"),
    "device with a bad class": lambda doc: _device(doc)["DeviceClass"].update(Type="robot"),
    "ordered content of another kind": lambda doc: doc["Election"][0]["BallotStyle"][0][
        "OrderedContent"
    ][0].update({"@type": "ElectionResults.OrderedHeader"}),
    "date without a zone": _set(lambda doc: doc, "GeneratedDate", "2026-11-03T21:00:00"),
    "contest as a list": lambda doc: doc["Election"][0].update(Contest=[["x"]]),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_the_fast_validator_finds_exactly_what_the_standard_one_finds(
    bundle: Path, name: str
) -> None:
    doc = copy.deepcopy(read_doc(bundle))
    CHANGES[name](doc)
    fast = schema_problems(_results_validator(), doc)
    standard = schema_problems(nist_validator(), doc)
    assert fast == standard
    assert bool(standard) is (name != "unchanged")


def test_signatures_checked_many_times_on_one_loop_keep_their_verdicts(
    bundle: Path, pki: Pki, tmp_path: Path
) -> None:
    roots = service.load_trust_roots(pki.ca_pem)
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in bundle.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    doc = json.loads((broken / "results.json").read_bytes())
    doc["Issuer"] = "Somebody Else"
    (broken / "results.json").write_text(json.dumps(doc))
    for _ in range(3):
        assert verify_bundle(bundle, roots, deep=False).valid
        report = verify_bundle(broken, roots, deep=False)
        assert any("signature of results.json does not match" in p for p in report.problems)
