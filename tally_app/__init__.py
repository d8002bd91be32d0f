"""Precinct Tally: the core. Pure Python; nothing below this package imports Qt."""

from __future__ import annotations

from functools import cache


@cache
def _version() -> str:
    # importlib.metadata costs ~30 ms to import: only paid when the version is asked for.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("precinct-tally")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+source"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _version()
    raise AttributeError(name)
