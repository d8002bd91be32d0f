"""Every error code the core can raise has words in ui.messages (STYLE.md convention 5)."""

from __future__ import annotations

import re
from pathlib import Path

from tally_app.errors import InputError, SystemError_
from ui.messages import KNOWN_CODES, error_message

CORE = Path(__file__).resolve().parents[2] / "tally_app"
# InputError("code", ...), SystemError_("code", ...), and require_text(value, "code", ...).
RAISED = re.compile(
    r"(?:InputError|SystemError_)\(\s*\"([a-z_]+)\"|require_text\([^,]+,\s*\"([a-z_]+)\""
)


# Modules only the command line reaches: their errors are printed as the core's own sentence.
COMMAND_LINE_ONLY = (
    "commands/",
    "testdeck/",
    "trust/authority.py",
    "trust/passphrase.py",
    "verify/discover.py",
)


def core_codes() -> set[str]:
    codes: set[str] = set()
    for path in CORE.rglob("*.py"):
        if path.relative_to(CORE).as_posix().startswith(COMMAND_LINE_ONLY):
            continue
        for match in RAISED.finditer(path.read_text(encoding="utf-8")):
            codes.add(match.group(1) or match.group(2))
    return codes


def test_the_scan_finds_the_codes() -> None:
    codes = core_codes()
    assert {"precinct_locked", "disk_full", "finalize_blocked", "blank_name"} <= codes


def test_every_core_error_code_has_a_message() -> None:
    assert sorted(core_codes() - KNOWN_CODES) == []


def test_messages_say_whose_problem_it_is_and_what_to_do(qapp: object) -> None:
    for code in sorted(KNOWN_CODES):
        for family in (InputError, SystemError_):
            message = error_message(family(code, "English text from the core"))
            assert message.problem and message.action and message.cause, code
            assert message.problem != "English text from the core"
    system = error_message(SystemError_("disk_full", "x"))
    assert "not with your work" in system.cause
    worker = error_message(InputError("negative_count", "x"))
    assert "entered" in worker.cause
