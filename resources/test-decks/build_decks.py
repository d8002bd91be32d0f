"""Build the shipped CA-34 (2017) test decks from the real per-precinct votes.

    python resources/test-decks/build_decks.py [SHARED_CA34_DIR] [--out DIR]

SHARED_CA34_DIR defaults to ``../shared/ca34_2017`` beside the repository; DIR defaults to this
folder. Each deck is tied to the embedded definition it was built for by that file's SHA-256, so
rebuild the decks whenever ``resources/elections/build_ca34.py`` changes a definition. The
candidates' votes are the real certified per-precinct votes (``precinct_votes.csv``); everything
the source does not have (ballot accounting, roster, undervotes, overvotes, unqualified
write-ins, board, seals) is made up here, deterministically from the precinct id, so that every
reconciliation rule balances. Running this twice gives byte-identical files. See README.md.
"""

from __future__ import annotations

import argparse
import copy
import csv
import hashlib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ELECTIONS = HERE.parent / "elections"
DEFAULT_SHARED = HERE.parent.parent.parent / "shared" / "ca34_2017"

DECKS: dict[str, dict[str, Any]] = {
    "runoff": {
        "definition": "ca34-2017-06-06-general.json",
        "deck": "ca34-2017-06-06-general.deck.json",
        "precincts": 12,
        "description": "CA-34 special general (runoff), June 6, 2017: 12 precincts with their real "
        "certified votes for Ahn and Gomez; one precinct whose sheet B differs and is resolved, "
        "one with a ballot-accounting discrepancy the board explains.",
    },
    "primary": {
        "definition": "ca34-2017-04-04-primary.json",
        "deck": "ca34-2017-04-04-primary.deck.json",
        "precincts": 6,
        "description": "CA-34 special primary, April 4, 2017: 6 precincts with their real "
        "certified votes for all 23 ballot candidates, the qualified write-in Walker and listed "
        "unqualified write-ins; one precinct whose sheet B differs and is settled by a recount.",
    },
}
BOARD = [
    {"name": "Maria Lopez", "role": "inspector"},
    {"name": "Sam Park", "role": "clerk"},
    {"name": "Ana Reyes", "role": "tally_keeper_a"},
    {"name": "Dev Patel", "role": "tally_keeper_b"},
]
# Unqualified write-ins: the source has none per precinct, so fictional names are listed.
WRITE_IN_NAMES = ["Mickey Mouse", "Donald Duck", "Minnie Mouse"]
SERIAL_BASE = 200000
EXPLANATION = (
    "One ballot of the stock received could not be found when the board counted the unused "
    "ballots; the inspector searched the polling place and reported it to the county."
)


def _rng(precinct_id: str) -> random.Random:
    seed = int.from_bytes(hashlib.sha256(precinct_id.encode("utf-8")).digest()[:8], "big")
    return random.Random(seed)


