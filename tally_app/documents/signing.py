"""PAdES signatures on the PDFs the app prints (DESIGN §9): sign with the device identity,
check a signed file.

Signing is pyHanko's plain PAdES baseline B-B path (the same calls as
``shared/floors/floor_sign.py``) with four adjustments so that a signed file is reproducible
apart from its signature value (DESIGN §8):

- the signing time is the app's injected clock (``when``), not pyHanko's ``datetime.now()``;
- the document's modification date (``/ModDate`` and the XMP ``xmp:ModifyDate``) is ``when``
  too;
- the second half of the trailer ``/ID`` (and the first, when the file has none), which
  pyHanko draws at random, is derived from the unsigned bytes and ``when``;
- the space reserved for the signature is computed from the certificates, not measured by a
  trial signature (an ECDSA signature's DER length varies by a byte or two, which would move
  the ``/ByteRange``).

So two signings of the same PDF at the same ``when`` differ only inside ``/Contents``
(ECDSA is randomised). The signature is an incremental update: the unsigned bytes stay a
prefix of the signed file. PAdES forbids a CMS signing-time attribute; the time is the
signature dictionary's ``/M``.

Checking treats the PDF as hostile: every failure is a `PdfSignatureCheck` with one
sentence, never an exception. pyHanko is imported inside the functions (0.4 s to import).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from tally_app.trust import cms as _cms  # also silences pyHanko's loggers
from tally_app.trust.identity import Identity, common_name, is_self_signed

# Bytes of CMS structure around the certificates (signed attributes, the ECDSA value,
# algorithm identifiers); measured at about 600 for P-256, doubled for headroom.
CMS_OVERHEAD_BYTES = 2048


def _reserved_hex_digits(identity: Identity) -> int:
    """Room for the CMS in ``/Contents`` (hex digits, so twice its bytes), fixed for an
    identity so that the ``/ByteRange`` does not depend on the signature value's length."""
    certs = (identity.certificate, *identity.chain)
    der = sum(len(c.public_bytes(serialization.Encoding.DER)) for c in certs)
    return 2 * (der + CMS_OVERHEAD_BYTES)


def _simple_signer(identity: Identity) -> Any:
    """A pyHanko SimpleSigner built in memory from the identity (no key ever on disk)."""
    from asn1crypto import keys as akeys  # type: ignore[import-untyped]
    from asn1crypto import x509 as ax509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key_der = identity.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    chain = [
        ax509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in identity.chain
    ]
    return signers.SimpleSigner(
        signing_cert=ax509.Certificate.load(
            identity.certificate.public_bytes(serialization.Encoding.DER)
        ),
        signing_key=akeys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )


def sign_pdf(
    pdf: bytes,
    identity: Identity,
    *,
    when: datetime,
    reason: str,
    location: str | None = None,
    field_name: str = "BoardSignature",
) -> bytes:
    """``pdf`` with an invisible PAdES B-B signature by ``identity`` appended, signed at
    ``when`` (timezone-aware, from the app's clock)."""
    if when.tzinfo is None:
        raise ValueError("the signing time must carry a time zone")
    from pyhanko.pdf_utils.generic import ArrayObject, ByteStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import DocumentMetadata
    from pyhanko.sign import fields, signers

    class _SignedAt(DocumentMetadata):  # type: ignore[misc]
        """Metadata whose modification date is ``when``: pyHanko sets it to "now" as it writes
        the /Info /ModDate and the XMP xmp:ModifyDate; this ignores that."""

        @property  # type: ignore[override]
        def last_modified(self) -> datetime:
            return when

        @last_modified.setter
        def last_modified(self, _value: object) -> None:
            pass

    class _Writer(IncrementalPdfFileWriter):  # type: ignore[misc]
        def __init__(self, stream: io.BytesIO) -> None:
            super().__init__(stream)
            self._meta = _SignedAt()

        @classmethod
        def _handle_id(cls, prev: Any) -> Any:
            # pyHanko keeps the first /ID half (drawing it at random when the file has no
            # /ID) and draws the second at random; derive what it would draw.
            kept = super()._handle_id(prev)[0]
            seed = hashlib.sha256(pdf + when.isoformat().encode("ascii")).digest()
            first = kept if "/ID" in prev.trailer else ByteStringObject(seed[16:])
            return ArrayObject([first, ByteStringObject(seed[:16])])

    class _Signer(signers.PdfSigner):  # type: ignore[misc]
        def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
            session = super().init_signing_session(pdf_out, existing_fields_only)
            session.system_time = when  # the /M date (and a CMS signing time, were it CAdES)
            return session

    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    writer = _Writer(io.BytesIO(pdf))
    out = _Signer(meta, signer=_simple_signer(identity)).sign_pdf(
        writer, bytes_reserved=_reserved_hex_digits(identity), output=io.BytesIO()
    )
    return bytes(out.getvalue())


