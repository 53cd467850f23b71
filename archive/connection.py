"""Opening the archive's SQLite file: WAL and foreign keys for a writer, immutable for a reader
of a home that cannot be written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from archive.disk import ArchiveReadOnly
from archive.migrations import migrate
from archive.sqlite_lib import sqlite_utils


def writable_database(path: Path) -> sqlite_utils.Database:
    """A connection that writes: WAL, foreign keys, a long busy wait, the schema migrated."""
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA busy_timeout=30000")
    migrate(db)
    return db


def read_only_connection(path: Path, why: str) -> sqlite3.Connection:
    """Read a home that cannot be written: no WAL files can be made there, and with no log left
    beside the file (closed cleanly) nothing can change it, so it is opened as immutable."""
    if not path.exists():
        raise ArchiveReadOnly(f"{why}; it holds no archive yet")
    wal = path.with_name(path.name + "-wal")
    mode = "ro" if wal.exists() and wal.stat().st_size else "ro&immutable=1"
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
