"""One library per server (cached), its searcher kept in step with every write, progress bars."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

import ui
from archive.home import Home
from index.library import Library
from index.search import Searcher
from ui import views_access

BUNDLED_REPORTS = Path(ui.__file__).resolve().parent.parent / "data" / "reports"
WARM_UP_QUESTION = "棚户区改造了多少户"


@dataclass
class Resources:
    """What every session of one server shares: the library, its searcher and a write lock."""

    library: Library  # answers questions; never writes
    lock: threading.RLock = field(default_factory=threading.RLock)  # guards the searcher swap
    write_lock: threading.Lock = field(default_factory=threading.Lock)  # one page write at a time
    writer: Library | None = None  # writes on its own SQLite connection: questions never wait
    searcher: Searcher | None = None
    signature: tuple | None = None  # (archive generation, manifest mtime) the searcher was made for
    first_run_done: bool = False
    loading_bundled: bool = False  # set while the bundled reports are being added


def home_root() -> str:
    return str(Home.resolve(os.environ.get("BAOGAO_HOME") or None).root)


def model_name() -> str | None:
    return os.environ.get("BAOGAO_MODEL") or None


@st.cache_resource(show_spinner="Opening the archive…")
def _resources(home: str, model: str | None, vector_store: str | None) -> Resources:
    return Resources(Library.open(home, model=model, vector_store=vector_store))


def resources() -> Resources:
    """The shared resources of this server for its home, model and vector store."""
    return _resources(home_root(), model_name(), os.environ.get("BAOGAO_VECTOR_STORE") or None)


def signature(library: Library) -> tuple:
    manifest = library.home.index_dir / "manifest.json"
    mtime = manifest.stat().st_mtime_ns if manifest.exists() else None
    return (library.archive.generation, mtime)


def searcher(res: Resources) -> Searcher:
    """A searcher over the current index; raises IndexNotReady with the fix when there is none.

    A change by another process (say `baogao add` while the server runs) moves the archive
    generation or the index manifest: a new searcher then sees the new reports at once.
    """
    with res.lock:
        current = signature(res.library)
        if res.searcher is None or current != res.signature:
            res.searcher = res.library.searcher()
            res.signature = current
        return res.searcher


def after_write(res: Resources) -> None:
    """Adopt the library's own new state: later questions see the new reports at once."""
    with res.lock:
        res.searcher = None
        res.signature = signature(res.library)
    st.session_state.pop("answers", None)


@contextmanager
def writing(res: Resources) -> Iterator[Library]:
    """A write from the page, on the writer's own connection; questions go on meanwhile from
    the state before it, and the swap to the new state afterwards is the only shared moment."""
    if not views_access.can_write():  # the one door every page write goes through
        st.error("Not allowed: this session cannot change the archive.")
        st.stop()
    with res.write_lock:
        if res.writer is None:
            reader = res.library
            res.writer = Library(
                reader.home, reader.model_name, reader.settings, reader.vector_store,
                embedder=reader.embedder,
            )  # fmt: skip
        try:
            yield res.writer
        finally:
            after_write(res)


def warm_up(res: Resources) -> None:
    """Pay the one-off costs (model, dictionaries, tokenizer) before the first real question."""
    try:
        res.library.ask(WARM_UP_QUESTION, searcher=searcher(res))
    except Exception:  # noqa: BLE001 - a failed warm-up only costs the first question time
        pass


@contextmanager
def progress_bar(label: str, total: int) -> Iterator:
    """A library progress(label, total) callback drawn with st.progress."""
    bar = st.progress(0.0, text=f"{label} (0/{total})")

    class _Bar:
        done = 0

        def update(self, n: int) -> None:
            self.done += n
            bar.progress(min(1.0, self.done / max(total, 1)), text=f"{label} ({self.done}/{total})")

    try:
        yield _Bar()
    finally:
        bar.empty()


def first_run(res: Resources, progress: Callable = progress_bar) -> str | None:
    """On a brand-new home load the bundled reports and build the index; say what was done."""
    with res.lock:
        if res.first_run_done:
            return None
        library = res.library
        message = None
        fresh = library.archive.generation == 0 or res.loading_bundled
        if fresh and BUNDLED_REPORTS.is_dir():
            # A run cut short (the tab closed) resumes here: added files come back as duplicates.
            res.loading_bundled = True
            outcomes = library.add([BUNDLED_REPORTS], index=False, progress=progress)
            res.loading_bundled = False
            added = sum(o.status == "added" for o in outcomes)
            message = f"Loaded {added} bundled reports from {BUNDLED_REPORTS}."
        if library.archive.chunk_ids() and not library.index_exists():
            library.rebuild(progress=progress)
            message = (message or "") + " Built the search index."
        after_write(res)
        warm_up(res)
        res.first_run_done = True
        return message
