"""Where generated state lives: one archive home per user (or per --home / BAOGAO_HOME, see
archive/settings.py)."""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from archive.disk import ArchiveReadOnly, read_only_message, writable
from archive.settings import Settings


class ArchiveBusy(RuntimeError):
    """Another writer holds the archive lock."""


@dataclass(frozen=True)
class Home:
    """The files of one archive home."""

    root: Path

    @classmethod
    def resolve(cls, root: Path | str | None = None) -> Home:
        home = cls(Path(root).expanduser() if root else Settings.resolve().home)
        home.root.mkdir(parents=True, exist_ok=True)
        return home

    @property
    def database(self) -> Path:
        return self.root / "archive.db"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def uploads_dir(self) -> Path:
        return self.root / "uploads"

    @contextmanager
    def writing(self, timeout: float = 600):
        """Hold the writer lock: two writers never interleave; readers never take it."""
        if not writable(self.root):
            raise ArchiveReadOnly(read_only_message(self.root))
        lock = FileLock(self.root / "write.lock")
        try:
            lock.acquire(timeout=timeout)
        except Timeout as e:
            raise ArchiveBusy(
                f"another baogao process is writing to {self.root}; try again when it finishes"
            ) from e
        try:
            yield
        finally:
            lock.release()

    def writer_active(self) -> bool:
        """True while another process holds the writer lock (probed, never waited for)."""
        try:
            fd = open(self.root / "write.lock", "rb")  # noqa: SIM115 - flock needs the descriptor
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        finally:
            fd.close()  # closing drops a shared lock the probe may have won
        return False
