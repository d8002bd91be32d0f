"""``tally-app aggregate``: the supervisor's count of many precincts (DESIGN §11, §12).

    aggregate PATH... --trust CA.pem --out DIR [--election FILE] [--test] [--json]
              [--identity FILE.p12 --passphrase-file F]

Every bundle under the PATHs is verified against the county CA and the election definition;
only those that pass are summed, each failure is listed with one sentence. DIR receives
summary.json, precincts.json, results.csv and the signed certification.pdf. Exit 0 when every
bundle was accepted (duplicates and superseded bundles are fine), 1 when any was rejected or
in conflict or a folder could not be searched (warned on stderr; the accepted ones are still
summed and written), 2 for a usage error or an
unreadable --trust, --election or --out.

With ``--test``, TEST bundles (from test decks) are summed too, beside real ones, and every
output is then marked TEST; without it they are rejected.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tally_app.commands.base import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    add_identity_arguments,
    count,
    signing_identity,
)
from tally_app.printable import printable

if TYPE_CHECKING:
    from tally_app.aggregate.model import Aggregation


def add(sub: Any) -> None:
    parser = sub.add_parser(
        "aggregate",
        help="verify many precinct bundles, sum the valid ones and certify the totals",
        description=(
            "Verify every results bundle under the PATHs (schema, references, manifest hashes, "
            "signatures and chain to the county CA, definition fingerprint, arithmetic), sum "
            "the ones that pass and write summary.json, precincts.json, results.csv and a "
            "signed certification.pdf to DIR. Exit 0 if every bundle was accepted, 1 if any "
            "was rejected or in conflict (the rest are still summed), 2 for a usage error."
        ),
    )
    parser.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="a bundle, a folder or a drive"
    )
    parser.add_argument(
        "--trust", type=Path, required=True, metavar="CA.pem", help="the county CA certificate"
    )
    parser.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="folder for the outputs"
    )
    parser.add_argument(
        "--election",
        type=Path,
        metavar="FILE",
        help="election definition (default: the embedded CA-34 June 6, 2017 election)",
    )
    parser.add_argument(
        "--test",
        action="store_true",
        help="also sum TEST bundles (from test decks); every output is then marked TEST",
    )
    add_identity_arguments(parser, "the certification")
    parser.add_argument(
        "--json",
        action="store_true",
        help=(
            'print only JSON: {"election_id", "precincts_total", "precincts_reporting", '
            '"missing", "rejected": [{"path", "reason"}], "conflicts": [{"precinct_id", '
            '"paths"}], "contests": [{"id", "name", "ballots", "overvotes", "undervotes", '
            '"selections": [{"id", "name", "votes", "write_in"}]}]}'
        ),
    )
    parser.set_defaults(handler=_cmd_aggregate)


def _usable_out(out: Path) -> None:
    """--out must be a folder we can write, made if it does not exist."""
    from tally_app.errors import InputError

    if out.is_symlink():
        raise InputError("out_symlink", f"{out} is a symbolic link; give a real folder for --out.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            "out_unusable",
            f"{out} cannot be used as the output folder ({exc.strerror or 'error'}); give a "
            "folder that can be created and written.",
        ) from None
    import os

    if not out.is_dir() or not os.access(out, os.W_OK | os.X_OK):
        raise InputError(
            "out_unusable", f"{out} is not a writable folder; give a folder that can be written."
        )


def _summary(aggregation: Aggregation, out: TextIO) -> None:
    """The readable form: every bundle's fate, the missing precincts and the totals."""
    for b in aggregation.bundles:
        what = printable(", ".join(b.precinct_ids) or "?")
        test = " TEST" if b.is_test else ""
        out.write(f"{b.disposition.value.upper()}{test} {printable(b.path)} (precinct {what})\n")
        if b.reason:
            out.write(f"  {printable(b.reason)}\n")
        out.writelines(f"  note: {printable(n)}\n" for n in b.notes)
        out.writelines(f"  discrepancy: {printable(d)}\n" for d in b.discrepancies)
    if aggregation.missing:
        out.write(f"Missing ({len(aggregation.missing)}): {', '.join(aggregation.missing)}\n")
    title = printable(aggregation.election_title)
    test = "TEST " if aggregation.is_test else ""
    out.write(
        f"{test}{title}: {len(aggregation.reporting)} of "
        f"{count(aggregation.precincts_total, 'precinct')} reporting.\n"
    )
    for contest in aggregation.contests:
        out.write(
            f"{printable(contest.name)}: {contest.ballots} ballots, {contest.overvotes} "
            f"overvotes, {contest.undervotes} undervotes\n"
        )
        width = max((len(printable(s.name)) for s in contest.selections), default=0)
        for s in contest.selections:
            out.write(f"  {printable(s.name):<{width}}  {s.votes:>9,}\n")


def _cmd_aggregate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tally_app import service
    from tally_app.aggregate.outputs import json_report
    from tally_app.errors import InputError, TallyError

    try:
        roots = service.load_trust_roots(args.trust)
        definition = (
            service.load_definition(args.election)
            if args.election is not None
            else service.default_definition()
        )
        _usable_out(args.out)
        identity = signing_identity(args.identity, args.passphrase_file)
    except InputError as exc:
        err.write(f"{PROG}: {exc.message}\n")
        return EXIT_USAGE

    live = err.isatty()
    shown = [0]

    def progress(done: int, total: int) -> None:
        # At a terminal one line counts up; in a log, a line each tenth of the way.
        if live:
            err.write(f"\r{PROG}: verifying bundles: {done} of {total}")
            err.write("\n" if done == total else "")
        elif done == total or done - shown[0] >= max(1, total // 10):
            shown[0] = done
            err.write(f"{PROG}: verifying bundles: {done} of {total}\n")
        err.flush()

    try:
        aggregation = service.aggregate(
            args.paths, definition, roots, allow_test=args.test, progress=progress
        )
    except InputError as exc:  # a PATH that is not there or cannot be read
        err.write(f"{PROG}: {exc.message}\n")
        return EXIT_USAGE
    try:
        written = service.write_aggregate_outputs(aggregation, args.out, identity)
    except OSError as exc:
        err.write(
            f"{PROG}: the outputs cannot be written to {args.out} ({exc.strerror or 'error'}); "
            "give a folder that can be written.\n"
        )
        return EXIT_USAGE
    except TallyError as exc:
        err.write(f"{PROG}: {exc.message}\n")
        return EXIT_USAGE
    if args.json:
        json.dump(json_report(aggregation), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        _summary(aggregation, out)
    for warning in aggregation.warnings:
        err.write(f"{PROG}: warning: {printable(warning)}\n")
    if not aggregation.bundles:
        err.write(
            f"{PROG}: no results bundle (a folder with a results.json) was found under "
            f"{', '.join(str(p) for p in args.paths)}; check the path.\n"
        )
    rejected = len(aggregation.rejected)
    conflicts = sum(1 for b in aggregation.bundles if b.disposition.value == "conflict")
    err.write(
        f"{PROG}: {count(len(aggregation.bundles), 'bundle')} checked, {rejected} rejected, "
        f"{conflicts} in conflict; {len(aggregation.reporting)} of "
        f"{aggregation.precincts_total} precincts reporting; wrote "
        f"{', '.join(p.name for p in written)} to {args.out}"
        + (
            ""
            if identity.county_issued
            else " (certification signed by a device that is not county-issued)"
        )
        + ".\n"
    )
    complete = aggregation.bundles and aggregation.all_accepted and not aggregation.warnings
    return EXIT_OK if complete else EXIT_INVALID
