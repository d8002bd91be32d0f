"""The audit log as NIST SP 1500-101 v1 JSON, with its documentation (issue 4, item 4).

A real precinct is entered and finalized through the service and store; its log is
exported, validated against the shipped NIST schema with a date-time check that really
runs, and the chain is recomputed from the exported file alone.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tally_app.audit.catalogue import DESCRIPTIONS, EventId
from tally_app.audit.chain import GENESIS_HASH, canonical_json
from tally_app.audit.events import AuditEvent
from tally_app.definition.schema_check import event_log_validator
from tally_app.export.event_log import (
    CATEGORY_DESCRIPTIONS,
    event_log_bytes,
    event_log_document,
    event_log_documentation,
)
from tally_app.session import PrecinctSession
from tests.balanced_precinct import INSPECTOR, add_two_members, enter_balanced, start

GENERATED = datetime(2017, 6, 6, 21, 14, 5, 500, tzinfo=timezone(timedelta(hours=-7)))
DEVICE = "laptop-0042"


@pytest.fixture
def finalized(tmp_path: Path) -> Iterator[PrecinctSession]:
    s = start(tmp_path)
    enter_balanced(s)
    s.finalize(add_two_members(s), INSPECTOR)
    assert s.state == "finalized"
    yield s
    s.close()


def log_of(session: PrecinctSession, **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "election_id": session.definition.id,
        "device_id": DEVICE,
        "generated": GENERATED,
        "app_version": "1.2.3",
    }
    kwargs.update(overrides)
    return event_log_document(session.store.audit_events(), **kwargs)


def errors(doc: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in event_log_validator().iter_errors(doc)]


def events_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    (device,) = doc["Device"]
    result: list[dict[str, Any]] = device["Event"]
    return result


def test_log_is_schema_valid_and_matches_the_store(finalized: PrecinctSession) -> None:
    stored = finalized.store.audit_events()
    assert len(stored) > 20
    doc = log_of(finalized)
    assert errors(doc) == []
    assert doc["ElectionId"] == finalized.definition.id
    assert doc["GeneratedTime"] == "2017-06-06T21:14:05-07:00"
    (device,) = doc["Device"]
    assert device["Id"] == DEVICE and device["HashType"] == "sha-256"
    assert (device["Type"], device["OtherType"]) == ("other", "hand-count tally application")
    assert device["Version"] == "1.2.3"
    exported = events_of(doc)
    assert [e["Sequence"] for e in exported] == [str(n) for n in range(1, len(stored) + 1)]
    assert [e["Sequence"] for e in exported] == [str(e.seq) for e in stored]
    for ours, theirs in zip(stored, exported, strict=True):
        assert theirs["Id"] == ours.event
        assert theirs["Type"] == ours.event.split(".")[0]
        assert theirs["TimeStamp"] == ours.at
        assert theirs["Disposition"] == ours.disposition
        assert theirs["Hash"] == ours.hash
        assert json.loads(theirs["Details"]) == dict(ours.details)
    vote = next(e for e in exported if e["Id"] == "contest.vote_set")
    assert vote["UserId"] == "Maria Lopez (inspector)" and vote["Type"] == "contest"
    assert "state.changed" in {e["Id"] for e in exported}


def test_chain_recomputes_from_the_export_alone(finalized: PrecinctSession) -> None:
    """An outside verifier needs only the exported fields and the rule in Device.Details."""
    doc = json.loads(event_log_bytes(log_of(finalized)))
    stored = {e.seq: e for e in finalized.store.audit_events()}
    prev = GENESIS_HASH
    for e in events_of(doc):
        ours = stored[int(e["Sequence"])]
        actor, role = e["UserId"][:-1].rsplit(" (", 1)
        assert (actor, role) == (ours.actor, ours.role)
        body = {
            "seq": int(e["Sequence"]),
            "at": e["TimeStamp"],
            "event": e["Id"],
            "actor": actor,
            "role": role,
            "disposition": e["Disposition"],
            "details": json.loads(e["Details"]),
        }
        text = prev + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == e["Hash"]
        assert ours.prev_hash == prev and ours.hash == e["Hash"]
        prev = e["Hash"]
    assert prev == finalized.store.audit_events()[-1].hash


def test_documentation_is_valid_and_covers_the_log(finalized: PrecinctSession) -> None:
    docs = event_log_documentation(generated=GENERATED, app_version="1.2.3")
    assert errors(docs) == []
    assert docs["GeneratedDate"] == "2017-06-06"
    described = {d["Id"]: d["Description"] for d in docs["EventIdDescription"]}
    assert described == {e.value: DESCRIPTIONS[e] for e in EventId}
    assert len(docs["EventIdDescription"]) == len(described)  # the alias is not repeated
    types = {d["Type"] for d in docs["EventTypeDescription"]}
    assert types == {e.value.split(".")[0] for e in EventId} == set(CATEGORY_DESCRIPTIONS)
    assert all(d["Description"].strip() for d in docs["EventTypeDescription"])
    used = events_of(log_of(finalized))
    assert {e["Id"] for e in used} <= set(described)
    assert {e["Type"] for e in used} <= types


def test_nothing_secret_in_the_log(finalized: PrecinctSession) -> None:
    """Board members have PINs here; no pin, passphrase or key appears in any detail."""

    def keys(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for k, v in node.items():
                if not (str(k).startswith("has_") and isinstance(v, bool)):  # a yes/no flag
                    yield str(k)
                yield from keys(v)
        elif isinstance(node, list):
            for v in node:
                yield from keys(v)

    found = {k for e in events_of(log_of(finalized)) for k in keys(json.loads(e["Details"]))}
    assert found  # the details are really there
    assert not {k for k in found if any(w in k.lower() for w in ("pin", "passphrase", "key"))}


def test_the_validator_catches_invalid_variants(finalized: PrecinctSession) -> None:
    doc = log_of(finalized)
    bad = copy.deepcopy(doc)
    events_of(bad)[0]["Sequence"] = 1
    (top,) = event_log_validator().iter_errors(bad)  # the root oneOf: neither document kind
    causes = [e for e in top.context if e.validator == "type"]
    assert [list(e.absolute_path) for e in causes] == [["Device", 0, "Event", 0, "Sequence"]]
    naive = copy.deepcopy(doc)
    events_of(naive)[0]["TimeStamp"] = "2017-06-06T20:00:00"  # no zone: not RFC 3339
    assert errors(naive) != []
    impossible = copy.deepcopy(doc)
    events_of(impossible)[0]["TimeStamp"] = "2017-02-30T20:00:00Z"
    assert errors(impossible) != []
    extra = copy.deepcopy(doc)
    events_of(extra)[0]["Actor"] = "x"
    assert errors(extra) != []
    docs = event_log_documentation(generated=GENERATED, app_version="1")
    docs["GeneratedDate"] = "2017-06-31"
    assert errors(docs) != []


def test_same_data_same_bytes(finalized: PrecinctSession) -> None:
    first = event_log_bytes(log_of(finalized))
    assert event_log_bytes(log_of(finalized)) == first
    assert first.endswith(b"}\n") and b"Maria Lopez" in first
    assert json.loads(first) == log_of(finalized)
    assert event_log_bytes(log_of(finalized, app_version="9")) != first
    docs = event_log_documentation(generated=GENERATED, app_version="1.2.3")
    assert event_log_bytes(docs) == event_log_bytes(
        event_log_documentation(generated=GENERATED, app_version="1.2.3")
    )


def _event(seq: int, at: str) -> AuditEvent:
    return AuditEvent(
        seq, at, "store.opened", "system", "system", "success", {}, "0" * 64, "1" * 64
    )


def test_times_with_other_zones_pass_and_a_zoneless_time_is_refused() -> None:
    doc = event_log_document(
        [_event(2, "2017-06-06T13:00:00-07:00"), _event(1, "2017-06-06T20:00:00+00:00")],
        election_id="e",
        device_id="d",
        generated=datetime(2017, 6, 6, tzinfo=UTC),
        app_version="1",
    )
    assert errors(doc) == []
    assert [e["Sequence"] for e in events_of(doc)] == ["1", "2"]
    assert events_of(doc)[0]["UserId"] == "system (system)"
    assert events_of(doc)[0]["Details"] == canonical_json({}) == "{}"
    with pytest.raises(ValueError, match="not a date and time with a zone"):
        event_log_document(
            [_event(1, "2017-06-06T20:00:00")],
            election_id="e",
            device_id="d",
            generated=datetime(2017, 6, 6, tzinfo=UTC),
            app_version="1",
        )
