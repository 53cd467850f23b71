"""`VectorIndex`: the one owner of an archive home's vectors.

It opens the store the setting names (re-reading it when another process saved a new one),
embeds chunks into it, stamps each save with what the index was built from (the model and the
archive generation), and says whether the saved index can serve this archive. The deep check
of `baogao check` and its repair are in upkeep.py.
Callers hold the archive's writer lock around every write.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.vectors import manifest as manifests
from index.vectors.base import IndexCorrupt, VectorStore, compare, mismatch_problems

if TYPE_CHECKING:
    from archive.store import Archive, StoredChunk
    from index.embedder import Embedder

EMBED_BATCH = 64
OPEN_ATTEMPTS = 5  # a save renames two files: a reader that opens between them retries

Progress = Callable[[str, int], object]  # progress(label, total) -> context manager with .update(n)


def embedding_text(chunk: StoredChunk) -> str:
    """What is embedded: the passage with its report title and section path as context."""
    return "\n".join([chunk.title, " › ".join(chunk.section_path), chunk.text])


def bar(progress: Progress | None, label: str, total: int):
    """The caller's progress bar, or one that shows nothing."""
    return progress(label, total) if progress else nullcontext(_Silent())


class _Silent:
    def update(self, n: int) -> None:
        pass


class VectorIndex:
    """The vectors of one archive's chunks, in `folder`, in the backend `setting` names."""

    def __init__(
        self,
        folder: Path,
        archive: Archive,
        embedder: Callable[[], Embedder],
        setting: str = "faiss",
        token: str = "",
    ):
        self.folder = Path(folder)
        self.archive = archive
        self._embedder = embedder  # loaded by the caller on first use, shared with questions
        self.setting = setting
        self.token = token
        self._store: VectorStore | None = None
        self._stamp: tuple | None = None  # the manifest file _store was read from

    @property
    def embedder(self) -> Embedder:
        return self._embedder()

    # -- what is on disk --------------------------------------------------------------------

    def exists(self) -> bool:
        return manifests.exists(self.folder)

    def manifest(self) -> dict | None:
        """The saved manifest as it is on disk (None when there is none or it is unreadable)."""
        return manifests.read_or_none(self.folder)

    def stamp(self) -> tuple | None:
        """Changes with every save, by any process."""
        return manifests.stamp(self.folder)

    def store(self, *, verify: bool | None = None) -> VectorStore:
        """The saved store, re-read when another process has saved a different one since."""
        from index.vectors.factory import open_store

        stamp = manifests.stamp(self.folder)
        if self._store is not None and stamp != self._stamp:
            if manifests.read_or_none(self.folder) != self._store.manifest:
                self.forget()
            self._stamp = stamp
        for attempt in range(OPEN_ATTEMPTS):
            if self._store is not None:
                break
            try:
                self._store = open_store(self.folder, self.setting, verify=verify, token=self.token)
                self._stamp = stamp
            except IndexCorrupt:
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
                stamp = manifests.stamp(self.folder)
        return self._store

    def forget(self) -> None:
        """Drop the open store: the next `store()` reads what is on disk."""
        if self._store is not None:
            self._store.close()
            self._store = None

    close = forget

    # -- is it in step? ---------------------------------------------------------------------

    def state(self) -> dict:
        """What a save stamps into the manifest: the model's identity and the archive generation."""
        return {**self.embedder.identity(), "archive_generation": self.archive.generation}

    def problems(self) -> list[str]:
        """Why the index cannot serve this archive with this model (empty when it can)."""
        if not self.exists():
            return ["no index yet: run `baogao rebuild`"] if self.archive.chunk_ids() else []
        manifest = self.store().manifest
        if all(manifest.get(k) == v for k, v in self.state().items()):
            return []  # stamped with this archive state and this model: nothing to compare
        from index.vectors.factory import open_store

        store = open_store(self.folder, self.setting, token=self.token)
        try:
            return mismatch_problems(
                compare(store, self.archive.chunk_ids(), self.embedder.identity())
            )
        finally:
            store.close()

    def built_by_current_model(self) -> bool:
        manifest = self.store().manifest
        return all(manifest.get(k) == v for k, v in self.embedder.identity().items())

    # -- writes (under the archive's writer lock) -------------------------------------------

    def fresh_vectors(self, chunks: list[StoredChunk]) -> np.ndarray:
        """What the model makes of these chunks now."""
        return self.embedder.embed([embedding_text(c) for c in chunks], batch_size=EMBED_BATCH)

    def embed(self, store: VectorStore, ids: list[int], progress: Progress | None = None) -> None:
        """Embed these chunks into `store` (replacing their vectors), in batches; no save."""
        with bar(progress, "Embedding chunks", len(ids)) as shown:
            for start in range(0, len(ids), EMBED_BATCH * 4):
                batch = self.archive.chunks(ids[start : start + EMBED_BATCH * 4])
                vectors = self.fresh_vectors(batch)
                store.add(np.array([c.id for c in batch], dtype=np.int64), vectors, metadata=batch)
                shown.update(len(batch))

    def add(self, ids: list[int], progress: Progress | None = None) -> None:
        """Embed these chunks into the saved index and save it."""
        store = self.store()
        self.embed(store, ids, progress)
        store.save(self.state())

    def replace(self, ids: list[int]) -> None:
        """Re-embed chunks whose embedded text changed (a title edit), then save."""
        self.store().remove(ids)
        self.add(ids)

    def remove(self, ids: Iterable[int]) -> None:
        store = self.store()
        store.remove(ids)
        store.save(self.state())

    def save(self) -> None:
        """Re-stamp the saved index with the archive's new generation (nothing to re-embed)."""
        self.store().save(self.state())

    def refresh_filters(self, ids: list[int]) -> None:
        """A report's year, issuer or kind changed: stores that filter by them get the new
        values; every store is re-stamped with the archive's new generation."""
        store = self.store()
        if store.applies_where:
            store.set_metadata(ids, self.archive.chunks(ids))
        store.save(self.state())

    def build(self, progress: Progress | None = None) -> VectorStore:
        """A new index of every chunk, not yet saved: the current one serves until `install`."""
        from index.vectors.factory import create_store

        store = create_store(
            self.folder, self.embedder.dimension, manifest=self.state(), setting=self.setting,
            token=self.token,
        )  # fmt: skip
        self.embed(store, self.archive.chunk_ids(), progress)
        return store

    def install(self, store: VectorStore) -> VectorStore:
        """Save a built index over the current one (atomically) and serve it from now on."""
        store.save(self.state())
        self.forget()
        self._store, self._stamp = store, manifests.stamp(self.folder)
        return store
