"""The facade: the one entry point the UI, the command line, the tests and the benchmarks call.

It owns no state of its own beyond what it is given (clock, data folder): dependencies are
passed in, not global. Heavy modules are imported where first needed, so that starting the
app pays only for what the first window uses (DESIGN §14).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tally_app.definition.loader import LoadResult
    from tally_app.definition.model import ElectionDefinition


# --- election definitions -------------------------------------------------------------


def load_definition_result(path: str | os.PathLike[str]) -> LoadResult:
    """Load a definition file: a valid definition, or every problem found in it."""
    from tally_app.definition.loader import load_definition_file

    return load_definition_file(path)


def default_definition() -> ElectionDefinition:
    """The embedded default election (CA-34 special general, June 6, 2017)."""
    from tally_app.definition.embedded import default_definition as _default

    return _default()
