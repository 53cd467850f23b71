"""The library: one archive home's archive and index kept in step, behind the calls the UI makes."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from archive.disk import ArchiveDamaged, ArchiveReadOnly, DiskFull, is_disk_full
from archive.home import ArchiveBusy, Home
from archive.metadata import ManifestError
from archive.store import Archive, ReportNotFound, StoredChunk
from index.embedder import DEFAULT_MODEL, ModelError
from index.stores import resolve
from index.vectors import MANIFEST_FILE, VectorStoreError

# Imported where they are used, not here: `list` or `show` never pay for the readers, FAISS,
# the model or the search legs (tests/test_cold_start.py).
if TYPE_CHECKING:
    from archive.ingest import Outcome
    from index.embedder import Embedder
    from index.lexicon import Lexicon
    from index.search import Searcher, SearchResult, SearchSettings
    from index.vectors import VectorStore


class IndexNotReady(RuntimeError):
    """The index is missing, stale or foreign; the message says which and how to fix it."""


USER_ERRORS: tuple[type[Exception], ...] = (
    ReportNotFound,
    ManifestError,
    ArchiveBusy,
    ValueError,
    IndexNotReady,
    ModelError,
    VectorStoreError,
    ArchiveReadOnly,
    ArchiveDamaged,
    DiskFull,
)
EMBED_BATCH = 64

Progress = Callable[[str, int], object]  # progress(label, total) -> context manager with .update(n)


class Library:
    """Writers take the home's lock; readers just read."""

    def __init__(
        self,
        home: Home,
        model: str | Path | None = None,
        settings: SearchSettings | None = None,
        vector_store: str | None = None,
        embedder: Embedder | None = None,
    ):
        self.home = home
        if embedder is not None:  # a loaded model shared with another Library of the same home
            self.__dict__["embedder"] = embedder
        self.archive = Archive(home.database)
        self.model_name = str(model or os.environ.get("BAOGAO_MODEL") or DEFAULT_MODEL)
        if settings is not None:
            self.settings = settings
        self.vector_store = resolve(vector_store)  # faiss or a Milvus URI: index/stores.py
        self._store: VectorStore | None = None
        self._store_stamp: tuple | None = None  # the manifest file _store was read from
        self._lexicon: tuple[tuple | None, Lexicon | None] | None = None  # (file stamp, lexicon)

    @classmethod
    def open(
        cls,
        root: Path | str | None = None,
        model: str | Path | None = None,
        vector_store: str | None = None,
    ) -> Library:
        return cls(Home.resolve(root), model, vector_store=vector_store)

    @cached_property
    def settings(self) -> SearchSettings:
        """The search settings (the defaults unless given): importing them loads the search legs."""
        from index.search import SearchSettings

        return SearchSettings()

    @cached_property
    def embedder(self) -> Embedder:
        """Loaded on first use: listing or adding with --no-index never pays for the model."""
        from index.embedder import Embedder

        return Embedder(self.model_name)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        self.archive.close()

    # -- writes -----------------------------------------------------------------------------

    def add(
        self,
        paths: Iterable[Path],
        *,
        manifest: Path | None = None,
        metadata: dict | None = None,
        max_bytes: int | None = None,
        index: bool = True,
        progress: Progress | None = None,
    ) -> list[Outcome]:
        """Add files and folders; a folder's own manifest.tsv supplies metadata unless one is given."""
        from archive.ingest import add_file, expand_paths
        from archive.metadata import load_manifest
        from archive.readers import DEFAULT_MAX_BYTES

        max_bytes = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
        paths = [Path(p) for p in paths]
        files, outcomes = expand_paths(paths)
        entries = load_manifest(manifest) if manifest else {}
        for folder in (p for p in paths if p.is_dir() and not manifest):
            if (folder / "manifest.tsv").is_file():
                entries.update(load_manifest(folder / "manifest.tsv"))
        if index:
            # Load the model before writing: a broken model stops here, not after the archive
            # commit, and a kill leaves chunks unindexed for milliseconds, not seconds.
            self.embedder  # noqa: B018
        with self.writing("added"):
            with _bar(progress, "Adding reports", len(files)) as bar:
                for f in files:
                    fields = {**entries.get(f.name, {}), **(metadata or {})}
                    outcomes.append(add_file(self.archive, f, fields, max_bytes=max_bytes))
                    bar.update(1)
            added = [o.report_id for o in outcomes if o.status == "added"]
            if index and added and self.index_exists():
                self._mine_lexicon()  # before the index save, after which nothing may fail
                self._embed_into_index(
                    [i for r in added for i in self.archive.chunk_ids(r)], progress
                )
            elif index and added:  # the first add builds the index, so `ask` works next
                self._rebuild_locked(progress)
        return outcomes

    def remove(self, report_id: int) -> None:
        with self.writing("removed"):
            ids = self.archive.remove(report_id)
            if self.index_exists():
                store = self._open_store()
                store.remove(ids)
                store.save(self._manifest_state())

    def edit(self, report_id: int, **fields):
        """Metadata is part of the embedded text, so the report's vectors are refreshed too."""
        with self.writing("changed"):
            report = self.archive.edit(report_id, **fields)
            if self.index_exists() and {"title"} & set(fields):
                ids = self.archive.chunk_ids(report_id)
                self._open_store().remove(ids)
                self._embed_into_index(ids, None)
            elif self.index_exists():
                store = self._open_store()
                if store.applies_where and {"year", "issuer", "kind"} & set(fields):
                    ids = self.archive.chunk_ids(report_id)  # the store filters by these fields
                    store.set_metadata(ids, self.archive.chunks(ids))
                store.save(self._manifest_state())
            return report

    @contextmanager
    def writing(self, undone: str):
        """The writer lock, a check that the archive can be written, then one SQLite transaction
        around the archive change and the index save: the archive commits only once the index is
        saved, so a write that fails anywhere — a full disk, say — leaves both as they were."""
        with self.home.writing():
            self.archive.assert_writable()
            try:
                with self.archive.db.atomic():
                    yield
            except Exception as e:
                if is_disk_full(e, self.home.root):
                    raise DiskFull(
                        f"the disk holding {self.home.root} is full: nothing was {undone}; "
                        "free some space and try again"
                    ) from e
                raise

    # -- the index --------------------------------------------------------------------------

    def index_exists(self) -> bool:
        return (self.home.index_dir / "manifest.json").exists()

    def rebuild(self, progress: Progress | None = None) -> dict:
        """Embed every chunk into a new index, swapped in atomically; the old one serves until then."""
        self.embedder  # noqa: B018 - loaded before the lock: other writers need not wait for it
        with self.writing("rebuilt (the old index still serves)"):
            return self._rebuild_locked(progress).manifest

    def _rebuild_locked(self, progress: Progress | None = None):
        """The rebuild itself, for callers that already hold the writer lock (`check --repair`)."""
        from index.stores import create_store

        ids = self.archive.chunk_ids()
        store = create_store(
            self.home.index_dir,
            self.embedder.dimension,
            manifest=self._manifest_state(),
            setting=self.vector_store,
        )
        self._embed(store, ids, progress)
        self.archive.ensure_english()  # derived files first: after the index save nothing may fail
        self._mine_lexicon()
        store.save(self._manifest_state())
        if self._store is not None:
            self._store.close()
        self._store = store
        return store

    def _mine_lexicon(self) -> None:
        """The archive's frequent words, embedded (only the new ones) and saved in the home."""
        from index.lexicon import Lexicon

        previous = Lexicon.load(self.home.root)
        lexicon = Lexicon.build(
            self.archive,
            lambda terms: self.embedder.embed(terms, batch_size=256),
            self.embedder.name,
            previous,
        )
        lexicon.save(self.home.root)

    def lexicon(self) -> Lexicon | None:
        """The mined lexicon, re-read when the file changed (None before the first rebuild)."""
        from index.lexicon import Lexicon

        stamp = _file_stamp(self.home.root / "lexicon.npz")
        if self._lexicon is None or self._lexicon[0] != stamp:
            self._lexicon = (stamp, Lexicon.load(self.home.root) if stamp else None)
        return self._lexicon[1]

    def index_problems(self) -> list[str]:
        """Why the index cannot be trusted (empty when it can)."""
        from index.stores import check as check_index

        if not self.index_exists():
            return ["no index yet: run `baogao rebuild`"] if self.archive.chunk_ids() else []
        manifest = self._open_store().manifest
        identity = self.embedder.identity()
        if manifest.get("archive_generation") == self.archive.generation and all(
            manifest.get(k) == v for k, v in identity.items()
        ):
            return []
        return check_index(
            self.home.index_dir,
            set(self.archive.chunk_ids()),
            self.embedder.name,
            self.embedder.fingerprint,
            self.embedder.dimension,
            setting=self.vector_store,
        )

    def _open_store(self, *, verify: bool | None = None) -> VectorStore:
        """The saved store, re-read when another process has saved a different one since."""
        from index.stores import open_store
        from index.vectors import IndexCorrupt

        path = self.home.index_dir / MANIFEST_FILE
        stamp = _file_stamp(path)
        if self._store is not None and stamp != self._store_stamp:
            if _read_json(path) != self._store.manifest:
                self._store.close()
                self._store = None
            self._store_stamp = stamp
        for attempt in range(5):  # a save renames two files: a reader between them retries
            if self._store is not None:
                break
            try:
                self._store = open_store(self.home.index_dir, self.vector_store, verify=verify)
                self._store_stamp = stamp
            except IndexCorrupt:
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))
                stamp = _file_stamp(path)
        return self._store

    def _manifest_state(self) -> dict:
        return {**self.embedder.identity(), "archive_generation": self.archive.generation}

    def _embed_into_index(self, ids: list[int], progress: Progress | None) -> None:
        store = self._open_store()
        self._embed(store, ids, progress)
        store.save(self._manifest_state())

    def _embed(self, store: VectorStore, ids: list[int], progress: Progress | None) -> None:
        with _bar(progress, "Embedding chunks", len(ids)) as bar:
            for start in range(0, len(ids), EMBED_BATCH * 4):
                batch = self.archive.chunks(ids[start : start + EMBED_BATCH * 4])
                vectors = self.embedder.embed(
                    [embedding_text(c) for c in batch], batch_size=EMBED_BATCH
                )
                store.add(np.array([c.id for c in batch], dtype=np.int64), vectors, metadata=batch)
                bar.update(len(batch))

    # -- questions --------------------------------------------------------------------------

    def searcher(self, method: str = "hybrid") -> Searcher:
        """A searcher over a trusted index; a clear error says how to fix one that is not.

        The keyword method reads only SQLite: it needs no index, model or FAISS."""
        from index.search import Searcher

        if not self.archive.chunk_ids():
            raise IndexNotReady("the archive is empty: add reports with `baogao add PATH`")
        if method == "keyword":
            return Searcher(self.archive, None, None, self.settings)
        try:
            problems = self._settled_index_problems()
        except VectorStoreError as e:
            raise IndexNotReady(f"{e}") from e
        if problems:
            raise IndexNotReady("; ".join(problems))
        return Searcher(self.archive, self._embed_query, self._open_store(), self.settings,
                        embed_many=self.embedder.embed, lexicon=self.lexicon())

    def _settled_index_problems(self) -> list[str]:
        """index_problems, allowing for another process's write: between its archive commit
        and its index save the index is a step behind, which is transient, not stale."""
        from index.health import writer_active

        for _ in range(3):
            problems = self.index_problems()
            if not problems:
                return []
            if writer_active(self.home):
                return [] if self._built_by_this_model() else problems
        return problems  # no writer, and the same answer three times: really out of step

    def _built_by_this_model(self) -> bool:
        manifest = self._open_store().manifest
        return all(manifest.get(k) == v for k, v in self.embedder.identity().items())

    def _embed_query(self, question: str) -> np.ndarray:
        return self.embedder.embed([question])[0]

    def ask(self, question: str, *, searcher: Searcher | None = None, **options) -> dict:
        """The documented `ask --json` shape: question, answer (or null), ranked passages, hints."""
        if not question or not question.strip():
            raise ValueError("the question is empty")
        question = question.strip()[:MAX_QUESTION_CHARS]
        result = (searcher or self.searcher()).search(question, **options)
        return answer_dict(self.archive, result)


