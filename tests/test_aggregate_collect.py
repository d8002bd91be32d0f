"""The supervisor's aggregation (issue 6 items 1-2) on real signed bundles: what is summed,
what is rejected and why, duplicates, conflicts, corrections, other producers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tally_app import service
from tally_app.aggregate.collect import aggregate
from tally_app.aggregate.model import Aggregation, Disposition
from tally_app.definition.model import ElectionDefinition
from tests.bundle_fixtures import Pki, make_pki
from tests.test_aggregate_helpers import (
    as_correction,
    changed,
    contest_of,
    copy_bundle,
    county_bundles,
    move_one_vote,
    producer_bundle,
    read_doc,
    votes_in,
    without_fingerprint,
)

pytest_plugins = ["tests.test_aggregate_helpers"]  # the runoff and pki fixtures


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """Another county's CA and device: correctly signed, but not by our CA."""
    return make_pki(tmp_path_factory.mktemp("other"), "laptop-9", "Orange County")


def _run(
    drive: Path, definition: ElectionDefinition, pki: Pki, *, allow_test: bool = False
) -> Aggregation:
    return aggregate(
        [drive], definition, service.load_trust_roots(pki.ca_pem), allow_test=allow_test
    )


def _fate(result: Aggregation, bundle: Path) -> tuple[Disposition, str | None]:
    (outcome,) = [b for b in result.bundles if b.path == bundle]
    return outcome.disposition, outcome.reason


def _ids(definition: ElectionDefinition, n: int, start: int = 0) -> list[str]:
    return [p.id for p in definition.precincts[start : start + n]]


def test_totals_are_the_sum_of_the_bundles(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki
) -> None:
    bundles = county_bundles(runoff, _ids(runoff, 5), tmp_path / "usb", pki.identity)
    result = _run(tmp_path / "usb", runoff, pki)
    assert result.all_accepted and len(result.bundles) == 5
    assert result.reporting == tuple(sorted(_ids(runoff, 5)))
    assert len(result.missing) == len(runoff.precincts) - 5
    expected = votes_in(bundles)
    (contest,) = result.contests
    assert {s.id: s.votes for s in contest.selections} == expected
    docs = [read_doc(b) for b in bundles]
    assert contest.ballots == sum(d["Election"][0]["BallotCounts"][0]["BallotsCast"] for d in docs)
    assert contest.overvotes == sum(contest_of(d)["OtherCounts"][0]["Overvotes"] for d in docs)
    assert contest.undervotes == sum(contest_of(d)["OtherCounts"][0]["Undervotes"] for d in docs)
    rows = {r.precinct_id: r for r in result.precincts}
    assert rows[bundles[0].name].disposition == "accepted"
    assert rows[bundles[0].name].ballots == docs[0]["Election"][0]["BallotCounts"][0]["BallotsCast"]
    assert rows[_ids(runoff, 1, 10)[0]].disposition == "missing"
    assert all(b.fingerprint_checked and not b.notes for b in result.bundles)


def test_each_bad_bundle_is_rejected_with_one_sentence_and_not_summed(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki, stranger: Pki
) -> None:
    usb = tmp_path / "usb"
    good = county_bundles(runoff, _ids(runoff, 2), usb / "good", pki.identity)
    ids = _ids(runoff, 4, 2)
    tampered, unsigned, untrusted_ok, other_election = (
        county_bundles(runoff, [pid], usb / name, pki.identity)[0]
        for pid, name in zip(ids, ("tampered", "unsigned", "spare", "primary"), strict=True)
    )
    data = (tampered / "results.json").read_bytes()
    assert b'"Issuer": "L' in data
    (tampered / "results.json").write_bytes(data.replace(b'"Issuer": "L', b'"Issuer": "K', 1))
    (unsigned / "results.json.p7s").unlink()
    untrusted = county_bundles(
        runoff, [_ids(runoff, 1, 6)[0]], usb / "untrusted", stranger.identity
    )[0]
    primary = next(d for d in service.embedded_definitions() if d.id != runoff.id)
    foreign = county_bundles(primary, [primary.precincts[0].id], usb / "primary2", pki.identity)[0]
    result = _run(usb, runoff, pki)

    reasons = {b.path: b.reason for b in result.rejected}
    assert set(reasons) == {tampered, unsigned, untrusted, foreign}
    assert "signature of results.json does not match" in str(reasons[tampered])
    assert "not signed: results.json.p7s is missing" in str(reasons[unsigned])
    assert "which the trusted CA did not issue" in str(reasons[untrusted])
    assert f"for election {primary.id!r}, not {runoff.id!r}" in str(reasons[foreign])
    for reason in reasons.values():
        assert reason is not None and reason.endswith(".") and "\n" not in reason
    assert not result.all_accepted
    summed = [*good, untrusted_ok, other_election]
    assert {s.id: s.votes for s in result.contests[0].selections} == votes_in(summed)
    rows = {r.precinct_id: r.disposition for r in result.precincts}
    assert rows[tampered.name] == "rejected" and rows[good[0].name] == "accepted"


