"""The removable drives an export can go to (DESIGN §10): ready, writable, not the system.

Only volumes mounted where desktops put removable media are offered (``/media``,
``/run/media``, ``/mnt``, ``/Volumes``, or a Windows drive letter other than the system
drive), never the volume holding the system, the home folder or the app's data folder, and
never a pseudo filesystem. Anything else can still be chosen as a folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

from PySide6.QtCore import QStorageInfo

from tally_app import service

_REMOVABLE_PLACES = ("/media", "/run/media", "/mnt", "/Volumes")
_PSEUDO = frozenset(
    {
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs",
        "devpts", "devtmpfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs",
        "overlay", "proc", "pstore", "ramfs", "rpc_pipefs", "securityfs", "squashfs",
        "sysfs", "tmpfs", "tracefs", "devfs", "autofs_nowait", "nullfs", "fuse.portal",
        "fuse.gvfsd-fuse", "fuse.snapfuse", "fuse.lxcfs",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Drive:
    name: str  # the volume label, or the root path when there is none
    root: Path
    free: int  # bytes available to this user
    total: int


def removable_drives(exclude: Iterable[Path] = ()) -> list[Drive]:
    """Writable removable volumes, by name; ``exclude``: more folders whose volume is not one."""
    system_roots = {_root_of(QStorageInfo.root())}
    for folder in (Path.home(), service.default_data_dir(), *exclude):
        system_roots.add(_root_of(QStorageInfo(str(_existing(folder)))))
    drives = []
    for volume in QStorageInfo.mountedVolumes():
        root = _root_of(volume)
        if (
            not volume.isValid()
            or not volume.isReady()
            or volume.isReadOnly()
            or root in system_roots
            or _filesystem(volume) in _PSEUDO
            or not _in_removable_place(root)
        ):
            continue
        drives.append(
            Drive(
                name=volume.name() or root,
                root=Path(root),
                free=int(volume.bytesAvailable()),
                total=int(volume.bytesTotal()),
            )
        )
    return sorted(drives, key=lambda d: (d.name.casefold(), str(d.root)))


def _root_of(volume: QStorageInfo) -> str:
    return os.path.normcase(os.path.normpath(volume.rootPath())) if volume.rootPath() else ""


def _filesystem(volume: QStorageInfo) -> str:
    raw = volume.fileSystemType()
    return bytes(raw.data()).decode("utf-8", "replace").lower()


def _existing(folder: Path) -> Path:
    folder = Path(os.path.abspath(folder))
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _in_removable_place(root: str) -> bool:
    if sys.platform == "win32":
        drive = PurePath(root).drive.upper()
        system = os.environ.get("SystemDrive", "C:").upper()
        return bool(drive) and drive != system
    return any(root == place or root.startswith(place + "/") for place in _REMOVABLE_PLACES)
