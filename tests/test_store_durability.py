"""Kill the process at any instant: every value it reported as saved is in the file (§4)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from tally_app.entries import Sheet
from tally_app.store.precinct_store import PrecinctStore
from tests.store_factories import GOMEZ, HOUSE, fixed_clock

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from tally_app.entries import Sheet
    from tests.store_factories import CLERK, GOMEZ, HOUSE, new_store

    store = new_store(Path(sys.argv[1]))
    print("ready", flush=True)
    value = 0
    while True:
        value += 1
        store.set_vote(Sheet.A, HOUSE, GOMEZ, value, CLERK)
        print(value, flush=True)  # the UI would now say "saved"
    """
)


def test_values_reported_saved_survive_a_kill(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)],
        cwd=repo,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    assert proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "ready"
        last_saved = 0
        while last_saved < 40:
            last_saved = int(proc.stdout.readline())
        proc.send_signal(signal.SIGKILL)  # mid-write, most likely
    finally:
        proc.kill()
        proc.wait()
    with PrecinctStore.open(tmp_path / "precinct.sqlite", clock=fixed_clock()) as store:
        entry = store.snapshot().contest(Sheet.A, HOUSE)
        events = store.audit_events()
        assert store.audit_report.ok, store.audit_report.problems
    assert entry is not None
    value = entry.votes[GOMEZ]
    assert value is not None and value >= last_saved
    vote_events = [e for e in events if e.event == "contest.vote_set"]
    assert vote_events[-1].details["new"] == value  # the change and its event, together
