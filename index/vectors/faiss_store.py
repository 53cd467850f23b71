"""The FAISS backend: chunk ids to unit vectors in one file beside the manifest.

Small archives use an exact flat index; past a size threshold the store switches to IVF
(inverted lists over k-means cells), which removes ids natively and always finds a stored
vector itself, so no tombstones or compaction are needed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from index.vectors import manifest as manifests
from index.vectors.base import (
    FIX,
    IndexCorrupt,
    IndexMissing,
    VectorStore,
    as_ids,
    as_vectors,
    faiss,
    file_sha256,
    fsync,
    ids_fingerprint,
    new_manifest,
    now,
    validated,
)

FAISS = find_spec("faiss") is not None  # faiss-cpu is a declared dependency
VECTORS_FILE = "vectors.faiss"
APPROX_THRESHOLD = 200_000  # vectors above which an approximate (IVF) index is built
RETRAIN_GROWTH = 4  # retrain the IVF cells when the index has grown this many times
SMALL_BATCH = 20  # fewer queries than this are searched on one thread
# Files up to this size are checksummed on every open (~1 ms a MB); larger ones by `check`.
VERIFY_ON_OPEN_BYTES = 512 * 2**20


def require_faiss() -> None:
    if not FAISS:
        raise ImportError("the vector index needs FAISS: pip install faiss-cpu")


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
def single_thread(n_queries: int):
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
        require_faiss()
        manifest = new_manifest(manifest, dimension, approx_threshold=approx_threshold)
        return cls(folder, _flat_index(dimension), manifest)

    @classmethod
    def open(cls, folder: Path, *, verify: bool | None = None) -> FaissStore:
        """Load a saved store, refusing anything that does not match its own manifest.

        `verify` checks the file against the manifest's checksum: by default for files up to
        VERIFY_ON_OPEN_BYTES, always when True (`baogao check`).
        """
        require_faiss()
        folder = Path(folder)
        vectors_path = folder / VECTORS_FILE
        if not vectors_path.exists() and not manifests.exists(folder):
            raise IndexMissing(f"there is no vector index in {folder}: {FIX}")
        for path in (vectors_path, manifests.path(folder)):
            if not path.exists():
                raise IndexCorrupt(
                    f"the vector index in {folder} is incomplete ({path.name} is missing): {FIX}"
                )
        manifest = manifests.read(folder)
        try:
            expected_bytes, count = manifest["vectors_bytes"], manifest["count"]
        except KeyError as e:
            raise IndexCorrupt(f"{manifests.path(folder)} is unreadable ({e}): {FIX}") from e
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
        ids = as_ids(ids)
        return int(self.index.remove_ids(ids)) if len(ids) else 0

    def search(
        self, vectors: np.ndarray, k: int, *, where: dict | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if k < 1:
            raise ValueError("k must be at least 1")
        queries = as_vectors(vectors, self.dimension)
        with single_thread(len(queries)):
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
        for leftover in manifests.leftovers(self.folder):
            leftover.unlink(missing_ok=True)
        tmp_vectors = manifests.temporary(self.folder, VECTORS_FILE)
        try:
            faiss.write_index(self.index, str(tmp_vectors))
            fsync(tmp_vectors)
            manifest = {**self.manifest, **(manifest_updates or {})}
            manifest.update(
                count=self.count,
                ids_fingerprint=ids_fingerprint(self.id_array()),
                index_type=self.index_type,
                dimension=self.dimension,
                vectors_bytes=tmp_vectors.stat().st_size,
                vectors_sha256=file_sha256(tmp_vectors),
                updated=now(),
            )
            if self.index_type == "ivf":
                manifest.update(nlist=int(self.index.nlist), nprobe=int(self.index.nprobe))
            manifests.commit(self.folder, manifest, {tmp_vectors: VECTORS_FILE})
        except BaseException:
            tmp_vectors.unlink(missing_ok=True)  # a failed save (a full disk) leaves no litter
            raise
        self.manifest = manifest
