"""Writing export files to a drive: names, symlinks, things in the way, atomic replace,
read-back verification and progress, on real files in tmp_path (DESIGN §10, §13).

Each test runs twice: with folder descriptors (``dir_fd``, POSIX) and with full paths and
``lstat`` checks (the Windows fallback). Hashes are checked against ``sha256sum`` where it exists, an implementation independent of
the one under test.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tally_app.errors import InputError, SystemError_
from tally_app.export import media
from tally_app.export.media import WrittenFile, free_bytes, write_files


@pytest.fixture(autouse=True, params=["dir_fd", "paths"])
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs both ways: by folder descriptor (POSIX) and by path (as on Windows)."""
    if request.param == "paths":
        monkeypatch.setattr(media, "_USE_DIR_FD", False)
    return str(request.param)


FILES = (
    ("results.json", b'{"a": 1}\n' * 100),
    ("results.csv", b"contest,selection,votes\r\n" * 50),
    ("empty.txt", b""),
    ("manifest.json", b'{"files": []}\n'),
)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_writes_every_file_and_reports_what_was_read_back(tmp_path: Path) -> None:
    folder = tmp_path / "E1" / "P1"
    written = write_files(folder, FILES, root=tmp_path)
    assert [w.name for w in written] == [name for name, _ in FILES]
    for (name, data), w in zip(FILES, written, strict=True):
        assert (folder / name).read_bytes() == data
        assert w == WrittenFile(name, len(data), hashlib.sha256(data).hexdigest())
        assert len(w.sha256) == 64 and w.sha256 == w.sha256.lower()
    assert leftovers(folder) == []
    assert oct((folder / "results.json").stat().st_mode & 0o777) == "0o644"


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="sha256sum is not installed")
def test_hashes_agree_with_sha256sum(tmp_path: Path) -> None:
    written = write_files(tmp_path / "out", FILES, root=tmp_path)
    for w in written:
        line = subprocess.run(
            ["sha256sum", str(tmp_path / "out" / w.name)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert line.split()[0] == w.sha256


def test_default_root_is_the_mount_point(tmp_path: Path) -> None:
    written = write_files(tmp_path / "a" / "b", FILES[:1])
    assert (tmp_path / "a" / "b" / "results.json").read_bytes() == FILES[0][1]
    assert written[0].size == len(FILES[0][1])


def test_progress_is_reported_in_order(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    write_files(tmp_path / "out", FILES, progress=lambda *a: calls.append(a), root=tmp_path)
    n = len(FILES)
    assert calls == [("write", i, n) for i in range(1, n + 1)] + [
        ("verify", i, n) for i in range(1, n + 1)
    ]


def test_files_are_written_in_the_order_given(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    seen: list[list[str]] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "write":
            seen.append(sorted(p.name for p in folder.iterdir()))

    write_files(folder, FILES, progress=progress, root=tmp_path)
    names = [name for name, _ in FILES]
    assert seen == [sorted(names[:i]) for i in range(1, len(names) + 1)]


def test_overwriting_replaces_the_whole_file_with_a_new_inode(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "results.json"
    target.write_bytes(b"old content that is much longer than the new one" * 100)
    old_inode = target.stat().st_ino
    keep = os.open(target, os.O_RDONLY)  # a reader of the old file keeps the old bytes
    try:
        write_files(folder, [("results.json", b"new")], root=tmp_path)
        assert target.read_bytes() == b"new"
        assert target.stat().st_ino != old_inode  # renamed over, not truncated in place
        assert os.read(keep, 3) == b"old"
    finally:
        os.close(keep)
    assert leftovers(folder) == []


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", "..", ".", "", "a\\b", "a\0b", "x\n"])
def test_bad_names_are_refused_before_anything_is_written(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "out"
    with pytest.raises(InputError) as caught:
        write_files(folder, [("ok.txt", b"1"), (name, b"2")], root=tmp_path)
    assert caught.value.code == "media_bad_name"
    assert not folder.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_folder_outside_the_root_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        write_files(tmp_path / "elsewhere", FILES, root=tmp_path / "drive")
    assert caught.value.code == "media_bad_name"
    assert not (tmp_path / "elsewhere").exists()


def test_a_symlink_as_target_file_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"keep me")
    (folder / "results.csv").symlink_to(secret)
    with pytest.raises(InputError) as caught:
        write_files(folder, FILES, root=tmp_path)
    assert caught.value.code == "media_symlink"
    assert "symbolic link" in caught.value.message
    assert secret.read_bytes() == b"keep me"
    assert (folder / "results.csv").is_symlink()
    # Refused before anything was written: no file in front of it was touched either.
    assert sorted(p.name for p in folder.iterdir()) == ["results.csv"]


def test_a_dangling_symlink_as_target_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "manifest.json").symlink_to(tmp_path / "would-be-created")
    with pytest.raises(InputError) as caught:
        write_files(folder, FILES, root=tmp_path)
    assert caught.value.code == "media_symlink"
    assert not (tmp_path / "would-be-created").exists()


@pytest.mark.parametrize("depth", [0, 1])
def test_a_symlinked_folder_is_refused(tmp_path: Path, depth: int) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    drive = tmp_path / "drive"
    drive.mkdir()
    (drive / "E1").symlink_to(elsewhere, target_is_directory=True)
    folder = drive / "E1" / "P1" if depth else drive / "E1"
    with pytest.raises(InputError) as caught:
        write_files(folder, FILES, root=drive)
    assert caught.value.code == "media_symlink"
    assert list(elsewhere.iterdir()) == []


def test_a_symlinked_root_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    with pytest.raises(InputError) as caught:
        write_files(tmp_path / "link" / "out", FILES, root=tmp_path / "link")
    assert caught.value.code == "media_symlink"
    assert list(real.iterdir()) == []


def test_a_fifo_under_a_final_name_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    os.mkfifo(folder / "results.json")
    with pytest.raises(InputError) as caught:
        write_files(folder, FILES, root=tmp_path)  # would block forever if it were opened
    assert caught.value.code == "media_not_regular"
    assert sorted(p.name for p in folder.iterdir()) == ["results.json"]


def test_a_folder_under_a_final_name_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    (folder / "manifest.json").mkdir(parents=True)
    (folder / "manifest.json" / "inside").write_bytes(b"x")
    with pytest.raises(InputError) as caught:
        write_files(folder, FILES, root=tmp_path)
    assert caught.value.code == "media_not_regular"
    assert (folder / "manifest.json" / "inside").read_bytes() == b"x"


def test_a_file_where_a_folder_should_be_is_refused(tmp_path: Path) -> None:
    (tmp_path / "E1").write_bytes(b"not a folder")
    with pytest.raises(InputError) as caught:
        write_files(tmp_path / "E1" / "P1", FILES, root=tmp_path)
    assert caught.value.code == "media_not_regular"
    assert (tmp_path / "E1").read_bytes() == b"not a folder"


def test_a_read_back_that_differs_on_the_drive_fails(tmp_path: Path) -> None:
    """The file is changed on disk between writing and reading back: a bad drive."""
    folder = tmp_path / "out"

    def corrupt(stage: str, done: int, total: int) -> None:
        if stage == "write" and done == total:
            path = folder / "results.csv"
            data = bytearray(path.read_bytes())
            data[7] ^= 0x01
            path.write_bytes(bytes(data))

    with pytest.raises(SystemError_) as caught:
        write_files(folder, FILES, progress=corrupt, root=tmp_path)
    assert caught.value.code == "media_verify_failed"
    assert "results.csv" in caught.value.message
    assert "another drive" in caught.value.message


def test_a_read_that_returns_other_bytes_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_read = os.read

    def lying_read(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        return data[:-1] + b"X" if data else data

    monkeypatch.setattr(media.os, "read", lying_read)
    with pytest.raises(SystemError_) as caught:
        write_files(tmp_path / "out", FILES[:1], root=tmp_path)
    assert caught.value.code == "media_verify_failed"


def test_a_short_read_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_read = os.read
    monkeypatch.setattr(media.os, "read", lambda fd, n: real_read(fd, n)[:-1])
    with pytest.raises(SystemError_) as caught:
        write_files(tmp_path / "out", FILES[:1], root=tmp_path)
    assert caught.value.code == "media_verify_failed"


def test_not_enough_free_space_is_refused_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(media.shutil, "disk_usage", lambda _p: usage._replace(free=10_000))
    with pytest.raises(SystemError_) as caught:
        write_files(tmp_path / "out", [("big.bin", b"\0" * 20_000)], root=tmp_path)
    assert caught.value.code == "media_full"
    assert caught.value.params["free"] == 10_000
    assert caught.value.params["needed"] >= 20_000
    assert "9.8 kB free" in caught.value.message
    assert not (tmp_path / "out").exists()


def test_free_bytes_uses_the_nearest_existing_folder(tmp_path: Path) -> None:
    free = free_bytes(tmp_path / "not" / "yet" / "there")
    assert free is not None and free > 0
    assert abs(free - shutil.disk_usage(tmp_path).free) < 64 * 1024 * 1024
