"""The results bundle (issue 4, items 4, 7 and 9): written, read back, verified, tampered.

A real precinct is entered and finalized through the service, signed with a device identity
issued by a real county CA, written to a folder, and checked by `verify` and by openssl.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.entries import Sheet
from tally_app.errors import InputError
from tally_app.export.bundle import MANIFEST, RESULTS
from tally_app.session import PrecinctSession
from tests.balanced_precinct import INSPECTOR
from tests.bundle_fixtures import Pki, export, finalized_precinct, make_pki

BUNDLE_FILES = {
    "results.json",
    "results.json.p7s",
    "results.csv",
    "audit-log.json",
    "audit-log-documentation.json",
    "tally-sheet.pdf",
    "manifest.json",
    "manifest.json.p7s",
}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def finalized(tmp_path: Path) -> Iterator[tuple[PrecinctSession, tuple[int, int]]]:
    session, members = finalized_precinct(tmp_path / "data")
    with session:
        yield session, members


@pytest.fixture
def bundle(finalized: tuple[PrecinctSession, tuple[int, int]], pki: Pki, tmp_path: Path) -> Path:
    session, members = finalized
    return export(session, members, tmp_path / "usb", pki.identity).folder


def test_export_writes_every_file_and_records_the_export(
    finalized: tuple[PrecinctSession, tuple[int, int]], pki: Pki, tmp_path: Path
) -> None:
    session, members = finalized
    report = export(session, members, tmp_path / "usb", pki.identity)
    election, precinct = session.definition.id, session.precinct.id
    assert report.folder == tmp_path / "usb" / election / precinct
    assert {p.name for p in report.folder.iterdir()} == BUNDLE_FILES
    assert {f.name for f in report.files} == BUNDLE_FILES
    assert session.state == "exported"
    (event,) = [e for e in session.store.audit_events() if e.event == "export.written"]
    assert event.details["results_sha256"] == report.results_sha256
    assert event.details["confirmed_by"] == ["Maria Lopez", "Sam Park"]
    manifest = json.loads((report.folder / MANIFEST).read_bytes())
    assert manifest["device_id"] == "laptop-0042" and manifest["county_issued"] is True
    assert manifest["definition_fingerprint"] == session.definition.fingerprint
    assert {f["name"] for f in manifest["files"]} == BUNDLE_FILES - {MANIFEST, MANIFEST + ".p7s"}
    for f in manifest["files"]:
        assert len(f["sha256"]) == 64 and f["sha256"] == f["sha256"].lower()
        assert (report.folder / f["name"]).stat().st_size == f["size"]


def test_a_second_export_gives_the_same_results_file(
    finalized: tuple[PrecinctSession, tuple[int, int]], pki: Pki, tmp_path: Path
) -> None:
    """results.json is fixed at finalize: a second drive gets the same bytes."""
    session, members = finalized
    first = export(session, members, tmp_path / "usb1", pki.identity)
    second = export(session, members, tmp_path / "usb2", pki.identity)
    assert (first.folder / RESULTS).read_bytes() == (second.folder / RESULTS).read_bytes()
    assert session.state == "exported"
    assert sum(e.event == "export.written" for e in session.store.audit_events()) == 2


def test_the_bundle_verifies_with_the_county_ca(bundle: Path, pki: Pki) -> None:
    (report,) = service.verify_bundles([bundle.parent.parent], service.load_trust_roots(pki.ca_pem))
    assert report.valid, report.problems
    assert report.trusted and report.county_issued and report.fingerprint_checked
    assert report.precinct_ids == (bundle.name,)
    assert not report.is_test and report.status == "unofficial-complete"


def test_without_a_ca_the_signatures_are_checked_but_the_signer_is_not(bundle: Path) -> None:
    (report,) = service.verify_bundles([bundle])
    assert report.valid
    assert not report.trusted
    assert any("--trust" in note for note in report.notes)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
@pytest.mark.parametrize("name", [RESULTS, MANIFEST])
def test_openssl_accepts_the_signatures(bundle: Path, pki: Pki, name: str) -> None:
    """An independent verifier: openssl cms -verify, exactly as the issue gives it."""
    command = [
        "openssl", "cms", "-verify", "-binary", "-inform", "DER",
        "-content", str(bundle / name), "-in", str(bundle / f"{name}.p7s"),
        "-CAfile", str(pki.ca_pem), "-purpose", "any", "-out", "/dev/null",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr


def _positions(size: int) -> list[int]:
    return sorted({*range(0, size, max(1, size // 24)), size - 1})


def test_any_changed_byte_in_any_file_fails_verification(bundle: Path, pki: Pki) -> None:
    roots = service.load_trust_roots(pki.ca_pem)
    flips = 0
    for name in sorted(BUNDLE_FILES):
        path = bundle / name
        original = path.read_bytes()
        for at in _positions(len(original)):
            changed = bytearray(original)
            changed[at] ^= 0x01
            path.write_bytes(bytes(changed))
            (report,) = service.verify_bundles([bundle], roots)
            assert not report.valid, f"{name}: byte {at} changed and the bundle still verifies"
            flips += 1
        path.write_bytes(original)
    assert flips > 7 * 20
    (report,) = service.verify_bundles([bundle], roots)
    assert report.valid


def test_a_self_signed_device_is_not_county_issued(
    finalized: tuple[PrecinctSession, tuple[int, int]], pki: Pki, tmp_path: Path
) -> None:
    session, members = finalized
    folder = export(session, members, tmp_path / "usb", service.throwaway_identity()).folder
    doc = json.loads((folder / RESULTS).read_bytes())
    device = next(u for u in doc["GpUnit"] if u["@type"] == "ElectionResults.ReportingDevice")
    assert device["ExternalIdentifier"][0]["Value"] == "not county-issued"
    (alone,) = service.verify_bundles([folder])
    assert alone.valid and not alone.county_issued
    assert any("not county-issued" in n for n in alone.notes)
    (checked,) = service.verify_bundles([folder], service.load_trust_roots(pki.ca_pem))
    assert not checked.valid
    assert any("trusted CA did not issue" in p for p in checked.problems)


def test_a_test_deck_bundle_is_valid_and_says_test(
    finalized: tuple[PrecinctSession, tuple[int, int]], pki: Pki, tmp_path: Path
) -> None:
    session, members = finalized
    folder = export(session, members, tmp_path / "usb", pki.identity, is_test=True).folder
    (report,) = service.verify_bundles([folder], service.load_trust_roots(pki.ca_pem))
    assert report.valid and report.is_test
    assert json.loads((folder / RESULTS).read_bytes())["IsTest"] is True


def test_missing_and_unsafe_files_are_named(bundle: Path, pki: Pki, tmp_path: Path) -> None:
    roots = service.load_trust_roots(pki.ca_pem)
    (bundle / "results.csv").unlink()
    (report,) = service.verify_bundles([bundle], roots)
    assert any("results.csv is missing" in p for p in report.problems)
    (bundle / "results.csv").symlink_to(tmp_path / "elsewhere.csv")
    (report,) = service.verify_bundles([bundle], roots)
    assert any("symbolic link" in p for p in report.problems)


def test_without_a_manifest_only_the_results_file_is_checked(bundle: Path, pki: Pki) -> None:
    """Another producer's bundle: results.json and its signature, nothing else."""
    roots = service.load_trust_roots(pki.ca_pem)
    for name in BUNDLE_FILES - {RESULTS, RESULTS + ".p7s"}:
        (bundle / name).unlink()
    (report,) = service.verify_bundles([bundle], roots)
    assert report.valid and not report.fingerprint_checked
    assert any("fingerprint was not checked" in n for n in report.notes)
    (bundle / "results.csv").write_text("anything\n")
    (report,) = service.verify_bundles([bundle], roots)
    assert not report.valid
    assert "no signature covers results.csv" in report.problems[0]


