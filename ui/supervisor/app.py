"""Start the Supervisor window (``tally-app supervisor``)."""

from __future__ import annotations

from pathlib import Path

from ui.app import run_window
from ui.main_window import data_dir_or_default
from ui.supervisor.window import SupervisorWindow


def run_supervisor(data_dir: Path | None = None) -> int:
    return run_window(lambda: SupervisorWindow(data_dir_or_default(data_dir)))
