"""Floor: Qt start-up to first paint (copied unchanged from shared/floors/).

Start QApplication, show a QMainWindow whose central widget is a 20-row x 4-col
QTableWidget, run the event loop until the window is exposed AND the table's
viewport has finished its first paint, then quit.  Whole-process time is the
figure; the in-process split is printed to stdout for information.
Platform: whatever QT_QPA_PLATFORM says (offscreen for the floor).
"""

import time

T0 = time.perf_counter()
import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableWidget, QTableWidgetItem

T_IMPORT = time.perf_counter()


class FirstPaint(QObject):
    def __init__(self, app, win):
        super().__init__()
        self.app, self.win, self.done = app, win, False

    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Paint and not self.done:
            handle = self.win.windowHandle()
            if handle is not None and handle.isExposed():
                self.done = True
                # quit after this paint event has been fully processed/flushed
                QTimer.singleShot(0, self.app.quit)
        return False


def main():
    app = QApplication(sys.argv)
    win = QMainWindow()
    win.setWindowTitle("Tally")
    table = QTableWidget(20, 4)
    table.setHorizontalHeaderLabels(["Precinct", "Contest", "Candidate", "Votes"])
    for r in range(20):
        for c, v in enumerate((f"P-{r:03d}", "Mayor", f"Candidate {r % 3}", str(100 + r))):
            table.setItem(r, c, QTableWidgetItem(v))
    win.setCentralWidget(table)
    win.resize(800, 600)
    fp = FirstPaint(app, win)
    table.viewport().installEventFilter(fp)
    QTimer.singleShot(10_000, app.quit)  # safety net: never hang
    win.show()
    t_show = time.perf_counter()
    app.exec()
    t_end = time.perf_counter()
    print(
        f"platform={app.platformName()} painted={fp.done} import={T_IMPORT - T0:.3f}s "
        f"setup={t_show - T_IMPORT:.3f}s show->paint={t_end - t_show:.3f}s total={t_end - T0:.3f}s"
    )
    return 0 if fp.done else 1


if __name__ == "__main__":
    sys.exit(main())
