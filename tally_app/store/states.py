"""The precinct's state machine (DESIGN §4, §6).

counting → reconciled → finalized → exported; reconciled → counting (an edit, or the board
going back). Finalized and exported are locked: the only way back to counting is a
supervisor's correction (``PrecinctStore.begin_correction``), which is not a transition.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class State(StrEnum):
    COUNTING = "counting"
    RECONCILED = "reconciled"
    FINALIZED = "finalized"
    EXPORTED = "exported"


ALLOWED: Mapping[State, frozenset[State]] = MappingProxyType(
    {
        State.COUNTING: frozenset({State.RECONCILED}),
        State.RECONCILED: frozenset({State.COUNTING, State.FINALIZED}),
        State.FINALIZED: frozenset({State.EXPORTED}),
        State.EXPORTED: frozenset(),
    }
)

LOCKED: frozenset[State] = frozenset({State.FINALIZED, State.EXPORTED})


def can_transition(from_state: str, to_state: str) -> bool:
    try:
        return State(to_state) in ALLOWED[State(from_state)]
    except ValueError:
        return False


def is_locked(state: str) -> bool:
    return state in LOCKED
