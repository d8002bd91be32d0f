"""Write export files to a removable drive so that a pulled, full or read-only drive never
leaves a half-written file under a final name (DESIGN §10 "Writing", §13).

Why each step:

- Names are plain file names and every folder under the chosen root is opened without
  following symlinks (``O_NOFOLLOW``/``O_DIRECTORY`` with ``dir_fd``): a USB drive is hostile,
  and a planted symlink must not make the app write somewhere else.
- Free space is checked first (rounded up to the volume's block size), so the common case
  of a full stick is refused before anything is touched.
- Each file goes to a temporary name in the same folder, is flushed and ``fsync``-ed, then
  ``os.replace``-d over the final name and the folder is ``fsync``-ed: a final name holds the
  old complete file or the new complete file, never a part.
- After all files are written their cached pages are dropped and every file is read back
  from the drive and hashed; only then may the UI say "safe to remove".

Where ``dir_fd`` is not available (Windows) the same steps run on full paths with ``lstat``
checks instead.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tally_app.errors import InputError, SystemError_, TallyError

Progress = Callable[[str, int, int], None]

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_USE_DIR_FD = (
    os.open in os.supports_dir_fd and os.mkdir in os.supports_dir_fd and bool(_O_DIRECTORY)
)
_CHUNK = 1 << 20
_DEFAULT_BLOCK = 4096
_FORBIDDEN_IN_NAMES = frozenset('/\\\0:*?"<>|')
_MAX_NAME_BYTES = 255

_FULL = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG})
_READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
_NOT_REGULAR = frozenset({errno.EISDIR, errno.ENOTDIR, errno.ENOTEMPTY, errno.EEXIST})


@dataclass(frozen=True)
class WrittenFile:
    """One file as it was read back from the drive."""

    name: str
    size: int
    sha256: str  # 64 lowercase hex digits of the bytes read back


def free_bytes(folder: Path) -> int | None:
    """Free space of the volume that holds ``folder`` (or would), None when unknown."""
    try:
        return shutil.disk_usage(_existing_ancestor(Path(folder))).free
    except OSError:
        return None


def write_files(
    folder: Path,
    files: Sequence[tuple[str, bytes]],
    *,
    progress: Progress | None = None,
    root: Path | None = None,
) -> tuple[WrittenFile, ...]:
    """Write ``files`` (in order) into ``folder``, then read every one back and compare.

    ``root`` is the folder the user chose (a drive or any folder); the folders from it down
    to ``folder`` must not be symlinks. By default it is the mount point holding ``folder``.
    Raises ``InputError``/``SystemError_`` with a ``media_*`` code; see the module docstring
    for what is left behind.
    """
    folder = Path(os.path.abspath(folder))
    base = Path(os.path.abspath(root)) if root is not None else _mount_point(folder)
    if folder != base and base not in folder.parents:
        raise InputError(
            "media_bad_name",
            f"The folder {folder} is not inside {base}; choose a folder on the drive.",
            folder=str(folder),
        )
    for name, _data in files:
        _check_name(name)
    _check_space(folder, files)
    report = progress or (lambda _stage, _done, _total: None)
    with _open_tree(base, folder.relative_to(base).parts, folder) as target:
        for name, _data in files:
            _check_target(target, name)
        for index, (name, data) in enumerate(files, start=1):
            _write_one(target, name, data)
            report("write", index, len(files))
        written = []
        for index, (name, data) in enumerate(files, start=1):
            written.append(_verify_one(target, name, data))
            report("verify", index, len(files))
    return tuple(written)


# --- names and space ---------------------------------------------------------------------


def _check_name(name: str) -> None:
    if (
        not isinstance(name, str)
        or not name
        or name.startswith(".")
        or any(ch in _FORBIDDEN_IN_NAMES or ord(ch) < 32 for ch in name)
        or name.endswith((" ", "."))
        or len(name.encode("utf-8", "surrogatepass")) > _MAX_NAME_BYTES
    ):
        raise InputError(
            "media_bad_name",
            f"{name!r} is not a plain file name (no folders, no leading dot), so nothing was "
            "written; this is a fault in the app, please report it.",
            name=str(name),
        )


def _check_space(folder: Path, files: Sequence[tuple[str, bytes]]) -> None:
    existing = _existing_ancestor(folder)
    try:
        free = shutil.disk_usage(existing).free
    except OSError as exc:
        raise _translate(exc, folder, "check the free space on") from exc
    block = _block_size(existing)
    # Every file takes whole blocks, plus one block per file and one for the folder entries.
    needed = sum(-(-len(data) // block) * block for _n, data in files)
    needed += block * (len(files) + 1)
    if needed > free:
        raise SystemError_(
            "media_full",
            f"The drive holding {folder} has {_size(free)} free but the export needs "
            f"{_size(needed)}, so nothing was written; free some space or use another drive, "
            "then export again.",
            folder=str(folder),
            needed=needed,
            free=free,
        )


def _block_size(path: Path) -> int:
    statvfs = getattr(os, "statvfs", None)
    if statvfs is None:
        return _DEFAULT_BLOCK
    try:
        result = statvfs(path)
    except OSError:
        return _DEFAULT_BLOCK
    return max(int(result.f_frsize or result.f_bsize), 512)


def _size(count: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _existing_ancestor(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _mount_point(folder: Path) -> Path:
    """The nearest existing ancestor that is a mount point (never a symlink)."""
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate) and os.path.ismount(candidate):
            return candidate
    return Path(folder.anchor)


# --- the folder, opened without following symlinks ----------------------------------------


@dataclass(frozen=True)
class _Dir:
    """An open folder: by descriptor where the OS allows it, else by path."""

    path: Path
    fd: int | None

    def at(self, name: str) -> tuple[str, int | None]:
        if self.fd is not None:
            return name, self.fd
        return str(self.path / name), None


@contextlib.contextmanager
def _open_tree(base: Path, parts: Sequence[str], folder: Path) -> Iterator[_Dir]:
    """Open ``base``, then each part below it (creating it), refusing symlinks."""
    opened: list[int] = []
    created: list[tuple[_Dir, str]] = []
    current = _open_base(base, opened)
    try:
        for part in parts:
            current = _open_child(current, part, opened, created)
        yield current
    except TallyError:
        _remove_empty(created)
        raise
    except OSError as exc:
        _remove_empty(created)
        raise _translate(exc, folder, "write to") from exc
    finally:
        for fd in reversed(opened):
            with contextlib.suppress(OSError):
                os.close(fd)


def _open_base(base: Path, opened: list[int]) -> _Dir:
    if base.is_symlink():
        raise _symlink(base)
    try:
        if not _USE_DIR_FD:
            if not base.is_dir():
                raise _not_regular(base)
            return _Dir(base, None)
        fd = os.open(base, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    except OSError as exc:
        raise _translate(exc, base, "open") from exc
    opened.append(fd)
    return _Dir(base, fd)


def _open_child(
    parent: _Dir, part: str, opened: list[int], created: list[tuple[_Dir, str]]
) -> _Dir:
    path = parent.path / part
    info = _lstat(parent, part)
    if info is None:
        where, dir_fd = parent.at(part)
        try:
            os.mkdir(where, 0o755, dir_fd=dir_fd)
            created.append((parent, part))
        except FileExistsError:
            pass  # made by someone else meanwhile; checked below like any other
        info = _lstat(parent, part)
    if info is None or stat.S_ISLNK(info.st_mode):
        raise _symlink(path)
    if not stat.S_ISDIR(info.st_mode):
        raise _not_regular(path)
    if parent.fd is None:
        return _Dir(path, None)
    try:
        fd = os.open(part, os.O_RDONLY | _O_DIRECTORY | _O_NOFOLLOW | _O_CLOEXEC, dir_fd=parent.fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _symlink(path) from exc
        raise
    opened.append(fd)
    return _Dir(path, fd)


def _remove_empty(created: list[tuple[_Dir, str]]) -> None:
    """Best effort: take away folders this call made, if they are still empty."""
    for parent, part in reversed(created):
        where, dir_fd = parent.at(part)
        with contextlib.suppress(OSError):
            os.rmdir(where, dir_fd=dir_fd)


def _lstat(folder: _Dir, name: str) -> os.stat_result | None:
    where, dir_fd = folder.at(name)
    try:
        return os.stat(where, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _check_target(folder: _Dir, name: str) -> None:
    info = _lstat(folder, name)
    if info is None:
        return
    if stat.S_ISLNK(info.st_mode):
        raise _symlink(folder.path / name)
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(folder.path / name)


# --- writing and reading back -------------------------------------------------------------


def _write_one(folder: _Dir, name: str, data: bytes) -> None:
    temp = f".{name}.{secrets.token_hex(6)}.partial"
    temp_at, temp_fd = folder.at(temp)
    final_at, final_fd = folder.at(name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_BINARY | _O_CLOEXEC
    try:
        fd = os.open(temp_at, flags, 0o644, dir_fd=temp_fd)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view[:_CHUNK]) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        _check_target(folder, name)  # again, just before the rename
        os.replace(temp_at, final_at, src_dir_fd=temp_fd, dst_dir_fd=final_fd)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_at, dir_fd=temp_fd)
        if isinstance(exc, OSError):
            if exc.errno in _NOT_REGULAR:
                raise _not_regular(folder.path / name) from exc
            raise _translate(exc, folder.path, "write to") from exc
        raise
    try:
        _fsync_dir(folder)
    except OSError as exc:
        raise _translate(exc, folder.path, "write to") from exc


def _fsync_dir(folder: _Dir) -> None:
    if folder.fd is not None:
        os.fsync(folder.fd)
        return
    if os.name == "nt":
        return  # Windows cannot open a folder to fsync it; NTFS journals the rename
    fd = os.open(folder.path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _verify_one(folder: _Dir, name: str, data: bytes) -> WrittenFile:
    where, dir_fd = folder.at(name)
    try:
        fd = os.open(where, os.O_RDONLY | _O_NOFOLLOW | _O_BINARY | _O_CLOEXEC, dir_fd=dir_fd)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise _not_regular(folder.path / name)
            _drop_cache(fd)
            digest = hashlib.sha256()
            size = 0
            while chunk := os.read(fd, _CHUNK):
                digest.update(chunk)
                size += len(chunk)
        finally:
            os.close(fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _symlink(folder.path / name) from exc
        raise _translate(exc, folder.path, "read back") from exc
    read_back = WrittenFile(name, size, digest.hexdigest())
    if size != len(data) or read_back.sha256 != hashlib.sha256(data).hexdigest():
        raise SystemError_(
            "media_verify_failed",
            f"{name} read back from the drive at {folder.path} differs from what was written, "
            "so the drive cannot be trusted; export again to another drive.",
            folder=str(folder.path),
            name=name,
        )
    return read_back


def _drop_cache(fd: int) -> None:
    """Ask the kernel to forget the file's pages so the read comes from the drive."""
    fadvise = getattr(os, "posix_fadvise", None)
    if fadvise is None:
        return
    with contextlib.suppress(OSError):
        fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


