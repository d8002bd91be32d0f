"""The ``tally-app`` console script: the core's command line, with the windows plugged in.

Nothing here imports Qt until a window is asked for, so ``tally-app definition check``
starts as fast as the core alone.
"""

from __future__ import annotations

import argparse


def _poll_worker(args: argparse.Namespace) -> int:
    from ui.app import run_poll_worker

    return run_poll_worker(election=args.election, data_dir=args.data_dir)


def _supervisor(args: argparse.Namespace) -> int:
    from ui.supervisor.app import run_supervisor

    return run_supervisor(data_dir=args.data_dir)


WINDOWS = {"gui": _poll_worker, "supervisor": _supervisor}


def main() -> int:
    from tally_app.cli import main as cli_main

    return cli_main(windows=WINDOWS)


if __name__ == "__main__":
    raise SystemExit(main())
