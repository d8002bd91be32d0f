"""Whole-process export of one precinct, for bench_export.py: open, unlock, export, exit.

python bench/export_one.py PRECINCT.sqlite DEVICE.p12 PASSFILE OUT
"""

import sys
from pathlib import Path

from tally_app import service
from tally_app.audit.events import Actor
from tally_app.trust.passphrase import read_passphrase_file

store, p12, passfile, out = map(Path, sys.argv[1:5])
with service.open_precinct(store) as session:
    identity = service.load_identity(p12, read_passphrase_file(passfile))
    first, second = (m.id for m in session.board()[:2])
    out.mkdir(parents=True, exist_ok=True)
    service.export_precinct(
        session, out, identity, confirmer_ids=(first, second), actor=Actor("Bench", "inspector")
    )
