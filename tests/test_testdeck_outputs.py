"""The test deck must catch a wrong output, whichever file of the bundle it is in."""

from __future__ import annotations

from pathlib import Path

import pytest

from tally_app import service
from tally_app.clock import SystemClock
from tally_app.testdeck.deck import embedded_deck_path, load_deck
from tally_app.testdeck.run import run_deck


def test_a_wrong_results_csv_fails_the_test_deck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 4 item 8: exit non-zero if ANY output differs from the deck's expected results.
    A results.csv writer that drops the last row (a bug in it) must fail the run."""
    from tally_app.export import results_csv

    real = results_csv.results_csv_bytes

    def wrong(doc: object, **kwargs: object) -> bytes:
        data: bytes = real(doc, **kwargs)  # type: ignore[arg-type]
        return b"\r\n".join(data.split(b"\r\n")[:-2]) + b"\r\n"

    monkeypatch.setattr(results_csv, "results_csv_bytes", wrong)
    definition = service.default_definition()
    path = embedded_deck_path(definition.id)
    assert path is not None
    deck = load_deck(path, definition)
    outcomes = run_deck(
        definition, deck, tmp_path / "run", service.throwaway_identity(), clock=SystemClock()
    )
    assert not all(o.passed for o in outcomes), "every precinct passed with a wrong results.csv"
