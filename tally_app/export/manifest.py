"""The bundle's manifest: every other file with its SHA-256 and size (DESIGN §10).

The format is documented by ``resources/schemas/bundle-manifest.schema.json``; the manifest
is signed (``manifest.json.p7s``), so one signature covers every file of the bundle,
including the signed PDF and the audit log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from tally_app.clock import iso_seconds
from tally_app.export.results_document import results_json_bytes

if TYPE_CHECKING:
    from jsonschema.protocols import Validator  # type: ignore[import-untyped]

MANIFEST_FORMAT = 1
MANIFEST_SCHEMA = "bundle-manifest.schema.json"


@dataclass(frozen=True, slots=True)
class ListedFile:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Manifest:
    election_id: str
    precinct_id: str
    definition_fingerprint: str
    device_id: str
    county_issued: bool
    generated: str
    status: str
    is_test: bool
    application: str
    files: tuple[ListedFile, ...]


def manifest_bytes(
    files: Sequence[tuple[str, bytes]],
    *,
    election_id: str,
    precinct_id: str,
    definition_fingerprint: str,
    device_id: str,
    county_issued: bool,
    generated: datetime,
    status: str,
    is_test: bool,
    application: str,
) -> bytes:
    """The manifest of ``files`` (name, bytes), listed by name, as canonical JSON bytes."""
    doc: dict[str, Any] = {
        "manifest_format": MANIFEST_FORMAT,
        "election_id": election_id,
        "precinct_id": precinct_id,
        "definition_fingerprint": definition_fingerprint,
        "device_id": device_id,
        "county_issued": county_issued,
        "generated": iso_seconds(generated),
        "status": status,
        "is_test": is_test,
        "application": application,
        "files": [
            {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(files)
        ],
    }
    return results_json_bytes(doc)


@cache
def _validator() -> Validator:
    import json
    from importlib.resources import files

    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    schema = json.loads(
        (files("resources") / "schemas" / MANIFEST_SCHEMA).read_text(encoding="utf-8")
    )
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def parse_manifest(value: Any) -> Manifest | str:
    """A parsed manifest (plain JSON value), or one sentence saying what is wrong with it."""
    error = next(iter(sorted(_validator().iter_errors(value), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        return f"manifest.json is not a valid manifest at {where}: {error.message[:200]}."
    listed = tuple(ListedFile(f["name"], f["sha256"], f["size"]) for f in value["files"])
    names = [f.name for f in listed]
    if len(set(names)) != len(names):
        return "manifest.json lists a file twice."
    fields: Mapping[str, Any] = value
    return Manifest(
        election_id=fields["election_id"],
        precinct_id=fields["precinct_id"],
        definition_fingerprint=fields["definition_fingerprint"],
        device_id=fields["device_id"],
        county_issued=fields["county_issued"],
        generated=fields["generated"],
        status=fields["status"],
        is_test=fields["is_test"],
        application=fields["application"],
        files=listed,
    )