def _votes_by_precinct(shared: Path, election: str) -> dict[str, dict[str, int]]:
    votes: dict[str, dict[str, int]] = defaultdict(dict)
    with (shared / "precinct_votes.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["election"] == election:
                votes[row["precinct_id"]][row["candidate"]] = int(row["votes"])
    return votes


def _precinct(
    definition: dict[str, Any], precinct_id: str, real: dict[str, int], number: int
) -> dict[str, Any]:
    """One balanced precinct: the real votes, and made-up counts that satisfy every rule."""
    rng = _rng(precinct_id)
    (contest,) = definition["contests"]
    style_id = next(p for p in definition["precincts"] if p["id"] == precinct_id)[
        "ballot_style_ids"
    ][0]
    votes = {c["id"]: real.get(c["name"], 0) for c in contest["candidates"]}
    unknown = set(real) - {c["name"] for c in contest["candidates"]}
    if unknown:
        raise SystemExit(f"precinct_votes.csv: candidates not in the definition: {sorted(unknown)}")
    write_ins: list[dict[str, Any]] = [
        {"name": name, "votes": rng.randint(1, 3)}
        for name in WRITE_IN_NAMES[: rng.choice([0, 0, 1, 2])]
    ]
    under, over = rng.randint(0, 3), rng.randint(0, 2)
    tallied = sum(votes.values()) + sum(w["votes"] for w in write_ins) + under + over
    blank = min(under, 1, tallied // 20)  # a blank ballot is an undervote; A13 allows 5 %
    provisional, rejected, spoiled = rng.randint(0, 3), rng.randint(0, 1), rng.randint(0, 4)
    voted = tallied + provisional + rejected
    received = (voted + spoiled) // 50 * 50 + 50
    unused = received - voted - spoiled
    not_voted = rng.randint(0, 2)
    signatures = voted - provisional + not_voted
    sheet = {
        contest["id"]: {
            "votes": votes,
            "write_ins": write_ins,
            "undervotes": under,
            "overvotes": over,
            "ballots": tallied,
        }
    }
    return {
        "precinct_id": precinct_id,
        "note": "Real certified votes; accounting made up to balance.",
        "board": BOARD,
        "seals": [{"purpose": "ballot container", "number": f"CA34-{number:06d}"}],
        "accounting": {
            "styles": {
                style_id: {
                    "received": received,
                    "voted": voted,
                    "provisional": provisional,
                    "rejected": rejected,
                    "spoiled": spoiled,
                    "unused": unused,
                    "blank": blank,
                    "provisional_issued": provisional,
                    "unused_serials": [
                        {"first": SERIAL_BASE + voted + spoiled + 1, "last": SERIAL_BASE + received}
                    ],
                }
            },
            "roster": {
                "signatures": signatures,
                "not_voted": not_voted,
                "vbm_dropped": rng.randint(0, 25),
                "vbm_surrendered": rng.randint(0, min(5, signatures - not_voted)),
            },
        },
        "sheets": {"A": sheet},
        "expected": {
            "ballots_cast": tallied,
            "ballots_outstanding": provisional,
            "discrepancy": False,
            "contests": {
                contest["id"]: {
                    "votes": votes,
                    "write_ins": sum(w["votes"] for w in write_ins),
                    "undervotes": under,
                    "overvotes": over,
                }
            },
        },
    }


def _sheet_b_differs(precinct: dict[str, Any], selection_id: str, choice: str) -> None:
    """Tally keeper B writes one more vote for ``selection_id``; the board settles it."""
    ((contest_id, a),) = precinct["sheets"]["A"].items()
    b = copy.deepcopy(a)
    b["votes"][selection_id] += 1
    precinct["sheets"]["B"] = {contest_id: b}
    precinct["resolve"] = [
        {
            "contest_id": contest_id,
            "field": selection_id,
            "choice": choice,
            "value": a["votes"][selection_id],
        }
    ]
    precinct["note"] = (
        f"Sheet B has one more vote for {selection_id}; the board keeps sheet A's number "
        f"({'sheet A was right' if choice == 'A' else 'after a recount'})."
    )


def _unaccounted_ballot(precinct: dict[str, Any]) -> None:
    """One ballot received is not voted, spoiled or unused: A1 fails and is explained."""
    ((style_id, style),) = precinct["accounting"]["styles"].items()
    style["received"] += 1
    precinct["explanations"] = [{"rule": "A1", "subject": f"style:{style_id}", "text": EXPLANATION}]
    precinct["expected"]["discrepancy"] = True
    precinct["note"] = "One ballot received is unaccounted for (A1); the board explains it."


def _spread(ids: list[str], count: int) -> list[str]:
    """``count`` ids spread evenly over the list, first and last included."""
    step = (len(ids) - 1) / (count - 1)
    return [ids[round(i * step)] for i in range(count)]


def deck(election: str, shared: Path) -> dict[str, Any]:
    meta = DECKS[election]
    raw = (ELECTIONS / str(meta["definition"])).read_bytes()
    definition = json.loads(raw)
    votes = _votes_by_precinct(shared, election)
    candidates = [p["id"] for p in definition["precincts"] if sum(votes[p["id"]].values()) >= 50]
    chosen = _spread(candidates, meta["precincts"])
    precincts = [_precinct(definition, pid, votes[pid], n) for n, pid in enumerate(chosen, start=1)]
    gomez = "jimmy-gomez"
    if election == "runoff":
        _sheet_b_differs(precincts[-2], gomez, "A")
        _unaccounted_ballot(precincts[-1])
    else:
        _sheet_b_differs(precincts[-1], gomez, "recount")
    return {
        "deck_format": 1,
        "election_id": definition["id"],
        "election_fingerprint": hashlib.sha256(raw).hexdigest(),
        "description": meta["description"],
        "precincts": precincts,
    }


def render(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "shared", nargs="?", type=Path, default=DEFAULT_SHARED, help="the shared ca34_2017 folder"
    )
    parser.add_argument("--out", type=Path, default=HERE, help="where to write the decks")
    args = parser.parse_args(argv)
    if not (args.shared / "precinct_votes.csv").is_file():
        parser.error(f"{args.shared} does not hold precinct_votes.csv; pass the ca34_2017 folder")
    args.out.mkdir(parents=True, exist_ok=True)
    for election, meta in DECKS.items():
        target = args.out / str(meta["deck"])
        target.write_bytes(render(deck(election, args.shared)))
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
