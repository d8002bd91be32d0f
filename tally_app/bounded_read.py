"""Reading a file that may be hostile (a USB drive, an e-mail attachment), in one place.

The size is checked before a byte is read and again while reading (a file can grow); FIFOs
and devices are never opened for reading in a way that blocks (``O_NONBLOCK``) and are refused
as not regular files; with ``follow_symlinks=False`` a symbolic link is refused instead of
followed. Failures are `UnsafeFile` with a ``kind`` the caller turns into its own words.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

Kind = Literal["missing", "symlink", "not_a_file", "too_large", "permission", "unreadable"]
_CHUNK = 1 << 20


class UnsafeFile(Exception):
    """Why a file was not read: ``kind`` for the caller, ``message`` one plain sentence."""

    def __init__(
        self, kind: Kind, message: str, *, size: int | None = None, reason: str = ""
    ) -> None:
        super().__init__(message)
        self.kind: Kind = kind
        self.message = message
        self.size = size  # for "too_large"
        self.reason = reason  # for "unreadable": the system's words


@contextmanager
def _regular(path: Path, follow_symlinks: bool) -> Iterator[int]:
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
        if path.is_symlink():  # also where O_NOFOLLOW does not exist
            raise UnsafeFile("symlink", f"{path.name} is a symbolic link, which is not followed.")
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise UnsafeFile("missing", f"{path.name} is missing.") from None
    except PermissionError:
        raise UnsafeFile(
            "permission", f"{path.name} may not be read (permission denied)."
        ) from None
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise UnsafeFile("not_a_file", f"{path.name} is a folder, not a file.") from None
        if exc.errno == errno.ELOOP:
            raise UnsafeFile(
                "symlink", f"{path.name} is a symbolic link, which is not followed."
            ) from None
        raise _unreadable(path, exc) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafeFile("not_a_file", f"{path.name} is not a regular file.")
        yield fd
    except OSError as exc:
        raise _unreadable(path, exc) from None
    finally:
        os.close(fd)


def _unreadable(path: Path, exc: OSError) -> UnsafeFile:
    reason = exc.strerror or type(exc).__name__
    return UnsafeFile("unreadable", f"{path.name} cannot be read ({reason}).", reason=reason)


def _too_large(path: Path, limit: int, size: int) -> UnsafeFile:
    return UnsafeFile(
        "too_large", f"{path.name} is {size:,} bytes, more than the {limit:,} allowed.", size=size
    )


def _chunks(fd: int, path: Path, limit: int) -> Iterator[bytes]:
    size = os.fstat(fd).st_size
    if size > limit:
        raise _too_large(path, limit, size)
    total = 0
    while chunk := os.read(fd, _CHUNK):
        total += len(chunk)
        if total > limit:  # it grew while being read
            raise _too_large(path, limit, total)
        yield chunk


def read_limited(path: Path, limit: int, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes."""
    path = Path(path)
    with _regular(path, follow_symlinks) as fd:
        return b"".join(_chunks(fd, path, limit))


def sha256_and_size(path: Path, limit: int, *, follow_symlinks: bool = True) -> tuple[str, int]:
    """SHA-256 (hex) and size of a regular file, read in chunks."""
    path = Path(path)
    digest = hashlib.sha256()
    total = 0
    with _regular(path, follow_symlinks) as fd:
        for chunk in _chunks(fd, path, limit):
            digest.update(chunk)
            total += len(chunk)
    return digest.hexdigest(), total
