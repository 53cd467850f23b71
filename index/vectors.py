"""The vector index: chunk ids to unit vectors, searched by inner product, saved atomically.

`VectorStore` is the seam a Milvus backend plugs into; `FaissStore` keeps one FAISS file and
a JSON manifest in a folder. Small archives use an exact flat index; past a size threshold
the store switches to IVF (inverted lists over k-means cells), which removes ids natively
and always finds a stored vector itself, so no tombstones or compaction are needed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.util import find_spec
from pathlib import Path

import numpy as np


class _Faiss:
    """FAISS, imported on first use: commands that read no vectors never pay its import."""

    def __getattr__(self, name: str):
        import faiss

        return getattr(faiss, name)


faiss = _Faiss()
FAISS = find_spec("faiss") is not None  # faiss-cpu is a declared dependency

VECTORS_FILE = "vectors.faiss"
MANIFEST_FILE = "manifest.json"
FORMAT = 1
APPROX_THRESHOLD = 200_000  # vectors above which an approximate (IVF) index is built
RETRAIN_GROWTH = 4  # retrain the IVF cells when the index has grown this many times
FIX = "run `baogao rebuild`"
SMALL_BATCH = 20  # fewer queries than this are searched on one thread
# Files up to this size are checksummed on every open (~1 ms a MB); larger ones by `check`.
VERIFY_ON_OPEN_BYTES = 512 * 2**20


class VectorStoreError(Exception):
    """The vector index cannot be used as it is; the message says why and what to do."""


class IndexMissing(VectorStoreError):
    """There is no vector index in the folder yet."""


class IndexCorrupt(VectorStoreError):
    """The index files exist but cannot be trusted (truncated, damaged, half-written)."""


def ids_fingerprint(ids: Iterable[int]) -> str:
    """sha256 of the sorted ids: compares an index with the archive without listing both."""
    array = np.sort(_as_ids(ids))
    return hashlib.sha256(array.astype("<i8").tobytes()).hexdigest()


class VectorStore(ABC):
    """What the search code needs from a vector backend (FAISS here, Milvus in milvus_store.py).

    `metadata` (one item per id: a mapping or object with report_id, year, issuer, kind) and
    `where` (`stores.store_filter`: year_from, year_to, issuers, kind, report_ids) are for
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
        return _as_ids(self.ids())

    def set_metadata(self, ids: Iterable[int], metadata: Sequence) -> None:
        """Refresh the filter fields of stored ids; stores that keep none have nothing to do."""
        return None

    def close(self) -> None:
        """Release connections; a FAISS store holds none."""
        return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _require_faiss() -> None:
    if not FAISS:
        raise ImportError("the vector index needs FAISS: pip install faiss-cpu")


def _as_ids(ids: Iterable[int]) -> np.ndarray:
    if isinstance(ids, np.ndarray):
        return np.ascontiguousarray(ids.ravel(), dtype=np.int64)
    return np.fromiter(ids, dtype=np.int64)


def _as_vectors(vectors: np.ndarray, dimension: int) -> np.ndarray:
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
    ids, vectors = _as_ids(ids), _as_vectors(vectors, dimension)
    if len(ids) != len(vectors):
        raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
    if len(np.unique(ids)) != len(ids):
        raise ValueError("duplicate ids in one add()")
    if metadata is not None and len(metadata) != len(ids):
        raise ValueError(f"{len(metadata)} metadata items for {len(ids)} ids")
    return ids, vectors


