"""``tally-app keys``: the county CA, device identities, and this laptop's identity (DESIGN §9, §12).

    keys create-ca --out DIR --name NAME [--passphrase-file F]
    keys issue-device --ca DIR --device-id ID --out FILE.p12 [--passphrase-file F]
                      [--device-passphrase-file F2]
    keys use-device FILE.p12 [--passphrase-file F] [--data-dir DIR]
    keys show [--data-dir DIR] [--json]

Passphrases come from ``--passphrase-file`` (its first line) or are asked at a terminal;
nothing prompts when stdin is not a terminal — that is an error telling to use
``--passphrase-file`` (exit 1, like every other `InputError`). No passphrase is ever printed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tally_app.commands.base import EXIT_OK, Parser

if TYPE_CHECKING:  # cryptography costs 40 ms: not on the window's start-up path
    from cryptography import x509


def add(sub: Any) -> None:
    keys = sub.add_parser(
        "keys",
        help="make the county CA, issue and install device identities",
        description="Make the county certificate authority and the laptops' signing identities.",
    )
    actions = keys.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    actions.required = True

    create = actions.add_parser(
        "create-ca",
        help="make a county certificate authority",
        description=(
            "Make a county certificate authority in DIR: ca.pem (give it to every verifier) and "
            "ca-key.pem (its key, encrypted with the passphrase). Never overwrites."
        ),
    )
    create.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for it")
    create.add_argument("--name", required=True, help="the county's name, e.g. 'Example County'")
    _passphrase_file(create, "the CA passphrase")
    create.set_defaults(handler=_cmd_create_ca)

    issue = actions.add_parser(
        "issue-device",
        help="issue a laptop's signing identity (.p12)",
        description=(
            "Issue a device identity signed by the county CA, as a PKCS#12 file holding the "
            "key, its certificate and the CA certificate. The file is protected with the CA "
            "passphrase unless --device-passphrase-file is given. Never overwrites."
        ),
    )
    issue.add_argument("--ca", type=Path, required=True, metavar="DIR", help="the CA folder")
    issue.add_argument("--device-id", required=True, metavar="ID", help="e.g. laptop-07")
    issue.add_argument("--out", type=Path, required=True, metavar="FILE.p12", help="file to write")
    _passphrase_file(issue, "the CA passphrase")
    issue.add_argument(
        "--device-passphrase-file",
        type=Path,
        metavar="F2",
        help="file whose first line is the passphrase for the .p12 (default: the CA passphrase)",
    )
    issue.set_defaults(handler=_cmd_issue_device)

    use = actions.add_parser(
        "use-device",
        help="install a county-issued identity on this laptop",
        description=(
            "Install a county-issued device identity (.p12) on this laptop after checking that "
            "the passphrase opens it; it is used instead of the self-signed one from then on."
        ),
    )
    use.add_argument("p12", type=Path, metavar="FILE.p12", help="the device identity file")
    _passphrase_file(use, "the .p12 passphrase")
    _data_dir(use)
    use.set_defaults(handler=_cmd_use_device)

    show = actions.add_parser(
        "show",
        help="say which signing identity this laptop uses",
        description="Say which signing identity this laptop uses (no passphrase needed).",
    )
    _data_dir(show)
    show.add_argument(
        "--json",
        action="store_true",
        help='print only JSON: {"status", "subject", "issuer", "fingerprint", "not_after"}',
    )
    show.set_defaults(handler=_cmd_show)


def _passphrase_file(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        metavar="F",
        help=f"file whose first line is {what} (default: ask at the terminal)",
    )


def _data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="this laptop's data folder (default: this user's data folder)",
    )


def _data_dir_of(args: argparse.Namespace) -> Path:
    if args.data_dir is not None:
        return Path(args.data_dir)
    from tally_app import service

    return service.default_data_dir()


def _describe(cert: x509.Certificate) -> dict[str, str]:
    from tally_app.trust.identity import fingerprint

    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "fingerprint": fingerprint(cert),
        "not_after": cert.not_valid_after_utc.isoformat(),
    }


def _cmd_create_ca(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tally_app.clock import SystemClock
    from tally_app.trust import authority
    from tally_app.trust.identity import fingerprint
    from tally_app.trust.passphrase import passphrase

    secret = passphrase(args.passphrase_file, "CA passphrase", confirm=True)
    cert_path = authority.create_ca(args.out, args.name, secret, clock=SystemClock())
    cert = authority.load_trust_roots(cert_path)[0]
    out.write(f"CA certificate: {cert_path}\n")
    out.write(f"CA key (encrypted): {cert_path.parent / authority.CA_KEY}\n")
    out.write(f"SHA-256 fingerprint: {fingerprint(cert)}\n")
    return EXIT_OK


def _cmd_issue_device(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tally_app.clock import SystemClock
    from tally_app.trust import authority
    from tally_app.trust.identity import fingerprint, load_identity
    from tally_app.trust.passphrase import passphrase, read_passphrase_file

    ca_secret = passphrase(args.passphrase_file, "CA passphrase", confirm=False)
    device_secret = (
        read_passphrase_file(args.device_passphrase_file)
        if args.device_passphrase_file is not None
        else ca_secret
    )
    path = authority.issue_device(
        args.ca, args.device_id, ca_secret, args.out, device_secret, clock=SystemClock()
    )
    identity = load_identity(path, device_secret)
    out.write(f"Device identity: {path} (device {identity.device_id})\n")
    out.write(f"SHA-256 fingerprint: {fingerprint(identity.certificate)}\n")
    if args.device_passphrase_file is None:
        out.write("The file is protected with the CA passphrase.\n")
    return EXIT_OK


def _cmd_use_device(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tally_app.trust.identity import (
        COUNTY_P12,
        fingerprint,
        identity_dir,
        install_county_identity,
    )
    from tally_app.trust.passphrase import passphrase

    data_dir = _data_dir_of(args)
    secret = passphrase(args.passphrase_file, "Device identity passphrase", confirm=False)
    identity = install_county_identity(data_dir, args.p12, secret)
    out.write(
        f"Installed county-issued identity {identity.device_id}: "
        f"{identity_dir(data_dir) / COUNTY_P12}\n"
    )
    out.write(f"SHA-256 fingerprint: {fingerprint(identity.certificate)}\n")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from tally_app.trust.identity import local_certificate, local_identity_status

    data_dir = _data_dir_of(args)
    status = local_identity_status(data_dir)
    cert = local_certificate(data_dir)
    report: dict[str, Any] = {
        "status": status,
        "subject": None,
        "issuer": None,
        "fingerprint": None,
        "not_after": None,
    }
    if cert is not None:
        report.update(_describe(cert))
    if args.json:
        json.dump(report, out, indent=2)
        out.write("\n")
        return EXIT_OK
    words = {
        "county": "a county-issued identity",
        "self-signed": 'a self-signed identity (what it signs says "not county-issued")',
        "none": "no identity yet (one is made on first signing)",
    }
    out.write(f"This laptop uses {words[status]}.\n")
    if cert is not None:
        out.write(f"Subject: {report['subject']}\nIssuer: {report['issuer']}\n")
        out.write(f"SHA-256 fingerprint: {report['fingerprint']}\n")
        out.write(f"Valid until: {report['not_after']}\n")
    elif status != "none":
        out.write("Its certificate cannot be read without the passphrase.\n")
    return EXIT_OK
