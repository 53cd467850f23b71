"""Sick disks: a read-only home, a full disk, a damaged database — each told in one line.

The archive must keep answering from what it has; only writers are refused, before they
write anything, with the fix.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from pathlib import Path


class ArchiveReadOnly(RuntimeError):
    """The home cannot be written: reading works, writing is refused before it starts."""


class DiskFull(RuntimeError):
    """The disk filled up during a write; what was committed and what was not is in the message."""


class ArchiveDamaged(RuntimeError):
    """SQLite's own check failed: writing on would spread the damage."""


LOW_SPACE = 2**20  # free bytes under which SQLite's I/O errors are taken for a full disk
DAMAGED_FIX = "nothing was written; restore archive.db from a backup, then run `baogao check --repair`"


def writable(folder: Path) -> bool:
    """Whether files can be created in `folder` (root ignores permission bits, not a ro mount)."""
    try:
        read_only_mount = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False
    return not read_only_mount and os.access(folder, os.W_OK)


def read_only_message(root: Path) -> str:
    return (
        f"the archive home {root} is read-only: nothing was written "
        "(reading commands still work; make it writable or choose another --home)"
    )


def disk_full_message(root: Path) -> str:
    return (
        f"the disk holding {root} is full: nothing was written "
        "(reading commands still work; free some space and try again)"
    )


def is_disk_full(error: BaseException, folder: Path | None = None) -> bool:
    """ENOSPC/EDQUOT/EFBIG from the OS, or SQLite's SQLITE_FULL, anywhere in the chain; SQLite's
    bare "disk I/O error" (it could not grow its -shm file) too when `folder` has no room left."""
    if folder is not None and isinstance(error, sqlite3.OperationalError):
        if "I/O error" in str(error) and _free_bytes(folder) < LOW_SPACE:
            return True
    while error is not None:
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return True
        if isinstance(error, sqlite3.OperationalError) and "disk is full" in str(error):
            return True
        if isinstance(error, RuntimeError) and "No space left" in str(error):
            return True  # faiss wraps the OS error in its own RuntimeError text
        error = error.__cause__ or error.__context__
    return False


def _free_bytes(folder: Path) -> int:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 0


def file_stamp(path: Path) -> tuple | None:
    """Changes whenever the file is replaced or rewritten: cheap, for readers that cache it."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)
