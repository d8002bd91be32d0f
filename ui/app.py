"""Start the poll-worker window (``tally-app`` and ``tally-app gui``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from ui import theme
from ui.context import AppContext
from ui.main_window import MainWindow, data_dir_or_default


def make_window(election: Path | None, data_dir: Path | None) -> MainWindow:
    """The window on ``election`` (default: the embedded default election)."""
    from tally_app import service

    definition = None
    problems = None
    data_dir = data_dir_or_default(data_dir)
    if election is None:
        # The default election, or the built-in election of the precinct in use before a
        # restart, so that `tally-app` after a crash reopens the same precinct and page.
        definition = service.resume_definition(data_dir)
    else:
        result = service.load_definition_result(election)
        definition = result.definition
        problems = result.problems
    ctx = AppContext(data_dir, definition)
    window = MainWindow(ctx)
    if problems:
        from ui.election_files import definition_problems

        assert election is not None
        window.show_problem(definition_problems(Path(election), problems))
    return window


def run_window(make: Callable[[], QMainWindow]) -> int:
    """Start Qt with the default theme, show the window ``make`` builds, run until it closes.

    Shared by the poll-worker and the Supervisor window (``ui.supervisor.app``).
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Precinct Tally")
    app.setOrganizationName("Precinct Tally")
    theme.apply(app, theme.DEFAULT, 1.0)
    window = make()
    window.resize(1280, 720)
    window.show()
    ready_file = os.environ.get("TALLY_READY_FILE")
    if ready_file:
        # For the start-up benchmark and the real-window tests: say when the window is up.
        def ready() -> None:
            Path(ready_file).write_text(f"{app.platformName()} {window.isVisible()}\n")

        QTimer.singleShot(0, ready)
    return app.exec()


def run_poll_worker(election: Path | None = None, data_dir: Path | None = None) -> int:
    return run_window(lambda: make_window(election, data_dir))
