"""The library: one archive home's archive and index kept in step, behind the calls the UI makes."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from archive.disk import ArchiveDamaged, ArchiveReadOnly, DiskFull, file_stamp, is_disk_full
from archive.home import ArchiveBusy, Home
from archive.metadata import ManifestError
from archive.settings import Settings
from archive.store import Archive, ReportNotFound, StoredChunk
from index import sentence_vectors
from index.embedder import DEFAULT_MODEL, ModelError
from index.vectors.base import VectorStoreError
from index.vectors.factory import resolve
from index.vectors.vector_index import Progress, VectorIndex, bar, embedding_text

# Imported where they are used, not here: `list` or `show` never pay for the readers, FAISS,
# the model or the search legs (tests/test_cold_start.py).
if TYPE_CHECKING:
    import numpy as np

    from archive.ingest import Outcome
    from index.embedder import Embedder
    from index.lexicon import Lexicon
    from index.search import Searcher, SearchResult, SearchSettings
    from index.vectors.base import VectorStore


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
__all__ = ["USER_ERRORS", "IndexNotReady", "Library", "Progress", "embedding_text"]


class Library:
    """Writers take the home's lock; readers just read."""

    def __init__(
        self,
        home: Home,
        model: str | Path | None = None,
        settings: SearchSettings | None = None,
        vector_store: str | None = None,
        embedder: Embedder | None = None,
        milvus_token: str = "",
    ):
        self.home = home
        if embedder is not None:  # a loaded model shared with another Library of the same home
            self.__dict__["embedder"] = embedder
        self.archive = Archive(home.database)
        self.model_name = str(model or DEFAULT_MODEL)
        if settings is not None:
            self.settings = settings
        self.vector_store = resolve(vector_store)  # faiss or a Milvus URI: index/vectors/factory.py
        self.milvus_token = milvus_token
        self.vectors = VectorIndex(home.index_dir, self.archive, lambda: self.embedder,
                                   self.vector_store, milvus_token)
        self._lexicon: tuple[tuple | None, Lexicon | None] | None = None  # (file stamp, lexicon)

    @classmethod
    def open(cls, root: Path | str | None = None, model: str | Path | None = None,
             vector_store: str | None = None) -> Library:
        """A library for a home; what is not given comes from the environment (archive/settings.py)."""
        return cls.from_settings(Settings.resolve(home=root, model=model, vector_store=vector_store))

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs) -> Library:
        """The library the settings resolved at the edge (CLI group, page start) describe."""
        return cls(
            Home.resolve(settings.home), settings.model, vector_store=settings.vector_store,
            milvus_token=settings.milvus_token, **kwargs,
        )  # fmt: skip

    def sibling(self, embedder: Embedder | None = None) -> Library:
        """Another library of the same home and settings, on its own SQLite connection."""
        return Library(
            self.home, self.model_name, self.settings, self.vector_store, embedder=embedder,
            milvus_token=self.milvus_token,
        )  # fmt: skip

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
        self.vectors.close()
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
            with bar(progress, "Adding reports", len(files)) as shown:
                for f in files:
                    fields = {**entries.get(f.name, {}), **(metadata or {})}
                    outcomes.append(add_file(self.archive, f, fields, max_bytes=max_bytes))
                    shown.update(1)
            added = [o.report_id for o in outcomes if o.status == "added"]
            if index and added and self.index_exists():
                self._mine_lexicon()  # before the index save, after which nothing may fail
                sentence_vectors.fill(self.archive, self.embedder, progress)
                self.vectors.add([i for r in added for i in self.archive.chunk_ids(r)], progress)
            elif index and added:  # the first add builds the index, so `ask` works next
                self._rebuild_locked(progress)
        return outcomes

    def remove(self, report_id: int) -> None:
        with self.writing("removed"):
            ids = self.archive.remove(report_id)
            if self.index_exists():
                self.vectors.remove(ids)

    def edit(self, report_id: int, **fields):
        """Metadata is part of the embedded text, so the report's vectors are refreshed too."""
        with self.writing("changed"):
            report = self.archive.edit(report_id, **fields)
            if self.index_exists() and {"title"} & set(fields):
                self.vectors.replace(self.archive.chunk_ids(report_id))
            elif self.index_exists() and {"year", "issuer", "kind"} & set(fields):
                self.vectors.refresh_filters(self.archive.chunk_ids(report_id))
            elif self.index_exists():
                self.vectors.save()
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
        return self.vectors.exists()

    def rebuild(self, progress: Progress | None = None) -> dict:
        """Embed every chunk into a new index, swapped in atomically; the old one serves until then."""
        self.embedder  # noqa: B018 - loaded before the lock: other writers need not wait for it
        with self.writing("rebuilt (the old index still serves)"):
            return self._rebuild_locked(progress).manifest

    def _rebuild_locked(self, progress: Progress | None = None) -> VectorStore:
        """The rebuild itself, for callers that already hold the writer lock."""
        store = self.vectors.build(progress)
        self.archive.ensure_english()  # derived rows first: after the index save nothing may fail
        self.archive.refresh_derived()  # periods and facts follow today's rules and vocabulary
        self._mine_lexicon()
        sentence_vectors.fill(self.archive, self.embedder, progress)
        return self.vectors.install(store)

    def repair_index(self, progress: Progress | None = None) -> list[str]:
        """`check --repair`'s part for the vectors, inside `writing()`: see index/vectors/upkeep.py."""
        from index.vectors import upkeep

        actions = upkeep.repair(self.vectors, lambda: self._rebuild_locked(progress), progress)
        if embedded := sentence_vectors.fill(self.archive, self.embedder, progress):
            actions.append(f"embedded the sentences of {embedded} chunk(s)")
        return actions

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

        stamp = file_stamp(self.home.root / "lexicon.npz")
        if self._lexicon is None or self._lexicon[0] != stamp:
            self._lexicon = (stamp, Lexicon.load(self.home.root) if stamp else None)
        return self._lexicon[1]

    def index_problems(self) -> list[str]:
        """Why the index cannot be trusted (empty when it can)."""
        return self.vectors.problems()

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
        return Searcher(self.archive, self._embed_query, self.vectors.store(), self.settings,
                        embed_many=self.embedder.embed, lexicon=self.lexicon(),
                        sentence_model=sentence_vectors.model_key(self.embedder))

    def _settled_index_problems(self) -> list[str]:
        """index_problems, allowing for another process's write: between its archive commit
        and its index save the index is a step behind, which is transient, not stale."""
        for _ in range(3):
            problems = self.index_problems()
            if not problems:
                return []
            if self.home.writer_active():
                return [] if self.vectors.built_by_current_model() else problems
        return problems  # no writer, and the same answer three times: really out of step

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
                       query=result.query, sentence_sims=result.sentence_sims,
                       clause_sims=result.clause_sims, term_groups=result.word_groups)
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
