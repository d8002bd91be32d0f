"""`tally-app` as a real window on an X server (Xvfb), on the xcb platform."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def xvfb_display() -> str:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (Debian package xvfb)")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        server.kill()
        pytest.skip("Xvfb did not start")
    yield f":{number}"
    server.terminate()
    server.wait(10)


def test_tally_app_opens_a_real_window_on_xcb(tmp_path: Path, xvfb_display: str) -> None:
    ready = tmp_path / "ready"
    env = {
        **os.environ,
        "DISPLAY": xvfb_display,
        "QT_QPA_PLATFORM": "xcb",
        "TALLY_READY_FILE": str(ready),
    }
    script = shutil.which("tally-app", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "ui.entry"]
    app = subprocess.Popen(
        [*command, "gui", "--data-dir", str(tmp_path / "data")],
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
        assert ready.exists(), app.stderr.read() if app.poll() is not None else "timed out"
        platform, visible = ready.read_text().split()
        assert (platform, visible) == ("xcb", "True")
        assert app.poll() is None, "the window should stay open"
    finally:
        app.terminate()
        _, err = app.communicate(timeout=20)
    assert "Traceback" not in err
