"""``tally-app verify PATH... [--trust CA.pem] [--json]``: check results bundles (DESIGN §10, §12).

A PATH is a bundle (any folder with a ``results.json``) or a folder searched for bundles.
Each bundle is valid or not; every failure is one sentence. TEST bundles are valid and said
to be TEST. Exit 0 only if at least one bundle was found and every one is valid.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tally_app.commands.base import EXIT_INVALID, EXIT_OK, EXIT_USAGE, PROG, count
from tally_app.printable import printable

if TYPE_CHECKING:
    from cryptography import x509

    from tally_app.verify.bundle_check import BundleReport


def add(sub: Any) -> None:
    verify = sub.add_parser(
        "verify",
        help="check results bundles: files, signatures, schema, arithmetic",
        description=(
            "Check results bundles: the NIST schema and references of results.json, its "
            "arithmetic, the manifest's hashes and sizes, both signatures and (with --trust) "
            "the chain to the county CA. Exit 0 if every bundle found is valid, 1 if any is "
            "invalid, none is found or a folder could not be searched, 2 for a usage error."
        ),
    )
    verify.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="a bundle, or a folder to search"
    )
    verify.add_argument(
        "--trust",
        type=Path,
        metavar="CA.pem",
        help="the county CA certificate; without it signatures are checked but not their signer",
    )
    verify.add_argument(
        "--json",
        action="store_true",
        help=(
            'print only JSON: {"valid": bool, "bundles": [{"path", "valid", "test", "status", '
            '"election_id", "precinct_ids", "device_id", "signer", "county_issued", "trusted", '
            '"fingerprint", "fingerprint_checked", "results_sha256", "problems", "notes"}]}, '
            "sorted by path"
        ),
    )
    verify.set_defaults(handler=_cmd_verify)


def _as_json(report: BundleReport) -> dict[str, Any]:
    return {
        "path": str(report.path),
        "valid": report.valid,
        "test": report.is_test,
        "status": report.status,
        "election_id": report.election_id,
        "precinct_ids": list(report.precinct_ids),
        "device_id": report.device_id,
        "signer": report.signer,
        "county_issued": report.county_issued,
        "trusted": report.trusted,
        "fingerprint": report.fingerprint,
        "fingerprint_checked": report.fingerprint_checked,
        "results_sha256": report.results_sha256,
        "problems": list(report.problems),
        "notes": list(report.notes),
    }


def _line(report: BundleReport) -> str:
    """One line per bundle; every value from the drive printed with its control characters
    escaped, so that a folder or certificate name cannot forge a line."""
    what = printable(", ".join(report.precinct_ids) or "?")
    test = " TEST" if report.is_test else ""
    path = printable(report.path)
    if not report.valid:
        return f"INVALID{test} {path} (precinct {what})"
    signer = f"signed by {printable(report.signer)}" + (" (trusted)" if report.trusted else "")
    return (
        f"VALID{test} {path}: precinct {what} of {printable(report.election_id)}, "
        f"{printable(report.status)}, {signer}, results SHA-256 {report.results_sha256}"
    )


def _cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tally_app import service
    from tally_app.errors import InputError

    roots: tuple[x509.Certificate, ...] = ()
    if args.trust is not None:
        try:
            roots = service.load_trust_roots(args.trust)
        except InputError as exc:
            err.write(f"{PROG}: {exc.message}\n")
            return EXIT_USAGE
    found, warnings = service.verify_paths(args.paths, roots)
    reports = sorted(found, key=lambda r: str(r.path))
    valid = bool(reports) and all(r.valid for r in reports) and not warnings
    if args.json:
        json.dump({"valid": valid, "bundles": [_as_json(r) for r in reports]}, out, indent=2)
        out.write("\n")
    else:
        for report in reports:
            out.write(_line(report) + "\n")
            out.writelines(f"  problem: {printable(p)}\n" for p in report.problems)
            out.writelines(f"  note: {printable(n)}\n" for n in report.notes)
    for warning in warnings:  # a folder not searched: a bundle in it was not seen
        err.write(f"{PROG}: warning: {printable(warning)}\n")
    if not reports:
        err.write(
            f"{PROG}: no results bundle (a folder with a results.json) was found under "
            f"{', '.join(str(p) for p in args.paths)}; check the path.\n"
        )
    else:
        bad = sum(not r.valid for r in reports)
        err.write(
            f"{PROG}: {count(len(reports), 'bundle')} checked, "
            + (f"{bad} invalid.\n" if bad else "all valid.\n")
        )
    return EXIT_OK if valid else EXIT_INVALID
