"""Test decks for logic and accuracy testing (DESIGN issue 4, item 8).

A deck (``resources/schemas/test-deck.schema.json``) gives known counts for some precincts of one
election definition. `load_deck` reads and checks one; `apply_precinct` enters a precinct of it
through a `PrecinctSession` and finalizes it; `compare_results` lists, one sentence each, where
the precinct's NIST results document differs from what the deck expects.
"""

from tally_app.testdeck.apply import apply_precinct
from tally_app.testdeck.compare import compare_results
from tally_app.testdeck.deck import (
    Deck,
    DeckExpected,
    DeckPrecinct,
    embedded_deck_path,
    load_deck,
    load_deck_bytes,
)

__all__ = [
    "Deck",
    "DeckExpected",
    "DeckPrecinct",
    "apply_precinct",
    "compare_results",
    "embedded_deck_path",
    "load_deck",
    "load_deck_bytes",
]
