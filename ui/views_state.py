"""One library per server (cached), the best searcher it can offer now, progress bars.

Questions never wait for the semantic index: until it exists (a first start is still embedding,
or it is stale) they are answered by keyword, and `keyword_only` says why.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from archive.home import Home
from archive.settings import Settings
from index.library import USER_ERRORS, Library
from index.search import Searcher
from ui import first_start, views_access

WARM_UP_QUESTIONS = ("棚户区改造了多少户", "how many households")


@dataclass
class Resources:
    """What every session of one server shares: the library, its searcher and a write lock."""

    library: Library  # answers questions; never writes
    lock: threading.RLock = field(default_factory=threading.RLock)  # guards the searcher swap
    model_lock: threading.Lock = field(default_factory=threading.Lock)  # one model load at a time
    write_lock: threading.Lock = field(default_factory=threading.Lock)  # one page write at a time
    writer: Library | None = None  # writes on its own SQLite connection: questions never wait
    searcher: Searcher | None = None
    signature: tuple | None = None  # the archive and index state the searcher was made for
    keyword_only: str | None = None  # why the searcher has no semantic leg (None: it has one)
    model_wanted: bool = False  # the model is being (or has been) loaded in the background
    warmed: bool = False  # the keyword side's one-off costs are paid (or being paid)


def settings() -> Settings:
    """The page's settings, from the environment `baogao serve` started it with."""
    return Settings.resolve()


@st.cache_resource(show_spinner="Opening the archive…")
def _resources(home: str, model: str | None, vector_store: str, token: str) -> Resources:
    return Resources(Library.from_settings(
        Settings(Path(home), model, vector_store, milvus_token=token)
    ))


def resources() -> Resources:
    """The shared resources of this server for its home, model and vector store."""
    s = settings()
    return _resources(str(Home.resolve(s.home).root), s.model, s.vector_store, s.milvus_token)


def loading(res: Resources) -> first_start.Status | None:
    """The first start's status while its loader runs (None when no load is going on)."""
    status = first_start.read_status(res.library.home.root)
    return status if status is not None and status.active else None


def signature(library: Library) -> tuple:
    return (library.archive.generation, library.vectors.stamp())


def searcher(res: Resources) -> Searcher:
    """The best searcher for now; `res.keyword_only` says why it has no semantic leg, if so.

    A change by another process (say `baogao add` while the server runs) moves the archive
    generation or the index manifest: a new searcher then sees the new reports at once.
    """
    with res.lock:
        status = loading(res)
        current = (*signature(res.library), status is not None)
        if res.searcher is None or current != res.signature:
            res.searcher, res.keyword_only = _best_searcher(res, status)
            res.signature = current
            if status is None:  # not while a first start adds report after report
                res.searcher.warm()
        return res.searcher


def method(res: Resources) -> str:
    """The search method the current searcher supports."""
    return "keyword" if res.keyword_only else "hybrid"


def _best_searcher(res: Resources, status) -> tuple[Searcher, str | None]:
    library = res.library
    if status is not None:
        return keyword_searcher(library), loading_note(status)
    if not library.index_exists():
        return keyword_searcher(library), "there is no semantic index yet (build it on the Index page)"
    try:
        with res.model_lock:
            return library.searcher(), None
    except USER_ERRORS as e:  # stale or foreign index, broken model: keywords still work
        return keyword_searcher(library), f"the semantic index is not ready: {e}"


def keyword_searcher(library: Library) -> Searcher:
    """A searcher with only the keyword leg: it needs the archive, not the model or the index."""
    return Searcher(library.archive, settings=library.settings)


def loading_note(status: first_start.Status) -> str:
    """Why answers are keyword-only during a first start, with how far it has got."""
    if status.stage == first_start.ADDING:
        return (f"the bundled reports are still being loaded ({status.done} of {status.total} "
                "stored) and the semantic index is still to be built")
    if status.stage == first_start.EMBEDDING:
        return (f"the semantic index is still being built ({status.done} of {status.total} "
                "passages embedded)")
    return "the semantic index is still being built (loading the model)"


def load_model_soon(res: Resources) -> None:
    """Load the model in the background once there is (or soon will be) an index to use it with,
    so the first question after the index lands does not wait for it."""
    if res.model_wanted:
        return
    status = loading(res)
    if res.library.index_exists() or (status and status.stage != first_start.ADDING):
        res.model_wanted = True
        threading.Thread(target=_load_model, args=(res,), daemon=True).start()


def _load_model(res: Resources) -> None:
    try:
        with res.model_lock:
            res.library.embedder  # noqa: B018
    except Exception:  # noqa: BLE001 - the searcher reports a broken model when it is used
        pass


def after_drawing(res: Resources) -> None:
    """Pay one-off costs in the background once a page is drawn (before, they would slow it)."""
    if not res.warmed:
        res.warmed = True
        threading.Thread(target=_warm_keywords, args=(res,), daemon=True).start()
    load_model_soon(res)


def _warm_keywords(res: Resources) -> None:
    """Pay the keyword side's one-off costs (segmenter, dictionary) before the first question."""
    try:
        for question in WARM_UP_QUESTIONS:
            res.library.ask(question, searcher=keyword_searcher(res.library), method="keyword")
    except (*USER_ERRORS, RuntimeError):  # a failed warm-up only costs the first question time
        pass


def after_write(res: Resources) -> None:
    """Adopt the library's own new state: later questions see the new reports at once."""
    with res.lock:
        res.searcher = None
        res.signature = None
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
            with res.model_lock:  # shared with the reader, loaded once
                embedder = reader.embedder
            res.writer = reader.sibling(embedder)
        try:
            yield res.writer
        finally:
            after_write(res)


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
