"""The command line (DESIGN §12): ``tally-app``.

Every command goes through `tally_app.service`. Each command is one ``_add_<name>`` (its
arguments) and one ``_cmd_<name>`` (what it does, returning the exit code), joined in
`_COMMANDS`; a new command adds one pair and one line there.

Exit codes: 0 success, 1 the input is invalid (every problem listed), 2 usage error,
70 internal error (a bug; set ``TALLY_DEBUG=1`` to see the traceback). Errors are one sentence
on stderr, never a traceback. With ``--json``, stdout holds only JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from tally_app.commands import aggregate, keys, sheet, test_deck, verify
from tally_app.commands.base import (
    EXIT_INTERNAL,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    count,
)
from tally_app.commands.base import Parser as _Parser

# --- tally-app definition check ----------------------------------------------------------


def _add_definition(sub: Any) -> None:
    definition = sub.add_parser(
        "definition",
        help="work with election definition files",
        description="Work with election definition files.",
    )
    actions = definition.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    actions.required = True
    check = actions.add_parser(
        "check",
        help="check definition files and list every problem",
        description=(
            "Check election definition files (our JSON format or a NIST ERR CDF v2 pre-election "
            "report). Prints a one-line summary for each valid file and every problem of each "
            "invalid one, on stdout, in the order the files are given. Exit 0 if all are valid, "
            "1 if any is invalid, 2 for a usage error."
        ),
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="definition file(s) to check")
    check.add_argument(
        "--json",
        action="store_true",
        help=(
            'print only JSON: {"files": [{"path", "valid", "fingerprint", "election_id", '
            '"problems": [{"path", "code", "message"}]}]}, files in the order given'
        ),
    )
    check.set_defaults(handler=_cmd_definition_check)


def _cmd_definition_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tally_app import service

    reports: list[dict[str, Any]] = []
    for path in args.files:
        result = service.load_definition_result(path)
        d = result.definition
        reports.append(
            {
                "path": path,
                "valid": d is not None,
                "fingerprint": d.fingerprint if d else None,
                "election_id": d.id if d else None,
                "problems": [
                    {"path": p.path, "code": p.code, "message": p.message} for p in result.problems
                ],
            }
        )
        if args.json:
            continue
        if d is not None:
            out.write(
                f'{path}: valid — {d.id} "{d.title}", {count(len(d.precincts), "precinct")}, '
                f"{count(len(d.contests), 'contest')}, fingerprint {d.fingerprint}\n"
            )
        else:
            out.write(f"{path}: invalid — {count(len(result.problems), 'problem')}:\n")
            out.writelines(f"{path}: {p.path}: {p.message} [{p.code}]\n" for p in result.problems)
    if args.json:
        json.dump({"files": reports}, out, indent=2, ensure_ascii=False)
        out.write("\n")
    return EXIT_OK if all(r["valid"] for r in reports) else EXIT_INVALID


# --- tally-app gui: the windows live in ui/, which the core never imports --------------------

# A window runner takes the parsed arguments and returns the exit code. The console script
# (``ui.entry``) passes them in, so the arrow points ui → tally_app and never back.
WindowRunner = Callable[[argparse.Namespace], int]


def _add_gui(sub: Any) -> None:
    gui = sub.add_parser(
        "gui",
        help="open the poll-worker window (the default when no command is given)",
        description="Open the poll-worker window.",
    )
    gui.add_argument(
        "--election",
        type=Path,
        metavar="FILE",
        help="election definition file (default: the embedded CA-34 June 6, 2017 election)",
    )
    gui.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="folder for the precinct files (default: this user's data folder)",
    )
    gui.set_defaults(handler=_cmd_window, window="gui")


def _add_supervisor(sub: Any) -> None:
    supervisor = sub.add_parser(
        "supervisor",
        help="open the Supervisor window: verify, add up and certify many precincts",
        description="Open the Supervisor window: verify results bundles from drives or "
        "folders, add them up, and print or save the signed certification sheet.",
    )
    supervisor.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="folder for the app's own files (default: this user's data folder)",
    )
    supervisor.set_defaults(handler=_cmd_window, window="supervisor")


def _cmd_window(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    runner = _WINDOWS.get(args.window)
    if runner is None:
        err.write(f"{PROG}: the windows start from the '{PROG}' command, not from here.\n")
        return EXIT_USAGE
    return runner(args)


_WINDOWS: dict[str, WindowRunner] = {}

# --- the parser and the dispatch table -----------------------------------------------------

_COMMANDS: tuple[Callable[[Any], None], ...] = (
    _add_definition,
    _add_gui,
    _add_supervisor,
    keys.add,
    verify.add,
    test_deck.add,
    sheet.add,
    aggregate.add,
)


def build_parser() -> argparse.ArgumentParser:
    from tally_app import __version__

    parser = _Parser(
        prog=PROG,
        description="Precinct Tally: close-of-polls tally, reconciliation and signed results.",
        epilog="Run without a command to start the poll-worker window.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in _COMMANDS:
        add(sub)
    return parser


def _no_command(out: TextIO, err: TextIO) -> int:
    """No command: the poll-worker window on the embedded default election."""
    args = argparse.Namespace(window="gui", election=None, data_dir=None)
    return _cmd_window(args, out, err)


def _tolerant(stream: TextIO) -> None:
    """Never die on a name the terminal's encoding cannot show."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError, TypeError):
            pass


def main(
    argv: Sequence[str] | None = None, *, windows: Mapping[str, WindowRunner] | None = None
) -> int:
    """Run one command; returns the exit code (``raise SystemExit(main())``).

    ``windows`` maps a window name ("gui", ...) to the function that runs it; the console
    script passes them, so that the core itself never imports Qt.
    """
    _WINDOWS.clear()
    _WINDOWS.update(windows or {})
    out, err = sys.stdout, sys.stderr
    _tolerant(out)
    _tolerant(err)
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        except SystemExit as exc:  # --help, --version (0) and usage errors (2)
            return exc.code if isinstance(exc.code, int) else EXIT_USAGE
        handler = getattr(args, "handler", None)
        if handler is None:
            return _no_command(out, err)
        code: int = handler(args, out, err)
        out.flush()
        return code
    except KeyboardInterrupt:
        err.write(f"{PROG}: interrupted.\n")
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, as other command-line tools do.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_INVALID
    except Exception as exc:
        if os.environ.get("TALLY_DEBUG") == "1":
            raise
        from tally_app.errors import TallyError

        if isinstance(exc, TallyError):
            err.write(f"{PROG}: {exc.message}\n")
            return EXIT_INVALID
        err.write(
            f"{PROG}: internal error: {type(exc).__name__}: {str(exc)[:200]}; please report it "
            "(set TALLY_DEBUG=1 for details).\n"
        )
        return EXIT_INTERNAL
