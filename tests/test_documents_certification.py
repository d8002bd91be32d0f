"""The supervisor's certification sheet, read back through ``pdftotext`` (issue 6 item 4).

The aggregations are built by hand (plain dataclasses), so these tests depend only on the
result model: a small one with every disposition (golden text), a 195-precinct one that must
flow over pages with its header on every page, TEST and not-county-issued marks, Unicode
names, byte-identical output, and the render time of 5,000 precincts (printed, not asserted).
Set ``UPDATE_GOLDEN=1`` to rewrite the golden file after a deliberate change, then read the
diff.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tally_app.aggregate.model import (
    Aggregation,
    BundleOutcome,
    ContestTotal,
    Disposition,
    PrecinctRow,
    SelectionTotal,
)
from tally_app.definition.embedded import embedded_definition
from tally_app.documents.certification import CERTIFICATION, certification_pdf

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)

GOLDEN = Path(__file__).parent / "golden"
GENERATED = datetime(2017, 6, 7, 9, 15, tzinfo=UTC)
FINGERPRINT = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
USB = Path("/media/usb")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def text_of(pdf: bytes, tmp_path: Path, *, layout: bool = True) -> str:
    path = tmp_path / "certification.pdf"
    path.write_bytes(pdf)
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def pages_of(pdf: bytes, tmp_path: Path) -> list[str]:
    return text_of(pdf, tmp_path).split("\f")[:-1]


def render(aggregation: Aggregation, **overrides: object) -> bytes:
    args: dict[str, object] = {
        "generated": GENERATED,
        "app_version": "test",
        "device_id": "county-recv-01",
        "county_issued": True,
    }
    args.update(overrides)
    return certification_pdf(aggregation, **args)  # type: ignore[arg-type]


RUNOFF = ContestTotal(
    id="contest-ca34",
    name="United States Representative, 34th District",
    ballots=612,
    overvotes=3,
    undervotes=9,
    selections=(
        SelectionTotal("cand-gomez", "Jimmy Gomez", 358, False),
        SelectionTotal("cand-ahn", "Robert Lee Ahn", 240, False),
        SelectionTotal("wi-1", "Mickey Mouse", 2, True),
    ),
)
MEASURE = ContestTotal(
    id="measure-s",
    name="Measure S — Peña Library Bond",
    ballots=612,
    overvotes=0,
    undervotes=12,
    selections=(
        SelectionTotal("yes", "Yes", 400, False),
        SelectionTotal("no", "No", 200, False),
    ),
)


def small() -> Aggregation:
    """Four precincts: accepted (hand count with a discrepancy, a third-party VBM count, a
    duplicate and a superseded file), rejected, missing and in conflict."""
    hand, vbm = sha("hand 9000001"), sha("vbm 9000001")
    bundles = (
        BundleOutcome(
            USB / "9000001-correction",
            Disposition.ACCEPTED_DISCREPANCY,
            None,
            ("9000001",),
            "manual-count",
            hand,
            "correction",
            fingerprint_checked=True,
            county_issued=True,
            discrepancies=(
                "A1: two more signatures than ballots cast; a voter left with a ballot.",
            ),
        ),
        BundleOutcome(
            USB / "9000001-copy",
            Disposition.DUPLICATE,
            "The same results file as /media/usb/9000001-correction: counted once.",
            ("9000001",),
            "manual-count",
            hand,
        ),
        BundleOutcome(
            USB / "9000001-first",
            Disposition.SUPERSEDED,
            "Replaced by the later correction in /media/usb/9000001-correction.",
            ("9000001",),
            "manual-count",
            sha("first 9000001"),
        ),
        BundleOutcome(
            USB / "9000001-vbm",
            Disposition.ACCEPTED,
            None,
            ("9000001",),
            "vote-by-mail-central",
            vbm,
            fingerprint_checked=False,
        ),
        BundleOutcome(
            USB / "9000002",
            Disposition.REJECTED,
            "The signature does not match results.json: the file was changed after signing.",
            ("9000002",),
        ),
        BundleOutcome(
            USB / "9000004-a",
            Disposition.CONFLICT,
            "Two different results files for precinct 9000004 (manual count): neither is summed.",
            ("9000004",),
            "manual-count",
            sha("a 9000004"),
        ),
        BundleOutcome(
            USB / "9000004-b",
            Disposition.CONFLICT,
            "Two different results files for precinct 9000004 (manual count): neither is summed.",
            ("9000004",),
            "manual-count",
            sha("b 9000004"),
        ),
    )
    return Aggregation(
        election_id="ca34-2017-06-06",
        election_title="Special Runoff — U.S. Representative, 34th District",
        definition_fingerprint=FINGERPRINT,
        precincts_total=4,
        reporting=("9000001",),
        missing=("9000003",),
        bundles=bundles,
        conflicts=(("9000004", (USB / "9000004-a", USB / "9000004-b")),),
        contests=(RUNOFF, MEASURE),
        precincts=(
            PrecinctRow("9000001", "accepted with discrepancy", 612, (hand, vbm)),
            PrecinctRow("9000002", "rejected", None),
            PrecinctRow("9000003", "missing", None),
            PrecinctRow("9000004", "conflict", None),
        ),
        definition=embedded_definition("ca34-2017-06-06"),
    )


def many(count: int) -> Aggregation:
    """``count`` precincts, every one accepted with one hand-count bundle."""
    ids = [f"{9_000_001 + i}" for i in range(count)]
    bundles = tuple(
        BundleOutcome(
            USB / p,
            Disposition.ACCEPTED,
            None,
            (p,),
            "manual-count",
            sha(p),
            fingerprint_checked=True,
        )
        for p in ids
    )
    return Aggregation(
        election_id="big-2017",
        election_title="Consolidated General Election",
        definition_fingerprint=FINGERPRINT,
        precincts_total=count,
        reporting=tuple(ids),
        missing=(),
        bundles=bundles,
        conflicts=(),
        contests=(RUNOFF,),
        precincts=tuple(
            PrecinctRow(p, "accepted", 100 + i % 400, (sha(p),)) for i, p in enumerate(ids)
        ),
    )


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; see the diff above"


def flat(text: str) -> str:
    return " ".join(text.split())


def test_small_aggregation_matches_its_golden_text(tmp_path: Path) -> None:
    pdf = render(small())
    text = text_of(pdf, tmp_path)
    check_golden("certification_small.txt", text)
    words = flat(text_of(pdf, tmp_path, layout=False))
    # Header: election, jurisdiction (read from the summed file), status, time, version,
    # definition fingerprint, reporting / total.
    assert "Special Runoff — U.S. Representative, 34th District" in text
    assert "Los Angeles County, California · Election day 2017-06-06" in text
    assert "UNOFFICIAL — SEMIFINAL CANVASS" in text
    assert "Generated 2017-06-07 09:15:00 UTC on device county-recv-01" in text
    assert "Precinct Tally test" in text and FINGERPRINT in text
    assert "1 of 4 reporting" in text and "Precincts reporting: 1 of 4; missing: 1." in text
    # Totals in figures and words; overvotes, undervotes, ballots.
    assert re.search(r"Jimmy Gomez\s+358\s+three hundred fifty-eight", text)
    assert re.search(r"Robert Lee Ahn\s+240\s+two hundred forty", text)
    assert re.search(r"Mickey Mouse — write-in\s+2\s+two", text)
    assert re.search(r"Overvotes\s+3\b", text) and re.search(r"Undervotes\s+9\b", text)
    assert re.search(r"Ballots cast\s+612\b", text)
    assert "Measure S — Peña Library Bond" in text
    # Every precinct with its disposition; fingerprint prefixes of both summed files.
    assert re.search(
        r"9000001\s+612\s+accepted with discrepancy\s+" + _grouped("hand 9000001"), text
    )
    assert _grouped("vbm 9000001") in text
    for precinct, disposition in (("9000002", "rejected"), ("9000003", "missing")):
        assert re.search(rf"{precinct}\s+—\s+{disposition}\b", text)
    assert re.search(r"9000004\s+—\s+conflict\b", text)
    # What was not summed, and why.
    assert "the file was changed after signing." in words
    assert "/media/usb/9000004-a" in text and "/media/usb/9000004-b" in text
    assert "neither is summed" in words
    assert "Replaced by the later correction" in words
    assert "The same results file as /media/usb/9000001-correction: counted once." in words
    assert "/media/usb/9000001-vbm: fingerprint not checked." in words
    assert "A1: two more signatures than ballots cast; a voter left with a ballot." in words
    # Receipt, seals, certification and signature lines.
    assert "Received from" in text and "At (date and time)" in text and "Seals intact" in text
    assert "yes / no" in text and "Initials" in text
    assert flat(CERTIFICATION) in words and "VVSG 2.0, requirement 13.2-B" in words
    assert re.search(r"Role\s+Printed name\s+Signature\s+Date and time", text)
    assert "Supervisor" in text and "Witness" in text
    assert "NOT COUNTY-ISSUED" not in text and "TEST" not in text


def _grouped(seed: str) -> str:
    digest = sha(seed)
    return f"{digest[:4]} {digest[4:8]} {digest[8:12]}"


def test_the_same_aggregation_gives_the_same_bytes() -> None:
    first = render(small())
    assert first == render(small())
    assert first.startswith(b"%PDF-") and first != render(
        small(), generated=datetime(2017, 6, 8, tzinfo=UTC)
    )


def test_a_test_bundle_summed_marks_every_page_test_and_not_county_issued(tmp_path: Path) -> None:
    aggregation = small()
    bundles = tuple(
        replace(b, is_test=True) if b.disposition.summed else b for b in aggregation.bundles
    )
    pages = pages_of(render(replace(aggregation, bundles=bundles), county_issued=False), tmp_path)
    for number, page in enumerate(pages, start=1):
        assert "TEST — NOT AN ELECTION RESULT" in page
        assert "TEST · NOT COUNTY-ISSUED" in page
        assert f"Page {number} of {len(pages)}" in page
    assert "UNOFFICIAL" not in "".join(pages)
    assert "not county-issued: a self-signed identity" in "".join(pages)


def test_a_rejected_test_bundle_does_not_make_the_sheet_test(tmp_path: Path) -> None:
    aggregation = small()
    bundles = tuple(
        replace(b, is_test=True) if b.disposition is Disposition.REJECTED else b
        for b in aggregation.bundles
    )
    text = text_of(render(replace(aggregation, bundles=bundles)), tmp_path)
    assert "UNOFFICIAL — SEMIFINAL CANVASS" in text and "TEST" not in text


def test_an_explicit_jurisdiction_and_nothing_summed(tmp_path: Path) -> None:
    aggregation = replace(
        small(),
        reporting=(),
        missing=("9000001", "9000002", "9000003", "9000004"),
        bundles=(),
        conflicts=(),
        contests=(),
        precincts=tuple(PrecinctRow(f"900000{i}", "missing", None) for i in range(1, 5)),
        definition=None,
    )
    text = text_of(render(aggregation), tmp_path)
    assert "Jurisdiction: as in the election definition whose SHA-256 is printed below" in text
    assert "No contest was summed." in text and "0 of 4 reporting" in text
    assert "None: no bundle was rejected, in conflict or superseded." in text
    assert "None: no summed precinct file reports a discrepancy." in text
    named = text_of(render(aggregation, jurisdiction="Kern County, California"), tmp_path)
    assert "Kern County, California" in named


def test_the_jurisdiction_comes_from_the_definition_summed_against(tmp_path: Path) -> None:
    definition = embedded_definition("ca34-2017-06-06")
    text = text_of(render(small()), tmp_path)
    county, state = definition.jurisdiction.county, definition.jurisdiction.state
    assert f"{county}, {state} · Election day {definition.date}" in text
    unknown = replace(small(), definition=None)
    assert county not in text_of(render(unknown), tmp_path)


def test_hostile_text_is_printed_as_text_and_long_words_stay_on_the_page(tmp_path: Path) -> None:
    long_path = USB / ("x" * 180)
    long_id = "P" * 60
    aggregation = small()
    bundles = (
        *aggregation.bundles,
        BundleOutcome(
            long_path,
            Disposition.REJECTED,
            "Bad <b>markup</b> & <font name='x'>tags</font> in the file.",
            (long_id,),
        ),
    )
    precincts = (*aggregation.precincts, PrecinctRow(long_id, "rejected", None))
    pdf = render(replace(aggregation, bundles=bundles, precincts=precincts))
    words = text_of(pdf, tmp_path, layout=False)
    assert "Bad <b>markup</b> & <font name='x'>tags</font> in the file." in flat(words)
    squeezed = "".join(words.split())
    assert str(long_path) in squeezed and long_id in squeezed
    # Nothing runs past the right margin, and the long id stays in its own column.
    (tmp_path / "c.pdf").write_bytes(pdf)
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(tmp_path / "c.pdf"), "-"], check=True, capture_output=True
    ).stdout.decode()
    boxes = re.findall(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" [^>]*>([^<]*)<', bbox)
    assert max(float(x_max) for _, x_max, _ in boxes) <= 612 - 0.6 * 72 + 1
    id_boxes = [b for b in boxes if b[2].startswith("PPPP") and float(b[0]) < 60]
    assert id_boxes and all(float(x_max) < 0.6 * 72 + 1.3 * 72 for _, x_max, _ in id_boxes)


def test_names_are_nfc_and_uncovered_characters_are_shown(tmp_path: Path) -> None:
    contest = replace(
        RUNOFF,
        selections=(
            SelectionTotal("a", "Jose\u0301 Go\u0301mez", 5, False),  # decomposed on input
            SelectionTotal("b", "张伟", 3, False),
        ),
    )
    text = text_of(render(replace(small(), contests=(contest,))), tmp_path, layout=False)
    assert "José Gómez" in text and "[U+5F20][U+4F1F]" in text


def test_195_precincts_flow_with_the_header_and_table_head_on_every_page(tmp_path: Path) -> None:
    pdf = render(many(195))
    pages = pages_of(pdf, tmp_path)
    assert 5 <= len(pages) <= 9, len(pages)
    table_pages = 0
    for number, page in enumerate(pages, start=1):
        assert "Consolidated General Election" in page
        assert "195 of 195 reporting" in page
        assert f"Page {number} of {len(pages)}" in page
        assert FINGERPRINT in page
        rows = re.findall(r"^\s*9\d{6}\s+[\d,]+\s+accepted", page, flags=re.M)
        if rows:
            table_pages += 1
            # The header row sits above the first row on every page the table reaches.
            assert re.search(r"Precinct\s+Ballots\s+Disposition\s+Results SHA-256", page)
            assert page.index("Results SHA-256") < page.index(rows[0])
    assert table_pages >= 4
    whole = "\n".join(pages)
    ids = re.findall(r"^\s*(9\d{6})\s+[\d,]+\s+accepted", whole, flags=re.M)
    assert ids == [f"{9_000_001 + i}" for i in range(195)]  # each once, in order


def test_5000_precincts_render_time(tmp_path: Path) -> None:
    aggregation = many(5000)
    started = time.perf_counter()
    pdf = render(aggregation)
    seconds = time.perf_counter() - started
    print(f"\n5,000-precinct certification sheet: {seconds:.2f} s, {len(pdf):,} bytes")
    assert b"/Type /Page" in pdf


def test_the_facade_signs_it_and_the_signature_checks_out(tmp_path: Path) -> None:
    from cryptography import x509

    from tally_app import service
    from tally_app.documents.signing import check_pdf_signature
    from tests.bundle_fixtures import make_pki

    pki = make_pki(tmp_path, device_id="county-recv-01")
    signed = service.certification_pdf(small(), pki.identity, now=GENERATED)
    root = x509.load_pem_x509_certificate(pki.ca_pem.read_bytes())
    check = check_pdf_signature(signed, [root])
    assert check.intact and check.valid and check.trusted and check.covers_whole_file
    assert check.county_issued and check.problem is None
    text = text_of(signed, tmp_path)
    assert "Generated 2017-06-07 09:15:00 UTC on device county-recv-01" in text
    assert "NOT COUNTY-ISSUED" not in text and "Jimmy Gomez" in text


def test_folders_not_searched_are_on_the_sheet(tmp_path: Path) -> None:
    warned = replace(small(), warnings=("/media/usb/broken cannot be read (Permission denied).",))
    text = text_of(render(warned), tmp_path)
    assert "Folders not searched" in text and "/media/usb/broken cannot be read" in text
    assert "Folders not searched" not in text_of(render(small()), tmp_path)
