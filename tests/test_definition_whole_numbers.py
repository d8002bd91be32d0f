"""Counts in a definition are whole numbers: 5.0 is refused, never carried into arithmetic."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest

from tally_app import service
from tally_app.definition.loader import load_definition_bytes

DEFAULT = files("resources") / "elections" / "ca34-2017-06-06-general.json"


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("contests", 0, "vote_for"), 1.0),
        (("contests", 0, "vote_for"), 5.0),
        (("precincts", 0, "registered_voters"), 25.0),
        (("board_roles", 0, "max_count"), 1.0),
        (("policy", "small_count_threshold"), 10.0),
    ],
)
def test_a_number_with_a_decimal_point_is_refused(where: tuple[object, ...], value: float) -> None:
    doc = json.loads(DEFAULT.read_bytes())
    target = doc
    for key in where[:-1]:
        target = target[key]  # type: ignore[index]
    target[where[-1]] = value  # type: ignore[index]
    result = load_definition_bytes(json.dumps(doc).encode())
    assert result.definition is None
    path = "$." + ".".join(f"{k}" if isinstance(k, str) else f"[{k}]" for k in where)
    path = path.replace(".[", "[")
    assert any(p.code == "wrong_type" and p.path == path for p in result.problems), result.problems
    assert all("Traceback" not in p.message for p in result.problems)


def test_a_precinct_file_definition_is_checked_in_full() -> None:
    """A definition read back from a precinct file gets every check (the file is editable)."""
    doc = json.loads(DEFAULT.read_bytes())
    doc["contests"][0]["vote_for"] = 0
    from tally_app.errors import InputError

    with pytest.raises(InputError) as err:
        service.definition_from_bytes(json.dumps(doc).encode())
    assert err.value.code == "stored_definition_invalid"