# --- errors -------------------------------------------------------------------------------


def _symlink(path: Path) -> InputError:
    return InputError(
        "media_symlink",
        f"{path} is a symbolic link, so nothing was written through it; choose another "
        "folder or drive.",
        path=str(path),
    )


def _not_regular(path: Path) -> InputError:
    return InputError(
        "media_not_regular",
        f"{path} is in the way (it is not an ordinary file or folder), so nothing was "
        "written there; choose another folder or drive.",
        path=str(path),
    )


def _translate(exc: OSError, folder: Path, doing: str) -> TallyError:
    """The ``media_*`` error for an OS failure; unknown failures count as a lost drive."""
    code = exc.errno
    reason = exc.strerror or str(exc)
    if code in _FULL:
        return SystemError_(
            "media_full",
            f"The drive holding {folder} filled up, so the export is not complete; "
            "free some space or use another drive, then export again.",
            folder=str(folder),
        )
    if code in _READ_ONLY:
        return SystemError_(
            "media_read_only",
            f"The app could not {doing} {folder} because it is read-only or write-protected "
            f"({reason}); unlock the drive or use another one, then export again.",
            folder=str(folder),
        )
    if code == errno.ELOOP:
        return _symlink(folder)
    return SystemError_(
        "media_removed",
        f"The app could not {doing} {folder} ({reason}); the drive may have been removed: "
        "plug it in again (or use another drive), then export again.",
        folder=str(folder),
    )
