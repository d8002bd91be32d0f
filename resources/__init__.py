"""Data files shipped with Precinct Tally: election definitions, JSON schemas, fonts.

Read them with ``importlib.resources.files("resources")``, never by a path relative to
the source tree, so that an installed copy finds them too.
"""
