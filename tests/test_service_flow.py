"""The close-of-polls flow through the facade, on the real default election and a real file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.clock import FixedClock
from tally_app.definition.model import RuleId, Severity
from tally_app.entries import Sheet, StyleField
from tally_app.errors import InputError
from tally_app.session import PrecinctSession
from tests.balanced_precinct import CLOCK_START, INSPECTOR, add_two_members, enter_balanced, start

SUPERVISOR = Actor("Sam Okafor", "supervisor")


@pytest.fixture
def session(tmp_path: Path) -> Iterator[PrecinctSession]:
    s = start(tmp_path)
    yield s
    s.close()


def test_a_new_precinct_is_all_blank_and_cannot_finalize(session: PrecinctSession) -> None:
    entries = session.entries()
    assert all(v is None for s in entries.styles.values() for v in s.values.values())
    assert all(v is None for v in entries.roster.values())
    blank = [f for f in session.findings() if f.code == "a8_blank"]
    assert blank and all(f.severity is Severity.BLOCK for f in blank)
    a, b = add_two_members(session)
    with pytest.raises(InputError) as err:
        session.finalize((a, b), INSPECTOR)
    assert err.value.code == "finalize_blocked"
    assert session.state == "counting"
    assert session.store.audit_events()[-1].disposition == "failure"


def test_zero_is_not_blank(session: PrecinctSession) -> None:
    style = session.precinct.ballot_style_ids[0]
    session.set_style_field(style, StyleField.SPOILED, 0, INSPECTOR)
    entries = session.entries()
    assert entries.styles[style][StyleField.SPOILED] == 0
    assert entries.styles[style][StyleField.REJECTED] is None


def test_balanced_precinct_finalizes_and_locks(session: PrecinctSession) -> None:
    enter_balanced(session)
    assert [f for f in session.findings() if f.severity is not Severity.WARN] == []
    a, b = add_two_members(session)
    with pytest.raises(InputError) as err:
        session.finalize((a, a), INSPECTOR)
    assert err.value.code == "finalize_confirmers"
    session.finalize((a, b), INSPECTOR)
    assert session.state == "finalized"
    contest = session.contests[0]
    with pytest.raises(InputError) as locked:
        session.set_vote(Sheet.A, contest.id, contest.selection_ids[0], 101, INSPECTOR)
    assert locked.value.code == "precinct_locked"
    assert session.entries().sheets[Sheet.A][contest.id].votes[contest.selection_ids[0]] == 100
    # A logged correction unlocks it and marks everything after as amended.
    session.begin_correction("Recount found one more ballot for Ahn", SUPERVISOR)
    assert session.state == "counting" and session.store.amended
    assert session.set_vote(Sheet.A, contest.id, contest.selection_ids[0], 101, INSPECTOR)


def test_sheet_mismatch_blocks_until_resolved(session: PrecinctSession) -> None:
    enter_balanced(session, ahn_on_b=99)
    a7 = [f for f in session.findings() if f.rule is RuleId.A7]
    assert len(a7) == 1 and a7[0].severity is Severity.BLOCK
    (diff,) = session.sheet_differences()
    assert (diff.a, diff.b) == (100, 99)
    session.resolve_difference(diff.contest_id, diff.field, 100, "A", INSPECTOR)
    assert session.sheet_differences() == ()
    assert not [f for f in session.findings() if f.rule is RuleId.A7]


def test_discrepancy_needs_an_explanation_signed_by_every_member(session: PrecinctSession) -> None:
    enter_balanced(session)
    style = session.precinct.ballot_style_ids[0]
    session.set_style_field(style, StyleField.RECEIVED, 301, INSPECTOR)  # A1 now off by one
    (a1,) = [f for f in session.findings() if f.rule is RuleId.A1]
    assert a1.severity is Severity.EXPLAIN and a1.difference is not None and abs(a1.difference) == 1
    a, b = add_two_members(session)
    with pytest.raises(InputError) as err:
        session.finalize((a, b), INSPECTOR)
    assert err.value.code == "finalize_unexplained"
    session.add_explanation(a1, "One ballot was found stuck to another.", [a], INSPECTOR)
    with pytest.raises(InputError):
        session.finalize((a, b), INSPECTOR)  # not yet signed by every member
    session.add_explanation(a1, "One ballot was found stuck to another.", [a, b], INSPECTOR)
    session.finalize((a, b), INSPECTOR)
    assert session.state == "finalized"


def test_the_file_reopens_with_everything(tmp_path: Path, session: PrecinctSession) -> None:
    enter_balanced(session)
    before = session.entries()
    path = session.path
    session.close()
    with service.open_precinct(path) as again:
        assert again.entries() == before
        assert again.store.audit_report.ok
        assert again.definition.fingerprint == service.default_definition().fingerprint


def test_unknown_precinct_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        service.start_precinct(tmp_path, service.default_definition(), "NOPE", actor=INSPECTOR)
    assert err.value.code == "unknown_precinct"
    assert list(tmp_path.iterdir()) == []


def test_precinct_file_names_are_safe() -> None:
    path = service.precinct_file(Path("/data"), "../evil", "a/b")
    assert path.parent.parent == Path("/data")
    assert ".." not in path.parts and "/" not in path.name


# --- after the review of issue 2 --------------------------------------------------------------


def test_blank_fields_block_finalizing_whatever_the_policy_says(tmp_path: Path) -> None:
    """Review repro t5: a policy that lowers A8 to a warning must not let blanks through."""
    import json

    from tally_app.definition.embedded import embedded_definition_paths

    source = json.loads(embedded_definition_paths()[service.default_definition().id].read_bytes())
    source["policy"] = {"severities": {"A8": "warn"}, "double_entry": False}
    lenient = tmp_path / "a8-warn.json"
    lenient.write_text(json.dumps(source), encoding="utf-8")
    definition = service.load_definition(lenient)
    clock = FixedClock(CLOCK_START, timedelta(seconds=1))
    with service.start_precinct(
        tmp_path / "data", definition, definition.precincts[0].id, actor=INSPECTOR, clock=clock
    ) as s:
        assert not [f for f in s.findings() if f.severity is Severity.BLOCK]
        a, b = add_two_members(s)
        with pytest.raises(InputError) as err:
            s.finalize((a, b), INSPECTOR)
        assert err.value.code == "finalize_blank"
        blank = err.value.params["blank"]
        assert isinstance(blank, int) and blank > 10 and str(blank) in err.value.message
        assert s.state == "counting"
        last = s.store.audit_events()[-1]
        assert (last.event, last.disposition, last.details["reason"]) == (
            "precinct.finalize_refused",
            "failure",
            "finalize_blank",
        )


def test_an_untrusted_file_cannot_be_finalized(tmp_path: Path, session: PrecinctSession) -> None:
    """Review repro t9: a file whose log was changed outside the app was finalized."""
    import sqlite3

    enter_balanced(session)
    a, b = add_two_members(session)
    path = session.path
    session.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_event_no_update")
    conn.execute("UPDATE audit_event SET actor = 'Mallory' WHERE seq = 5")
    conn.commit()
    conn.close()
    with service.open_precinct(path, clock=FixedClock(CLOCK_START, timedelta(seconds=1))) as again:
        assert not again.store.trusted
        with pytest.raises(InputError) as err:
            again.finalize((a, b), INSPECTOR)
        assert err.value.code == "untrusted_file"
        assert again.state == "counting"
        assert again.store.audit_events()[-1].details["reason"] == "untrusted_file"
        again.store.acknowledge_audit_problems(SUPERVISOR, "Name typo fixed by the technician")
        again.finalize((a, b), INSPECTOR)
        assert again.state == "finalized"


def test_an_explanation_covers_only_the_numbers_it_explains(session: PrecinctSession) -> None:
    """Review repro t10: an explanation of 'off by one' still covered 'off by two'."""
    enter_balanced(session)
    style = session.precinct.ballot_style_ids[0]
    session.set_style_field(style, StyleField.RECEIVED, 301, INSPECTOR)
    (a1,) = [f for f in session.findings() if f.rule is RuleId.A1]
    a, b = add_two_members(session)
    session.add_explanation(a1, "One ballot was found stuck to another.", [a, b], INSPECTOR)
    (explanation,) = session.explanations()
    assert (explanation.expected, explanation.actual) == (a1.expected, a1.actual)
    assert session.unexplained() == ()
    session.set_style_field(style, StyleField.RECEIVED, 302, INSPECTOR)
    (moved,) = [f for f in session.findings() if f.rule is RuleId.A1]
    assert moved.severity is Severity.EXPLAIN and moved.subject == a1.subject
    assert session.unexplained() == (moved,)
    with pytest.raises(InputError) as err:
        session.finalize((a, b), INSPECTOR)
    assert err.value.code == "finalize_unexplained"
    # Back to the numbers that were explained.
    session.set_style_field(style, StyleField.RECEIVED, 301, INSPECTOR)
    assert session.unexplained() == ()
    session.finalize((a, b), INSPECTOR)
    assert session.state == "finalized"


def test_finalize_through_the_session_is_one_transaction(session: PrecinctSession) -> None:
    import sqlite3

    enter_balanced(session)
    a, b = add_two_members(session)
    with sqlite3.connect(session.path) as conn:
        conn.execute(
            "CREATE TRIGGER test_final_fails BEFORE INSERT ON audit_event "
            """WHEN NEW.details LIKE '%"to":"finalized"%' """
            "BEGIN SELECT RAISE(ABORT, 'audit write failed'); END"
        )
    with pytest.raises(sqlite3.IntegrityError):
        session.finalize((a, b), INSPECTOR)
    assert session.state == "counting"  # before: left at reconciled by a first transaction
    with sqlite3.connect(session.path) as conn:
        conn.execute("DROP TRIGGER test_final_fails")
    session.finalize((a, b), INSPECTOR)
    events = session.store.audit_events()[-2:]
    assert [(e.details["from"], e.details["to"]) for e in events] == [
        ("counting", "reconciled"),
        ("reconciled", "finalized"),
    ]
    assert events[-1].details["confirmed_by"] == ["Maria Lopez", "Sam Park"]
