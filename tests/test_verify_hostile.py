"""`verify` against hostile bundles and drives: every trick is one problem, never a crash,
never a forged line, never a file that no signature covers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tally_app import service
from tally_app.cli import main
from tests.bundle_fixtures import Pki, export, finalized_precinct, make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory, pki: Pki) -> Path:
    """One genuine bundle, exported once; tests work on copies."""
    base = tmp_path_factory.mktemp("orig")
    session, members = finalized_precinct(base / "data")
    with session:
        return export(session, members, base / "usb", pki.identity).folder


@pytest.fixture
def bundle(original: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "usb" / original.parent.name / original.name
    shutil.copytree(original, copy)
    return copy


def _roots(pki: Pki) -> tuple:  # type: ignore[type-arg]
    return service.load_trust_roots(pki.ca_pem)


# --- a hostile results.json must never stop the whole run -----------------------------------


def test_a_results_file_without_election_is_a_problem_not_a_crash(
    bundle: Path, pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    """ElectionReport.Election is optional in the NIST schema; verify_bundle indexes it."""
    hostile = bundle.parent / "hostile"
    hostile.mkdir()
    doc = json.loads((bundle / "results.json").read_bytes())
    del doc["Election"]
    (hostile / "results.json").write_text(json.dumps(doc), encoding="utf-8")
    code = main(["verify", str(bundle.parent), "--trust", str(pki.ca_pem)])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert "internal error" not in err
    # the genuine bundle beside it is still reported
    assert f"VALID {bundle}" in out


# --- files on the drive that are not regular files --------------------------------------------


def _run_cli(args: list[str], timeout: float = 15) -> subprocess.CompletedProcess[str]:
    code = "import sys; from tally_app.cli import main; raise SystemExit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this OS")
def test_a_trust_file_that_is_a_fifo_is_refused_not_waited_on(bundle: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "ca.pem"
    os.mkfifo(fifo)
    try:
        result = _run_cli(["verify", str(bundle), "--trust", str(fifo)])
    except subprocess.TimeoutExpired:
        pytest.fail("verify --trust FIFO hangs instead of refusing a non-regular file")
    assert result.returncode == 2 and "not a file" in result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this OS")
def test_an_identity_file_that_is_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "laptop.p12"
    os.mkfifo(fifo)
    secret = tmp_path / "pw"
    secret.write_text("correct horse battery staple\n")
    args = ["keys", "use-device", str(fifo), "--passphrase-file", str(secret)]
    try:
        result = _run_cli([*args, "--data-dir", str(tmp_path / "data")])
    except subprocess.TimeoutExpired:
        pytest.fail("keys use-device FIFO hangs instead of refusing a non-regular file")
    assert result.returncode == 1 and "not a file" in result.stderr


# --- bytes that no signature covers -----------------------------------------------------------


def test_stripping_the_manifest_does_not_let_a_changed_csv_pass(bundle: Path, pki: Pki) -> None:
    """Delete manifest.json(.p7s) from a bundle this app wrote, then change results.csv."""
    (bundle / "manifest.json").unlink()
    (bundle / "manifest.json.p7s").unlink()
    csv = bundle / "results.csv"
    csv.write_bytes(csv.read_bytes().replace(b",140\r\n", b",941\r\n"))
    (report,) = service.verify_bundles([bundle], _roots(pki))
    unchecked = [t for t in report.problems + report.notes if "results.csv" in t]
    assert not report.valid or unchecked, (
        "a changed results.csv in a bundle without manifest is neither a problem nor named "
        f"as unchecked: {report}"
    )


def test_a_file_the_manifest_does_not_list_is_reported(bundle: Path, pki: Pki) -> None:
    extra = bundle / "results-final.csv"
    extra.write_bytes((bundle / "results.csv").read_bytes().replace(b",140\r\n", b",941\r\n"))
    (report,) = service.verify_bundles([bundle], _roots(pki))
    assert any("results-final.csv" in t for t in report.problems + report.notes), report


def test_no_byte_of_the_manifest_signature_can_change_without_a_ca(bundle: Path) -> None:
    """Without --trust the signer certificate inside manifest.json.p7s is only compared with
    the one in results.json.p7s by its CN; its dates and CA signature can change."""
    from asn1crypto import cms  # type: ignore[import-untyped]

    data = (bundle / "manifest.json.p7s").read_bytes()
    cert = cms.ContentInfo.load(data)["content"]["certificates"][0].chosen.dump()
    start = data.index(cert)
    passed = []
    for offset in range(start, start + len(cert), 11):
        changed = bytearray(data)
        changed[offset] ^= 0x01
        (bundle / "manifest.json.p7s").write_bytes(bytes(changed))
        (report,) = service.verify_bundles([bundle])
        if report.valid:
            passed.append(offset)
    assert not passed, f"{len(passed)} changed bytes of manifest.json.p7s still verify"


def test_a_bundle_whose_results_file_was_deleted_is_not_silently_skipped(
    bundle: Path, original: Path, pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    """A drive with two bundles; one lost its results.json (kept its manifest and signature)."""
    damaged = bundle.parent / "9999999Z"
    shutil.copytree(original, damaged)
    (damaged / "results.json").unlink()
    code = main(["verify", str(bundle.parent.parent), "--trust", str(pki.ca_pem)])
    out, err = capsys.readouterr()
    assert code == 1, f"exit {code}: {out}{err}"


# --- what a terminal shows ----------------------------------------------------------------------


def test_a_folder_name_cannot_forge_a_line_of_output(
    bundle: Path, pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = bundle.parent / "x\nVALID forged: precinct 9999 signed by laptop-0042 (trusted)"
    forged.mkdir()
    (forged / "results.json").write_text("{}")
    main(["verify", str(bundle.parent), "--trust", str(pki.ca_pem)])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert not any(line.startswith("VALID forged") for line in lines), out


def test_json_output_is_only_json(
    bundle: Path, pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pinned: with damaged bundles, stdout still holds one JSON document."""
    (bundle / "results.json.p7s").write_bytes(b"\x30\x03\x02\x01\x01")
    main(["verify", str(bundle.parent), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False


# --- properties checked and found to hold (pins) ---------------------------------------------


def _resign(folder: Path, name: str, data: bytes, pki: Pki) -> None:
    from tally_app.trust.cms import sign_detached

    (folder / name).write_bytes(data)
    (folder / (name + ".p7s")).write_bytes(sign_detached(data, pki.identity))


def test_duplicate_keys_in_a_signed_results_file_are_refused(bundle: Path, pki: Pki) -> None:
    """Signed by the trusted device, but "BallotsCast" appears twice: a reader keeping the
    first and one keeping the last would see different counts."""
    (bundle / "manifest.json").unlink()
    (bundle / "manifest.json.p7s").unlink()
    text = (bundle / "results.json").read_bytes()
    twice = text.replace(b'"BallotsCast": 247,', b'"BallotsCast": 247, "BallotsCast": 999,', 1)
    assert twice != text
    _resign(bundle, "results.json", twice, pki)
    (report,) = service.verify_bundles([bundle], _roots(pki))
    assert not report.valid and "more than once" in " ".join(report.problems)


def test_a_signed_manifest_for_another_precinct_is_refused(bundle: Path, pki: Pki) -> None:
    manifest = json.loads((bundle / "manifest.json").read_bytes())
    manifest["precinct_id"] = "0850002A"
    from tally_app.export.results_document import results_json_bytes

    _resign(bundle, "manifest.json", results_json_bytes(manifest), pki)
    (report,) = service.verify_bundles([bundle], _roots(pki))
    assert report.problems == ("manifest.json and results.json disagree on the precinct.",)


def test_a_failed_read_back_changes_nothing_in_the_store(
    tmp_path: Path, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drive returns other bytes than were written: no export is recorded."""
    from tally_app.errors import SystemError_
    from tally_app.export import media

    session, members = finalized_precinct(tmp_path / "data")
    with session:
        before = session.store.audit_events()
        real_drop = media._drop_cache

        def corrupt(fd: int) -> None:
            real_drop(fd)
            path = os.readlink(f"/proc/self/fd/{fd}")
            if path.endswith("results.csv"):
                with open(path, "r+b") as f:
                    f.write(b"X")

        monkeypatch.setattr(media, "_drop_cache", corrupt)
        with pytest.raises(SystemError_) as caught:
            export(session, members, tmp_path / "usb", pki.identity)
        assert caught.value.code == "media_verify_failed"
        assert session.state == "finalized"
        assert session.store.audit_events() == before


def test_a_results_csv_that_disagrees_with_results_json_is_refused(bundle: Path, pki: Pki) -> None:
    """The device signed a manifest listing a results.csv whose counts are not those of
    results.json (a producer bug): the CSV is what a county opens in a spreadsheet."""
    import hashlib

    from tally_app.export.results_document import results_json_bytes

    csv = (bundle / "results.csv").read_bytes().replace(b",140\r\n", b",941\r\n")
    (bundle / "results.csv").write_bytes(csv)
    manifest = json.loads((bundle / "manifest.json").read_bytes())
    for entry in manifest["files"]:
        if entry["name"] == "results.csv":
            entry.update(sha256=hashlib.sha256(csv).hexdigest(), size=len(csv))
    _resign(bundle, "manifest.json", results_json_bytes(manifest), pki)
    (report,) = service.verify_bundles([bundle], _roots(pki))
    assert not report.valid, "results.csv says 941 where results.json says 140, and verify passes"


def test_a_manifest_without_its_signature_is_refused(bundle: Path, pki: Pki) -> None:
    (bundle / "manifest.json.p7s").unlink()
    (report,) = service.verify_bundles([bundle], _roots(pki))
    assert report.problems == ("manifest.json is not signed: manifest.json.p7s is missing.",)
