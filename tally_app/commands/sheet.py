"""``tally-app sheet``: the paper (DESIGN §8, issue 5).

    sheet blank [--election FILE] [--precinct ID] --out FILE.pdf [--test]
    sheet print --db PRECINCT_FILE --out FILE.pdf [--identity FILE.p12 --passphrase-file F]

``blank`` makes the hand-count tally sheets for tally keepers A and B. ``print`` reprints a
finalized precinct's signed tally sheet and certificate from its precinct file; without
``--identity`` it signs with a throw-away self-signed identity, marked "not county-issued".
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from tally_app.commands.base import (
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    Parser,
    add_identity_arguments,
    signing_identity,
)


def add(sub: Any) -> None:
    sheet = sub.add_parser(
        "sheet",
        help="make blank hand-count sheets, or reprint a precinct's signed tally sheet",
        description="The paper: blank hand-count tally sheets and the signed tally sheet.",
    )
    actions = sheet.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    actions.required = True
    blank = actions.add_parser(
        "blank",
        help="blank hand-count tally sheets for tally keepers A and B",
        description=(
            "Blank hand-count tally sheets for tally keepers A and B: per contest, candidates "
            "in ballot order, tally boxes in groups of five, checkpoints every 25."
        ),
    )
    blank.add_argument(
        "--election",
        type=Path,
        metavar="FILE",
        help="election definition (default: the embedded CA-34 June 6, 2017 election)",
    )
    blank.add_argument("--precinct", metavar="ID", help="print the precinct on the sheets")
    blank.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="file to write")
    blank.add_argument("--test", action="store_true", help="mark every page TEST")
    blank.set_defaults(handler=_cmd_blank)

    reprint = actions.add_parser(
        "print",
        help="reprint a finalized precinct's signed tally sheet and certificate",
        description=(
            "Reprint the signed tally sheet and certificate of performance of a finalized "
            "precinct from its precinct file. Without --identity it is signed with a throw-away "
            "self-signed identity and says 'not county-issued'."
        ),
    )
    reprint.add_argument(
        "--db", type=Path, required=True, metavar="PRECINCT_FILE", help="the precinct's .sqlite"
    )
    reprint.add_argument(
        "--out", type=Path, required=True, metavar="FILE.pdf", help="file to write"
    )
    add_identity_arguments(reprint, "the tally sheet")
    reprint.set_defaults(handler=_cmd_print)


def _check_out(out: Path) -> None:
    """--out must be a new or plain file in a folder that exists (a usage error otherwise)."""
    from tally_app.errors import InputError

    try:
        unusable = out.is_symlink() or (out.exists() and not out.is_file())
        folder_missing = not out.parent.is_dir()
    except OSError as exc:
        raise InputError(
            "out_unusable", f"{out} cannot be used ({exc.strerror or 'error'}); give another name."
        ) from None
    if unusable:
        raise InputError("out_not_file", f"{out} is not a plain file; give a new file name.")
    if folder_missing:
        raise InputError("out_no_folder", f"The folder of {out} does not exist; create it first.")


def _write(out: Path, data: bytes) -> None:
    from tally_app.atomic_file import write_atomically
    from tally_app.errors import InputError

    try:
        write_atomically(out, data)
    except OSError as exc:
        raise InputError(
            "out_unwritable",
            f"{out} cannot be written ({exc.strerror or 'error'}); choose another place.",
        ) from None


def _cmd_blank(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tally_app import service
    from tally_app.errors import InputError

    try:
        definition = (
            service.load_definition(args.election)
            if args.election is not None
            else service.default_definition()
        )
        if args.precinct is not None and args.precinct not in {p.id for p in definition.precincts}:
            raise InputError(
                "unknown_precinct",
                f"Precinct {args.precinct!r} is not in {definition.title}; check the id.",
            )
        _check_out(args.out)
    except InputError as exc:
        err.write(f"{PROG}: {exc.message}\n")
        return EXIT_USAGE
    data = service.blank_sheets_pdf(definition, args.precinct, is_test=args.test)
    _write(args.out, data)
    out.write(f"{args.out}: blank tally sheets for {definition.title}\n")
    return EXIT_OK


def _cmd_print(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tally_app import service
    from tally_app.audit.events import Actor
    from tally_app.errors import InputError

    try:
        identity = signing_identity(args.identity, args.passphrase_file)
        if not args.db.is_file() or args.db.is_symlink():
            raise InputError("db_missing", f"{args.db} is not a precinct file; check the path.")
        _check_out(args.out)
    except InputError as exc:
        err.write(f"{PROG}: {exc.message}\n")
        return EXIT_USAGE
    with service.open_precinct(args.db) as session:
        data = service.tally_sheet_pdf(session, identity)
        _write(args.out, data)
        service.record_printed(
            session,
            Actor("tally-app sheet print", "operator"),
            "tally sheet",
            copies=1,
            target="file",
        )
    county = "" if identity.county_issued else " (not county-issued)"
    out.write(
        f"{args.out}: tally sheet of precinct {session.precinct.id}, signed by "
        f"{identity.device_id}{county}\n"
    )
    return EXIT_OK
