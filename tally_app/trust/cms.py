"""Detached CMS signatures for results files (DESIGN §9): ``FILE.p7s`` beside ``FILE``.

Signing uses `cryptography` (DER, SHA-256, the signer certificate inside, binary content) so
that ``openssl cms -verify -binary`` accepts it. Verifying uses pyHanko with a certvalidator
``ValidationContext``: the signature must match the data, and with trust roots the signer
must chain to one of them at the time of verification. A ``.p7s`` from a USB drive is hostile:
every failure becomes a `SignatureCheck` with one sentence, never an exception.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from tally_app.trust.identity import Identity

if TYPE_CHECKING:
    from pyhanko_certvalidator import ValidationContext

# pyHanko logs each failed path with its traceback; with no logging set up, Python would print
# that on stderr. A NullHandler stops that; an application log still receives them.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

MAX_SIGNATURE_BYTES = 1024 * 1024
ACCEPTED_DIGESTS = frozenset({"sha256", "sha384", "sha512"})
CONTEXT_LIFETIME_S = 60.0  # a context validates "now" as of its creation; renew it each minute


def sign_detached(data: bytes, identity: Identity) -> bytes:
    """A detached CMS signature (DER) over ``data``, carrying the signer's certificate only.

    The verifier brings the county CA certificate (``--trust ca.pem``); a copy of it inside
    the signature would be bytes that no check depends on, and a bundle must have none.
    """
    builder = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(identity.certificate, identity.private_key, hashes.SHA256())
    )
    return builder.sign(
        serialization.Encoding.DER,
        [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
    )


@dataclass(frozen=True)
class SignatureCheck:
    """What a verifier learned about one detached signature."""

    intact: bool  # the signature matches the data
    trusted: bool  # chains to one of the trust roots (False when none were given)
    signer: str  # signer CN ("" when unknown)
    county_issued: bool  # the signer certificate is not self-signed
    problem: str | None  # one sentence if not intact, or (with roots) not trusted
    certificate_sha256: str = ""  # of the signer certificate's DER ("" when unknown)


def _broken(problem: str, signer: str = "", county_issued: bool = False) -> SignatureCheck:
    return SignatureCheck(
        intact=False, trusted=False, signer=signer, county_issued=county_issued, problem=problem
    )


_contexts: dict[tuple[bytes, ...], tuple[float, ValidationContext]] = {}


def _context(trust_roots: Sequence[x509.Certificate]) -> ValidationContext:
    """One ValidationContext per set of roots, renewed each minute (it fixes "now")."""
    from asn1crypto import x509 as ax509  # type: ignore[import-untyped]
    from pyhanko_certvalidator import ValidationContext

    key = tuple(c.public_bytes(serialization.Encoding.DER) for c in trust_roots)
    cached = _contexts.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < CONTEXT_LIFETIME_S:
        return cached[1]
    context = ValidationContext(trust_roots=[ax509.Certificate.load(der) for der in key])
    if len(_contexts) > 16:
        _contexts.clear()
    _contexts[key] = (now, context)
    return context


def _minimal_header(value: Any) -> bytes:
    """The DER tag and length bytes of an asn1crypto value (with its explicit wrappers)."""
    from asn1crypto import core  # type: ignore[import-untyped]

    header: bytes = core._dump_header(value.class_, value.method, value.tag, value.contents)
    for class_, tag in reversed(value.explicit or ()):
        header = core._dump_header(class_, 1, tag, header + value.contents) + header
    return header


def _canonical(value: Any) -> bool:
    return bool(value.copy().dump(force=True) == value.dump())


def _exact_der(info: Any) -> bool:
    """Every byte of the signature file is the one DER allows: re-encoding each part gives
    the same bytes, so no tag, length or unsigned field can change unnoticed. The
    certificates are checked by `cryptography`'s strict DER parser instead of being
    re-encoded (half the cost); their content is covered by the CA's signature."""
    signed = info["content"]
    if info._header != _minimal_header(info) or not _canonical(info["content_type"]):
        return False
    if signed._header != _minimal_header(signed) or signed["crls"].dump():
        return False
    for name in ("version", "digest_algorithms", "encap_content_info", "signer_infos"):
        if not _canonical(signed[name]):
            return False
    certificates = signed["certificates"]
    if certificates.dump():
        if certificates._header != _minimal_header(certificates):
            return False
        for choice in certificates:
            der = choice.dump()
            with warnings.catch_warnings():  # a certificate cryptography only tolerates
                warnings.simplefilter("error")  # (a negative serial) is refused, not warned of
                parsed = x509.load_der_x509_certificate(der)
            if parsed.public_bytes(serialization.Encoding.DER) != der:
                return False
            # The CA's signature over the certificate is a BIT STRING whose "unused bits"
            # byte no verifier reads: it must be the 0 that DER requires.
            if choice.chosen["signature_value"].contents[:1] != b"\x00":
                return False
    return True


