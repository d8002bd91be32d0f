"""``tally-app test-deck run``: logic and accuracy testing, headless (issue 4, item 8).

    test-deck run [--election FILE] [--deck FILE] --out DIR
                  [--identity FILE.p12 --passphrase-file F] [--json]

Every precinct of the deck is entered, reconciled, finalized and exported as a TEST bundle
under DIR (its stores too, never the laptop's data folder); exit 0 only if every output
matches the deck, 1 if any differs, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from tally_app.commands.base import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    Parser,
    add_identity_arguments,
    count,
    signing_identity,
)


def add(sub: Any) -> None:
    deck = sub.add_parser(
        "test-deck",
        help="run a logic-and-accuracy test deck through the whole app",
        description="Logic and accuracy testing with a test deck.",
    )
    actions = deck.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    actions.required = True
    run = actions.add_parser(
        "run",
        help="enter, finalize and export every precinct of a deck, and compare the results",
        description=(
            "Enter every precinct of the deck as sheets A and B, reconcile, finalize and "
            "export it as a TEST bundle under DIR/bundles (the precinct files go to "
            "DIR/stores), verify each bundle and compare its results with the deck. Exit 0 "
            "if every precinct matches, 1 if any differs, 2 for a usage error."
        ),
    )
    run.add_argument(
        "--election",
        type=Path,
        metavar="FILE",
        help="election definition (default: the embedded CA-34 June 6, 2017 election)",
    )
    run.add_argument(
        "--deck",
        type=Path,
        metavar="FILE",
        help="test deck (default: the deck shipped for a built-in election)",
    )
    run.add_argument("--out", type=Path, required=True, metavar="DIR", help="a new or empty folder")
    add_identity_arguments(run, "the bundles")
    run.add_argument(
        "--json",
        action="store_true",
        help=(
            'print only JSON: {"election_id", "deck", "passed", "precincts": [{"precinct_id", '
            '"passed", "bundle", "differences"}]}, precincts sorted by id'
        ),
    )
    run.set_defaults(handler=_cmd_run)


def _cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tally_app import service
    from tally_app.clock import SystemClock
    from tally_app.errors import InputError
    from tally_app.testdeck.deck import embedded_deck_path, load_deck
    from tally_app.testdeck.run import run_deck

    try:
        definition = (
            service.load_definition(args.election)
            if args.election is not None
            else service.default_definition()
        )
        deck_path = args.deck or embedded_deck_path(definition.id)
        if deck_path is None:
            raise InputError(
                "deck_missing", f"No deck is shipped for {definition.id}; give one with --deck."
            )
        deck = load_deck(deck_path, definition)
        identity = signing_identity(args.identity, args.passphrase_file)
    except InputError as exc:
        err.write(f"{PROG}: {exc.message}\n")
        return EXIT_USAGE

    def progress(precinct_id: str) -> None:
        if not args.json:
            err.write(f"{PROG}: test deck: precinct {precinct_id}…\n")
            err.flush()

    try:
        outcomes = run_deck(
            definition, deck, args.out, identity, clock=SystemClock(), progress=progress
        )
    except InputError as exc:  # the --out folder is not usable
        err.write(f"{PROG}: {exc.message}\n")
        return EXIT_USAGE
    passed = all(o.passed for o in outcomes)
    if args.json:
        report = {
            "election_id": definition.id,
            "deck": str(deck_path),
            "passed": passed,
            "precincts": [
                {
                    "precinct_id": o.precinct_id,
                    "passed": o.passed,
                    "bundle": str(o.bundle) if o.bundle else None,
                    "differences": list(o.differences),
                }
                for o in sorted(outcomes, key=lambda o: o.precinct_id)
            ],
        }
        json.dump(report, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        for o in outcomes:
            out.write(f"{'PASS' if o.passed else 'FAIL'} {o.precinct_id}")
            out.write(f" → {o.bundle}\n" if o.bundle else "\n")
            out.writelines(f"  {d}\n" for d in o.differences)
        failed = sum(not o.passed for o in outcomes)
        signer = (
            "" if identity.county_issued else " (signed with a device that is not county-issued)"
        )
        out.write(
            f"TEST deck {deck_path.name}: {count(len(outcomes), 'precinct')}, "
            + (f"{failed} FAILED" if failed else "all passed")
            + f"{signer}.\n"
        )
    return EXIT_OK if passed else EXIT_INVALID
