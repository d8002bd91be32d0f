"""Test decks (issue 4, item 8): the shipped decks load, apply, finalize and match their results.

Each precinct is entered into a real precinct file in tmp_path through the session, finalized,
turned into the NIST results document, and compared with what the deck expects. Hostile decks
are refused with one sentence.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.clock import FixedClock
from tally_app.definition.embedded import embedded_definition
from tally_app.definition.model import ElectionDefinition, Severity
from tally_app.entries import Sheet
from tally_app.errors import InputError
from tally_app.export.results_document import results_document
from tally_app.testdeck import (
    Deck,
    DeckPrecinct,
    apply_precinct,
    compare_results,
    embedded_deck_path,
    load_deck,
    load_deck_bytes,
)
from tally_app.testdeck.deck import MAX_DECK_BYTES

RUNOFF, PRIMARY = "ca34-2017-06-06", "ca34-2017-04-04"
TESTER = Actor("L&A tester", "supervisor")
START = datetime(2017, 6, 6, 20, 0, tzinfo=UTC)


def deck_for(election_id: str) -> tuple[ElectionDefinition, Deck]:
    definition = embedded_definition(election_id)
    path = embedded_deck_path(election_id)
    assert path is not None
    return definition, load_deck(path, definition)


def run(tmp_path: Path, definition: ElectionDefinition, precinct: DeckPrecinct) -> dict[str, Any]:
    """Apply one deck precinct to a fresh file and make its results document."""
    clock = FixedClock(START, timedelta(seconds=1))
    folder = tmp_path / precinct.precinct_id
    with service.start_precinct(
        folder, definition, precinct.precinct_id, actor=TESTER, clock=clock
    ) as session:
        apply_precinct(session, precinct, TESTER)
        assert session.state == "finalized"
        assert session.readiness().blockers == ()
        discrepancies = [
            f"{f.rule.value} {f.subject}"
            for f in session.findings()
            if f.severity is Severity.EXPLAIN
        ]
        return results_document(
            definition,
            precinct.precinct_id,
            session.entries(),
            generated=START,
            device_id="laptop-0042",
            county_issued=True,
            is_test=True,
            discrepancies=discrepancies,
            app_version="test",
        )


def raw_deck(election_id: str) -> dict[str, Any]:
    path = embedded_deck_path(election_id)
    assert path is not None
    return json.loads(path.read_bytes())


def refused(document: Any, definition: ElectionDefinition) -> InputError:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    with pytest.raises(InputError) as caught:
        load_deck_bytes(data, definition, source="deck.json")
    assert caught.value.code == "deck_invalid"
    return caught.value


# --- the shipped decks -------------------------------------------------------------------


def test_shipped_decks_match_their_definitions() -> None:
    runoff_def, runoff = deck_for(RUNOFF)
    primary_def, primary = deck_for(PRIMARY)
    assert runoff.fingerprint == runoff_def.fingerprint
    assert len(runoff.precincts) >= 10
    assert len(primary.precincts) >= 5
    # Real votes: 0850001A voted Gomez 309, Ahn 28 in the runoff (precinct_votes.csv).
    first = runoff.precinct("0850001A").expected.contests["us-rep-cd34"].votes
    assert dict(first) == {"robert-lee-ahn": 28, "jimmy-gomez": 309}
    # The primary deck lists all 23 ballot candidates and the qualified write-in Walker.
    (contest,) = primary_def.contests
    assert set(primary.precincts[0].sheet_a[contest.id].votes) == set(contest.selection_ids)
    assert len(contest.selection_ids) == 24
    # The paths the runner must exercise are in the decks.
    assert any(p.resolve for p in runoff.precincts)
    assert any(p.expected.discrepancy and p.explanations for p in runoff.precincts)
    assert any(p.resolve and p.resolve[0].choice == "recount" for p in primary.precincts)


@pytest.mark.parametrize("election_id", [RUNOFF, PRIMARY])
def test_every_shipped_precinct_finalizes_and_matches(tmp_path: Path, election_id: str) -> None:
    definition, deck = deck_for(election_id)
    for precinct in deck.precincts:
        doc = run(tmp_path, definition, precinct)
        assert compare_results(doc, precinct.expected) == [], precinct.precinct_id


def test_sheet_b_difference_is_resolved_to_the_agreed_number(tmp_path: Path) -> None:
    definition, deck = deck_for(RUNOFF)
    precinct = next(p for p in deck.precincts if p.resolve)
    (resolution,) = precinct.resolve
    assert precinct.sheet(Sheet.B) != precinct.sheet(Sheet.A)
    doc = run(tmp_path, definition, precinct)
    (contest,) = doc["Election"][0]["Contest"]
    votes = {s["@id"]: s["VoteCounts"][0]["Count"] for s in contest["ContestSelection"]}
    assert votes[resolution.field] == resolution.value


def test_one_changed_number_gives_one_sentence(tmp_path: Path) -> None:
    definition, deck = deck_for(RUNOFF)
    precinct = deck.precincts[0]
    doc = run(tmp_path, definition, precinct)
    data = raw_deck(RUNOFF)
    data["precincts"][0]["expected"]["contests"]["us-rep-cd34"]["votes"]["jimmy-gomez"] = 310
    changed = load_deck_bytes(json.dumps(data).encode(), definition).precincts[0]
    assert compare_results(doc, changed.expected) == [
        "Contest us-rep-cd34 (United States Representative, 34th District), Jimmy Gomez: "
        "expected 310 votes, the results file says 309."
    ]


def test_a_changed_results_file_is_caught(tmp_path: Path) -> None:
    definition, deck = deck_for(RUNOFF)
    precinct = deck.precincts[0]
    doc = run(tmp_path, definition, precinct)
    doc["Election"][0]["BallotCounts"][0]["BallotsCast"] += 1
    del doc["Election"][0]["Contest"][0]["OtherCounts"]
    doc["ExternalIdentifier"].append({"OtherType": "DISCREPANCY", "Value": "A1 style:cd34"})
    found = compare_results(doc, precinct.expected)
    assert found[0].startswith(
        "The precinct's ballots cast: expected 337, the results file says 338"
    )
    assert "The deck expects no discrepancy, but the results file records 1." in found
    assert sum("does not give a number" in s for s in found) == 2  # under- and overvotes
    assert compare_results({"Election": "garbage"}, precinct.expected)  # never raises


def test_a_deck_the_app_would_not_finalize_is_refused(tmp_path: Path) -> None:
    definition = embedded_definition(RUNOFF)
    data = raw_deck(RUNOFF)
    explained = next(p for p in data["precincts"] if p.get("explanations"))
    del explained["explanations"]
    precinct = load_deck_bytes(json.dumps(data).encode(), definition).precinct(
        explained["precinct_id"]
    )
    with pytest.raises(InputError, match="does not explain") as caught:
        run(tmp_path, definition, precinct)
    assert caught.value.code == "deck_not_applied"
    balanced = data["precincts"][0]
    balanced["sheets"]["A"]["us-rep-cd34"]["votes"]["jimmy-gomez"] += 5  # A4 no longer adds up
    precinct = load_deck_bytes(json.dumps(data).encode(), definition).precincts[0]
    with pytest.raises(InputError, match="cannot be finalized"):
        run(tmp_path / "again", definition, precinct)


# --- hostile decks ------------------------------------------------------------------------


def test_bad_json_is_one_sentence() -> None:
    definition = embedded_definition(RUNOFF)
    error = refused(b'{"deck_format": 1, "precincts": [', definition)
    assert error.message == (
        "deck.json is not a usable test deck: The file ends too early: it is cut off; "
        "copy the test deck again."
    )
    assert "not valid JSON" in refused(b"{nope}", definition).message
    assert "empty" in refused(b"", definition).message
    assert "NaN" in refused(b'{"deck_format": NaN}', definition).message


def test_wrong_fingerprint_and_election_are_refused_alone() -> None:
    definition = embedded_definition(RUNOFF)
    data = raw_deck(RUNOFF)
    data["election_fingerprint"] = hashlib.sha256(b"another definition").hexdigest()
    data["precincts"][0]["precinct_id"] = "nowhere"  # noise behind the real problem
    error = refused(data, definition)
    assert "different version of this election definition" in error.message
    assert "more problem" not in error.message
    # The primary's deck against the runoff's definition.
    assert "is for election 'ca34-2017-04-04'" in refused(raw_deck(PRIMARY), definition).message


def test_unknown_ids_negative_and_decimal_counts_are_refused() -> None:
    definition = embedded_definition(RUNOFF)
    data = raw_deck(RUNOFF)
    data["precincts"][0]["precinct_id"] = "0000000X"
    assert "There is no precinct '0000000X'" in refused(data, definition).message

    data = raw_deck(RUNOFF)
    votes = data["precincts"][1]["sheets"]["A"]["us-rep-cd34"]["votes"]
    votes["mickey-mouse"] = votes.pop("jimmy-gomez")
    error = refused(data, definition)
    assert "There is no selection 'mickey-mouse'" in error.message
    assert "(and 1 more problem(s))" in error.message  # jimmy-gomez is now missing

    data = raw_deck(RUNOFF)
    data["precincts"][0]["accounting"]["roster"]["signatures"] = -3
    error = refused(data, definition)
    assert "$.precincts[0].accounting.roster.signatures" in error.message
    assert "below the smallest allowed value, 0" in error.message

    data = raw_deck(RUNOFF)
    text = json.dumps(data).replace('"undervotes": 0,', '"undervotes": 5.0,', 1)
    error = refused(text.encode(), definition)
    assert "whole number" in error.message

    data = raw_deck(RUNOFF)
    data["precincts"][0]["board"][1]["role"] = "mascot"
    assert "There is no board role 'mascot'" in refused(data, definition).message

    data = raw_deck(RUNOFF)
    data["precincts"][0]["board"] = data["precincts"][0]["board"][:1]
    assert "at least 2 item(s)" in refused(data, definition).message


def test_unresolved_sheet_b_difference_is_refused() -> None:
    definition = embedded_definition(RUNOFF)
    data = raw_deck(RUNOFF)
    precinct = next(p for p in data["precincts"] if p.get("resolve"))
    del precinct["resolve"]
    assert "add a resolution for it" in refused(data, definition).message
    precinct["resolve"] = [
        {"contest_id": "us-rep-cd34", "field": "robert-lee-ahn", "choice": "A", "value": 1}
    ]
    assert "nothing to resolve" in refused(data, definition).message


def test_huge_and_odd_files_are_refused(tmp_path: Path) -> None:
    definition = embedded_definition(RUNOFF)
    huge = tmp_path / "huge.json"
    with huge.open("wb") as f:
        f.truncate(MAX_DECK_BYTES + 1)
    with pytest.raises(InputError, match="more than the 5 MB a test deck may be"):
        load_deck(huge, definition)
    with pytest.raises(InputError, match="is a folder"):
        load_deck(tmp_path, definition)
    with pytest.raises(InputError, match="There is no file"):
        load_deck(tmp_path / "missing.json", definition)
    assert (
        "too_large" in refused(b" " * (MAX_DECK_BYTES + 1), definition).params["problems"][0].code
    )
    assert embedded_deck_path("no-such-election") is None


def test_shipped_decks_are_what_the_builder_makes() -> None:
    """The committed decks are regenerated byte for byte from the shared data."""
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "resources" / "test-decks" / "build_decks.py"
    spec = importlib.util.spec_from_file_location("build_decks", script)
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    if not (builder.DEFAULT_SHARED / "precinct_votes.csv").is_file():
        pytest.skip(f"the shared CA-34 data is not at {builder.DEFAULT_SHARED}")
    for election, meta in builder.DECKS.items():
        made = builder.render(builder.deck(election, builder.DEFAULT_SHARED))
        assert made == (script.parent / meta["deck"]).read_bytes(), meta["deck"]


def test_a_precinct_goes_only_into_its_own_empty_file(tmp_path: Path) -> None:
    definition, deck = deck_for(RUNOFF)
    first, second = deck.precincts[:2]
    clock = FixedClock(START, timedelta(seconds=1))
    with service.start_precinct(
        tmp_path, definition, first.precinct_id, actor=TESTER, clock=clock
    ) as session:
        with pytest.raises(InputError, match="cannot be entered into the file of precinct"):
            apply_precinct(session, second, TESTER)
        apply_precinct(session, first, TESTER)
        with pytest.raises(InputError, match="already has a board or is finalized"):
            apply_precinct(session, first, TESTER)
