"""The county's small certificate authority (DESIGN §9): make it, issue device identities.

``DIR/ca.pem`` is the CA certificate (the trust root every verifier is given) and
``DIR/ca-key.pem`` its EC P-256 key, PKCS#8 encrypted with the CA passphrase (§13). Nothing
here overwrites an existing CA or device file: a lost CA key is a new CA, not a silent swap.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tally_app.atomic_file import write_atomically
from tally_app.clock import Clock
from tally_app.errors import InputError
from tally_app.trust.identity import (
    MAX_P12_BYTES,
    check_name,
    check_new_passphrase,
    common_name,
    device_certificate,
    identity_p12_bytes,
    make_identity,
    new_key,
    read_limited,
    write_private,
)

CA_YEARS = 10
CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
MAX_ROOTS_BYTES = 1024 * 1024


def _refuse_existing(path: Path, what: str) -> None:
    if path.exists() or path.is_symlink():
        raise InputError(
            "would_overwrite",
            f"{path} already exists; {what} is never overwritten, choose another path.",
            path=str(path),
        )


def create_ca(out_dir: Path, name: str, passphrase: bytes, *, clock: Clock) -> Path:
    """A new county CA in ``out_dir``; returns the path of ``ca.pem``."""
    out_dir = Path(out_dir)
    check_name(name, "CA name", "'Example County'")
    check_new_passphrase(passphrase)
    cert_path, key_path = out_dir / CA_CERT, out_dir / CA_KEY
    _refuse_existing(cert_path, "a CA certificate")
    _refuse_existing(key_path, "a CA key")
    key = new_key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
        ]
    )
    now = clock.now().astimezone(dt.UTC).replace(microsecond=0)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS + 2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    write_private(key_path, key_pem)
    write_atomically(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path


def load_ca(ca_dir: Path, passphrase: bytes) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The CA's key and certificate; one sentence if either is missing, wrong or mismatched."""
    ca_dir = Path(ca_dir)
    certs = load_trust_roots(ca_dir / CA_CERT)
    key_path = ca_dir / CA_KEY
    key_pem = read_limited(key_path, MAX_P12_BYTES, "CA key file")
    try:
        key = serialization.load_pem_private_key(key_pem, passphrase)
    except TypeError:
        raise InputError(
            "ca_key_not_encrypted",
            f"{key_path} is not encrypted; a CA key must be, make a new CA.",
            path=str(key_path),
        ) from None
    except ValueError:
        raise InputError(
            "wrong_passphrase",
            f"The passphrase does not open {key_path}; check the CA passphrase (or its file).",
            path=str(key_path),
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise InputError(
            "ca_key_not_ec", f"{key_path} is not an EC key; make a new CA.", path=str(key_path)
        )
    cert = certs[0]
    if cert.public_key() != key.public_key():
        raise InputError(
            "ca_key_mismatch",
            f"{ca_dir / CA_CERT} does not belong to {key_path}; use the folder made by "
            "'tally-app keys create-ca'.",
            path=str(ca_dir),
        )
    return key, cert


def issue_device(
    ca_dir: Path,
    device_id: str,
    ca_passphrase: bytes,
    out_p12: Path,
    device_passphrase: bytes,
    *,
    clock: Clock,
) -> Path:
    """A device identity signed by the CA, as an encrypted .p12 holding key, cert and CA cert."""
    out_p12 = Path(out_p12)
    check_name(device_id, "device id", "laptop-07")
    _refuse_existing(out_p12, "a device identity")
    ca_key, ca_cert = load_ca(ca_dir, ca_passphrase)
    key = new_key()
    cert = device_certificate(
        device_id, common_name(ca_cert), key, issuer=ca_cert, issuer_key=ca_key, clock=clock
    )
    identity = make_identity(key, cert, (ca_cert,))
    out_p12.parent.mkdir(parents=True, exist_ok=True)
    write_private(out_p12, identity_p12_bytes(identity, device_passphrase))
    return out_p12


def load_trust_roots(path: Path) -> tuple[x509.Certificate, ...]:
    """Every certificate of a PEM file (the county CA, maybe an older one beside it)."""
    data = read_limited(Path(path), MAX_ROOTS_BYTES, "CA certificate file")
    try:
        certs = tuple(x509.load_pem_x509_certificates(data))
    except ValueError:
        raise InputError(
            "not_pem_certificates",
            f"{path} holds no PEM certificate; give the county's ca.pem.",
            path=str(path),
        ) from None
    return certs
