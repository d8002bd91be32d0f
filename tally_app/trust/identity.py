"""Device identities (DESIGN §9): an EC P-256 key with its certificate, kept in PKCS#12.

A county-issued identity comes from ``tally-app keys issue-device``; a laptop without one makes
a self-signed identity on first run, and everything signed with that says "not
county-issued". Private keys are encrypted at rest (§13): PKCS#12 with AES-256 (PBES2) and a
SHA-256 MAC. A .p12 may come from a USB drive, so it is read with a size limit and every
failure is one sentence; the passphrase never appears in a message.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tally_app import bounded_read
from tally_app.atomic_file import write_atomically
from tally_app.clock import Clock
from tally_app.errors import InputError

MAX_P12_BYTES = 1024 * 1024
DEVICE_YEARS = 2
KDF_ROUNDS = 200_000
COUNTY_P12 = "county-device.p12"
SELF_SIGNED_P12 = "self-signed.p12"


@dataclass(frozen=True)
class Identity:
    """Who signs: the key, its certificate and the issuer certificates (the county CA)."""

    device_id: str  # the certificate's CN
    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # issuer certificates; empty if self-signed
    county_issued: bool  # False for self-signed

    def __repr__(self) -> str:  # never the key
        return f"Identity(device_id={self.device_id!r}, county_issued={self.county_issued})"


# --- certificates ------------------------------------------------------------------------


def common_name(cert: x509.Certificate) -> str:
    """The subject's CN, or the whole subject when there is none."""
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else cert.subject.rfc4514_string()
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, as 64 lowercase hex digits."""
    return cert.fingerprint(hashes.SHA256()).hex()


def is_self_signed(cert: x509.Certificate) -> bool:
    """Issued by itself (issuer equals subject): never county-issued, whether or not its
    own signature is intact (a damaged one must not make it look county-issued)."""
    return bool(cert.issuer == cert.subject)


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def device_certificate(
    device_id: str,
    organization: str | None,
    key: ec.EllipticCurvePrivateKey,
    *,
    issuer: x509.Certificate | None,
    issuer_key: ec.EllipticCurvePrivateKey,
    clock: Clock,
) -> x509.Certificate:
    """A device certificate: digitalSignature + nonRepudiation, and no extended key usage.

    nonRepudiation because pyHanko's default policy refuses a signer without it; no EKU so
    that ``openssl cms -verify -purpose any`` and pyHanko accept it (DESIGN §9). Self-signed
    when ``issuer`` is None.
    """
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, device_id)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    subject = x509.Name(attributes)
    now = clock.now().astimezone(dt.UTC).replace(microsecond=0)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * DEVICE_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer.public_key() if issuer else key.public_key()  # type: ignore[arg-type]
            ),
            critical=False,
        )
    )
    return builder.sign(issuer_key, hashes.SHA256())


def make_identity(
    key: ec.EllipticCurvePrivateKey,
    certificate: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
) -> Identity:
    return Identity(
        device_id=common_name(certificate),
        private_key=key,
        certificate=certificate,
        chain=chain,
        county_issued=not is_self_signed(certificate),
    )


def self_signed_identity(device_id: str, *, clock: Clock) -> Identity:
    """A throw-away identity, in memory; what it signs says "not county-issued"."""
    key = new_key()
    cert = device_certificate(device_id, None, key, issuer=None, issuer_key=key, clock=clock)
    return make_identity(key, cert, ())


# --- PKCS#12 -----------------------------------------------------------------------------


def p12_encryption(passphrase: bytes) -> serialization.KeySerializationEncryption:
    """AES-256-CBC with PBKDF2 (PBES2) and a SHA-256 MAC: what OpenSSL 3 opens by default."""
    return (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(passphrase)
    )


MAX_PASSPHRASE_BYTES = 1023  # what the key-encryption code accepts
MAX_NAME_CHARS = 64  # an X.509 common name


def check_new_passphrase(passphrase: bytes) -> bytes:
    """A passphrase to protect a new key with: not empty, not longer than the encryption takes."""
    if not passphrase:
        raise InputError("passphrase_empty", "The passphrase is empty; choose one.")
    if len(passphrase) > MAX_PASSPHRASE_BYTES:
        raise InputError(
            "passphrase_too_long",
            f"The passphrase is longer than {MAX_PASSPHRASE_BYTES} bytes; choose a shorter one.",
        )
    return passphrase


def check_name(text: str, what: str, example: str) -> str:
    """A name that goes into a certificate: 1 to 64 characters, no control characters."""
    if not text.strip():
        raise InputError(
            "certificate_name_empty", f"The {what} is empty; give one, e.g. {example}."
        )
    if len(text) > MAX_NAME_CHARS:
        raise InputError(
            "certificate_name_too_long",
            f"The {what} has {len(text)} characters; a certificate takes at most "
            f"{MAX_NAME_CHARS}, so shorten it.",
        )
    if not text.isprintable():
        raise InputError(
            "certificate_name_unprintable",
            f"The {what} holds a line break or another control character; type it on one line.",
        )
    return text


def identity_p12_bytes(identity: Identity, passphrase: bytes) -> bytes:
    """The identity as an encrypted PKCS#12, for storing."""
    check_new_passphrase(passphrase)
    return pkcs12.serialize_key_and_certificates(
        name=identity.device_id.encode("utf-8"),
        key=identity.private_key,
        cert=identity.certificate,
        cas=list(identity.chain) or None,
        encryption_algorithm=p12_encryption(passphrase),
    )


_READ_CODES = {
    "missing": "file_missing",
    "symlink": "file_is_symlink",
    "not_a_file": "not_a_file",
    "too_large": "file_too_large",
}


