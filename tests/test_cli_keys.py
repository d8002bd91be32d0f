"""`tally-app keys ...` through `main([...])`: files written, fingerprints printed, no prompts
without a terminal, and never a passphrase in the output."""

from __future__ import annotations

import io
import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tally_app.cli import main
from tally_app.trust import authority, identity
from tally_app.trust.cms import sign_detached, verify_detached

CA_SECRET = "Secret-CA-pass-4711"
DEV_SECRET = "Dev-secret-0815"
OPENSSL = shutil.which("openssl")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert CA_SECRET not in out + err and DEV_SECRET not in out + err
    return code, out, err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    ca_pw, dev_pw = tmp_path / "ca.pass", tmp_path / "dev.pass"
    ca_pw.write_text(CA_SECRET + "\r\n")
    dev_pw.write_text(DEV_SECRET + "\n")
    return {"root": tmp_path, "ca_pw": ca_pw, "dev_pw": dev_pw, "ca": tmp_path / "county"}


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))


def _create(capsys: pytest.CaptureFixture[str], f: dict[str, Path]) -> str:
    code, out, err = run(
        capsys,
        "keys",
        "create-ca",
        "--out",
        str(f["ca"]),
        "--name",
        "Example County",
        "--passphrase-file",
        str(f["ca_pw"]),
    )
    assert code == 0, err
    return out


def test_create_ca_and_issue_device_end_to_end(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    out = _create(capsys, files)
    ca_pem = files["ca"] / "ca.pem"
    (ca,) = authority.load_trust_roots(ca_pem)
    assert str(ca_pem) in out and identity.fingerprint(ca) in out
    assert stat.S_IMODE((files["ca"] / "ca-key.pem").stat().st_mode) == 0o600

    p12 = files["root"] / "laptop-07.p12"
    code, out, err = run(
        capsys,
        "keys",
        "issue-device",
        "--ca",
        str(files["ca"]),
        "--device-id",
        "laptop-07",
        "--out",
        str(p12),
        "--passphrase-file",
        str(files["ca_pw"]),
        "--device-passphrase-file",
        str(files["dev_pw"]),
    )
    assert code == 0, err
    dev = identity.load_identity(p12, DEV_SECRET.encode())
    assert str(p12) in out and identity.fingerprint(dev.certificate) in out
    assert dev.device_id == "laptop-07" and dev.chain == (ca,)
    check = verify_detached(b"data", sign_detached(b"data", dev), (ca,))
    assert check.intact and check.trusted

    if OPENSSL:
        info = subprocess.run(
            [
                OPENSSL,
                "pkcs12",
                "-info",
                "-noout",
                "-in",
                str(p12),
                "-passin",
                f"file:{files['dev_pw']}",
            ],
            capture_output=True,
            timeout=30,
        )
        assert info.returncode == 0, info.stderr


def test_device_file_defaults_to_the_ca_passphrase(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    _create(capsys, files)
    p12 = files["root"] / "d.p12"
    code, out, err = run(
        capsys,
        "keys",
        "issue-device",
        "--ca",
        str(files["ca"]),
        "--device-id",
        "d1",
        "--out",
        str(p12),
        "--passphrase-file",
        str(files["ca_pw"]),
    )
    assert code == 0, err
    assert "protected with the CA passphrase" in out
    assert identity.load_identity(p12, CA_SECRET.encode()).device_id == "d1"


def test_refuses_to_overwrite(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    _create(capsys, files)
    before = (files["ca"] / "ca.pem").read_bytes()
    code, out, err = run(
        capsys,
        "keys",
        "create-ca",
        "--out",
        str(files["ca"]),
        "--name",
        "X",
        "--passphrase-file",
        str(files["ca_pw"]),
    )
    assert code == 1 and out == ""
    assert "already exists" in err and err.count("\n") == 1
    assert (files["ca"] / "ca.pem").read_bytes() == before


def test_wrong_ca_passphrase_is_one_sentence(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    _create(capsys, files)
    code, out, err = run(
        capsys,
        "keys",
        "issue-device",
        "--ca",
        str(files["ca"]),
        "--device-id",
        "d1",
        "--out",
        str(files["root"] / "d.p12"),
        "--passphrase-file",
        str(files["dev_pw"]),
    )
    assert code == 1 and out == "" and err.count("\n") == 1 and "passphrase does not open" in err
    assert "Traceback" not in err and not (files["root"] / "d.p12").exists()


def test_no_terminal_and_no_passphrase_file(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, out, err = run(
        capsys, "keys", "create-ca", "--out", str(files["ca"]), "--name", "Example County"
    )
    assert code != 0 and out == ""
    assert "--passphrase-file" in err and err.count("\n") == 1
    assert not files["ca"].exists()


def test_missing_passphrase_file(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path]
) -> None:
    code, _, err = run(
        capsys,
        "keys",
        "create-ca",
        "--out",
        str(files["ca"]),
        "--name",
        "N",
        "--passphrase-file",
        str(files["root"] / "absent"),
    )
    assert code == 1 and "does not exist" in err and err.count("\n") == 1


def test_use_device_then_show(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    data = files["root"] / "data"
    code, out, _ = run(capsys, "keys", "show", "--data-dir", str(data), "--json")
    assert code == 0 and json.loads(out)["status"] == "none"

    _create(capsys, files)
    p12 = files["root"] / "l.p12"
    assert (
        main(
            [
                "keys",
                "issue-device",
                "--ca",
                str(files["ca"]),
                "--device-id",
                "lap-9",
                "--out",
                str(p12),
                "--passphrase-file",
                str(files["ca_pw"]),
                "--device-passphrase-file",
                str(files["dev_pw"]),
            ]
        )
        == 0
    )
    capsys.readouterr()
    code, _, err = run(
        capsys,
        "keys",
        "use-device",
        str(p12),
        "--passphrase-file",
        str(files["ca_pw"]),
        "--data-dir",
        str(data),
    )
    assert code == 1 and "passphrase does not open" in err
    code, out, err = run(
        capsys,
        "keys",
        "use-device",
        str(p12),
        "--passphrase-file",
        str(files["dev_pw"]),
        "--data-dir",
        str(data),
    )
    assert code == 0, err
    dev = identity.load_identity(p12, DEV_SECRET.encode())
    assert identity.fingerprint(dev.certificate) in out

    code, out, _ = run(capsys, "keys", "show", "--data-dir", str(data), "--json")
    report = json.loads(out)
    assert report["status"] == "county"
    assert report["fingerprint"] == identity.fingerprint(dev.certificate)
    assert "CN=lap-9" in report["subject"]
    code, out, _ = run(capsys, "keys", "show", "--data-dir", str(data))
    assert code == 0 and "county-issued" in out and report["fingerprint"] in out


def test_show_self_signed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tally_app.clock import SystemClock

    me = identity.local_identity(tmp_path, b"pw", clock=SystemClock(), create=True)
    code, out, _ = run(capsys, "keys", "show", "--data-dir", str(tmp_path))
    assert code == 0 and "self-signed" in out and me.device_id in out
