"""Shared test set-up.

Qt tests run without a display: the offscreen platform is set before anything imports Qt.
Tests that need a real X server start Xvfb themselves.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402 - the environment must be set before Qt can be imported

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's shared/ folder (real election data, NIST schemas), or skip."""
    if not SHARED.is_dir():
        pytest.skip(f"the shared folder {SHARED} is not beside the checkout")
    return SHARED
