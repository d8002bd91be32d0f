"""Detached CMS signatures (DESIGN §9): ours verified by openssl, openssl's verified by ours,
and hostile signature files turned into one sentence, never an exception."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from tally_app.clock import FixedClock, SystemClock
from tally_app.trust import authority, identity
from tally_app.trust.cms import sign_detached, verify_detached

CA_PW = b"ca-pw"
DEV_PW = b"dev-pw"
DATA = b'{"Election": "results", "votes": 1234}\n\x00\xff binary tail\r\n'
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")


class PKI:
    def __init__(self, root: Path, name: str) -> None:
        clock = SystemClock()
        self.ca_dir = root / name
        self.ca_pem = authority.create_ca(self.ca_dir, f"{name} County", CA_PW, clock=clock)
        self.p12 = authority.issue_device(
            self.ca_dir, f"{name}-laptop", CA_PW, root / f"{name}.p12", DEV_PW, clock=clock
        )
        self.identity = identity.load_identity(self.p12, DEV_PW)
        self.roots = authority.load_trust_roots(self.ca_pem)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return PKI(tmp_path_factory.mktemp("pki"), "alpha")


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return PKI(tmp_path_factory.mktemp("pki2"), "beta")


def _openssl(*args: str) -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], capture_output=True, timeout=30)


def test_intact_and_trusted_with_the_county_ca(county: PKI) -> None:
    check = verify_detached(DATA, sign_detached(DATA, county.identity), county.roots)
    assert check.intact and check.trusted and check.county_issued
    assert check.signer == "alpha-laptop" and check.problem is None


def test_intact_but_not_trusted_without_roots(county: PKI) -> None:
    check = verify_detached(DATA, sign_detached(DATA, county.identity))
    assert check.intact and not check.trusted and check.county_issued and check.problem is None


def test_another_county_is_not_trusted(county: PKI, other: PKI) -> None:
    check = verify_detached(DATA, sign_detached(DATA, other.identity), county.roots)
    assert check.intact and not check.trusted and check.county_issued
    assert check.problem is not None and "beta-laptop" in check.problem


def test_two_roots_either_trusts(county: PKI, other: PKI) -> None:
    roots = county.roots + other.roots
    assert verify_detached(DATA, sign_detached(DATA, other.identity), roots).trusted
    assert verify_detached(DATA, sign_detached(DATA, county.identity), roots).trusted


def test_self_signed_is_intact_but_not_county_issued(county: PKI) -> None:
    me = identity.self_signed_identity("laptop-0badf00d", clock=SystemClock())
    check = verify_detached(DATA, sign_detached(DATA, me), county.roots)
    assert check.intact and not check.trusted and not check.county_issued
    assert check.signer == "laptop-0badf00d"
    assert check.problem is not None and "not county-issued" in check.problem


def test_changed_data_is_not_intact(county: PKI) -> None:
    sig = sign_detached(DATA, county.identity)
    flipped = bytearray(DATA)
    flipped[5] ^= 0x01
    check = verify_detached(bytes(flipped), sig, county.roots)
    assert not check.intact and not check.trusted
    assert check.problem is not None and "changed" in check.problem


def test_expired_certificate_is_not_trusted(tmp_path: Path) -> None:
    past = FixedClock(dt.datetime(2015, 1, 1, tzinfo=dt.UTC))
    ca = authority.create_ca(tmp_path / "ca", "Old County", CA_PW, clock=past)
    p12 = authority.issue_device(
        tmp_path / "ca", "old", CA_PW, tmp_path / "o.p12", DEV_PW, clock=past
    )
    check = verify_detached(
        DATA,
        sign_detached(DATA, identity.load_identity(p12, DEV_PW)),
        authority.load_trust_roots(ca),
    )
    assert check.intact and not check.trusted
    assert check.problem is not None and "not valid now" in check.problem


@needs_openssl
def test_openssl_verifies_our_signature(county: PKI, tmp_path: Path) -> None:
    content, sig = tmp_path / "results.json", tmp_path / "results.json.p7s"
    content.write_bytes(DATA)
    sig.write_bytes(sign_detached(DATA, county.identity))
    argv = [
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-content",
        str(content),
        "-in",
        str(sig),
        "-CAfile",
        str(county.ca_pem),
        "-purpose",
        "any",
        "-out",
        os.devnull,
    ]
    ok = _openssl(*argv)
    assert ok.returncode == 0, ok.stderr
    flipped = bytearray(DATA)
    flipped[-3] ^= 0x20
    content.write_bytes(bytes(flipped))
    assert _openssl(*argv).returncode != 0


@needs_openssl
def test_openssl_signature_verified_by_us(county: PKI, tmp_path: Path) -> None:
    """An independent producer: `openssl cms -sign` with the device key and certificate."""
    key, cert, content = tmp_path / "k.pem", tmp_path / "c.pem", tmp_path / "data"
    key.write_bytes(
        county.identity.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert.write_bytes(county.identity.certificate.public_bytes(serialization.Encoding.PEM))
    content.write_bytes(DATA)
    made = _openssl(
        "cms",
        "-sign",
        "-binary",
        "-outform",
        "DER",
        "-in",
        str(content),
        "-signer",
        str(cert),
        "-inkey",
        str(key),
        "-md",
        "sha256",
    )
    assert made.returncode == 0, made.stderr
    check = verify_detached(DATA, made.stdout, county.roots)
    assert check.intact and check.trusted and check.signer == "alpha-laptop"
    assert not verify_detached(DATA + b" ", made.stdout, county.roots).intact
    sha1 = _openssl(
        "cms",
        "-sign",
        "-binary",
        "-outform",
        "DER",
        "-in",
        str(content),
        "-signer",
        str(cert),
        "-inkey",
        str(key),
        "-md",
        "sha1",
    )
    if sha1.returncode == 0:
        weak = verify_detached(DATA, sha1.stdout, county.roots)
        assert not weak.intact and weak.problem is not None and "sha1" in weak.problem


def test_two_signers_are_refused(county: PKI, other: PKI) -> None:
    sig = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(DATA)
        .add_signer(county.identity.certificate, county.identity.private_key, hashes.SHA256())
        .add_signer(other.identity.certificate, other.identity.private_key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
        )
    )
    check = verify_detached(DATA, sig, county.roots + other.roots)
    assert not check.intact and check.problem is not None and "2 signers" in check.problem


def test_attached_signature_is_refused(county: PKI) -> None:
    sig = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(DATA)
        .add_signer(county.identity.certificate, county.identity.private_key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    )
    check = verify_detached(DATA, sig, county.roots)
    assert not check.intact and check.problem is not None and "detached" in check.problem


def test_signature_without_certificate_is_refused(county: PKI) -> None:
    sig = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(DATA)
        .add_signer(county.identity.certificate, county.identity.private_key, hashes.SHA256())
        .sign(
            serialization.Encoding.DER,
            [
                pkcs7.PKCS7Options.DetachedSignature,
                pkcs7.PKCS7Options.Binary,
                pkcs7.PKCS7Options.NoCerts,
            ],
        )
    )
    check = verify_detached(DATA, sig, county.roots)
    assert not check.intact and check.problem is not None and "certificate" in check.problem


def test_hostile_signature_bytes_never_raise(county: PKI) -> None:
    good = sign_detached(DATA, county.identity)
    cases = [
        b"",
        os.urandom(600),
        good[: len(good) // 2],
        good[:-1],
        good + b"\x00",
        b"\x30\x80" * 100,
        b"\x30\x03\x02\x01\x03",
    ]
    # every single-byte corruption in the structure's first part
    cases += [good[:i] + bytes([good[i] ^ 0xFF]) + good[i + 1 :] for i in range(0, 120, 3)]
    refused = 0
    for case in cases:
        check = verify_detached(DATA, case, county.roots)  # never raises
        if not check.intact:
            refused += 1
            assert check.problem and check.problem.endswith(".") and not check.trusted
    # Only bytes outside the signed part (e.g. the unsigned outer digest list) may be changed
    # without breaking the signature; the first seven cases are all broken.
    assert refused >= len(cases) // 2
    assert all(not verify_detached(DATA, case, county.roots).intact for case in cases[:7])


def test_garbage_sentences() -> None:
    assert verify_detached(DATA, b"").problem == "The signature file is empty."
    check = verify_detached(DATA, b"not der at all")
    assert not check.intact and check.problem is not None and "not a CMS" in check.problem


def test_untrusted_check_prints_nothing(county: PKI) -> None:
    """pyHanko logs failed paths with a traceback; none of it may reach the terminal.

    Run in a fresh interpreter: pytest's own log capture would hide a leak here.
    """
    import sys

    script = (
        "import sys\n"
        "from tally_app.clock import SystemClock\n"
        "from tally_app.trust import authority, identity, cms\n"
        "me = identity.self_signed_identity('quiet', clock=SystemClock())\n"
        "roots = authority.load_trust_roots(__import__('pathlib').Path(sys.argv[1]))\n"
        "c = cms.verify_detached(b'x', cms.sign_detached(b'x', me), roots)\n"
        "assert c.intact and not c.trusted\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(county.ca_pem)], capture_output=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout == b"" and done.stderr == b"", done.stderr


def test_async_form_inside_a_running_loop(county: PKI) -> None:
    import asyncio

    from tally_app.trust.cms import verify_detached_async

    async def inside() -> bool:
        check = await verify_detached_async(
            DATA, sign_detached(DATA, county.identity), county.roots
        )
        return check.intact and check.trusted

    assert asyncio.run(inside())


@pytest.mark.parametrize("which", ["county", "other"])
def test_every_single_changed_byte_of_a_signature_is_caught(
    which: str, county: PKI, other: PKI
) -> None:
    """No byte of a signature file is free: a bundle must fail on any changed byte."""
    pki = county if which == "county" else other
    signature = sign_detached(DATA, pki.identity)
    survivors = []
    for at in range(len(signature)):
        for flip in (0x01, 0x80):
            changed = bytearray(signature)
            changed[at] ^= flip
            check = verify_detached(DATA, bytes(changed), pki.roots)
            if check.intact and check.trusted:
                survivors.append((at, flip))
    assert survivors == []
