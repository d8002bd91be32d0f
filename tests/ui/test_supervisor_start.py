"""`tally-app supervisor` and the start page's button open the Supervisor window."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from tally_app import service
from tally_app.cli import main
from ui.context import AppContext
from ui.pages.start import StartPage
from ui.supervisor.window import SupervisorWindow

REPO = Path(__file__).resolve().parents[2]


def test_the_command_runs_the_supervisor_window(tmp_path: Path) -> None:
    seen: list[argparse.Namespace] = []

    def runner(args: argparse.Namespace) -> int:
        seen.append(args)
        return 0

    code = main(["supervisor", "--data-dir", str(tmp_path)], windows={"supervisor": runner})
    assert code == 0
    (args,) = seen
    assert args.window == "supervisor"
    assert args.data_dir == tmp_path


def test_without_windows_the_command_says_where_it_starts(capsys: Any) -> None:
    assert main(["supervisor"], windows={}) == 2
    assert "windows start from" in capsys.readouterr().err


def test_tally_app_supervisor_starts_a_real_window(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TALLY_READY_FILE": str(ready)}
    app = subprocess.Popen(
        [sys.executable, "-m", "ui.entry", "supervisor", "--data-dir", str(tmp_path / "data")],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and app.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), app.communicate()[1] if app.poll() is not None else "timed out"
        assert ready.read_text().split() == ["offscreen", "True"]
        assert app.poll() is None, "the window should stay open"
    finally:
        app.terminate()
        _, err = app.communicate(timeout=20)
    assert "Traceback" not in err


def test_the_start_page_opens_the_supervisor_window(qtbot: Any, tmp_path: Path) -> None:
    ctx = AppContext(tmp_path / "data", service.default_definition())
    page = StartPage(ctx)
    qtbot.addWidget(page)
    page.show()
    assert page.supervisor.accessibleName() == "Supervisor: verify and add up results"
    page.supervisor.setFocus()
    qtbot.keyClick(page.supervisor, Qt.Key.Key_Space)
    window = page.supervisor_window
    assert isinstance(window, SupervisorWindow)
    qtbot.addWidget(window)
    assert window.isVisible()
    assert window.ctx.data_dir == tmp_path / "data"
    assert page.open_supervisor() is window  # pressed again: the same window, brought forward
