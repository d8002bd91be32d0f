"""Drive faults while exporting: full, read-only, turned read-only mid-write, pulled.

Real faults where the machine allows them (root on Linux): a size-limited tmpfs that really
fills up and an ext4 loop image remounted read-only under the writer. Each fixture unmounts
in teardown and the tests skip with a reason where mounting is not allowed. A pulled drive
cannot be produced safely, so it is injected as ``EIO``/``ENODEV`` from the OS calls.

After every fault: no temporary file is left, no final name holds a partial file (each holds
the complete old file or the complete new one), and the earlier export is untouched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tally_app.errors import SystemError_
from tally_app.export import media
from tally_app.export.media import write_files

OLD = (("results.json", b"old results\n"), ("manifest.json", b"old manifest\n"))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=False)


def _can_mount() -> str | None:
    """Why mounting is impossible here, or None."""
    if os.name != "posix" or os.geteuid() != 0:
        return "mounting a test drive needs root on Linux"
    if shutil.which("mount") is None or shutil.which("umount") is None:
        return "the mount command is not installed"
    return None


def _unmount(folder: Path) -> None:
    if _run("umount", str(folder)).returncode != 0:
        _run("umount", "-l", str(folder))


@contextlib.contextmanager
def _mounted(folder: Path, *args: str) -> Iterator[Path]:
    reason = _can_mount()
    if reason:
        pytest.skip(reason)
    folder.mkdir()
    result = _run("mount", *args, str(folder))
    if result.returncode != 0:
        pytest.skip(f"cannot mount a test drive here: {result.stderr.strip()}")
    try:
        yield folder
    finally:
        _unmount(folder)


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mounts a tmpfs of the given size (``"64k"``) on demand; unmounts it afterwards."""
    with contextlib.ExitStack() as stack:

        def make(size: str) -> Path:
            return stack.enter_context(
                _mounted(tmp_path / f"tmpfs-{size}", "-t", "tmpfs", "-o", f"size={size}", "tmpfs")
            )

        yield make


@pytest.fixture
def ext4_drive(tmp_path: Path) -> Iterator[Path]:
    reason = _can_mount()
    if reason:
        pytest.skip(reason)
    if shutil.which("mkfs.ext4") is None:
        pytest.skip("mkfs.ext4 is not installed")
    if not Path("/dev/loop-control").exists():
        pytest.skip("no loop devices on this machine")
    image = tmp_path / "drive.img"
    with image.open("wb") as f:
        f.truncate(8 * 1024 * 1024)
    made = _run("mkfs.ext4", "-q", "-F", str(image))
    if made.returncode != 0:
        pytest.skip(f"mkfs.ext4 failed: {made.stderr.strip()}")
    with _mounted(tmp_path / "drive", "-o", "loop", str(image)) as drive:
        yield drive


def remount(drive: Path, mode: str) -> None:
    result = _run("mount", "-o", f"remount,{mode}", str(drive))
    assert result.returncode == 0, result.stderr


def assert_clean(folder: Path, expected: dict[str, bytes]) -> None:
    """Exactly the expected complete files, and no temporary file."""
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(expected), names
    for name, data in expected.items():
        assert (folder / name).read_bytes() == data, name


NEW = (
    ("results.json", b"R" * 40_000),
    ("results.csv", b"C" * 40_000),
    ("manifest.json", b"M" * 40_000),
)


# --- a drive that really fills up ---------------------------------------------------------


def test_a_full_tmpfs_is_refused_first_and_the_earlier_export_stays(
    small_tmpfs: Callable[[str], Path],
) -> None:
    drive = small_tmpfs("64k")
    folder = drive / "E1" / "P1"
    write_files(folder, OLD)
    with pytest.raises(SystemError_) as caught:
        write_files(folder, [("results.json", b"x" * 100_000), ("manifest.json", b"m")])
    assert caught.value.code == "media_full"
    assert "free" in caught.value.message and "another drive" in caught.value.message
    assert caught.value.params["needed"] > caught.value.params["free"]
    assert_clean(folder, dict(OLD))


def test_a_tmpfs_that_fills_up_during_writing(small_tmpfs: Callable[[str], Path]) -> None:
    drive = small_tmpfs("512k")
    folder = drive / "E1" / "P1"
    write_files(folder, OLD)
    filler = drive / "filler"

    def fill(stage: str, done: int, total: int) -> None:
        if stage == "write" and done == 1:  # someone else fills the stick meanwhile
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
            try:
                with contextlib.suppress(OSError):
                    while os.write(fd, b"\0" * 4096):
                        pass
            finally:
                os.close(fd)

    with pytest.raises(SystemError_) as caught:
        write_files(folder, NEW, progress=fill)
    assert caught.value.code == "media_full"
    assert "not complete" in caught.value.message
    # The first file was replaced whole; the rest keep the earlier export or do not exist.
    assert_clean(folder, {"results.json": NEW[0][1], "manifest.json": OLD[1][1]})
    filler.unlink()
    written = write_files(folder, NEW)  # with space again, the same export goes through
    assert [w.size for w in written] == [40_000] * 3
    assert_clean(folder, dict(NEW))


