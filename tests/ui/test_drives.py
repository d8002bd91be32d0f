"""The drive list offers writable removable volumes and never the system (DESIGN §10).

Besides running on whatever this machine has, a real ext4 loop image labelled ``TALLYUSB``
is mounted under a unique folder in ``/media`` (root on Linux; skipped elsewhere) to see it
listed with its label and sizes, then dropped when it turns read-only.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ui.drives import Drive, removable_drives


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=False)


def test_the_system_volume_is_never_listed(qapp: object) -> None:
    drives = removable_drives()
    assert all(isinstance(d, Drive) for d in drives)
    roots = {d.root for d in drives}
    assert Path("/") not in roots
    assert Path(Path.home().anchor) not in roots
    for drive in drives:
        assert drive.name and drive.total >= drive.free >= 0


@pytest.fixture
def usb_stick(tmp_path: Path) -> Iterator[Path]:
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("mounting a test drive needs root on Linux")
    if not Path("/media").is_dir() or shutil.which("mkfs.ext4") is None:
        pytest.skip("needs /media and mkfs.ext4")
    image = tmp_path / "stick.img"
    with image.open("wb") as f:
        f.truncate(8 * 1024 * 1024)
    made = _run("mkfs.ext4", "-q", "-F", "-L", "TALLYUSB", str(image))
    if made.returncode != 0:
        pytest.skip(f"mkfs.ext4 failed: {made.stderr.strip()}")
    mount_point = Path("/media") / f"precinct-tally-test-{secrets.token_hex(4)}"
    mount_point.mkdir()
    try:
        mounted = _run("mount", "-o", "loop", str(image), str(mount_point))
        if mounted.returncode != 0:
            pytest.skip(f"cannot mount a test drive here: {mounted.stderr.strip()}")
        try:
            yield mount_point
        finally:
            if _run("umount", str(mount_point)).returncode != 0:
                _run("umount", "-l", str(mount_point))
    finally:
        mount_point.rmdir()


def test_a_mounted_stick_is_listed_until_it_is_read_only(qapp: object, usb_stick: Path) -> None:
    [drive] = [d for d in removable_drives() if d.root == usb_stick]
    assert drive.name == "TALLYUSB"
    assert 6 * 1024 * 1024 < drive.total <= 8 * 1024 * 1024
    assert 0 < drive.free <= drive.total
    assert [d for d in removable_drives(exclude=[usb_stick / "x"]) if d.root == usb_stick] == []
    assert _run("mount", "-o", "remount,ro", str(usb_stick)).returncode == 0
    assert [d for d in removable_drives() if d.root == usb_stick] == []