def _flat_index(dimension: int):
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def _ivf_index(ids: np.ndarray, vectors: np.ndarray):
    """Train k-means cells on the vectors themselves (about 4·√n cells, ≥39 points each)."""
    n, dimension = vectors.shape
    nlist = max(1, min(int(4 * math.sqrt(n)), n // 39))
    index = faiss.IndexIVFFlat(
        faiss.IndexFlatIP(dimension), dimension, nlist, faiss.METRIC_INNER_PRODUCT
    )
    index.train(vectors)
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    index.add_with_ids(vectors, ids)
    index.nprobe = default_nprobe(nlist)
    return index


def default_nprobe(nlist: int) -> int:
    """Cells searched per query: 1/8 of them, at least 32.

    Measured with USE questions over 3,072 report passages (78 cells): recall@10 against the
    flat index was 0.83 probing 8 cells, 0.93 probing 16, 0.98 probing 32.
    """
    return min(nlist, max(32, nlist // 8))


@contextmanager
def _single_thread(n_queries: int):
    """Run a few queries on one OpenMP thread: on a busy 2-core machine a single query
    over 100k flat vectors took 8 ms on one thread and 47 ms on two (spin-waiting)."""
    if n_queries >= SMALL_BATCH:
        yield
        return
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


def file_sha256(path: Path) -> str:
    """The checksum the manifest records, so bytes damaged in place (same size) are caught."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FaissStore(VectorStore):
    """A FAISS index whose vector ids are chunk ids, with its manifest, in one folder."""

    def __init__(self, folder: Path, index, manifest: dict):
        self.folder = Path(folder)
        self.index = index
        self.manifest = manifest
        self.dimension = int(index.d)

    @classmethod
    def create(
        cls,
        folder: Path,
        dimension: int,
        *,
        manifest: dict,
        approx_threshold: int = APPROX_THRESHOLD,
    ) -> FaissStore:
        """An empty store; nothing is written until `save()`."""
        _require_faiss()
        now = _now()
        manifest = {
            **manifest,
            "format": FORMAT,
            "dimension": dimension,
            "approx_threshold": approx_threshold,
            "created": now,
            "updated": now,
        }
        return cls(folder, _flat_index(dimension), manifest)

    @classmethod
    def open(cls, folder: Path, *, verify: bool | None = None) -> FaissStore:
        """Load a saved store, refusing anything that does not match its own manifest.

        `verify` checks the file against the manifest's checksum: by default for files up to
        VERIFY_ON_OPEN_BYTES, always when True (`baogao check`).
        """
        _require_faiss()
        folder = Path(folder)
        vectors_path, manifest_path = folder / VECTORS_FILE, folder / MANIFEST_FILE
        if not vectors_path.exists() and not manifest_path.exists():
            raise IndexMissing(f"there is no vector index in {folder}: {FIX}")
        for path in (vectors_path, manifest_path):
            if not path.exists():
                raise IndexCorrupt(
                    f"the vector index in {folder} is incomplete ({path.name} is missing): {FIX}"
                )
        try:
            manifest = json.loads(manifest_path.read_text("utf-8"))
            expected_bytes, count = manifest["vectors_bytes"], manifest["count"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise IndexCorrupt(f"{manifest_path} is unreadable ({e}): {FIX}") from e
        size = vectors_path.stat().st_size
        if size != expected_bytes:
            raise IndexCorrupt(
                f"{vectors_path} has {size} bytes but its manifest says {expected_bytes} "
                f"(truncated, or a save was interrupted): {FIX}"
            )
        checksum = manifest.get("vectors_sha256")  # absent in manifests saved before 0.2
        if checksum and (verify or (verify is None and size <= VERIFY_ON_OPEN_BYTES)):
            if file_sha256(vectors_path) != checksum:
                raise IndexCorrupt(
                    f"{vectors_path} does not match the checksum in its manifest "
                    f"(damaged on disk, or a save was interrupted): {FIX}"
                )
        try:
            index = faiss.read_index(str(vectors_path))
        except RuntimeError as e:
            reason = str(e).strip().splitlines()[-1][:200]
            raise IndexCorrupt(f"{vectors_path} is unreadable ({reason}): {FIX}") from e
        if not isinstance(index, faiss.IndexIDMap2 | faiss.IndexIVFFlat):
            raise IndexCorrupt(f"{vectors_path} holds an unexpected {type(index).__name__}: {FIX}")
        if index.ntotal != count or index.d != manifest.get("dimension"):
            raise IndexCorrupt(
                f"{vectors_path} holds {index.ntotal} vectors of dimension {index.d}, its manifest "
                f"says {count} of dimension {manifest.get('dimension')}: {FIX}"
            )
        if isinstance(index, faiss.IndexIVFFlat):
            index.nprobe = int(manifest.get("nprobe") or default_nprobe(index.nlist))
        return cls(folder, index, manifest)

    @property
    def index_type(self) -> str:
        return "ivf" if isinstance(self.index, faiss.IndexIVFFlat) else "flat"

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    def id_array(self) -> np.ndarray:
        """Stored ids as int64, in storage order (the order `_vector_array` uses)."""
        if self.index_type == "flat":
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        lists = self.index.invlists
        parts = [
            faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
            for i in range(self.index.nlist)
            if lists.list_size(i)
        ]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def _vector_array(self) -> np.ndarray:
        """Stored vectors in storage order: IVF-flat codes are the raw float32 vectors."""
        if self.index_type == "flat":
            if not self.count:
                return np.zeros((0, self.dimension), dtype=np.float32)
            return self.index.index.reconstruct_n(0, self.count)
        lists, d = self.index.invlists, self.dimension
        parts = [
            faiss.rev_swig_ptr(lists.get_codes(i), lists.list_size(i) * d * 4)
            .view(np.float32)
            .reshape(-1, d)
            .copy()
            for i in range(self.index.nlist)
            if lists.list_size(i)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, d), dtype=np.float32)

    def ids(self) -> set[int]:
        return set(self.id_array().tolist())

    def add(
        self, ids: Iterable[int], vectors: np.ndarray, metadata: Sequence | None = None
    ) -> None:
        ids, vectors = validated(ids, vectors, self.dimension, metadata)
        if not len(ids):
            return
        self.index.remove_ids(ids)  # add() replaces: an id never has two vectors
        total = self.count + len(ids)
        grown = self.index_type == "ivf" and total > RETRAIN_GROWTH * self.manifest.get(
            "ivf_trained_on", total
        )
        threshold = self.manifest.get("approx_threshold", APPROX_THRESHOLD)
        if grown or (self.index_type == "flat" and total > threshold):
            all_ids = np.concatenate([self.id_array(), ids])
            all_vectors = np.concatenate([self._vector_array(), vectors])
            self.index = _ivf_index(all_ids, all_vectors)
            self.manifest["ivf_trained_on"] = total
        else:
            self.index.add_with_ids(vectors, ids)

    def remove(self, ids: Iterable[int]) -> int:
        ids = _as_ids(ids)
        return int(self.index.remove_ids(ids)) if len(ids) else 0

    def search(
        self, vectors: np.ndarray, k: int, *, where: dict | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if k < 1:
            raise ValueError("k must be at least 1")
        queries = _as_vectors(vectors, self.dimension)
        with _single_thread(len(queries)):
            return self.index.search(queries, k)

    def describe(self) -> dict:
        info = {
            "backend": "faiss",
            "faiss_version": faiss.__version__,
            "folder": str(self.folder),
            "index_type": self.index_type,
            "count": self.count,
            "dimension": self.dimension,
            "approx_threshold": self.manifest.get("approx_threshold", APPROX_THRESHOLD),
        }
        if self.index_type == "ivf":
            info.update(nlist=int(self.index.nlist), nprobe=int(self.index.nprobe))
        return info

    def save(self, manifest_updates: dict | None = None) -> None:
        """Write to temporary files in the folder, fsync, rename into place: the manifest last.

        One writer at a time (the archive lock): leftovers of a crashed save are removed here.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        for leftover in self.folder.glob(".*.tmp"):
            leftover.unlink(missing_ok=True)
        tmp_vectors = self.folder / f".{VECTORS_FILE}.{os.getpid()}.tmp"
        tmp_manifest = self.folder / f".{MANIFEST_FILE}.{os.getpid()}.tmp"
        try:
            self._write(tmp_vectors, tmp_manifest, manifest_updates)
        except BaseException:
            tmp_vectors.unlink(missing_ok=True)  # a failed save (a full disk) leaves no litter
            tmp_manifest.unlink(missing_ok=True)
            raise

    def _write(self, tmp_vectors: Path, tmp_manifest: Path, manifest_updates: dict | None):
        faiss.write_index(self.index, str(tmp_vectors))
        _fsync(tmp_vectors)
        manifest = {**self.manifest, **(manifest_updates or {})}
        manifest.update(
            count=self.count,
            ids_fingerprint=ids_fingerprint(self.id_array()),
            index_type=self.index_type,
            dimension=self.dimension,
            vectors_bytes=tmp_vectors.stat().st_size,
            vectors_sha256=file_sha256(tmp_vectors),
            updated=_now(),
        )
        if self.index_type == "ivf":
            manifest.update(nlist=int(self.index.nlist), nprobe=int(self.index.nprobe))
        with open(tmp_manifest, "w", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=2, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_vectors, self.folder / VECTORS_FILE)
        os.replace(tmp_manifest, self.folder / MANIFEST_FILE)
        _fsync(self.folder)
        self.manifest = manifest


def store_problems(
    store: VectorStore,
    expected_ids: Iterable[int],
    model_name: str,
    model_fingerprint: str,
    dimension: int,
) -> list[str]:
    """The checks of `check` on an open store of any backend."""
    problems = []
    built_name = store.manifest.get("model_name")
    built_fingerprint = str(store.manifest.get("model_fingerprint"))
    if built_name != model_name:
        problems.append(
            f"the index was built with model {built_name!r}, not the current {model_name!r}: {FIX}"
        )
    elif built_fingerprint != model_fingerprint:
        problems.append(
            f"model {model_name!r} has changed since the index was built (fingerprint "
            f"{built_fingerprint[:12]}, now {model_fingerprint[:12]}): {FIX}"
        )
    if store.dimension != dimension:
        problems.append(
            f"the index holds {store.dimension}-d vectors but the model makes {dimension}-d: {FIX}"
        )
    have, want = store.id_array(), _as_ids(expected_ids)
    missing, extra = np.setdiff1d(want, have).size, np.setdiff1d(have, want).size
    if missing or extra:
        problems.append(
            f"the index is out of step with the archive: {missing} chunk(s) not indexed, "
            f"{extra} indexed chunk(s) no longer in the archive: {FIX}"
        )
    return problems
