"""Build the two embedded CA-34 (2017) election definitions from the shared source data.

    python resources/elections/build_ca34.py [SHARED_CA34_DIR] [--out DIR]

SHARED_CA34_DIR defaults to ``../shared/ca34_2017`` beside the repository; DIR defaults to this
folder. The output is sorted, stable, pretty JSON with a trailing newline, so running this again
on the same data gives byte-identical files (and so the same definition fingerprints).
See README.md here for the sources and the caveats (ballot order, write-ins, precinct names).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_SHARED = HERE.parent.parent.parent / "shared" / "ca34_2017"

PARTIES = {
    "DEM": "Democratic",
    "REP": "Republican",
    "GRN": "Green",
    "LIB": "Libertarian",
    "NPP": "No Party Preference",
}
# Qualified write-in candidates (not printed on the ballot); from official_totals.md and P9.
QUALIFIED_WRITE_INS = {"primary": {'Michelle "Hope" Walker'}}
# Surname particles: a surname starts at the first of these that directly precedes the last word.
PARTICLES = {
    "de",
    "del",
    "della",
    "der",
    "di",
    "da",
    "du",
    "la",
    "las",
    "le",
    "los",
    "van",
    "von",
    "st.",
    "y",
}
SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}

BOARD_ROLES = [
    {"id": "inspector", "title": "Inspector", "min_count": 1, "max_count": 1},
    {"id": "judge", "title": "Judge", "min_count": 0, "max_count": 2},
    {"id": "clerk", "title": "Clerk", "min_count": 2, "max_count": 4},
    {"id": "tally_keeper_a", "title": "Tally keeper A", "min_count": 1, "max_count": 1},
    {"id": "tally_keeper_b", "title": "Tally keeper B", "min_count": 1, "max_count": 1},
]

CAVEAT = (
    "Data: CA Secretary of State official canvass and LA County Statement of Votes Cast, as "
    "normalized by OpenElections (openelections/openelections-data-ca, 2017); see "
    "resources/elections/README.md. The real ballot order rotated by Assembly district and "
    "cannot be recovered: candidates are listed alphabetically by last name. The source has no "
    "precinct names: precincts are shown by their LA County id."
)

ELECTIONS = {
    "runoff": {
        "file": "ca34-2017-06-06-general.json",
        "id": "ca34-2017-06-06",
        "title": "Special General Election, 34th Congressional District (June 6, 2017)",
        "date": "2017-06-06",
    },
    "primary": {
        "file": "ca34-2017-04-04-primary.json",
        "id": "ca34-2017-04-04",
        "title": "Special Primary Election, 34th Congressional District (April 4, 2017)",
        "date": "2017-04-04",
    },
}


def surname(name: str) -> str:
    """The last name: quoted nicknames dropped, particles kept ("De La Fuente", "Van Houten")."""
    words = [w for w in re.sub(r'"[^"]*"', " ", name).split() if w]
    while len(words) > 2 and words[-1].lower() in SUFFIXES:
        words.pop()
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in PARTICLES:
        start -= 1
    return " ".join(words[start:])


def ballot_sort_key(name: str) -> tuple[str, str]:
    """Alphabetical by last name, ignoring spaces and case; the full name breaks ties."""
    return (surname(name).replace(" ", "").casefold(), name.casefold())


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def definition(election: str, shared: Path) -> dict[str, Any]:
    meta = ELECTIONS[election]
    precinct_ids = [
        r["precinct_id"]
        for r in _read_csv(shared / "precinct_totals.csv")
        if r["election"] == election
    ]
    if len(precinct_ids) != len(set(precinct_ids)) or not precinct_ids:
        raise SystemExit(
            f"precinct_totals.csv: the {election} precinct ids are missing or repeated"
        )
    rows = [r for r in _read_csv(shared / "candidates.csv") if r["election"] == election]
    write_ins = QUALIFIED_WRITE_INS.get(election, set())
    on_ballot = sorted(
        (r for r in rows if r["candidate"] not in write_ins),
        key=lambda r: ballot_sort_key(r["candidate"]),
    )
    late = sorted(
        (r for r in rows if r["candidate"] in write_ins),
        key=lambda r: ballot_sort_key(r["candidate"]),
    )
    unknown = {r["party"] for r in rows} - set(PARTIES)
    if unknown:
        raise SystemExit(f"candidates.csv: unknown party code(s) {sorted(unknown)}")
    candidates = [
        {
            "id": slug(r["candidate"]),
            "name": r["candidate"],
            "party_id": r["party"],
            "write_in": r in late,
        }
        for r in on_ballot + late
    ]
    used = [p for p in PARTIES if any(r["party"] == p for r in rows)]
    contest_id = "us-rep-cd34"
    return {
        "format": "precinct-tally/election-definition",
        "format_version": 1,
        "id": meta["id"],
        "title": meta["title"],
        "date": meta["date"],
        "type": "special",
        "notes": CAVEAT,
        "jurisdiction": {"county": "Los Angeles County", "state": "California", "state_code": "CA"},
        "districts": [{"id": "cd34", "name": "Congressional District 34", "type": "congressional"}],
        "parties": [{"id": p, "name": PARTIES[p], "abbreviation": p} for p in used],
        "contests": [
            {
                "kind": "candidate",
                "id": contest_id,
                "title": "United States Representative, 34th District",
                "district_id": "cd34",
                "vote_for": 1,
                "candidates": candidates,
                "unqualified_write_ins": True,
            }
        ],
        "ballot_styles": [{"id": "cd34", "contest_ids": [contest_id]}],
        "precincts": [
            {"id": pid, "name": "", "ballot_style_ids": ["cd34"]} for pid in precinct_ids
        ],
        "board_roles": BOARD_ROLES,
        "policy": {
            "severities": {},
            "double_entry": True,
            "provisional_voters_sign_roster": False,
            "blank_ballot_warn_fraction": 0.05,
            "small_count_suppression": False,
            "small_count_threshold": 10,
        },
    }


def render(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "shared", nargs="?", type=Path, default=DEFAULT_SHARED, help="the shared ca34_2017 folder"
    )
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the JSON files")
    args = parser.parse_args(argv)
    if not (args.shared / "precinct_totals.csv").is_file():
        parser.error(
            f"{args.shared} does not hold precinct_totals.csv; pass the shared ca34_2017 folder"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    for election, meta in ELECTIONS.items():
        target = args.out / meta["file"]
        target.write_bytes(render(definition(election, args.shared)))
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