MAX_QUESTION_CHARS = 1000


def embedding_text(chunk: StoredChunk) -> str:
    """What is embedded: the passage with its report title and section path as context."""
    return "\n".join([chunk.title, " › ".join(chunk.section_path), chunk.text])


NOT_CLOSE = "no passage in the archive answers this closely enough"


def answer_dict(archive: Archive, result: SearchResult) -> dict:
    """The `ask --json` shape. The figure comes from the cited passage, and that passage from a
    report matching every place and year the question names; other reports' figures follow."""
    from index.answer import extract_answer

    english = (result.english_words if result.english_words is not None  # worked out by the search
               else english_question_words(archive, result.question))
    covering = result.scope.covering if result.scope is not None else None
    asked = result.scope.asked if result.scope is not None else None
    passages = [hit.chunk for hit in result.hits]
    eligible = [p for p in passages if covering is None or p.report_id in covering]
    figures: dict[int, list[dict]] = {}
    for f in archive.figures(p.id for p in eligible):
        figures.setdefault(f["chunk_id"], []).append(f)
    answer = (
        extract_answer(result.question, eligible, figures, extra_terms=result.terms, asked=asked,
                       units=result.units, english_words=english, settings=result.settings,
                       query=result.query)
        if result.found
        else None
    )
    by_id = {p.id: p for p in passages}
    pinned = result.scope is not None and result.scope.pinned
    others = [] if answer is None or answer.figure is None or pinned else _alternatives(
        archive, result, eligible, figures, by_id[answer.chunk_id].report_id, asked, english)
    return {
        "question": result.question,
        "answer": None if answer is None else _answer_fields(archive, answer, by_id),
        "found": result.found,
        "reason": None if answer is not None else (result.reason or NOT_CLOSE),
        "alternatives": others,
        "hints": [h.as_dict() for h in result.hints],
        "terms": result.terms,
        "passages": [
            {
                "rank": rank,
                "score": round(hit.score, 5),
                "chunk_id": hit.chunk.id,
                **citation(hit.chunk, hit.chunk.char_start, hit.chunk.char_end),
                "text": hit.chunk.text,
            }
            for rank, hit in enumerate(result.hits, start=1)
        ],
    }


