"""Benchmarks of the poll-worker window (DESIGN §14), against the bare PySide6 floor.

    python bench/bench_gui.py [--runs 9] [--keys 400]

1. Start to first usable window, whole process, median wall time: ``gui_first_paint.py`` (the
   real window on the embedded default election) vs ``floors/floor_qt_start.py`` (a bare
   QMainWindow with a 20-row table). Target ≤ 1.5 ×. Also the resume path (a 23-candidate
   primary precinct reopened on its contest page).
2. Peak memory (max RSS of the process) of the same runs. Target ≤ 1.5 × the floor.
3. Keystroke → saved + checks redrawn, in process, on the 23-candidate primary contest: the
   time of the Enter key in a count field (commit through the facade to disk with its audit
   row, then the page's equations and findings redrawn), p99 over ``--keys`` commits.
   Target ≤ 16 ms.
All offscreen (QT_QPA_PLATFORM=offscreen), as the floors were measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def run(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB, and stdout of one whole process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd} failed: {err}")
    return wall, usage.ru_maxrss / 1024, out.strip()


def prepare_resume(data_dir: Path) -> None:
    """A primary precinct left on its contest page, as after a crash."""
    from tally_app import service
    from tally_app.audit.events import Actor

    primary = next(d for d in service.embedded_definitions() if d.id == "ca34-2017-04-04")
    with service.start_precinct(
        data_dir, primary, primary.precincts[0].id, actor=Actor("B", "board")
    ) as s:
        s.store.set_resume_page(f"contest:A:{s.contests[0].id}")
    service.remember_last_precinct(data_dir, primary.id, primary.precincts[0].id)


def startup(runs: int) -> None:
    floor_cmd = [sys.executable, str(HERE / "floors" / "floor_qt_start.py")]
    with tempfile.TemporaryDirectory() as fresh, tempfile.TemporaryDirectory() as resumed:
        prepare_resume(Path(resumed))
        sides = {
            "floor (bare window, 20-row table)": floor_cmd,
            "app: start window, default election": [
                sys.executable,
                str(HERE / "gui_first_paint.py"),
                fresh,
            ],
            "app: resumed 23-candidate contest page": [
                sys.executable,
                str(HERE / "gui_first_paint.py"),
                resumed,
                "--resume-contest",
            ],
        }
        results: dict[str, tuple[float, float]] = {}
        for name, cmd in sides.items():
            run(cmd)  # warm the file cache
            walls, rss = [], []
            last = ""
            for _ in range(runs):
                wall, mem, last = run(cmd)
                walls.append(wall)
                rss.append(mem)
            results[name] = (statistics.median(walls), statistics.median(rss))
            print(
                f"{name}: {results[name][0] * 1000:.0f} ms, peak {results[name][1]:.0f} MiB  [{last}]"
            )
        floor_wall, floor_rss = results["floor (bare window, 20-row table)"]
        for name, (wall, rss) in results.items():
            if name.startswith("app"):
                print(
                    f"  {name}: time ratio {wall / floor_wall:.2f} (target ≤ 1.5), "
                    f"memory ratio {rss / floor_rss:.2f} (target ≤ 1.5)"
                )


def keystrokes(n: int) -> None:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from tally_app import service
    from ui import theme
    from ui.context import AppContext
    from ui.main_window import MainWindow
    from ui.widgets import CountField

    app = QApplication.instance() or QApplication([])
    theme.apply(app, theme.DEFAULT, 1.0)
    primary = next(d for d in service.embedded_definitions() if d.id == "ca34-2017-04-04")
    with tempfile.TemporaryDirectory() as tmp:
        ctx = AppContext(Path(tmp), primary)
        window = MainWindow(ctx, resume=False)
        window.show()
        window.open_precinct(primary.precincts[0].id)
        window.go_to_key(f"contest:A:{primary.contests[0].id}")
        app.processEvents()
        fields = [f for f in window.current().findChildren(CountField) if f.isVisible()]
        saves: list[str] = []
        ctx.saved.connect(saves.append)
        lat = []
        for i in range(n):
            field = fields[i % len(fields)]
            field.setFocus()
            field.setText(str(i + 1))
            t = time.perf_counter()
            QTest.keyClick(field, Qt.Key.Key_Return)
            lat.append(time.perf_counter() - t)
        app.processEvents()
        assert len(saves) == n, (len(saves), n)
        lat.sort()
        print(
            f"keystroke → saved + checks redrawn ({len(fields)} fields on the page, n={n}): "
            f"median {statistics.median(lat) * 1000:.2f} ms, p99 {lat[int(0.99 * n) - 1] * 1000:.2f} ms "
            f"(target p99 ≤ 16 ms)"
        )
        window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--keys", type=int, default=400)
    args = parser.parse_args()
    startup(args.runs)
    keystrokes(args.keys)


if __name__ == "__main__":
    main()
