"""The county CA, device identities and passphrases (DESIGN §9, §13), checked with openssl too."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tally_app.clock import FixedClock
from tally_app.errors import InputError
from tally_app.trust import authority, identity
from tally_app.trust.passphrase import ask_passphrase, passphrase, read_passphrase_file

CLOCK = FixedClock(dt.datetime(2026, 11, 3, 20, 0, tzinfo=dt.UTC))
CA_PW = b"county ca passphrase"
DEV_PW = b"device passphrase"
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("pki")
    authority.create_ca(root / "ca", "Example County", CA_PW, clock=CLOCK)
    p12 = authority.issue_device(
        root / "ca", "laptop-07", CA_PW, root / "laptop-07.p12", DEV_PW, clock=CLOCK
    )
    return root / "ca", p12


def _openssl(*args: str) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], capture_output=True, text=True, timeout=30)


# --- the CA ---------------------------------------------------------------------------------


def test_ca_certificate_is_a_p256_ca_valid_ten_years(pki: tuple[Path, Path]) -> None:
    ca_dir, _ = pki
    (cert,) = authority.load_trust_roots(ca_dir / "ca.pem")
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert bc.critical and bc.value.ca
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign
    assert not ku.value.digital_signature
    cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    years = (cert.not_valid_after_utc - cert.not_valid_before_utc).days / 365
    assert 9.9 < years < 10.1
    assert cert.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]


def test_ca_key_is_encrypted_and_owner_only(pki: tuple[Path, Path]) -> None:
    ca_dir, _ = pki
    key_file = ca_dir / "ca-key.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()
    with pytest.raises(TypeError):  # needs a passphrase
        serialization.load_pem_private_key(key_file.read_bytes(), None)
    serialization.load_pem_private_key(key_file.read_bytes(), CA_PW)


@needs_openssl
def test_openssl_opens_ca_key_only_with_the_passphrase(pki: tuple[Path, Path]) -> None:
    key_file = pki[0] / "ca-key.pem"
    wrong = _openssl("pkey", "-in", str(key_file), "-passin", "pass:wrong", "-noout")
    assert wrong.returncode != 0
    right = _openssl("pkey", "-in", str(key_file), "-passin", f"pass:{CA_PW.decode()}", "-noout")
    assert right.returncode == 0, right.stderr


def test_create_ca_refuses_to_overwrite(pki: tuple[Path, Path]) -> None:
    ca_dir, _ = pki
    before = (ca_dir / "ca.pem").read_bytes()
    with pytest.raises(InputError) as exc:
        authority.create_ca(ca_dir, "Other County", CA_PW, clock=CLOCK)
    assert exc.value.code == "would_overwrite"
    assert (ca_dir / "ca.pem").read_bytes() == before


# --- device identities --------------------------------------------------------------------


def test_device_certificate_profile(pki: tuple[Path, Path]) -> None:
    ca_dir, p12 = pki
    ident = identity.load_identity(p12, DEV_PW)
    cert = ident.certificate
    assert ident.device_id == "laptop-07" and ident.county_issued
    assert ident.chain == authority.load_trust_roots(ca_dir / "ca.pem")
    assert cert.subject.rfc4514_string() == "O=Example County,CN=laptop-07"
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    assert not ku.value.key_cert_sign
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and not bc.value.ca
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    cert.verify_directly_issued_by(ident.chain[0])
    assert 729 <= (cert.not_valid_after_utc - cert.not_valid_before_utc).days <= 731
    assert stat.S_IMODE(p12.stat().st_mode) == 0o600


@needs_openssl
def test_openssl_shows_key_usages_and_no_eku(pki: tuple[Path, Path], tmp_path: Path) -> None:
    ident = identity.load_identity(pki[1], DEV_PW)
    pem = tmp_path / "dev.pem"
    pem.write_bytes(ident.certificate.public_bytes(serialization.Encoding.PEM))
    text = _openssl("x509", "-in", str(pem), "-noout", "-text").stdout
    assert "Digital Signature, Non Repudiation" in text
    assert "Extended Key Usage" not in text
    assert "CA:FALSE" in text


@needs_openssl
def test_openssl_opens_the_p12(pki: tuple[Path, Path], tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_bytes(DEV_PW + b"\n")
    info = _openssl("pkcs12", "-info", "-noout", "-in", str(pki[1]), "-passin", f"file:{pw}")
    assert info.returncode == 0, info.stderr
    assert "AES-256-CBC" in info.stderr + info.stdout
    pw.write_bytes(b"wrong\n")
    bad = _openssl("pkcs12", "-info", "-noout", "-in", str(pki[1]), "-passin", f"file:{pw}")
    assert bad.returncode != 0


def test_wrong_passphrase_is_one_sentence_without_the_passphrase(pki: tuple[Path, Path]) -> None:
    with pytest.raises(InputError) as exc:
        identity.load_identity(pki[1], b"not-the-device-passphrase")
    assert exc.value.code == "wrong_passphrase"
    assert "not-the-device-passphrase" not in exc.value.message
    assert exc.value.message.endswith(".") and exc.value.message.count(". ") == 0


def test_issue_with_wrong_ca_passphrase_writes_nothing(
    pki: tuple[Path, Path], tmp_path: Path
) -> None:
    with pytest.raises(InputError) as exc:
        authority.issue_device(pki[0], "x", b"wrong", tmp_path / "x.p12", DEV_PW, clock=CLOCK)
    assert exc.value.code == "wrong_passphrase"
    assert not (tmp_path / "x.p12").exists()


def test_issue_refuses_to_overwrite(pki: tuple[Path, Path]) -> None:
    before = pki[1].read_bytes()
    with pytest.raises(InputError) as exc:
        authority.issue_device(pki[0], "laptop-08", CA_PW, pki[1], DEV_PW, clock=CLOCK)
    assert exc.value.code == "would_overwrite"
    assert pki[1].read_bytes() == before


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "not_pkcs12"),
        (b"hello, not a p12", "not_pkcs12"),
        (bytes(range(256)) * 4, "not_pkcs12"),
    ],
)
def test_not_a_p12(tmp_path: Path, content: bytes, code: str) -> None:
    bad = tmp_path / "bad.p12"
    bad.write_bytes(content)
    with pytest.raises(InputError) as exc:
        identity.load_identity(bad, DEV_PW)
    assert exc.value.code == code


def test_truncated_p12_and_missing_file(pki: tuple[Path, Path], tmp_path: Path) -> None:
    cut = tmp_path / "cut.p12"
    cut.write_bytes(pki[1].read_bytes()[:300])
    with pytest.raises(InputError):
        identity.load_identity(cut, DEV_PW)
    with pytest.raises(InputError) as exc:
        identity.load_identity(tmp_path / "absent.p12", DEV_PW)
    assert exc.value.code == "file_missing"


def test_load_trust_roots_rejects_non_pem(tmp_path: Path) -> None:
    f = tmp_path / "ca.pem"
    f.write_text("not a certificate\n")
    with pytest.raises(InputError) as exc:
        authority.load_trust_roots(f)
    assert exc.value.code == "not_pem_certificates"


def test_p12_round_trip_of_a_self_signed_identity() -> None:
    ident = identity.self_signed_identity("laptop-abc", clock=CLOCK)
    assert not ident.county_issued and ident.chain == ()
    again = identity.identity_from_p12(identity.identity_p12_bytes(ident, DEV_PW), DEV_PW, "x")
    assert again.certificate == ident.certificate and not again.county_issued
    assert "BEGIN" not in repr(ident) and "private" not in repr(ident).lower()


# --- this laptop ----------------------------------------------------------------------------


def test_local_identity_made_once_then_reused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert identity.local_identity_status(data) == "none"
    with pytest.raises(InputError) as exc:
        identity.local_identity(data, DEV_PW, clock=CLOCK, create=False)
    assert exc.value.code == "no_identity"
    first = identity.local_identity(data, DEV_PW, clock=CLOCK, create=True)
    assert first.device_id.startswith("laptop-") and len(first.device_id) == 15
    assert not first.county_issued
    assert identity.local_identity_status(data) == "self-signed"
    stored = data / "identity" / "self-signed.p12"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    second = identity.local_identity(data, DEV_PW, clock=CLOCK, create=True)
    assert second.certificate == first.certificate
    assert identity.local_certificate(data) == first.certificate
    with pytest.raises(InputError):
        identity.local_identity(data, b"wrong", clock=CLOCK, create=True)


def test_county_identity_installed_wins(pki: tuple[Path, Path], tmp_path: Path) -> None:
    data = tmp_path / "data"
    identity.local_identity(data, b"laptop pw", clock=CLOCK, create=True)
    with pytest.raises(InputError):  # the passphrase must open it before anything is copied
        identity.install_county_identity(data, pki[1], b"wrong")
    assert identity.local_identity_status(data) == "self-signed"
    installed = identity.install_county_identity(data, pki[1], DEV_PW)
    assert identity.local_identity_status(data) == "county"
    used = identity.local_identity(data, DEV_PW, clock=CLOCK, create=True)
    assert used.certificate == installed.certificate and used.county_issued
    assert (data / "identity" / "county-device.p12").read_bytes() == pki[1].read_bytes()


def test_install_refuses_a_self_signed_p12(tmp_path: Path) -> None:
    ident = identity.self_signed_identity("laptop-x", clock=CLOCK)
    f = tmp_path / "self.p12"
    f.write_bytes(identity.identity_p12_bytes(ident, DEV_PW))
    with pytest.raises(InputError) as exc:
        identity.install_county_identity(tmp_path / "data", f, DEV_PW)
    assert exc.value.code == "identity_self_signed"
    assert identity.local_identity_status(tmp_path / "data") == "none"


# --- passphrases ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"abc\n", b"abc"), (b"abc\r\nsecond\n", b"abc"), (b"a b c", b"a b c"), (b" x \n", b" x ")],
)
def test_passphrase_file_first_line(tmp_path: Path, content: bytes, expected: bytes) -> None:
    f = tmp_path / "pw"
    f.write_bytes(content)
    assert read_passphrase_file(f) == expected
    assert passphrase(f, "ignored", confirm=True) == expected


def test_passphrase_file_problems(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_passphrase_file(tmp_path / "absent")
    assert exc.value.code == "passphrase_file_missing"
    (tmp_path / "empty").write_bytes(b"\nsecond line\n")
    with pytest.raises(InputError) as exc:
        read_passphrase_file(tmp_path / "empty")
    assert exc.value.code == "passphrase_file_empty"
    assert "second line" not in exc.value.message


def test_no_prompt_without_a_terminal() -> None:
    with pytest.raises(InputError) as exc:
        ask_passphrase("CA passphrase", confirm=False, stdin=io.StringIO("typed\n"))
    assert exc.value.code == "passphrase_needed"
    assert "--passphrase-file" in exc.value.message
