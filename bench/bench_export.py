"""Benchmark (issue 4, item 10): export one bundle (write + read-back) and verify one bundle.

    python bench/bench_export.py [--rounds 15] [--runs 7]

In-process: the app's `service.export_precinct` (build, sign twice, write seven files with
fsync and rename, read them back, record the export) and `service.verify_bundles` (schema,
references, arithmetic, manifest hashes, both signatures with the chain, the audit log's
schema) against the bare work in the same process (two `cryptography` signatures and the
seven durable writes read back; one schema validation, two pyHanko validations and five
hashes). Whole process: the same through a fresh interpreter each time, against
``bench/floors/floor_bundle.py``. Medians; the ratio is app ÷ floor.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.clock import SystemClock
from tally_app.testdeck.apply import apply_precinct
from tally_app.testdeck.deck import embedded_deck_path, load_deck
from tally_app.trust.authority import create_ca, issue_device

FILES = json.loads(
    '["results.json", "results.json.p7s", "results.csv", "audit-log.json", '
    '"audit-log-documentation.json", "tally-sheet.pdf", "manifest.json", "manifest.json.p7s"]'
)
ACTOR = Actor("Bench", "inspector")
PASSPHRASE = b"bench passphrase"


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(fn: Callable[[int], object], rounds: int) -> list[float]:
    samples = []
    for i in range(rounds):
        t = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - t)
    return samples


def floor_write(data: dict[str, bytes], key: object, cert: object, out: Path) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs7

    data = dict(data)
    for name in ("results.json", "manifest.json"):
        data[name + ".p7s"] = (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(data[name])
            .add_signer(cert, key, hashes.SHA256())  # type: ignore[arg-type]
            .sign(
                serialization.Encoding.DER,
                [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
            )
        )
    out.mkdir(parents=True)
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
        hashlib.sha256((out / name).read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="in-process repetitions")
    parser.add_argument("--runs", type=int, default=7, help="whole-process repetitions")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-export-"))
    clock = SystemClock()

    # A county CA, a device identity, and one finalized CA-34 precinct from the test deck.
    ca_pem = create_ca(tmp / "ca", "Bench County", PASSPHRASE, clock=clock)
    p12 = issue_device(
        tmp / "ca", "laptop-bench", PASSPHRASE, tmp / "d.p12", PASSPHRASE, clock=clock
    )
    (tmp / "pass").write_bytes(PASSPHRASE + b"\n")
    identity = service.load_identity(p12, PASSPHRASE)
    roots = service.load_trust_roots(ca_pem)
    definition = service.default_definition()
    deck_path = embedded_deck_path(definition.id)
    assert deck_path is not None
    precinct = load_deck(deck_path, definition).precincts[0]
    session = service.start_precinct(
        tmp / "stores", definition, precinct.precinct_id, actor=ACTOR, clock=clock
    )
    apply_precinct(session, precinct, ACTOR)
    members = tuple(m.id for m in session.board()[:2])
    assert len(members) == 2

    def export(i: int) -> Path:
        root = tmp / f"usb-{i}"
        root.mkdir()
        report = service.export_precinct(
            session, root, identity, confirmer_ids=(members[0], members[1]), actor=ACTOR
        )
        return report.folder

    source = export(-1)
    data = {name: (source / name).read_bytes() for name in FILES}
    app_export = timed(export, args.rounds)
    floor_export = timed(
        lambda i: floor_write(data, identity.private_key, identity.certificate, tmp / f"floor-{i}"),
        args.rounds,
    )

    import jsonschema  # type: ignore[import-untyped]
    from asn1crypto import cms, pem, x509  # type: ignore[import-untyped]
    from pyhanko.sign.validation import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    schema = json.loads(
        (HERE.parent / "resources/schemas/NIST_V2_election_results_reporting.json").read_bytes()
    )
    validator = jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    context = ValidationContext(
        trust_roots=[x509.Certificate.load(pem.unarmor(ca_pem.read_bytes())[2])]
    )

    def floor_verify(_: int) -> None:
        assert not list(validator.iter_errors(json.loads((source / "results.json").read_bytes())))
        for name in ("results.json", "manifest.json"):
            signed = cms.ContentInfo.load((source / (name + ".p7s")).read_bytes())["content"]
            status = asyncio.run(
                async_validate_detached_cms(
                    (source / name).read_bytes(), signed, signer_validation_context=context
                )
            )
            assert status.intact and status.valid and status.trusted
        for name in FILES[:6]:  # every file but the manifest and its signature
            hashlib.sha256((source / name).read_bytes()).hexdigest()

    def app_verify(_: int) -> None:
        (report,) = service.verify_bundles([source], roots)
        assert report.valid, report.problems

    app_verify(0)
    floor_verify(0)  # both warm: validators compiled, contexts made
    app_check = timed(app_verify, args.rounds)
    floor_check = timed(floor_verify, args.rounds)
    session.close()

    def whole(command: Callable[[int], list[str]], runs: int) -> float:
        samples = []
        for i in range(runs):
            t = time.perf_counter()
            subprocess.run(command(i), check=True, capture_output=True)
            samples.append(time.perf_counter() - t)
        return statistics.median(samples)

    py = sys.executable
    store = service.precinct_file(tmp / "stores", definition.id, precinct.precinct_id)
    secret = str(tmp / "pass")
    whole_app_export = whole(
        lambda i: [py, str(HERE / "export_one.py"), str(store), str(p12), secret, f"{tmp}/a{i}"],
        args.runs,
    )
    floor_script = str(HERE / "floors/floor_bundle.py")
    whole_floor_export = whole(
        lambda i: [py, floor_script, "write", str(source), str(p12), secret, f"{tmp}/f{i}"],
        args.runs,
    )
    whole_app_verify = whole(
        lambda i: [py, "-m", "tally_app", "verify", str(source), "--trust", str(ca_pem)],
        args.runs,
    )
    whole_floor_verify = whole(
        lambda i: [py, floor_script, "verify", str(source), str(ca_pem)], args.runs
    )

    rows = [
        ("export one bundle, in-process", median_ms(app_export), median_ms(floor_export)),
        ("verify one bundle, in-process", median_ms(app_check), median_ms(floor_check)),
        ("export one bundle, whole process", whole_app_export * 1000, whole_floor_export * 1000),
        ("verify one bundle, whole process", whole_app_verify * 1000, whole_floor_verify * 1000),
    ]
    print(f"{'what':36} {'app ms':>9} {'floor ms':>9} {'ratio':>6}")
    for what, app, floor in rows:
        print(f"{what:36} {app:9.1f} {floor:9.1f} {app / floor:6.2f}")


if __name__ == "__main__":
    main()