def read_limited(path: Path, limit: int, what: str) -> bytes:
    """A regular file's bytes, at most ``limit``, never through a symbolic link; one
    sentence when it cannot be read."""
    try:
        return bounded_read.read_limited(path, limit, follow_symlinks=False)
    except bounded_read.UnsafeFile as exc:
        advice = {
            "missing": "does not exist; check the path",
            "symlink": "is a symbolic link; give the file itself",
            "not_a_file": "is not a file; give a file",
            "too_large": f"is larger than {limit // 1024} KiB; it is not one",
        }.get(
            exc.kind,
            f"cannot be read ({exc.reason or 'permission denied'}); check the path and its permissions",
        )
        raise InputError(
            _READ_CODES.get(exc.kind, "file_unreadable"),
            f"The {what} {path} {advice}.",
            path=str(path),
        ) from None


def _looks_like_pkcs12(data: bytes) -> bool:
    """A DER SEQUENCE whose first element is INTEGER 3 (the PFX version)."""
    try:
        from asn1crypto import pkcs12 as apkcs12  # type: ignore[import-untyped]

        pfx = apkcs12.Pfx.load(data, strict=True)
        return bool(pfx["version"].native == "v3")
    except Exception:  # hostile bytes: anything failing means "not a PKCS#12"
        return False


def identity_from_p12(data: bytes, passphrase: bytes, source: str) -> Identity:
    """Open PKCS#12 bytes; every way it can be wrong is one sentence naming ``source``."""
    if not _looks_like_pkcs12(data):
        raise InputError(
            "not_pkcs12",
            f"{source} is not a PKCS#12 (.p12) identity file; give the file made by "
            "'tally-app keys issue-device'.",
            path=source,
        )
    try:
        bundle = pkcs12.load_pkcs12(data, passphrase)
    except (ValueError, TypeError):
        raise InputError(
            "wrong_passphrase",
            f"The passphrase does not open {source}; check the passphrase (or its file).",
            path=source,
        ) from None
    key, cert = bundle.key, bundle.cert.certificate if bundle.cert else None
    if key is None or cert is None:
        raise InputError(
            "p12_incomplete",
            f"{source} does not hold both a private key and its certificate; "
            "issue the device identity again.",
            path=source,
        )
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise InputError(
            "p12_not_p256",
            f"The key in {source} is not an EC P-256 key; issue the device identity again "
            "with 'tally-app keys issue-device'.",
            path=source,
        )
    if cert.public_key() != key.public_key():
        raise InputError(
            "p12_key_mismatch",
            f"The certificate in {source} does not belong to its private key; "
            "issue the device identity again.",
            path=source,
        )
    chain = tuple(c.certificate for c in bundle.additional_certs)
    return make_identity(key, cert, chain)


def load_identity(path: Path, passphrase: bytes) -> Identity:
    """A device identity from a .p12 file (treated as hostile input)."""
    data = read_limited(Path(path), MAX_P12_BYTES, "identity file")
    return identity_from_p12(data, passphrase, str(path))


# --- this laptop's identity --------------------------------------------------------------


def identity_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "identity"


def write_private(path: Path, data: bytes) -> None:
    """Atomic write of an owner-only (0600) file; the folder is made owner-only (0700) first."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomically(path, data, mode=0o600)
    os.chmod(path, 0o600)  # against a umask or a file system that widened it


def _store(path: Path, data: bytes, cert: x509.Certificate) -> None:
    """The .p12 and, beside it, its certificate as .pem (readable without the passphrase)."""
    write_private(path, data)
    write_atomically(path.with_suffix(".pem"), cert.public_bytes(serialization.Encoding.PEM))


def local_identity(data_dir: Path, passphrase: bytes, *, clock: Clock, create: bool) -> Identity:
    """The laptop's identity: county-issued if installed, else self-signed (made if ``create``)."""
    folder = identity_dir(data_dir)
    for name in (COUNTY_P12, SELF_SIGNED_P12):
        if (folder / name).exists():
            return load_identity(folder / name, passphrase)
    if not create:
        raise InputError(
            "no_identity",
            "This laptop has no signing identity yet; install one with "
            "'tally-app keys use-device FILE.p12'.",
        )
    identity = self_signed_identity(f"laptop-{secrets.token_hex(4)}", clock=clock)
    _store(folder / SELF_SIGNED_P12, identity_p12_bytes(identity, passphrase), identity.certificate)
    return identity


def local_identity_status(data_dir: Path) -> Literal["county", "self-signed", "none"]:
    folder = identity_dir(data_dir)
    if (folder / COUNTY_P12).exists():
        return "county"
    if (folder / SELF_SIGNED_P12).exists():
        return "self-signed"
    return "none"


def local_certificate(data_dir: Path) -> x509.Certificate | None:
    """The certificate of the identity in use, from the .pem beside its .p12, if readable."""
    status = local_identity_status(data_dir)
    if status == "none":
        return None
    name = COUNTY_P12 if status == "county" else SELF_SIGNED_P12
    pem = identity_dir(data_dir) / Path(name).with_suffix(".pem")
    try:
        return x509.load_pem_x509_certificate(read_limited(pem, MAX_P12_BYTES, "certificate"))
    except (InputError, ValueError):
        return None


def install_county_identity(data_dir: Path, p12: Path, passphrase: bytes) -> Identity:
    """Check that the county .p12 opens with the passphrase, then copy it in atomically."""
    data = read_limited(Path(p12), MAX_P12_BYTES, "identity file")
    identity = identity_from_p12(data, passphrase, str(p12))
    if not identity.county_issued:
        raise InputError(
            "identity_self_signed",
            f"{p12} holds a self-signed identity, not a county-issued one; "
            "use the file made by 'tally-app keys issue-device'.",
            path=str(p12),
        )
    _store(identity_dir(data_dir) / COUNTY_P12, data, identity.certificate)
    return identity
