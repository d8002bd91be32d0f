"""The election definitions shipped inside the app (resources/elections/).

The default is the June 6, 2017 special general election for California's 34th Congressional
District (DESIGN §1). Read through `importlib.resources`, so it works from a wheel or a zip
too; loaded once per process (definitions are immutable) and without ``jsonschema`` on this
path, which the first window must not pay for (DESIGN §14).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from tally_app.definition.model import ElectionDefinition
from tally_app.errors import SystemError_

DEFAULT_ELECTION_ID = "ca34-2017-06-06"
# Election id → file name under resources/elections/ (a test checks each file's id).
_FILES = {
    "ca34-2017-06-06": "ca34-2017-06-06-general.json",
    "ca34-2017-04-04": "ca34-2017-04-04-primary.json",
}


def embedded_definition_paths() -> dict[str, Traversable]:
    """The shipped definition files by election id, the default first."""
    folder = files("resources") / "elections"
    return {election_id: folder / name for election_id, name in _FILES.items()}


@cache
def embedded_definition(election_id: str) -> ElectionDefinition:
    """One shipped definition, loaded once; a damaged install is a `SystemError_`."""
    from tally_app.definition.loader import load_trusted_bytes

    paths = embedded_definition_paths()
    if election_id not in paths:
        raise SystemError_(
            "embedded_definition_unknown",
            f"No election {election_id!r} is built in; the built-in elections are "
            f"{', '.join(paths)}.",
            election_id=election_id,
        )
    resource = paths[election_id]
    try:
        data = resource.read_bytes()
    except OSError as exc:
        raise SystemError_(
            "embedded_definition_damaged",
            f"The built-in election {election_id} could not be read ({exc.strerror or exc}); "
            "reinstall Precinct Tally.",
            election_id=election_id,
        ) from exc
    result = load_trusted_bytes(data, source=str(resource))
    if result.definition is None or result.definition.id != election_id:
        first = result.problems[0].message if result.problems else "it holds another election"
        raise SystemError_(
            "embedded_definition_damaged",
            f"The built-in election {election_id} is damaged ({first}); reinstall Precinct Tally.",
            election_id=election_id,
        )
    return result.definition


def default_definition() -> ElectionDefinition:
    """The embedded default election: CA-34 special general, June 6, 2017."""
    return embedded_definition(DEFAULT_ELECTION_ID)
