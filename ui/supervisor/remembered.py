"""The county CA certificate last used, remembered in the app's data folder.

A receiving station opens the same ca.pem night after night: the window offers it again.
Only the path is kept (one line of UTF-8, written atomically); the certificate itself is
read fresh each time, and a remembered path that no longer exists is simply not offered.
"""

from __future__ import annotations

from pathlib import Path

from tally_app.atomic_file import write_atomically

FILE_NAME = "supervisor-ca-path.txt"
MAX_BYTES = 4096


def last_ca(data_dir: Path) -> Path | None:
    """The CA certificate used last time, if it is still there."""
    note = Path(data_dir) / FILE_NAME
    try:
        if not note.is_file() or note.stat().st_size > MAX_BYTES:
            return None
        text = note.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not text:
        return None
    path = Path(text)
    return path if path.is_file() else None


def remember_ca(data_dir: Path, ca: Path) -> None:
    """Remember ``ca`` for next time (errors are the caller's to report)."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    write_atomically(Path(data_dir) / FILE_NAME, (str(Path(ca).resolve()) + "\n").encode("utf-8"))
