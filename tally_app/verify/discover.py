"""Finding bundles under the paths a user gives: a bundle, a folder of them, a whole drive.

A bundle is any folder holding a ``results.json`` (DESIGN §10), or what is left of one (a
``manifest.json`` or ``results.json.p7s`` without it), so that a damaged bundle is reported,
never silently skipped. Folders are walked without
following symbolic links, hidden folders (``.Trashes``, ``.Spotlight-V100``) are skipped,
and the walk stops at a depth and a count no real drive needs, so a hostile drive cannot
make it run forever.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from tally_app.errors import InputError

MAX_DEPTH = 8
MAX_BUNDLES = 100_000
RESULTS = "results.json"
BUNDLE_MARKERS = frozenset({RESULTS, "results.json.p7s", "manifest.json"})


def find_bundles(paths: Iterable[Path]) -> list[Path]:
    """Every bundle folder under ``paths``, sorted, each once."""
    found: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_symlink():
            raise InputError("path_symlink", f"{path} is a symbolic link; give the folder itself.")
        if path.is_file() and path.name == RESULTS:
            found.add(path.parent)
            continue
        if not path.is_dir():
            raise InputError(
                "path_missing", f"{path} is not a folder or a results.json file; check the path."
            )
        _walk(path, 0, found)
    return sorted(found)


def _walk(folder: Path, depth: int, found: set[Path]) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        raise InputError(
            "path_unreadable", f"{folder} cannot be read ({exc.strerror}); check the drive."
        ) from None
    if any(e.name in BUNDLE_MARKERS for e in entries):
        found.add(folder)
    if len(found) > MAX_BUNDLES:
        raise InputError(
            "too_many_bundles", f"More than {MAX_BUNDLES:,} bundles were found; give fewer folders."
        )
    if depth >= MAX_DEPTH:
        return
    for entry in sorted(entries, key=lambda e: e.name):
        if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
            continue
        _walk(Path(entry.path), depth + 1, found)