@dataclass(frozen=True)
class PdfSignatureCheck:
    """What a verifier learned about the one signature of a PDF."""

    intact: bool  # the signed bytes hash to the value in the signature
    valid: bool  # the signature value verifies with the signer's key
    trusted: bool  # the signer chains to one of the trust roots (False when none were given)
    signer: str  # signer CN ("" when unknown)
    county_issued: bool  # the signer certificate is not self-signed
    covers_whole_file: bool  # nothing was appended after the signature
    problem: str | None  # one sentence when something is wrong (with roots: also untrusted)


def _broken(problem: str, signer: str = "", county_issued: bool = False) -> PdfSignatureCheck:
    return PdfSignatureCheck(
        intact=False,
        valid=False,
        trusted=False,
        signer=signer,
        county_issued=county_issued,
        covers_whole_file=False,
        problem=problem,
    )


def _container_problem(pdf: bytes, embedded: Any) -> str | None:
    """Why the bytes of ``/Contents`` are not one plain signature followed by zero padding.

    The signature does not cover ``/Contents`` itself, and pyHanko ignores what follows the
    CMS and several of its unsigned fields. Requiring the hex string exactly as written
    (upper case, no white space), zero padding (and no padding swallowed
    by an enlarged length), one signer named exactly as its certificate, versions and
    a digest list that agree with the signer (as `tally_app.trust.cms` does for ``.p7s``), no
    unsigned extras, and genuine carried certificates leaves no byte that could change
    unnoticed. (A forced DER re-encoding would also do, but with pyHanko loaded asn1crypto
    takes 0.2 s for it.)
    """
    from asn1crypto import cms as acms

    try:
        raw = bytes(embedded.pkcs7_content)
        _, gap_start, gap_end, _ = (int(x) for x in embedded.byte_range)
        if pdf[gap_start:gap_end] != b"<" + raw.hex().upper().encode("ascii") + b">":
            # hex digits may be written in either case or with white space between them
            return "The PDF's signature is not written as pyHanko writes it; it was changed."
        info = acms.ContentInfo.load(raw)
        der = info.dump()
        acms.ContentInfo.load(der, strict=True)
        signed = info["content"]
        signer_infos = signed["signer_infos"]
        if raw[len(der) :].strip(b"\0"):
            return "The PDF's signature space holds bytes after the signature; it was changed."
        if not der.endswith(signer_infos[-1]["signature"].dump()):
            # a length on the last-element path was enlarged to swallow padding zeros
            return "The PDF's signature is not in DER form; it was changed or damaged."
        if info["content_type"].native != "signed_data" or len(signer_infos) != 1:
            return "The PDF's signature is not a CMS signature by exactly one signer."
        signer_info = signer_infos[0]
        by_name = signer_info["sid"].name == "issuer_and_serial_number"
        expected = "v1" if by_name else "v3"
        encap = signed["encap_content_info"]
        sid, tbs = signer_info["sid"].chosen, embedded.signer_cert["tbs_certificate"]
        names_signer = (
            tbs["issuer"].dump() == sid["issuer"].dump()
            and tbs["serial_number"].dump() == sid["serial_number"].dump()
            if by_name
            else embedded.signer_cert.key_identifier == sid.native
        )
        plain = (
            names_signer
            and signed["version"].native == expected
            and signer_info["version"].native == expected
            and [a.dump() for a in signed["digest_algorithms"]]
            == [signer_info["digest_algorithm"].dump()]
            and encap["content_type"].native == "data"
            and encap["content"].native is None
            and not signed["crls"]
            and not signer_info["unsigned_attrs"]
        )
    except Exception:  # hostile bytes
        return "The PDF's signature is damaged."
    if not plain:
        return "The PDF's signature has fields that do not fit a plain PAdES signature; it was changed."
    return _carried_certificates_problem(embedded)