def _parse(
    signature: bytes, *, strict: bool = True
) -> tuple[Any, x509.Certificate, str, bool] | str:
    """(SignedData, signer certificate, its name, county-issued), or why it is unusable."""
    from asn1crypto import cms as acms  # type: ignore[import-untyped]
    from asn1crypto import tsp  # type: ignore[import-untyped]  # noqa: F401

    # asn1crypto registers the signed-attribute types of ``tsp`` (signing_certificate_v2)
    # only when it is imported; parsing CMS before that would leave them unknown for every
    # later signature made in this process (a PDF signed after an aggregation).
    from tally_app.trust.identity import common_name, is_self_signed

    if not signature:
        return "The signature file is empty."
    if len(signature) > MAX_SIGNATURE_BYTES:
        return "The signature file is too large to be a detached signature."
    try:
        info = acms.ContentInfo.load(signature, strict=True)
        # Exactly DER: re-encoding every parsed value must give the same bytes back, so no
        # byte of the file (a length, a tag, an unsigned field) can change unnoticed.
        if strict and not _exact_der(info):
            return "The signature file is not in canonical DER form; it was changed or damaged."
        if info["content_type"].native != "signed_data":
            return "The signature file is not a CMS signed-data signature."
        signed = info["content"]
        signer_infos = signed["signer_infos"]
        if len(signer_infos) != 1:
            return f"The signature has {len(signer_infos)} signers instead of exactly one."
        by_name = signer_infos[0]["sid"].name == "issuer_and_serial_number"
        expected_version = "v1" if by_name else "v3"
        if (signed["version"].native, signer_infos[0]["version"].native) != (
            expected_version,
            expected_version,
        ):
            return "The signature's version numbers do not match its form (RFC 5652)."
        if signed["encap_content_info"]["content"].native is not None:
            return "The signature holds its own content instead of being detached."
        digest = signer_infos[0]["digest_algorithm"]["algorithm"].native
        if digest not in ACCEPTED_DIGESTS:
            return f"The signature uses the digest {digest}, which is not accepted (use SHA-256)."
        listed = [a["algorithm"].native for a in signed["digest_algorithms"]]
        if listed != [digest]:
            return "The signature's list of digest algorithms does not match its signer."
        sid = signer_infos[0]["sid"]
        signer_cert = None
        for choice in signed["certificates"] or ():
            cert = choice.chosen
            if sid.name == "issuer_and_serial_number":
                tbs, wanted = cert["tbs_certificate"], sid.chosen
                match = (
                    tbs["serial_number"].dump() == wanted["serial_number"].dump()
                    and tbs["issuer"].dump() == wanted["issuer"].dump()
                )
            else:
                match = cert.key_identifier == sid.chosen.native
            if match:
                signer_cert = cert
                break
        if signer_cert is None:
            return "The signature does not carry the signer's certificate."
        crypto_cert = x509.load_der_x509_certificate(signer_cert.dump())
        signer, county_issued = common_name(crypto_cert), not is_self_signed(crypto_cert)
    except Exception:  # hostile bytes: any parse failure is "not a signature"
        return "The signature file is damaged or is not a CMS signature."
    return signed, crypto_cert, signer, county_issued