def english_question_words(archive: Archive, question: str) -> dict[str, float] | None:
    """An English question's content words, each weighted by its rarity in the glosses (else None)."""
    from index.crosslingual import is_english
    from index.keyword import english_weights
    from index.lexicon import content_words

    if not is_english(question):
        return None
    return english_weights(archive, content_words(question)) or None


def _answer_fields(archive: Archive, answer, by_id: dict) -> dict:
    return {
        "figure": answer.figure,
        "value": answer.value,
        "unit": answer.unit,
        "sentence": answer.sentence,
        "citation": citation(
            by_id[answer.chunk_id], answer.char_start, answer.char_end,
            archive.page_of(by_id[answer.chunk_id].report_id, answer.char_start),
        ),
    }


def _alternatives(archive: Archive, result: SearchResult, eligible: list, figures: dict,
                  answered_report: int, asked, english: dict[str, float] | None) -> list[dict]:
    """The figure each other report among the passages gives, in rank order, with its citation."""
    from index.answer import extract_answer

    units = result.units or result.query.units
    by_report: dict[int, list] = {}
    for p in eligible:
        if p.report_id != answered_report:
            by_report.setdefault(p.report_id, []).append(p)
    out = []
    for own in by_report.values():
        alt = extract_answer(result.question, own, figures, extra_terms=result.terms, asked=asked,
                             units=result.units, english_words=english, settings=result.settings,
                             query=result.query)
        if alt is None or alt.figure is None or (units and alt.unit not in units):
            continue
        out.append(_answer_fields(archive, alt, {p.id: p for p in own}))
        if len(out) == result.settings.alternatives:
            break
    return out


def citation(chunk: StoredChunk, start: int, end: int, page: int | None = None) -> dict:
    """Where a span is: report, section path, characters and (PDFs, images) its 1-based page."""
    return {
        "report_id": chunk.report_id,
        "title": chunk.title,
        "year": chunk.year,
        "issuer": chunk.issuer,
        "file_name": chunk.file_name,
        "section_path": chunk.section_path,
        "char_start": start,
        "char_end": end,
        "page": page if page is not None else chunk.page_start,
        "page_end": chunk.page_end if page is None else page,
    }


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        pass


def _file_stamp(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _read_json(path: Path):
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _bar(progress: Progress | None, label: str, total: int):
    return progress(label, total) if progress else _NoBar()
