"""The first start of `baogao serve`: the bundled reports, keyword-searchable as each one lands, then
the semantic index. Runs in its own process beside the page, prints its progress in the terminal
and keeps a small status file in the home that the page reads (`read_status`)."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import ui
from archive.home import Home
from index.vectors import manifest

STATUS_FILE = "first-start.json"
DEFAULT_BUNDLED = Path(ui.__file__).resolve().parent.parent / "data" / "reports"
ADDING, MODEL, EMBEDDING, DONE, FAILED = "adding", "model", "embedding", "done", "failed"
ACTIVE = (ADDING, MODEL, EMBEDDING)
_STAGE_OF_LABEL = {"Adding reports": ADDING, "Embedding chunks": EMBEDDING}


def bundled_folder() -> Path:
    """The reports a brand-new home starts with: $BAOGAO_BUNDLED, else the bundled data/reports."""
    return Path(os.environ.get("BAOGAO_BUNDLED") or DEFAULT_BUNDLED).expanduser()


@dataclass
class Status:
    """Where the first start is: its stage, how far the stage has got, and who runs it."""

    stage: str
    done: int = 0
    total: int = 0
    reports: int = 0  # bundled reports stored so far
    chunks: int = 0
    message: str = ""
    pid: int = field(default_factory=os.getpid)
    started: float = field(default_factory=time.time)

    @property
    def active(self) -> bool:
        """Still running: an unfinished stage whose process is alive (a killed load is not)."""
        return self.stage in ACTIVE and _alive(self.pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def status_path(root: Path | str) -> Path:
    return Path(root) / STATUS_FILE


def read_status(root: Path | str) -> Status | None:
    """The last status written in this home (None when there was never a first start)."""
    try:
        data = json.loads(status_path(root).read_text("utf-8"))
        return Status(**{k: v for k, v in data.items() if k in Status.__dataclass_fields__})
    except (OSError, ValueError, TypeError):
        return None


def write_status(root: Path | str, status: Status) -> None:
    """Written beside and renamed into place, so the page never reads half a file."""
    path = status_path(root)
    tmp = path.with_name(f".{STATUS_FILE}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(status), ensure_ascii=False), "utf-8")
    os.replace(tmp, path)


def needs_loading(root: Path | str) -> bool:
    """A cheap look before starting the loader: no archive or no index yet, or a load cut short."""
    root = Path(root)
    status = read_status(root)
    if status is not None and status.stage in ACTIVE:
        return True
    home = Home(root)
    return not home.database.exists() or not manifest.exists(home.index_dir)


class Reporter:
    """A library progress(label, total) callback: lines in the terminal, the status file for the page."""

    def __init__(self, root: Path, status: Status, out=sys.stderr, every: float = 2.0):
        self.root, self.status, self.out, self.every = root, status, out, every
        self._printed = self._written = 0.0

    def say(self, line: str) -> None:
        print(f"baogao: {line}", file=self.out, flush=True)

    def stage(self, stage: str, total: int = 0, message: str = "") -> None:
        self.status.stage, self.status.done, self.status.total = stage, 0, total
        self.status.message = message
        write_status(self.root, self.status)
        if message:
            self.say(message)

    def __call__(self, label: str, total: int) -> Reporter:
        self.stage(_STAGE_OF_LABEL.get(label, self.status.stage), total)
        self._label = label.lower()
        return self

    def __enter__(self) -> Reporter:
        return self

    def __exit__(self, *exc) -> bool:
        self._tick(force=True)
        return False

    def update(self, n: int) -> None:
        self.status.done += n
        if self.status.stage == ADDING:
            self.status.reports = self.status.done
        self._tick()

    def _tick(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._written >= 0.5:
            write_status(self.root, self.status)
            self._written = now
        if force or now - self._printed >= self.every:
            self.say(f"{self._label}: {self.status.done}/{self.status.total}")
            self._printed = now


def load(library, reporter: Reporter, bundled: Path) -> str:
    """Add the bundled reports (each searchable by keyword once stored), then embed every chunk."""
    started = time.monotonic()
    previous = read_status(library.home.root)
    if previous is not None and previous.active and previous.pid != os.getpid():
        reporter.say(f"another process (pid {previous.pid}) is loading this home already")
        return "nothing to load"
    resuming = previous is not None and previous.stage == ADDING  # cut short: duplicates skip
    if (library.archive.generation == 0 or resuming) and bundled.is_dir():
        reporter.stage(ADDING, message=f"first start: loading the bundled reports from {bundled}")
        library.add([bundled], index=False, progress=reporter)
    chunks = len(library.archive.chunk_ids())
    reporter.status.chunks = chunks
    if chunks and not library.index_exists():
        reporter.say(f"keyword search ready ({library.archive.counts()['reports']} reports, "
                     f"{chunks} chunks): the page answers questions now")
        reporter.stage(MODEL, message="loading the embedding model")
        library.embedder  # noqa: B018 - its own stage: the page shows it
        library.rebuild(progress=reporter)
        done = f"semantic index ready: {chunks} chunks in {time.monotonic() - started:.0f} s"
    else:
        done = "nothing to load"
    reporter.stage(DONE, message=done)
    return done


def main(root: str) -> int:
    """Entry point of the loader process: `python -m ui.first_start HOME`."""
    from index.library import USER_ERRORS, Library

    root_path = Path(root)
    reporter = Reporter(root_path, Status(ADDING))
    library = Library.open(root_path)
    try:
        load(library, reporter, bundled_folder())
        return 0
    except KeyboardInterrupt:
        reporter.say("first start interrupted: the next `baogao serve` goes on from here")
        return 130
    except Exception as e:  # noqa: BLE001 - one line in the terminal and the page, never a traceback
        known = isinstance(e, USER_ERRORS)
        reporter.stage(FAILED, message=f"first start failed: {e if known else repr(e)}")
        return 1
    finally:
        library.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
