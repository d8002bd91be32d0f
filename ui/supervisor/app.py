"""Start the Supervisor window (``tally-app supervisor``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ui import theme
from ui.main_window import data_dir_or_default
from ui.supervisor.window import SupervisorWindow


def run_supervisor(data_dir: Path | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Precinct Tally")
    app.setOrganizationName("Precinct Tally")
    theme.apply(app, theme.DEFAULT, 1.0)
    window = SupervisorWindow(data_dir_or_default(data_dir))
    window.resize(1280, 720)
    window.show()
    ready_file = os.environ.get("TALLY_READY_FILE")
    if ready_file:
        # For the real-start test: say when the window is up.
        def ready() -> None:
            Path(ready_file).write_text(f"{app.platformName()} {window.isVisible()}\n")

        QTimer.singleShot(0, ready)
    return app.exec()
