"""PAdES signatures on PDFs (DESIGN §9): signed with the device identity, checked by our
pyHanko check and independently by poppler's ``pdfsig``; tampering makes both fail."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from tally_app import service
from tally_app.documents.signing import PdfSignatureCheck, check_pdf_signature, sign_pdf
from tally_app.trust.authority import create_ca
from tests.bundle_fixtures import PASSPHRASE, PKI_CLOCK, Pki, make_pki

DER = Encoding.DER
WHEN = datetime(2026, 11, 3, 20, 15, 0, tzinfo=UTC)
TEXT = "Precinct 0042 Measure A Yes 12345"
needs_pdfsig = pytest.mark.skipif(shutil.which("pdfsig") is None, reason="pdfsig is not installed")


def one_page_pdf(text: str = TEXT) -> bytes:
    """A small real PDF: reportlab, invariant, the page stream uncompressed so that a test
    can find and change a digit of the visible text."""
    from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

    buf = io.BytesIO()
    page = canvas.Canvas(buf, invariant=1, pageCompression=0)
    page.setFont("Helvetica", 14)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def ca(pki: Pki) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pki.ca_pem.read_bytes())


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return one_page_pdf()


@pytest.fixture(scope="module")
def signed(unsigned: bytes, pki: Pki) -> bytes:
    return sign_pdf(
        unsigned, pki.identity, when=WHEN, reason="Tally sheet certified", location="Precinct 0042"
    )


def byte_range(pdf: bytes) -> tuple[int, int, int, int]:
    found = re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert len(found) == 1
    a, b, c, d = (int(x) for x in found[0])
    return a, b, c, d


def pdfsig(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=30)
    return run.stdout + run.stderr


def assert_rejected(check: PdfSignatureCheck) -> None:
    assert not (check.intact and check.valid and check.problem is None), check
    assert check.problem and check.problem.endswith(".")


# --- what a good signature looks like ---------------------------------------------------------


def test_county_signature_is_intact_valid_and_trusted(signed: bytes, ca: x509.Certificate) -> None:
    check = check_pdf_signature(signed, [ca])
    assert check == PdfSignatureCheck(
        intact=True,
        valid=True,
        trusted=True,
        signer="laptop-0042",
        county_issued=True,
        covers_whole_file=True,
        problem=None,
    )


def test_without_roots_it_is_intact_but_not_trusted(signed: bytes) -> None:
    check = check_pdf_signature(signed)
    assert (check.intact, check.valid, check.trusted, check.county_issued) == (
        True,
        True,
        False,
        True,
    )
    assert check.problem is None  # nothing to be trusted against was asked for


def test_another_county_ca_does_not_trust_it(signed: bytes, tmp_path: Path) -> None:
    other_pem = create_ca(tmp_path / "other", "Orange County", PASSPHRASE, clock=PKI_CLOCK)
    other = x509.load_pem_x509_certificate(other_pem.read_bytes())
    check = check_pdf_signature(signed, [other])
    assert (check.intact, check.valid, check.trusted, check.county_issued) == (
        True,
        True,
        False,
        True,
    )
    assert check.problem == (
        "The signer laptop-0042 is not certified by the trusted county CA "
        "(or the certificate is not valid now)."
    )


def test_self_signed_identity_signs_but_is_not_county_issued(
    unsigned: bytes, ca: x509.Certificate
) -> None:
    identity = service.throwaway_identity()
    signed = sign_pdf(unsigned, identity, when=WHEN, reason="Tally sheet")
    check = check_pdf_signature(signed, [ca])
    assert (check.intact, check.valid, check.trusted, check.county_issued) == (
        True,
        True,
        False,
        False,
    )
    assert check.signer == identity.device_id
    assert check.problem == f"The signer {identity.device_id} is self-signed, not county-issued."


@needs_pdfsig
def test_pdfsig_reports_the_signature_valid(signed: bytes, tmp_path: Path) -> None:
    out = pdfsig(signed, tmp_path)
    assert "Signature Validation: Signature is Valid." in out, out
    assert "Signer Certificate Common Name: laptop-0042" in out
    assert "Signature Type: ETSI.CAdES.detached" in out  # PAdES
    assert "Total document signed" in out
    # pdfsig judges the certificate against its own NSS database, which does not hold the
    # county CA: "Certificate issuer isn't Trusted" is expected and is not our check.


# --- tampering ----------------------------------------------------------------------------------


@needs_pdfsig
def test_a_changed_digit_of_the_text_fails_both_checks(
    signed: bytes, ca: x509.Certificate, tmp_path: Path
) -> None:
    at = signed.index(b"12345")
    assert at < byte_range(signed)[1]  # inside the signed part
    tampered = signed[:at] + b"9" + signed[at + 1 :]
    assert_rejected(check_pdf_signature(tampered, [ca]))
    out = pdfsig(tampered, tmp_path)
    assert "Signature is Valid." not in out
    assert "Signature Validation: Digest Mismatch." in out or "Invalid" in out, out


def test_no_single_changed_byte_anywhere_passes(signed: bytes, ca: x509.Certificate) -> None:
    _, gap_start, gap_end, _ = byte_range(signed)
    contents = signed[gap_start + 1 : gap_end - 1]
    cms_hex_end = gap_start + 1 + len(contents.rstrip(b"0"))
    positions = {
        0,  # %PDF-
        signed.index(b"12345") + 2,
        signed.index(b"/Helvetica"),
        gap_start - 20,  # the signature dictionary, before /Contents
        gap_start + 40,  # the CMS: its first structures
        (gap_start + cms_hex_end) // 2,  # the CMS: certificates
        cms_hex_end - 30,  # the CMS: the signature value
        cms_hex_end + 10,  # the zero padding after the CMS
        gap_end + 5,  # the signature dictionary, after /Contents
        len(signed) - 40,  # the xref / trailer of the signature's update
    }
    positions |= set(range(0, len(signed), len(signed) // 7))
    for position in sorted(positions):
        flipped = bytearray(signed)
        flipped[position] ^= 0x01
        check = check_pdf_signature(bytes(flipped), [ca])
        assert not (check.intact and check.valid and check.problem is None), (position, check)


def test_the_signature_hex_in_another_case_is_refused(signed: bytes, ca: x509.Certificate) -> None:
    # the same signature bytes, but the file changed: lower-case hex decodes alike
    _, gap_start, gap_end, _ = byte_range(signed)
    tampered = signed[:gap_start] + signed[gap_start:gap_end].lower() + signed[gap_end:]
    assert tampered != signed
    check = check_pdf_signature(tampered, [ca])
    assert_rejected(check)
    assert check.problem == (
        "The PDF's signature is not written as pyHanko writes it; it was changed."
    )


def test_a_length_enlarged_to_swallow_padding_is_refused(
    signed: bytes, ca: x509.Certificate
) -> None:
    # the CMS starts 30 82 LLLL; four more bytes take in padding zeros, which pyHanko ignores
    _, gap_start, _, _ = byte_range(signed)
    header = signed[gap_start + 1 : gap_start + 9]
    assert header[:4] == b"3082"
    longer = f"{int(header[4:], 16) + 4:04X}".encode()
    tampered = signed[: gap_start + 5] + longer + signed[gap_start + 9 :]
    check = check_pdf_signature(tampered, [ca])
    assert_rejected(check)
    assert check.problem == "The PDF's signature is not in DER form; it was changed or damaged."


def test_a_changed_signer_name_outside_the_signed_attributes_is_refused(
    signed: bytes, ca: x509.Certificate
) -> None:
    # SignerInfo.sid (issuer and serial) is not signed; pyHanko finds the signer without it
    from asn1crypto import cms as acms

    _, gap_start, gap_end, _ = byte_range(signed)
    der = bytes.fromhex(signed[gap_start + 1 : gap_end - 1].decode())
    info = acms.ContentInfo.load(der)
    sid = info["content"]["signer_infos"][0]["sid"].dump()
    at = gap_start + 1 + 2 * (der.index(sid) + sid.index(b"Los Angeles"))
    assert signed[at : at + 2] == b"4C"  # "L"
    # "l": X.500 names compare case-insensitively, so pyHanko still finds the signer
    tampered = signed[:at] + b"6C" + signed[at + 2 :]
    check = check_pdf_signature(tampered, [ca])
    assert_rejected(check)
    assert check.problem == (
        "The PDF's signature has fields that do not fit a plain PAdES signature; it was changed."
    )


def test_a_change_appended_after_signing_is_not_whole_file(
    signed: bytes, ca: x509.Certificate
) -> None:
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root[NameObject("/Lang")] = TextStringObject("en-US")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    check = check_pdf_signature(out.getvalue(), [ca])
    assert not check.covers_whole_file
    assert check.problem == "The PDF was changed after laptop-0042 signed it."


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "The file is not a PDF."),
        (b"PK\x03\x04 a zip file", "The file is not a PDF."),
        (b"%PDF-1.7\n" + bytes(range(256)) * 8, "The PDF is damaged and cannot be read."),
    ],
)
def test_hostile_input_is_one_sentence(data: bytes, problem: str) -> None:
    assert check_pdf_signature(data) == PdfSignatureCheck(
        intact=False,
        valid=False,
        trusted=False,
        signer="",
        county_issued=False,
        covers_whole_file=False,
        problem=problem,
    )


def test_unsigned_and_truncated_pdfs_are_rejected(unsigned: bytes, signed: bytes) -> None:
    assert check_pdf_signature(unsigned).problem == "The PDF is not signed."
    for cut in (len(signed) // 3, len(signed) // 2, len(signed) - 30):
        check = check_pdf_signature(signed[:cut])
        assert_rejected(check)
        assert not check.intact


def test_a_second_signature_is_refused(signed: bytes, pki: Pki, ca: x509.Certificate) -> None:
    twice = sign_pdf(signed, pki.identity, when=WHEN, reason="again", field_name="Second")
    check = check_pdf_signature(twice, [ca])
    assert_rejected(check)
    assert check.problem == "The PDF has 2 signatures instead of exactly one."


# --- how the signed file is made ----------------------------------------------------------------


def test_the_unsigned_pdf_is_a_prefix_of_the_signed_one(unsigned: bytes, signed: bytes) -> None:
    assert signed.startswith(unsigned)
    assert len(signed) > len(unsigned)
    start, _, tail_start, tail_length = byte_range(signed)
    assert start == 0
    assert tail_start + tail_length == len(signed)  # the signature covers the whole file


def test_two_signings_at_the_same_time_differ_only_inside_the_signature(
    unsigned: bytes, signed: bytes, pki: Pki
) -> None:
    again = sign_pdf(
        unsigned, pki.identity, when=WHEN, reason="Tally sheet certified", location="Precinct 0042"
    )
    assert byte_range(again) == byte_range(signed)
    _, gap_start, gap_end, _ = byte_range(signed)
    assert again[:gap_start] == signed[:gap_start]
    assert again[gap_end:] == signed[gap_end:]
    assert again[gap_start:gap_end] != signed[gap_start:gap_end]  # ECDSA is randomised


def test_a_pdf_without_an_id_also_signs_reproducibly(unsigned: bytes, pki: Pki) -> None:
    # pyHanko draws both /ID halves at random when the file has none
    blanked = re.sub(rb"/ID\s*\[[^\]]*\]", lambda m: b" " * len(m.group(0)), unsigned)
    assert blanked != unsigned
    first, second = (sign_pdf(blanked, pki.identity, when=WHEN, reason="r") for _ in range(2))
    _, gap_start, gap_end, _ = byte_range(first)
    assert (first[:gap_start], first[gap_end:]) == (second[:gap_start], second[gap_end:])
    assert check_pdf_signature(first).intact


def test_the_signing_time_is_the_given_one(signed: bytes, pki: Pki, ca: x509.Certificate) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    embedded = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    assert embedded.self_reported_timestamp == WHEN
    assert embedded.sig_object["/M"] == "D:20261103201500Z"
    # the document's modification date is the signing time too, not the real clock's
    info = embedded.reader.trailer["/Info"]
    assert info["/ModDate"] == "D:20261103201500Z"
    xmp = embedded.reader.root["/Metadata"].data
    assert b'xmp:ModifyDate="2026-11-03T20:15:00+00:00"' in xmp
    assert embedded.sig_object["/Reason"] == "Tally sheet certified"
    assert embedded.sig_object["/Location"] == "Precinct 0042"
    assert embedded.field_name == "BoardSignature"
    # PAdES forbids the CMS signing-time attribute: the signed time is /M (pyHanko reads it).
    attributes = {a["type"].native for a in embedded.signer_info["signed_attrs"]}
    assert "signing_time" not in attributes
    assert {"content_type", "message_digest", "signing_certificate_v2"} <= attributes
    # and the county CA travels with the signer's certificate
    carried = sorted(c.chosen.dump() for c in embedded.signed_data["certificates"])
    assert carried == sorted(c.public_bytes(DER) for c in (pki.identity.certificate, ca))


def test_the_signature_is_invisible_and_the_page_still_renders(
    signed: bytes, tmp_path: Path
) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    embedded = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    assert [float(x) for x in embedded.sig_field["/Rect"]] == [0.0, 0.0, 0.0, 0.0]
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed")
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    run = subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / "page")],
        capture_output=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "page-1.png").stat().st_size > 0
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=30
        ).stdout
        assert TEXT in text


def test_a_naive_signing_time_is_refused(unsigned: bytes, pki: Pki) -> None:
    with pytest.raises(ValueError, match="time zone"):
        sign_pdf(unsigned, pki.identity, when=datetime(2026, 11, 3, 20, 15), reason="r")
