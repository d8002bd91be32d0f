"""Benchmark: loading the embedded 195-precinct default definition.

    python bench/bench_definition.py [--n 50]

In-process: the full loader (bounded read, strict JSON parse, JSON Schema and semantic checks,
building the immutable definition, SHA-256), and the trusted path the app uses for its own
embedded files and for definitions already stored in a precinct file (no JSON Schema pass),
against the floor of ``json.loads`` of the same bytes. Whole process: ``tally-app definition check`` on the file against
``python -c 'import json; json.load(...)'``, timed with wall clock over several runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from importlib.resources import as_file, files


def timed(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--runs", type=int, default=7, help="whole-process runs per side")
    args = parser.parse_args()
    from tally_app.definition.loader import load_definition_bytes, load_trusted_bytes

    resource = files("resources") / "elections" / "ca34-2017-06-06-general.json"
    with as_file(resource) as path:
        data = path.read_bytes()
        result = load_definition_bytes(data)
        assert result.definition is not None and len(result.definition.precincts) == 195
        floor = timed(lambda: json.loads(data), args.n)
        app = timed(lambda: load_definition_bytes(data), args.n)
        trusted = timed(lambda: load_trusted_bytes(data), args.n)
        f_ms = statistics.median(floor) * 1000
        for name, lat in (("full loader", app), ("trusted loader", trusted)):
            ms = statistics.median(lat) * 1000
            print(
                f"in-process: {name} {ms:.2f} ms vs floor json.loads {f_ms:.2f} ms, "
                f"ratio {ms / f_ms:.0f}"
            )
        tally = shutil.which("tally-app")
        commands = {
            "floor": [sys.executable, "-c", f"import json; json.load(open({str(path)!r}, 'rb'))"],
            "app": [
                tally or sys.executable,
                *([] if tally else ["-m", "tally_app"]),
                "definition",
                "check",
                str(path),
            ],
        }
        walls: dict[str, list[float]] = {}
        for name, cmd in commands.items():
            subprocess.run(cmd, check=True, capture_output=True)  # warm the caches
            walls[name] = []
            for _ in range(args.runs):
                t = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True)
                walls[name].append(time.perf_counter() - t)
        f, a = statistics.median(walls["floor"]), statistics.median(walls["app"])
        print(
            f"whole process: floor {f * 1000:.0f} ms, tally-app definition check {a * 1000:.0f} ms, "
            f"ratio {a / f:.1f}"
        )


if __name__ == "__main__":
    main()
