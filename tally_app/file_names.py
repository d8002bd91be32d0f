"""Ids as file and folder names: precinct files and results bundles are named by their ids."""

from __future__ import annotations

from urllib.parse import quote


def file_part(identifier: str) -> str:
    """An id as a safe file or folder name: no separators, no dot-dot, reversible."""
    safe = quote(identifier, safe="-_.")
    return safe.replace(".", "%2E") if safe.strip(".") == "" or safe.startswith(".") else safe
