"""Drive the real poll-worker window in its own process, for the kill-and-restart test.

    python -m tests.helpers.gui_driver type DATA_DIR     # open precinct 0850001A, go to the
        ballot accounting page, type counts into its fields one by one, forever; print
        "SAVED <field index> <value>" each time the window reports the entry saved
    python -m tests.helpers.gui_driver show DATA_DIR     # start the window as after a crash;
        print "PAGE <key>" and "FIELD <index> <text>" for each count field it shows

The window is the real one (ui.app.make_window) on the offscreen platform; keys go through
QTest, as a worker's would.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from ui import theme
from ui.app import make_window
from ui.widgets import CountField

PRECINCT = "0850001A"


def fields(window: object) -> list[CountField]:
    page = window.current()  # type: ignore[attr-defined]
    return [f for f in page.findChildren(CountField) if f.isVisible()]


def settle(app: QApplication, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()


def type_forever(app: QApplication, data_dir: Path) -> None:
    window = make_window(None, data_dir)
    window.show()
    settle(app)
    if window.ctx.session is None:  # first run: choose the precinct by keyboard
        QTest.keyClicks(window.start.search, PRECINCT)
        QTest.keyClick(window.start.search, Qt.Key.Key_Return)
        settle(app)
    window.go_to_key("accounting")
    settle(app)
    saved: list[str] = []
    window.ctx.saved.connect(saved.append)
    value = int(os.environ.get("GUI_DRIVER_START", "1"))
    while True:
        boxes = fields(window)
        for index, box in enumerate(boxes):
            box.setFocus(Qt.FocusReason.TabFocusReason)
            QTest.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            before = len(saved)
            QTest.keyClicks(box, str(value))
            QTest.keyClick(box, Qt.Key.Key_Return)
            settle(app, 2)
            if len(saved) > before:
                sys.stdout.write(f"SAVED {index} {value}\n")
                sys.stdout.flush()
            value += 1


def show(app: QApplication, data_dir: Path) -> None:
    window = make_window(None, data_dir)
    window.show()
    settle(app, 20)  # the window resumes the last precinct after its first paint
    page = window.current()
    print(f"PAGE {page.key}")
    for index, box in enumerate(fields(window)):
        print(f"FIELD {index} {box.text()}")
    window.close()


def main() -> None:
    mode, data_dir = sys.argv[1], Path(sys.argv[2])
    app = QApplication(sys.argv[:1])
    theme.apply(app, theme.DEFAULT, 1.0)
    {"type": type_forever, "show": show}[mode](app, data_dir)


if __name__ == "__main__":
    main()