def verify_detached(
    data: bytes, signature: bytes, trust_roots: Sequence[x509.Certificate] = ()
) -> SignatureCheck:
    """Check a detached CMS signature over ``data``; never raises for bad input.

    Runs its own event loop; from inside a running loop, await `verify_detached_async`.
    """
    return asyncio.run(verify_detached_async(data, signature, trust_roots))


_trusted: dict[tuple[tuple[bytes, ...], str], tuple[float, bool]] = {}


def _known_trust(roots_key: tuple[bytes, ...], cert_sha256: str) -> bool | None:
    """Whether this certificate's chain to these roots was already validated (within the
    lifetime of a validation context): the supervisor meets the same device twice a bundle."""
    known = _trusted.get((roots_key, cert_sha256))
    if known is None or time.monotonic() - known[0] >= CONTEXT_LIFETIME_S:
        return None
    return known[1]


def _integrity(signed: Any, data: bytes) -> bool:
    """The signature math alone (intact and valid), for a certificate already validated."""
    from pyhanko.sign.validation.generic_cms import (
        extract_certs_for_validation,
        extract_signer_info,
        validate_sig_integrity,
    )

    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    signer_info = extract_signer_info(signed)
    intact, valid = validate_sig_integrity(
        signer_info,
        extract_certs_for_validation(signed).signer_cert,
        expected_content_type=signed["encap_content_info"]["content_type"].native,
        actual_digest=digest.finalize(),
    )
    return bool(intact and valid)


async def verify_detached_async(
    data: bytes,
    signature: bytes,
    trust_roots: Sequence[x509.Certificate] = (),
    *,
    strict: bool = True,
) -> SignatureCheck:
    """`verify_detached` as a coroutine.

    ``strict=False`` skips the exact-DER check, for a signature file whose bytes are already
    pinned by another signed hash (results.json.p7s under a bundle's signed manifest).
    """
    parsed = _parse(signature, strict=strict)
    if isinstance(parsed, str):
        return _broken(parsed)
    signed, cert, signer, county_issued = parsed
    from pyhanko.sign.validation import async_validate_detached_cms

    cert_sha256 = cert.fingerprint(hashes.SHA256()).hex()
    roots_key = tuple(c.public_bytes(serialization.Encoding.DER) for c in trust_roots)
    known = _known_trust(roots_key, cert_sha256)
    try:
        if known is not None:
            intact, trusted = _integrity(signed, data), known
        else:
            status = await async_validate_detached_cms(
                data, signed, signer_validation_context=_context(trust_roots)
            )
            intact = bool(status.intact and status.valid)
            trusted = bool(trust_roots) and bool(status.trusted)
            if intact:
                if len(_trusted) > 4096:
                    _trusted.clear()
                _trusted[(roots_key, cert_sha256)] = (time.monotonic(), trusted)
    except Exception:  # pyHanko rejects malformed structures by raising
        return _broken(f"The signature by {signer} cannot be checked; it is malformed.", signer)
    if not intact:
        return _broken(
            f"The signature by {signer} does not match the file; the file or its signature "
            "was changed.",
            signer,
            county_issued,
        )
    problem = None
    if trust_roots and not trusted:
        now = datetime.now(UTC)
        if not county_issued:
            problem = f"The signer {signer} is self-signed, not county-issued."
        elif not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            problem = (
                f"The signer {signer}'s certificate is not valid now (valid "
                f"{cert.not_valid_before_utc:%Y-%m-%d} to {cert.not_valid_after_utc:%Y-%m-%d})."
            )
        else:
            problem = f"The signer {signer} is not certified by the trusted county CA."
    return SignatureCheck(
        intact=True,
        trusted=trusted,
        signer=signer,
        county_issued=county_issued,
        problem=problem,
        certificate_sha256=cert_sha256,
    )
