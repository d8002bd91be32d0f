"""Shared test set-up.

Qt tests run without a display: the offscreen platform is set before anything imports Qt.
Tests that need a real X server start Xvfb themselves.
"""

from __future__ import annotations

import os
from pathlib import Path

# A 1366×768 precinct laptop at 96 dpi (usability.md Part C), without a display.
_SCREEN = Path(__file__).resolve().parent / "offscreen-1366x768.json"
os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={_SCREEN}")

import pytest  # noqa: E402 - the environment must be set before Qt can be imported

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def qapp(qapp_args: list[str], qapp_cls: type, pytestconfig: pytest.Config):  # type: ignore[no-untyped-def]
    """pytest-qt's application, with the app's own theme and type size, as users see it."""
    from PySide6.QtWidgets import QApplication

    from ui import theme

    global _APP
    app = QApplication.instance() or qapp_cls(qapp_args)
    _APP = app  # keep it alive for the whole session
    theme.apply(app, theme.DEFAULT, 1.0)
    return app


_APP = None


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's shared/ folder (real election data, NIST schemas), or skip."""
    if not SHARED.is_dir():
        pytest.skip(f"the shared folder {SHARED} is not beside the checkout")
    return SHARED
