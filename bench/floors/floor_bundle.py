"""Floors for one results bundle: the bare work of writing one and of checking one.

    python floor_bundle.py write BUNDLE_SRC P12 PASSFILE OUT    # sign 2 files, write 7, read back
    python floor_bundle.py verify BUNDLE CA.pem                 # schema + 2 CMS + 5 hashes

``write``: load the PKCS#12 identity, make two detached CMS signatures with `cryptography`,
write the seven files of BUNDLE_SRC to OUT (temp name, fsync, rename, fsync the folder), read
every file back and hash it. ``verify``: parse results.json, validate it against the NIST
schema (Draft4, draft-7 format checker), validate both detached signatures with pyHanko and
the chain to the CA, hash the five other files. Nothing else: no messages, no checks beyond
these, no audit. The same libraries the app uses, so app ÷ floor says what the app adds.
"""

import asyncio
import hashlib
import json
import os
import sys
from pathlib import Path

FILES = [
    "results.json",
    "results.json.p7s",
    "results.csv",
    "audit-log.json",
    "audit-log-documentation.json",
    "tally-sheet.pdf",
    "manifest.json",
    "manifest.json.p7s",
]


def write(src: Path, p12: Path, passfile: Path, out: Path) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

    password = passfile.read_bytes().splitlines()[0]
    key, cert, _ = pkcs12.load_key_and_certificates(p12.read_bytes(), password)
    data = {name: (src / name).read_bytes() for name in FILES}
    for name in ("results.json", "manifest.json"):
        data[name + ".p7s"] = (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(data[name])
            .add_signer(cert, key, hashes.SHA256())
            .sign(
                serialization.Encoding.DER,
                [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
            )
        )
    out.mkdir(parents=True, exist_ok=True)
    dir_fd = os.open(out, os.O_RDONLY)
    for name in FILES:
        tmp = out / f".{name}.partial"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.write(fd, data[name])
        os.fsync(fd)
        os.close(fd)
        os.replace(tmp, out / name)
        os.fsync(dir_fd)
    os.close(dir_fd)
    for name in FILES:
        assert (
            hashlib.sha256((out / name).read_bytes()).digest()
            == hashlib.sha256(data[name]).digest()
        )


def verify(bundle: Path, ca_pem: Path) -> None:
    import jsonschema
    from asn1crypto import cms, pem, x509
    from pyhanko.sign.validation import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    here = Path(__file__).resolve().parents[2]
    schema = json.loads(
        (here / "resources/schemas/NIST_V2_election_results_reporting.json").read_bytes()
    )
    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    results = (bundle / "results.json").read_bytes()
    assert not list(validator.iter_errors(json.loads(results)))
    _, _, der = pem.unarmor(ca_pem.read_bytes())
    context = ValidationContext(trust_roots=[x509.Certificate.load(der)])

    async def check(name: str) -> None:
        signed = cms.ContentInfo.load((bundle / (name + ".p7s")).read_bytes())["content"]
        status = await async_validate_detached_cms(
            (bundle / name).read_bytes(), signed, signer_validation_context=context
        )
        assert status.intact and status.valid and status.trusted

    asyncio.run(check("results.json"))
    asyncio.run(check("manifest.json"))
    for name in FILES:
        if name not in ("manifest.json", "manifest.json.p7s"):
            hashlib.sha256((bundle / name).read_bytes()).hexdigest()


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(*map(Path, sys.argv[2:6]))
    else:
        verify(Path(sys.argv[2]), Path(sys.argv[3]))
