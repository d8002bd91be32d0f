"""Reference integrity of a NIST ERR v2 document (CDF_NOTES §3.1).

JSON Schema sees an ``…Id`` as a plain string. The NIST schema annotates each reference with
a non-standard ``refTypes`` list; this reads it, so that every reference must name an ``@id``
of an allowed class, and every ``@id`` must be unique.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

# Named like a reference but free text: the application's name and version (no refTypes).
NOT_REFERENCES = frozenset({"VendorApplicationId"})


@cache
def _definitions() -> Mapping[str, Any]:
    from importlib.resources import files

    text = (files("resources") / "schemas" / "NIST_V2_election_results_reporting.json").read_text(
        encoding="utf-8"
    )
    definitions: Mapping[str, Any] = json.loads(text)["definitions"]
    return definitions


def objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in the document, depth first."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def reference_problems(doc: Mapping[str, Any]) -> list[str]:
    """One sentence per duplicate ``@id`` or reference that does not resolve to an allowed type.

    The document must already be schema-valid (every object has a known ``@type``).
    """
    definitions = _definitions()
    found = list(objects(doc))
    kinds: dict[str, str] = {}
    problems: list[str] = []
    for obj in found:
        identifier = obj.get("@id")
        if isinstance(identifier, str):
            if identifier in kinds:
                problems.append(f"The id {identifier!r} is used by two objects.")
            kinds[identifier] = str(obj.get("@type"))
    for obj in found:
        kind = str(obj.get("@type"))
        props = definitions.get(kind, {}).get("properties", {})
        for name, value in obj.items():
            if name in NOT_REFERENCES or not (name.endswith("Id") or name.endswith("Ids")):
                continue
            spec = props.get(name, {})
            allowed = spec.get("refTypes") or spec.get("items", {}).get("refTypes") or ()
            short = kind.removeprefix("ElectionResults.")
            for target in value if isinstance(value, list) else [value]:
                if target not in kinds:
                    problems.append(f"{short}.{name} names {target!r}, which does not exist.")
                elif allowed and kinds[target] not in allowed:
                    other = kinds[target].removeprefix("ElectionResults.")
                    problems.append(
                        f"{short}.{name} names {target!r}, a {other}, where the standard "
                        f"allows only {', '.join(a.removeprefix('ElectionResults.') for a in allowed)}."
                    )
    return problems
