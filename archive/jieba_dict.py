"""jieba's dictionary read from SQLite on demand, so segmenting one question takes milliseconds.

jieba keeps its dictionary (about 350k words and all their prefixes) in one dict that every
process unmarshals whole before its first cut: half a second of a cold `baogao ask`. A
question needs a few hundred of those keys. The first process that loads the whole dictionary
also writes it to an SQLite file under ~/.cache/baogao/ (keyed by jieba's version and the
dictionary's hash); later processes hand jieba a read-only mapping over that file. The values
are the same, so the cuts are the same (tests/test_tokens.py compares them); a long text (a
report being added) still loads the whole dictionary, which is faster for millions of lookups.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator, Mapping
from functools import cache
from importlib.metadata import version
from pathlib import Path


class SqliteFreq(Mapping):
    """word -> frequency (0 for a prefix that is no word), as jieba's FREQ, read as asked."""

    def __init__(self, path: Path):
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._seen: dict[str, int | None] = {}
        self.total, self._count = self._db.execute("SELECT total, count FROM meta").fetchone()

    def get(self, key, default=None):
        try:
            found = self._seen[key]
        except KeyError:
            row = self._db.execute("SELECT n FROM freq WHERE w = ?", (key,)).fetchone()
            found = self._seen[key] = None if row is None else row[0]
        return default if found is None else found

    def __getitem__(self, key: str) -> int:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key) -> bool:
        return self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        return (w for (w,) in self._db.execute("SELECT w FROM freq"))

    def __len__(self) -> int:
        return self._count


def cache_path(dictionary: str) -> Path:
    """The SQLite copy of this jieba dictionary: version and content in the name."""
    with open(dictionary, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "baogao"
    return root / f"jieba-{version('jieba')}-{digest}.sqlite"


@cache
def _default_dictionary() -> str:
    """jieba's own dict.txt (the file `jieba.initialize()` reads when no other is set)."""
    import jieba

    return os.path.join(os.path.dirname(jieba.__file__), "dict.txt")


def open_lazy() -> SqliteFreq | None:
    """The mapping over the cached dictionary, or None while no process has written it."""
    try:
        path = cache_path(_default_dictionary())
        if not path.exists():
            return None
    except OSError:
        return None
    try:
        return SqliteFreq(path)
    except sqlite3.Error:  # damaged: the next whole load writes it anew
        path.unlink(missing_ok=True)
        return None


def write_cache(freq: dict[str, int], total: int) -> None:
    """Store a loaded dictionary for later processes (atomically; a failure only costs speed)."""
    try:
        path = cache_path(_default_dictionary())
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.unlink(missing_ok=True)
        db = sqlite3.connect(tmp)
        with db:
            db.execute("CREATE TABLE freq (w TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
            db.execute("CREATE TABLE meta (total INTEGER NOT NULL, count INTEGER NOT NULL)")
            db.executemany("INSERT INTO freq VALUES (?, ?)", freq.items())
            db.execute("INSERT INTO meta VALUES (?, ?)", (total, len(freq)))
        db.close()
        os.replace(tmp, path)
    except (OSError, sqlite3.Error):
        pass
