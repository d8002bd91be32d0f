"""Reading files from a drive that may be hostile: no symlinks followed, no FIFOs or devices
opened for reading, sizes capped before a byte is read (DESIGN §13)."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path


class UnsafeFile(Exception):
    """A file that is missing, not a regular file, a symlink or too large (one sentence)."""


def _open(path: Path) -> int:
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except FileNotFoundError:
        raise UnsafeFile(f"{path.name} is missing.") from None
    except OSError as exc:
        if path.is_symlink():
            raise UnsafeFile(
                f"{path.name} is a symbolic link, which a bundle may not hold."
            ) from None
        raise UnsafeFile(f"{path.name} cannot be read ({exc.strerror}).") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise UnsafeFile(f"{path.name} is not a regular file.")
    return fd


def read_limited(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes."""
    fd = _open(path)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise UnsafeFile(f"{path.name} is {size:,} bytes, more than the {limit:,} allowed.")
        chunks: list[bytes] = []
        total = 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > limit:  # grew while being read
                raise UnsafeFile(f"{path.name} is more than the {limit:,} bytes allowed.")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise UnsafeFile(f"{path.name} cannot be read ({exc.strerror}).") from None
    finally:
        os.close(fd)


def sha256_and_size(path: Path, limit: int) -> tuple[str, int]:
    """SHA-256 (hex) and size of a regular file, read in chunks."""
    fd = _open(path)
    try:
        digest = hashlib.sha256()
        total = 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > limit:
                raise UnsafeFile(f"{path.name} is more than the {limit:,} bytes allowed.")
            digest.update(chunk)
        return digest.hexdigest(), total
    except OSError as exc:
        raise UnsafeFile(f"{path.name} cannot be read ({exc.strerror}).") from None
    finally:
        os.close(fd)