def _carried_certificates_problem(embedded: Any) -> str | None:
    """Why a certificate carried beside the signer's (the county CA) is not genuine.

    The signer's certificate is bound by the signed ESS attribute, but the chain is not signed
    by anything in the PDF: each extra certificate must verify under an issuer carried with it
    (itself, for a root), so a changed byte in it is noticed even without trust roots.
    """
    try:
        signer_der = embedded.signer_cert.dump()
        carried = [
            x509.load_der_x509_certificate(choice.chosen.dump())
            for choice in embedded.signed_data["certificates"] or ()
        ]
        for cert in carried:
            if cert.public_bytes(serialization.Encoding.DER) == signer_der:
                continue
            issuers = [c for c in carried if c.subject == cert.issuer]
            if not any(_issued_by(cert, issuer) for issuer in issuers):
                return "A certificate carried in the PDF's signature is damaged or was changed."
    except Exception:  # hostile bytes
        return "The certificates in the PDF's signature cannot be read."
    return None


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def check_pdf_signature(
    pdf: bytes, trust_roots: Sequence[x509.Certificate] = ()
) -> PdfSignatureCheck:
    """Validate the single PAdES signature of ``pdf``; never raises for bad input.

    Runs its own event loop; from inside a running loop, await `check_pdf_signature_async`.
    """
    return asyncio.run(check_pdf_signature_async(pdf, trust_roots))


async def check_pdf_signature_async(
    pdf: bytes, trust_roots: Sequence[x509.Certificate] = ()
) -> PdfSignatureCheck:
    """`check_pdf_signature` as a coroutine."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    if not pdf.startswith(b"%PDF-"):
        return _broken("The file is not a PDF.")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # hostile bytes: any parse failure is "damaged"
        return _broken("The PDF is damaged and cannot be read.")
    if len(signatures) != 1:
        if not signatures:
            return _broken("The PDF is not signed.")
        return _broken(f"The PDF has {len(signatures)} signatures instead of exactly one.")
    embedded = signatures[0]
    container = _container_problem(pdf, embedded)
    if container is not None:
        return _broken(container)
    try:
        cert = x509.load_der_x509_certificate(embedded.signer_cert.dump())
        signer, county_issued = common_name(cert), not is_self_signed(cert)
    except Exception:
        return _broken("The PDF's signature does not carry a readable signer certificate.")
    try:
        status = await async_validate_pdf_signature(
            embedded, signer_validation_context=_cms._context(trust_roots)
        )
    except Exception:  # pyHanko rejects malformed structures by raising
        return _broken(
            f"The PDF's signature by {signer} cannot be checked; it is malformed.",
            signer,
            county_issued,
        )
    intact, valid = bool(status.intact), bool(status.valid)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    trusted = bool(trust_roots) and bool(status.trusted) and intact and valid
    problem: str | None = None
    if not (intact and valid):
        problem = (
            f"The signature by {signer} does not match the PDF; the PDF or its signature "
            "was changed."
        )
    elif not whole:
        problem = f"The PDF was changed after {signer} signed it."
    elif trust_roots and not trusted:
        problem = (
            f"The signer {signer} is self-signed, not county-issued."
            if not county_issued
            else f"The signer {signer} is not certified by the trusted county CA "
            "(or the certificate is not valid now)."
        )
    return PdfSignatureCheck(
        intact=intact,
        valid=valid,
        trusted=trusted,
        signer=signer,
        county_issued=county_issued,
        covers_whole_file=whole,
        problem=problem,
    )
