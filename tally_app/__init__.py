"""Precinct Tally: the core. Pure Python; nothing below this package imports Qt."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("precinct-tally")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
