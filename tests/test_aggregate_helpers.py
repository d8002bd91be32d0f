"""(No tests here.) The fixtures the aggregation tests share (the runoff, a county PKI; a test
file takes them with ``pytest_plugins = ["tests.test_aggregate_helpers"]``) and real bundles for them: signed by a county device, by another CA, and
"another producer's" (a results.json and a detached CMS signature this file makes itself
with `cryptography`'s PKCS#7 builder, no manifest)."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from tally_app import service
from tally_app.definition.model import ElectionDefinition
from tally_app.testdeck.synthetic import write_synthetic_bundles
from tally_app.trust.identity import Identity
from tests.bundle_fixtures import Pki, make_pki

T0 = datetime(2026, 11, 3, 21, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 4, 9, 30, tzinfo=UTC)

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def runoff() -> ElectionDefinition:
    return service.default_definition()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


def county_bundles(
    definition: ElectionDefinition,
    precinct_ids: Sequence[str],
    out: Path,
    identity: Identity,
    *,
    is_test: bool = False,
) -> list[Path]:
    """Bundles exactly as the app exports them (manifest, both signatures, results.csv)."""
    return write_synthetic_bundles(
        definition,
        None,
        out,
        identity,
        generated=T0,
        is_test=is_test,
        precinct_ids=precinct_ids,
    )


def read_doc(bundle: Path) -> Doc:
    doc: Doc = json.loads((bundle / "results.json").read_bytes())
    return doc


def producer_bundle(folder: Path, doc: Mapping[str, Any], identity: Identity) -> Path:
    """Another producer's bundle: results.json and results.json.p7s only (DER, SHA-256,
    detached, the signer's certificate inside), signed here with `cryptography`."""
    folder.mkdir(parents=True)
    data = json.dumps(doc, indent=1).encode("utf-8")
    signature = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(identity.certificate, identity.private_key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )
    (folder / "results.json").write_bytes(data)
    (folder / "results.json.p7s").write_bytes(signature)
    return folder


def changed(doc: Mapping[str, Any], change: Callable[[Doc], None]) -> Doc:
    new = copy.deepcopy(dict(doc))
    change(new)
    return new


def contest_of(doc: Doc) -> Doc:
    contest: Doc = doc["Election"][0]["Contest"][0]
    return contest


def move_one_vote(doc: Doc) -> None:
    """One vote from the first two candidates' leader to the other: the arithmetic holds."""
    first, second = sorted(
        contest_of(doc)["ContestSelection"][:2], key=lambda s: -s["VoteCounts"][0]["Count"]
    )
    first["VoteCounts"][0]["Count"] -= 1
    second["VoteCounts"][0]["Count"] += 1


def as_correction(doc: Doc) -> None:
    move_one_vote(doc)
    doc["Status"] = "correction"
    doc["GeneratedDate"] = T1.isoformat(timespec="seconds")


def without_fingerprint(doc: Doc) -> None:
    doc["ExternalIdentifier"] = [
        e for e in doc["ExternalIdentifier"] if e["OtherType"] != "election-definition-sha256"
    ]


def copy_bundle(bundle: Path, to: Path) -> Path:
    shutil.copytree(bundle, to)
    return to


def votes_in(bundles: list[Path]) -> dict[str, int]:
    """Selection id → total votes, summed independently from the bundles' results.json."""
    totals: dict[str, int] = {}
    for bundle in bundles:
        for contest in read_doc(bundle)["Election"][0]["Contest"]:
            for s in contest["ContestSelection"]:
                for vc in s["VoteCounts"]:
                    if vc["Type"] == "total":
                        totals[s["@id"]] = totals.get(s["@id"], 0) + int(vc["Count"])
    return totals
