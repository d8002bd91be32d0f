"""What loading a definition produces: a valid definition, or every problem found.

A problem is a value, not an exception: the loader collects all of them so a county can fix a
file in one pass. ``code`` is stable (the UI translates it); ``message`` is one plain English
sentence for the command line; ``path`` is a JSON path (``$`` is the whole file).
"""

from __future__ import annotations

from dataclasses import dataclass

from tally_app.definition.model import ElectionDefinition


@dataclass(frozen=True, slots=True)
class Problem:
    path: str  # e.g. "$.contests[2].vote_for"; "$" for the whole file
    code: str  # stable, e.g. "duplicate_id"
    message: str  # one sentence: what is wrong and what to do


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Exactly one of ``definition`` and ``problems`` is set."""

    definition: ElectionDefinition | None
    problems: tuple[Problem, ...] = ()
    source: str = ""  # where the bytes came from (a path), for messages

    def __post_init__(self) -> None:
        if (self.definition is None) == (not self.problems):
            raise ValueError("a LoadResult holds either a definition or problems, not both")

    @property
    def ok(self) -> bool:
        return self.definition is not None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)


def json_path(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """``("contests", 2, "vote_for")`` → ``$.contests[2].vote_for``."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.isidentifier() or part.replace("@", "", 1).isidentifier():
            out.append(f".{part}")
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            out.append(f"['{escaped}']")
    return "".join(out)