def test_another_definition_of_the_same_election_is_rejected(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki
) -> None:
    (bundle,) = county_bundles(runoff, _ids(runoff, 1), tmp_path / "usb", pki.identity)
    edited = service.definition_from_bytes(
        runoff.source_bytes.replace(b"Jimmy Gomez", b"Jimmy  Gomez")
    )
    assert edited.id == runoff.id and edited.fingerprint != runoff.fingerprint
    result = _run(tmp_path / "usb", edited, pki)
    disposition, reason = _fate(result, bundle)
    assert disposition is Disposition.REJECTED
    assert "another election definition (fingerprint" in str(reason)


def test_the_same_bundle_twice_counts_once(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki
) -> None:
    (bundle,) = county_bundles(runoff, _ids(runoff, 1), tmp_path / "a", pki.identity)
    copy = copy_bundle(bundle, tmp_path / "b" / "copy")
    result = _run(tmp_path, runoff, pki)
    assert result.all_accepted and result.reporting == (bundle.name,)
    assert _fate(result, copy) == (
        Disposition.DUPLICATE,
        f"The same results.json as {bundle}; counted once.",
    )
    assert {s.id: s.votes for s in result.contests[0].selections} == votes_in([bundle])


def test_two_different_bundles_for_one_precinct_conflict_and_neither_is_summed(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki
) -> None:
    (bundle, other) = county_bundles(runoff, _ids(runoff, 2), tmp_path / "usb", pki.identity)
    recount = changed(read_doc(bundle), move_one_vote)
    rival = producer_bundle(tmp_path / "usb" / "recount", recount, pki.identity)
    result = _run(tmp_path / "usb", runoff, pki)
    assert _fate(result, bundle)[0] is Disposition.CONFLICT
    assert _fate(result, rival)[0] is Disposition.CONFLICT
    assert str(rival) in str(_fate(result, bundle)[1])
    assert result.conflicts == ((bundle.name, tuple(sorted([bundle, rival]))),)
    assert result.reporting == (other.name,) and not result.all_accepted
    assert {s.id: s.votes for s in result.contests[0].selections} == votes_in([other])
    assert {r.precinct_id: r.disposition for r in result.precincts}[bundle.name] == "conflict"


def test_a_later_correction_supersedes_visibly(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki
) -> None:
    (bundle,) = county_bundles(runoff, _ids(runoff, 1), tmp_path / "usb", pki.identity)
    correction = producer_bundle(
        tmp_path / "usb" / "correction", changed(read_doc(bundle), as_correction), pki.identity
    )
    result = _run(tmp_path / "usb", runoff, pki)
    assert result.all_accepted
    assert _fate(result, bundle) == (
        Disposition.SUPERSEDED,
        f"Replaced by the later correction {correction}.",
    )
    assert _fate(result, correction)[0] is Disposition.ACCEPTED
    assert {s.id: s.votes for s in result.contests[0].selections} == votes_in([correction])


def test_a_correction_that_is_not_later_is_a_conflict(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki
) -> None:
    (bundle,) = county_bundles(runoff, _ids(runoff, 1), tmp_path / "usb", pki.identity)
    doc = changed(read_doc(bundle), as_correction)
    doc["GeneratedDate"] = read_doc(bundle)["GeneratedDate"]
    correction = producer_bundle(tmp_path / "usb" / "correction", doc, pki.identity)
    result = _run(tmp_path / "usb", runoff, pki)
    assert _fate(result, correction)[0] is Disposition.CONFLICT
    assert _fate(result, bundle)[0] is Disposition.CONFLICT and result.reporting == ()


def test_a_central_count_adds_to_the_hand_count(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki
) -> None:
    (bundle,) = county_bundles(runoff, _ids(runoff, 1), tmp_path / "usb", pki.identity)

    def by_mail(doc: dict[str, object]) -> None:
        move_one_vote(doc)  # type: ignore[arg-type]
        for unit in doc["GpUnit"]:  # type: ignore[attr-defined]
            if unit["@type"] == "ElectionResults.ReportingDevice":
                unit["DeviceClass"]["Type"] = "opscan-central"

    central = producer_bundle(
        tmp_path / "usb" / "vbm", changed(read_doc(bundle), by_mail), pki.identity
    )
    result = _run(tmp_path / "usb", runoff, pki)
    assert result.all_accepted and result.reporting == (bundle.name,)
    assert {b.device_class for b in result.bundles} == {"manual-count", "opscan-central"}
    assert {s.id: s.votes for s in result.contests[0].selections} == votes_in([bundle, central])
    ballots = read_doc(bundle)["Election"][0]["BallotCounts"][0]["BallotsCast"]
    assert result.contests[0].ballots == 2 * ballots
    assert {r.precinct_id: r.ballots for r in result.precincts}[bundle.name] == 2 * ballots


