"""Benchmark (issue 5, item 8; DESIGN §14): render + sign the tally sheet.

    python bench/bench_documents.py [--rounds 9] [--runs 7]

Target: the CA-34 tally sheet, rendered and signed, ≤ 1.5 × (bare reportlab page + bare
pyHanko signature), also the 23-candidate primary. In-process: `signed_tally_sheet` of a
finalized test-deck precinct against the floors' own work in this process (the one-page
platypus table of ``floors/floor_pdf.py`` and a PAdES signature of it with the same EC P-256
identity). Whole process: ``tally-app sheet print --db … --identity …`` against
``floors/floor_pdf.py`` + ``floors/floor_sign.py`` (each a fresh interpreter, their
times added; the RSA-2048 PKI from ``floors/make_pki.py``, as the floors are given).
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.clock import SystemClock
from tally_app.definition.embedded import embedded_definition
from tally_app.export.bundle import signed_tally_sheet
from tally_app.testdeck.apply import apply_precinct
from tally_app.testdeck.deck import embedded_deck_path, load_deck
from tally_app.trust.authority import create_ca, issue_device

ACTOR = Actor("Bench", "inspector")
PASSPHRASE = b"bench passphrase"
RESULTS_SHA = "0" * 64


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def whole_s(command: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def floor_page() -> bytes:
    """floors/floor_pdf.py's page, built into memory."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(buffer, pagesize=letter, title="Precinct Tally Sheet")
    data = [["Precinct", "Contest", "Candidate", "Votes"]]
    data += [
        ["P-0042", f"Contest {r // 5 + 1}", f"Candidate {r % 5 + 1}", str(r)] for r in range(30)
    ]
    table = Table(data, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
    doc.build([Paragraph("Precinct 0042", styles["Title"]), Spacer(1, 6), table, Spacer(1, inch)])
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-docs-"))
    clock = SystemClock()
    create_ca(tmp / "ca", "Bench County", PASSPHRASE, clock=clock)
    p12 = issue_device(
        tmp / "ca", "laptop-bench", PASSPHRASE, tmp / "d.p12", PASSPHRASE, clock=clock
    )
    (tmp / "pass").write_bytes(PASSPHRASE + b"\n")
    identity = service.load_identity(p12, PASSPHRASE)

    from tally_app.documents.signing import sign_pdf

    floor_in = median_ms(
        lambda: sign_pdf(floor_page(), identity, when=clock.now(), reason="floor"), args.rounds
    )
    rows = []
    stores = {}
    for election_id in ("ca34-2017-06-06", "ca34-2017-04-04"):
        definition = embedded_definition(election_id)
        deck_path = embedded_deck_path(election_id)
        assert deck_path is not None
        precinct = load_deck(deck_path, definition).precincts[0]
        session = service.start_precinct(
            tmp / "stores", definition, precinct.precinct_id, actor=ACTOR, clock=clock
        )
        apply_precinct(session, precinct, ACTOR)
        stores[election_id] = session.path

        def render_and_sign(session=session) -> bytes:  # type: ignore[no-untyped-def]
            return signed_tally_sheet(
                session, identity, when=clock.now(), results_sha256=RESULTS_SHA, is_test=False
            )

        render_and_sign()  # warm: fonts registered, pyHanko imported
        app_in = median_ms(render_and_sign, args.rounds)
        rows.append((f"{election_id} tally sheet, in-process", app_in, floor_in))
        session.close()

    subprocess.run(
        [sys.executable, str(HERE / "floors/make_pki.py"), str(tmp / "pki")],
        check=True,
        capture_output=True,
    )
    floor_pdf = whole_s(
        [sys.executable, str(HERE / "floors/floor_pdf.py"), str(tmp / "f.pdf")], args.runs
    )
    floor_sign = whole_s(
        [
            sys.executable,
            str(HERE / "floors/floor_sign.py"),
            str(tmp / "f.pdf"),
            str(tmp / "fs.pdf"),
            str(tmp / "pki"),
        ],
        args.runs,
    )
    floor_whole = (floor_pdf + floor_sign) * 1000
    for election_id, store in stores.items():
        app_whole = (
            whole_s(
                [
                    sys.executable,
                    "-m",
                    "tally_app",
                    "sheet",
                    "print",
                    "--db",
                    str(store),
                    "--out",
                    str(tmp / f"{election_id}.pdf"),
                    "--identity",
                    str(p12),
                    "--passphrase-file",
                    str(tmp / "pass"),
                ],
                args.runs,
            )
            * 1000
        )
        rows.append((f"{election_id} `sheet print`, whole process", app_whole, floor_whole))

    print(f"{'what':48} {'app ms':>9} {'floor ms':>9} {'ratio':>6}")
    for what, app, floor in rows:
        print(f"{what:48} {app:9.1f} {floor:9.1f} {app / floor:6.2f}")
    print(
        f"(whole-process floor = floor_pdf {floor_pdf * 1000:.0f} ms + floor_sign {floor_sign * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
