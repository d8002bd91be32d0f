"""A county CA, a device identity and a finalized, exported precinct, for the bundle tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tally_app import service
from tally_app.clock import SystemClock
from tally_app.export.bundle import ExportReport
from tally_app.session import PrecinctSession
from tally_app.trust.authority import create_ca, issue_device
from tally_app.trust.identity import Identity
from tests.balanced_precinct import INSPECTOR, add_two_members, enter_balanced, start

PASSPHRASE = b"correct horse battery staple"
PKI_CLOCK = SystemClock()  # certificates must be valid now, when verify checks them


@dataclass(frozen=True)
class Pki:
    ca_pem: Path
    device_p12: Path
    identity: Identity


def make_pki(folder: Path, device_id: str = "laptop-0042", name: str = "Los Angeles County") -> Pki:
    ca_pem = create_ca(folder / "ca", name, PASSPHRASE, clock=PKI_CLOCK)
    p12 = issue_device(
        folder / "ca",
        device_id,
        PASSPHRASE,
        folder / f"{device_id}.p12",
        PASSPHRASE,
        clock=PKI_CLOCK,
    )
    return Pki(ca_pem, p12, service.load_identity(p12, PASSPHRASE))


def finalized_precinct(folder: Path) -> tuple[PrecinctSession, tuple[int, int]]:
    """The balanced CA-34 precinct, finalized by two members."""
    session = start(folder)
    enter_balanced(session)
    members = add_two_members(session)
    session.finalize(members, INSPECTOR)
    return session, members


def export(
    session: PrecinctSession,
    members: tuple[int, int],
    root: Path,
    identity: Identity,
    *,
    is_test: bool = False,
) -> ExportReport:
    root.mkdir(parents=True, exist_ok=True)  # the drive the board picked exists
    return service.export_precinct(
        session, root, identity, confirmer_ids=members, actor=INSPECTOR, is_test=is_test
    )