def test_test_bundles_are_refused_unless_allowed(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki
) -> None:
    (real,) = county_bundles(runoff, _ids(runoff, 1), tmp_path / "usb" / "r", pki.identity)
    (test,) = county_bundles(
        runoff, _ids(runoff, 1, 1), tmp_path / "usb" / "t", pki.identity, is_test=True
    )
    refused = _run(tmp_path / "usb", runoff, pki)
    assert _fate(refused, test) == (
        Disposition.REJECTED,
        "This is a TEST bundle (from a test deck); TEST bundles are summed only with --test.",
    )
    assert refused.reporting == (real.name,) and not refused.is_test
    allowed = _run(tmp_path / "usb", runoff, pki, allow_test=True)
    assert allowed.all_accepted and allowed.is_test
    assert allowed.reporting == tuple(sorted([real.name, test.name]))


def test_another_producer_is_accepted_with_fingerprint_not_checked(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki, stranger: Pki
) -> None:
    (made,) = county_bundles(runoff, _ids(runoff, 1), tmp_path / "ours", pki.identity)
    doc = changed(read_doc(made), without_fingerprint)
    theirs = producer_bundle(tmp_path / "usb" / "theirs", doc, pki.identity)
    result = _run(tmp_path / "usb", runoff, pki)
    assert result.all_accepted and result.reporting == (made.name,)
    (outcome,) = result.bundles
    assert outcome.path == theirs and not outcome.fingerprint_checked
    assert "fingerprint not checked" in outcome.notes[0]
    assert {s.id: s.votes for s in result.contests[0].selections} == votes_in([theirs])
    # Signed by a key the CA did not certify: still refused.
    untrusted = producer_bundle(tmp_path / "usb2" / "x", doc, stranger.identity)
    assert _fate(_run(tmp_path / "usb2", runoff, pki), untrusted)[0] is Disposition.REJECTED


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("contest", "Contest 'us-rep-cd99' is not in election"),
        ("selection", "Selection 'mickey-mouse' of contest 'us-rep-cd34' is not in the election"),
        ("precinct", "Precinct 'P-NOWHERE' is not in election"),
        ("election", "This bundle is for election 'ca34-2099'"),
    ],
)
def test_another_producer_with_an_unknown_id_is_rejected(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki, change: str, says: str
) -> None:
    (made,) = county_bundles(runoff, _ids(runoff, 1), tmp_path / "ours", pki.identity)
    text = json.dumps(changed(read_doc(made), without_fingerprint))
    old = {
        "contest": '"us-rep-cd34"',
        "selection": '"robert-lee-ahn"',
        "precinct": json.dumps(made.name),
        "election": '"ca34-2017-06-06"',
    }[change]
    new = {
        "contest": '"us-rep-cd99"',
        "selection": '"mickey-mouse"',
        "precinct": '"P-NOWHERE"',
        "election": '"ca34-2099"',
    }[change]
    assert old in text
    theirs = producer_bundle(
        tmp_path / "usb" / "x", json.loads(text.replace(old, new)), pki.identity
    )
    result = _run(tmp_path / "usb", runoff, pki)
    disposition, reason = _fate(result, theirs)
    assert disposition is Disposition.REJECTED and says in str(reason), reason
    assert result.reporting == ()


def test_many_bundles_are_checked_in_worker_processes_with_the_same_result(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki
) -> None:
    ids = _ids(runoff, 60)
    county_bundles(runoff, ids, tmp_path / "usb", pki.identity)
    roots = service.load_trust_roots(pki.ca_pem)
    seen: list[tuple[int, int]] = []
    pooled = aggregate(
        [tmp_path / "usb"], runoff, roots, workers=2, progress=lambda d, t: seen.append((d, t))
    )
    alone = aggregate([tmp_path / "usb"], runoff, roots, workers=1)
    assert pooled.contests == alone.contests and pooled.bundles == alone.bundles
    assert pooled.reporting == tuple(sorted(ids)) and seen[-1] == (60, 60)


def test_workers_start_safely_from_a_thread_like_the_supervisor_window(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    ids = _ids(runoff, 50)
    county_bundles(runoff, ids, tmp_path / "usb", pki.identity)
    roots = service.load_trust_roots(pki.ca_pem)
    with ThreadPoolExecutor(1) as thread:  # a second thread: workers are spawned, not forked
        result = thread.submit(aggregate, [tmp_path / "usb"], runoff, roots, workers=2).result()
    assert result.all_accepted and result.reporting == tuple(sorted(ids))


def test_the_latest_of_two_corrections_supersedes_the_original_and_the_first_correction(
    tmp_path: Path, runoff: ElectionDefinition, pki: Pki
) -> None:
    (bundle,) = county_bundles(runoff, _ids(runoff, 1), tmp_path / "usb", pki.identity)
    first = changed(read_doc(bundle), as_correction)
    second = changed(first, move_one_vote)
    second["GeneratedDate"] = "2026-11-05T08:00:00+00:00"
    early = producer_bundle(tmp_path / "usb" / "c1", first, pki.identity)
    late = producer_bundle(tmp_path / "usb" / "c2", second, pki.identity)
    result = _run(tmp_path / "usb", runoff, pki)
    assert result.all_accepted
    assert _fate(result, bundle)[0] is Disposition.SUPERSEDED
    assert _fate(result, early) == (
        Disposition.SUPERSEDED,
        f"Replaced by the later correction {late}.",
    )
    assert {s.id: s.votes for s in result.contests[0].selections} == votes_in([late])