def test_exporting_needs_a_finalized_precinct_and_two_members(tmp_path: Path, pki: Pki) -> None:
    session, members = finalized_precinct(tmp_path / "data")
    with session:
        with pytest.raises(InputError, match="two different board members"):
            export(session, (members[0], members[0]), tmp_path / "usb", pki.identity)
        session.begin_correction("Sheet B was mislaid", Actor("Pat Kim", "supervisor"))
        with pytest.raises(InputError, match="not finalized"):
            export(session, members, tmp_path / "usb", pki.identity)
    assert list((tmp_path / "usb").iterdir()) == []


def test_a_failed_write_changes_nothing_in_the_store(
    finalized: tuple[PrecinctSession, tuple[int, int]],
    pki: Pki,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session, members = finalized
    before = session.store.audit_events()

    def pulled(*args: object, **kwargs: object) -> None:
        raise InputError("media_removed", "The drive was removed while writing.")

    monkeypatch.setattr("tally_app.export.media.write_files", pulled)
    with pytest.raises(InputError, match="removed"):
        export(session, members, tmp_path / "usb", pki.identity)
    assert session.state == "finalized"
    assert session.store.audit_events() == before


def test_a_correction_is_exported_as_a_correction(
    finalized: tuple[PrecinctSession, tuple[int, int]], pki: Pki, tmp_path: Path
) -> None:
    """An amended export (Status: correction) made through the service (item 9)."""
    session, members = finalized
    original = export(session, members, tmp_path / "usb", pki.identity)
    session.begin_correction("Gomez was miscounted by one", Actor("Pat Kim", "supervisor"))
    contest = session.contests[0]
    gomez = contest.candidates[1].id
    for sheet in (Sheet.A, Sheet.B):
        session.set_vote(sheet, contest.id, gomez, 141, INSPECTOR)
        session.set_line(sheet, contest.id, service_line("undervotes"), 3, INSPECTOR)
    session.finalize(members, INSPECTOR)
    amended = export(session, members, tmp_path / "usb", pki.identity)
    assert amended.status == "correction"
    doc = json.loads((amended.folder / RESULTS).read_bytes())
    assert doc["Status"] == "correction"
    assert amended.results_sha256 != original.results_sha256
    (report,) = service.verify_bundles([amended.folder], service.load_trust_roots(pki.ca_pem))
    assert report.valid and report.status == "correction"


def service_line(name: str):
    from tally_app.entries import ContestLine

    return ContestLine(name)
