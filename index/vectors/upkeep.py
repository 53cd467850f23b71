"""The deep check of a saved vector index, and its repair.

`inspect` compares the index on disk with the archive's chunks (missing and orphan vectors),
with its own manifest (the id fingerprint, the archive state it claims) and with what the model
makes now (stale vectors); `repair` embeds the missing, drops the orphans, re-embeds the stale
reports and re-stamps the manifest, or rebuilds an index it cannot use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from index.vectors import manifest as manifests
from index.vectors.base import FIX, IndexMissing, VectorStore, compare, ids_fingerprint

if TYPE_CHECKING:
    from index.vectors.vector_index import Progress, VectorIndex

SAMPLE = 16  # chunks re-embedded by a check whose index claims to match the archive
SAMPLE_PER_REPORT_MAX = 2000  # reports verified one chunk each when the claim is off
TOLERANCE = 2e-6  # 1 - cosine above which a stored vector is not what the model makes now


@dataclass
class IndexState:
    """The index compared with the archive and the model."""

    unusable: str | None = None  # why it must be rebuilt: missing, corrupt, foreign
    missing: list[int] = field(default_factory=list)  # chunk ids without a vector
    extra: list[int] = field(default_factory=list)  # vector ids without a chunk
    stale: list[int] = field(default_factory=list)  # reports whose vectors the model disowns
    stamp: str | None = None  # the manifest misdescribes the archive or its own vectors
    leftovers: list[Path] = field(default_factory=list)  # temporary files of a killed save

    def __bool__(self) -> bool:
        return any(
            [self.unusable, self.missing, self.extra, self.stale, self.stamp, self.leftovers]
        )

    def lines(self) -> list[str]:
        """One line per thing wrong with the index."""
        stale = ", ".join(map(str, self.stale[:10])) + (" …" if len(self.stale) > 10 else "")
        lines = [
            (self.unusable, f"{self.unusable} (repair rebuilds it)"),
            (
                self.missing,
                f"{len(self.missing)} chunk(s) have no vector (an add or edit was cut short)",
            ),
            (
                self.extra,
                f"{len(self.extra)} vector(s) of chunks no longer in the archive "
                "(a remove was cut short)",
            ),
            (
                self.stale,
                f"the vectors of report(s) {stale} are not what the model makes of their text "
                "and title",
            ),
            (self.stamp, self.stamp),
            (self.leftovers, f"{len(self.leftovers)} temporary file(s) left by an interrupted save"),
        ]
        return [message for wrong, message in lines if wrong]


def inspect(index: VectorIndex, *, sample: int | None = None, leftovers: bool = True) -> IndexState:
    """Compare the saved index with the archive's chunks and with what the model makes now.

    `leftovers`: count temporary files as left over (no writer is at work, or the caller is it).
    """
    state = IndexState()
    if leftovers:
        state.leftovers = manifests.leftovers(index.folder)
    chunk_ids = index.archive.chunk_ids()
    index.forget()  # read what is on disk, not what this process holds
    try:
        store = index.store(verify=True)
    except IndexMissing:
        if chunk_ids:
            state.unusable = f"there is no index for the archive's {len(chunk_ids)} chunks"
        return state
    except Exception as e:  # noqa: BLE001 - any store that cannot open is rebuilt
        state.unusable = f"the index cannot be opened: {_one_line(e).removesuffix(': ' + FIX)}"
        return state
    identity = index.embedder.identity()
    mismatch = compare(store, chunk_ids, identity)
    if mismatch.foreign:
        built = {k: store.manifest.get(k) for k in identity}
        state.unusable = (
            f"the index was built with model {built['model_name']!r} "
            f"({str(built['model_fingerprint'])[:12]}, {built['dimension']}-d), "
            f"not the current {identity['model_name']!r} "
            f"({identity['model_fingerprint'][:12]}, {identity['dimension']}-d)"
        )
        return state
    state.missing, state.extra = mismatch.missing, mismatch.extra
    have = store.id_array()
    claimed = store.manifest.get("archive_generation")
    if store.manifest.get("ids_fingerprint", ids_fingerprint(have)) != ids_fingerprint(have):
        state.stamp = "the manifest's id fingerprint does not match the vectors it describes"
    elif claimed != index.archive.generation:
        state.stamp = (
            f"the manifest records archive state {claimed}, "
            f"the archive is at {index.archive.generation}"
        )
    state.stale = stale_reports(index, store, set(have.tolist()), SAMPLE if sample is None else sample)
    return state


def stale_reports(index: VectorIndex, store: VectorStore, indexed: set[int], sample: int) -> list[int]:
    """Reports whose stored vectors differ from a fresh embedding of the same chunks.

    Every report's first chunk is verified (an interrupted title edit leaves all of a report's
    vectors stale), plus `sample` chunks spread evenly over the rest: the same chunks each time,
    so a check gives the same answer every run.
    """
    rows = index.archive.db.execute(
        "SELECT min(id) FROM chunks GROUP BY report_id ORDER BY report_id LIMIT ?",
        [SAMPLE_PER_REPORT_MAX],
    ).fetchall()
    ids = {r[0] for r in rows if r[0] in indexed}
    pool = sorted(indexed - ids)
    if pool and sample:
        ids.update(pool[int(i * len(pool) / sample)] for i in range(min(sample, len(pool))))
    if not ids or not store.count:
        return []
    chunks = index.archive.chunks(sorted(ids))
    vectors = index.fresh_vectors(chunks)
    scores, found = store.search(vectors, min(store.count, 8))
    stale = set()
    for chunk, row_scores, row_ids in zip(chunks, scores, found, strict=True):
        own = [s for s, i in zip(row_scores, row_ids, strict=True) if i == chunk.id]
        if not own or 1.0 - float(own[0]) > TOLERANCE:
            stale.add(chunk.report_id)
    return sorted(stale)


def repair(
    index: VectorIndex, rebuild: Callable[[], VectorStore], progress: Progress | None = None
) -> list[str]:
    """Bring the vectors in step with the archive; rebuild an index that cannot be used."""
    state = inspect(index)
    if not state:
        return []
    actions = []
    for leftover in state.leftovers:
        leftover.unlink(missing_ok=True)
    if state.leftovers:
        actions.append(f"removed {len(state.leftovers)} temporary file(s)")
    if state.unusable:
        store = rebuild()  # also closes the foreign store inspect opened
        return [*actions, f"rebuilt the index ({store.count} chunks): {state.unusable}"]
    store = index.store()
    if state.extra:
        store.remove(state.extra)
        actions.append(f"dropped {len(state.extra)} vector(s) of chunks no longer in the archive")
    redo = set(state.missing)
    for report_id in state.stale:
        redo.update(index.archive.chunk_ids(report_id))
    if redo:
        store.remove(sorted(redo))
        index.embed(store, sorted(redo), progress)
        actions.append(
            f"embedded {len(redo)} chunk(s)"
            + (f" ({len(state.missing)} had no vector)" if state.missing else "")
            + (f", re-embedded report(s) {', '.join(map(str, state.stale))}" if state.stale else "")
        )
    if state.extra or redo or state.stamp:
        store.save(index.state())
        if state.stamp and not (state.extra or redo):
            actions.append("re-stamped the manifest with the archive's state")
    return actions


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__
