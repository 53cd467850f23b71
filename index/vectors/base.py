"""What every vector backend is: chunk ids to unit vectors, searched by inner product.

The interface (`VectorStore`), its errors, and the helpers every backend checks its arguments
and its saved state with, so FAISS and Milvus agree on what a valid add or a sound index is.
"""

from __future__ import annotations

import hashlib
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

FIX = "run `baogao rebuild`"
FORMAT = 1


class _Faiss:
    """FAISS, imported on first use: commands that read no vectors never pay its import."""

    def __getattr__(self, name: str):
        import faiss

        return getattr(faiss, name)


faiss = _Faiss()


class VectorStoreError(Exception):
    """The vector index cannot be used as it is; the message says why and what to do."""


class IndexMissing(VectorStoreError):
    """There is no vector index in the folder yet."""


class IndexCorrupt(VectorStoreError):
    """The index files exist but cannot be trusted (truncated, damaged, half-written)."""


class VectorStore(ABC):
    """What the search code needs from a vector backend (FAISS or Milvus).

    `metadata` (one item per id: a mapping or object with report_id, year, issuer, kind) and
    `where` (`factory.store_filter`: year_from, year_to, issuers, kind, report_ids) are for
    backends that filter by them; a store with `applies_where = False` ignores both and its
    callers filter the results themselves.
    """

    manifest: dict
    dimension: int
    applies_where: bool = False

    @abstractmethod
    def add(
        self, ids: Iterable[int], vectors: np.ndarray, metadata: Sequence | None = None
    ) -> None:
        """Insert or replace the vectors of these ids."""

    @abstractmethod
    def remove(self, ids: Iterable[int]) -> int:
        """Drop these ids; return how many were present."""

    @abstractmethod
    def search(
        self, vectors: np.ndarray, k: int, *, where: dict | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) per query row; id -1 pads rows with fewer hits."""

    @property
    @abstractmethod
    def count(self) -> int:
        """How many vectors are stored."""

    @abstractmethod
    def ids(self) -> set[int]:
        """Every stored id."""

    @abstractmethod
    def save(self, manifest_updates: dict | None = None) -> None:
        """Make the current state durable."""

    @abstractmethod
    def describe(self) -> dict:
        """Backend facts for `baogao` status output and the benchmarks."""

    def id_array(self) -> np.ndarray:
        """Stored ids as int64 (backends override this with something cheaper than a set)."""
        return as_ids(self.ids())

    def set_metadata(self, ids: Iterable[int], metadata: Sequence) -> None:
        """Refresh the filter fields of stored ids; stores that keep none have nothing to do."""
        return None

    def close(self) -> None:
        """Release connections; a FAISS store holds none."""
        return None


def now() -> str:
    """The manifest's timestamps: UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_manifest(manifest: dict, dimension: int, **fields) -> dict:
    """The manifest of a store just created: what the caller stamps (the model), the backend's
    own fields, and the format, dimension and time every backend records."""
    created = now()
    return {**manifest, **fields, "format": FORMAT, "dimension": dimension,
            "created": created, "updated": created}


def as_ids(ids: Iterable[int]) -> np.ndarray:
    """Ids as a flat int64 array, whatever iterable the caller passed."""
    if isinstance(ids, np.ndarray):
        return np.ascontiguousarray(ids.ravel(), dtype=np.int64)
    return np.fromiter(ids, dtype=np.int64)


def as_vectors(vectors: np.ndarray, dimension: int) -> np.ndarray:
    """A normalised float32 copy, so inner product is cosine whatever the caller passed."""
    array = np.array(vectors, dtype=np.float32, order="C", ndmin=2)
    if array.ndim != 2 or array.shape[1] != dimension:
        raise ValueError(f"expected vectors of dimension {dimension}, got shape {array.shape}")
    if array.size:
        faiss.normalize_L2(array)
    return array


def validated(
    ids: Iterable[int], vectors: np.ndarray, dimension: int, metadata: Sequence | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The arguments of an add(), checked the same way for every backend."""
    ids, vectors = as_ids(ids), as_vectors(vectors, dimension)
    if len(ids) != len(vectors):
        raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
    if len(np.unique(ids)) != len(ids):
        raise ValueError("duplicate ids in one add()")
    if metadata is not None and len(metadata) != len(ids):
        raise ValueError(f"{len(metadata)} metadata items for {len(ids)} ids")
    return ids, vectors


def ids_fingerprint(ids: Iterable[int]) -> str:
    """sha256 of the sorted ids: compares an index with the archive without listing both."""
    array = np.sort(as_ids(ids))
    return hashlib.sha256(array.astype("<i8").tobytes()).hexdigest()


def file_sha256(path: Path) -> str:
    """The checksum the manifest records, so bytes damaged in place (same size) are caught."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def fsync(path: Path) -> None:
    """Flush a file or folder to disk: a rename is durable only once its folder is."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Mismatch:
    """A store compared with the archive's chunks and the model of the day."""

    foreign: str | None = None  # the model the store was built with is not the current one
    missing: list[int] = field(default_factory=list)  # chunk ids without a vector
    extra: list[int] = field(default_factory=list)  # vector ids without a chunk


def compare(store: VectorStore, chunk_ids: Iterable[int], identity: dict) -> Mismatch:
    """The one comparison both the quick check (`problems`) and `baogao check` rest on.

    `identity`: model_name, model_fingerprint and dimension of the current model.
    """
    built_name = store.manifest.get("model_name")
    built_fingerprint = str(store.manifest.get("model_fingerprint"))
    name, fingerprint = identity["model_name"], str(identity["model_fingerprint"])
    result = Mismatch()
    if built_name != name:
        result.foreign = f"the index was built with model {built_name!r}, not the current {name!r}"
    elif built_fingerprint != fingerprint:
        result.foreign = (
            f"model {name!r} has changed since the index was built (fingerprint "
            f"{built_fingerprint[:12]}, now {fingerprint[:12]})"
        )
    elif store.dimension != identity["dimension"]:
        result.foreign = (
            f"the index holds {store.dimension}-d vectors but the model makes "
            f"{identity['dimension']}-d"
        )
    if result.foreign:
        return result
    have, want = store.id_array(), as_ids(chunk_ids)
    result.missing = np.setdiff1d(want, have).tolist()
    result.extra = np.setdiff1d(have, want).tolist()
    return result


def mismatch_problems(mismatch: Mismatch) -> list[str]:
    """The quick check's lines, each with its fix."""
    if mismatch.foreign:
        return [f"{mismatch.foreign}: {FIX}"]
    if mismatch.missing or mismatch.extra:
        return [
            f"the index is out of step with the archive: {len(mismatch.missing)} chunk(s) not "
            f"indexed, {len(mismatch.extra)} indexed chunk(s) no longer in the archive: {FIX}"
        ]
    return []
