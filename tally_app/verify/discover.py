"""Finding bundles under the paths a user gives: a bundle, a folder of them, a whole drive.

A bundle is any folder holding a ``results.json`` (DESIGN §10), or what is left of one (a
``manifest.json`` or ``results.json.p7s`` without it), so that a damaged bundle is reported,
never silently skipped. Folders are walked without following symbolic links, hidden folders
(``.Trashes``, ``.Spotlight-V100``) are skipped, and the walk stops at a depth and a number
of folders no real drive needs, so a hostile drive cannot make it run forever.

A PATH the user named that is missing or unreadable is their error (InputError). A folder
found under it that cannot be listed (an NTFS "System Volume Information", a damaged FAT
directory), or that lies beyond the depth or folder limit, is not: the walk goes on and
says, in a warning, which folder was not searched and why.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tally_app.errors import InputError

MAX_DEPTH = 16
MAX_FOLDERS = 200_000
MAX_BUNDLES = 100_000
RESULTS = "results.json"
BUNDLE_MARKERS = frozenset({RESULTS, "results.json.p7s", "manifest.json"})


@dataclass(frozen=True, slots=True)
class Discovery:
    """The bundle folders found, sorted, each once, and the folders not searched."""

    folders: tuple[Path, ...]
    warnings: tuple[str, ...]  # one sentence for each folder not searched


@dataclass(slots=True)
class _Walk:
    found: set[Path] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    folders: int = 0
    stopped: bool = False  # MAX_FOLDERS reached: said once, nothing more is searched


def discover(paths: Iterable[Path]) -> Discovery:
    """Every bundle folder under ``paths``; raises InputError only for a path given."""
    walk = _Walk()
    for given in paths:
        path = Path(given)
        if path.is_symlink():
            raise InputError("path_symlink", f"{path} is a symbolic link; give the folder itself.")
        if path.is_file() and path.name == RESULTS:
            walk.found.add(path.parent)
            continue
        if not path.is_dir():
            raise InputError(
                "path_missing", f"{path} is not a folder or a results.json file; check the path."
            )
        try:
            entries = list(os.scandir(path))
        except OSError as exc:
            raise InputError(
                "path_unreadable", f"{path} cannot be read ({exc.strerror}); check the drive."
            ) from None
        _visit(path, entries, 0, walk)
    return Discovery(tuple(sorted(walk.found)), tuple(walk.warnings))


def find_bundles(paths: Iterable[Path]) -> list[Path]:
    """Every bundle folder under ``paths``, sorted, each once; a folder that cannot be read
    anywhere is an InputError (for ``verify``; the supervisor's count uses `discover`)."""
    found = discover(paths)
    unreadable = [w for w in found.warnings if " cannot be read " in w]
    if unreadable:
        raise InputError("path_unreadable", unreadable[0])
    return list(found.folders)


def _visit(folder: Path, entries: list[os.DirEntry[str]], depth: int, walk: _Walk) -> None:
    if any(e.name in BUNDLE_MARKERS for e in entries):
        walk.found.add(folder)
    if len(walk.found) > MAX_BUNDLES:
        raise InputError(
            "too_many_bundles", f"More than {MAX_BUNDLES:,} bundles were found; give fewer folders."
        )
    below = sorted(
        (e for e in entries if not e.name.startswith(".") and e.is_dir(follow_symlinks=False)),
        key=lambda e: e.name,
    )
    if below and depth >= MAX_DEPTH:
        walk.warnings.append(
            f"{folder} was not searched below: folders nested more than {MAX_DEPTH} deep are "
            "not searched; give that folder itself if it holds bundles."
        )
        return
    for entry in below:
        if walk.folders >= MAX_FOLDERS:
            if not walk.stopped:
                walk.stopped = True
                walk.warnings.append(
                    f"{entry.path} and the folders after it were not searched: more than "
                    f"{MAX_FOLDERS:,} folders; give fewer or smaller folders."
                )
            return
        walk.folders += 1
        try:
            inner = list(os.scandir(entry.path))
        except OSError as exc:
            walk.warnings.append(
                f"{entry.path} cannot be read ({exc.strerror or 'error'}) and was not searched; "
                "check the drive."
            )
            continue
        _visit(Path(entry.path), inner, depth + 1, walk)