# --- a drive that is or turns read-only -----------------------------------------------------


def test_a_read_only_drive(ext4_drive: Path) -> None:
    folder = ext4_drive / "E1" / "P1"
    write_files(folder, OLD)
    remount(ext4_drive, "ro")
    with pytest.raises(SystemError_) as caught:
        write_files(folder, NEW)
    assert caught.value.code == "media_read_only"
    assert "read-only" in caught.value.message
    assert_clean(folder, dict(OLD))
    with pytest.raises(SystemError_) as caught:  # a folder that would have to be made
        write_files(ext4_drive / "E1" / "P2", NEW)
    assert caught.value.code == "media_read_only"
    assert not (ext4_drive / "E1" / "P2").exists()


def test_a_drive_turned_read_only_during_writing(ext4_drive: Path) -> None:
    folder = ext4_drive / "E1" / "P1"
    write_files(folder, OLD)

    def lock(stage: str, done: int, total: int) -> None:
        if stage == "write" and done == 1:  # the write-protect switch is flipped
            remount(ext4_drive, "ro")

    with pytest.raises(SystemError_) as caught:
        write_files(folder, NEW, progress=lock)
    assert caught.value.code == "media_read_only"
    assert_clean(folder, {"results.json": NEW[0][1], "manifest.json": OLD[1][1]})
    remount(ext4_drive, "rw")
    write_files(folder, NEW)
    assert_clean(folder, dict(NEW))


# --- a pulled drive and other failures, injected --------------------------------------------


def _fail_on_call(
    monkeypatch: pytest.MonkeyPatch, name: str, code: int, *, after: int
) -> list[int]:
    """Make ``media.os.<name>`` raise ``OSError(code)`` from its ``after``+1-th call on."""
    real = getattr(os, name)
    calls: list[int] = []

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) > after:
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    monkeypatch.setattr(media.os, name, failing)
    return calls


@pytest.mark.parametrize(
    ("call", "code", "expected"),
    [
        ("write", errno.EIO, "media_removed"),
        ("fsync", errno.EIO, "media_removed"),
        ("replace", errno.ENODEV, "media_removed"),
        ("write", errno.ENXIO, "media_removed"),
        ("fsync", errno.ESTALE, "media_removed"),
        ("write", errno.ENOSPC, "media_full"),
        ("write", errno.EDQUOT, "media_full"),
        ("fsync", errno.EROFS, "media_read_only"),
        ("open", errno.EACCES, "media_read_only"),
        ("open", errno.EPERM, "media_read_only"),
    ],
)
def test_injected_failures_on_the_second_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: str, code: int, expected: str
) -> None:
    folder = tmp_path / "E1" / "P1"
    write_files(folder, OLD, root=tmp_path)
    armed: list[bool] = []

    def arm(stage: str, done: int, total: int) -> None:
        if stage == "write" and done == 1 and not armed:
            armed.append(True)
            _fail_on_call(monkeypatch, call, code, after=0)

    with pytest.raises(SystemError_) as caught:
        write_files(folder, NEW, progress=arm, root=tmp_path)
    monkeypatch.undo()
    assert caught.value.code == expected
    assert caught.value.message.count(";") >= 1 and caught.value.message.endswith(".")
    assert_clean(folder, {"results.json": NEW[0][1], "manifest.json": OLD[1][1]})


def test_a_drive_pulled_while_reading_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "out"

    def pull(stage: str, done: int, total: int) -> None:
        if stage == "write" and done == total:
            _fail_on_call(monkeypatch, "read", errno.EIO, after=0)

    with pytest.raises(SystemError_) as caught:
        write_files(folder, NEW, progress=pull, root=tmp_path)
    monkeypatch.undo()
    assert caught.value.code == "media_removed"
    assert "removed" in caught.value.message and "export again" in caught.value.message
    assert_clean(folder, dict(NEW))  # written whole, only the check failed


def test_a_drive_pulled_before_the_folder_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_on_call(monkeypatch, "mkdir", errno.ENODEV, after=0)
    with pytest.raises(SystemError_) as caught:
        write_files(tmp_path / "E1" / "P1", NEW, root=tmp_path)
    monkeypatch.undo()
    assert caught.value.code == "media_removed"
    assert list(tmp_path.iterdir()) == []


def test_folders_made_for_a_failed_export_are_taken_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_on_call(monkeypatch, "write", errno.EIO, after=0)
    with pytest.raises(SystemError_):
        write_files(tmp_path / "E1" / "P1", NEW, root=tmp_path)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_the_free_space_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(_path: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(media.shutil, "disk_usage", fail)
    with pytest.raises(SystemError_) as caught:
        write_files(tmp_path / "out", NEW, root=tmp_path)
    assert caught.value.code == "media_removed"
    assert media.free_bytes(tmp_path) is None
    assert not (tmp_path / "out").exists()
