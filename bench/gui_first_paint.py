"""The app's side of the start-up benchmark: `tally-app` to its first painted window.

Builds the real poll-worker window exactly as ``tally-app`` does (ui.app.make_window on the
embedded default election), runs the event loop until the window is exposed and its page
has painted, then quits — the same end point as bench/floors/floor_qt_start.py.

    python bench/gui_first_paint.py DATA_DIR [--resume-contest]

With ``--resume-contest`` the data folder already holds a precinct of the 23-candidate
primary left on its contest page, so the first window is that page (the resume path).
"""

import time

T0 = time.perf_counter()
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

T_IMPORT = time.perf_counter()


class FirstPaint(QObject):
    def __init__(self, app: QApplication, window: object, wait_for_resume: bool) -> None:
        super().__init__()
        self.app, self.window, self.done = app, window, False
        self.wait_for_resume = wait_for_resume

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if ev.type() == QEvent.Type.Paint and not self.done:
            handle = self.window.windowHandle()  # type: ignore[attr-defined]
            resumed = self.window.index >= 0  # type: ignore[attr-defined]
            if handle is not None and handle.isExposed() and (resumed or not self.wait_for_resume):
                self.done = True
                QTimer.singleShot(0, self.app.quit)
        return False


def main() -> int:
    data_dir = Path(sys.argv[1])
    resume = "--resume-contest" in sys.argv
    app = QApplication(sys.argv[:1])
    from ui import theme
    from ui.app import make_window

    theme.apply(app, theme.DEFAULT, 1.0)
    window = make_window(None, data_dir)  # resumes the precinct noted in the data folder
    window.resize(1280, 720)
    first = FirstPaint(app, window, resume)
    app.installEventFilter(first)
    QTimer.singleShot(10_000, app.quit)
    window.show()
    t_show = time.perf_counter()
    app.exec()
    t_end = time.perf_counter()
    heavy = [m for m in ("sqlite_utils", "jsonschema", "reportlab", "pyhanko") if m in sys.modules]
    print(
        f"painted={first.done} import={T_IMPORT - T0:.3f}s show->paint={t_end - t_show:.3f}s "
        f"total={t_end - T0:.3f}s page={window.current().key} heavy_imports={','.join(heavy) or '-'}"
    )
    return 0 if first.done else 1


if __name__ == "__main__":
    sys.exit(main())
