"""Vector backends side by side on synthetic archives: build time, memory, latency, recall@10.

    python benchmarks/vector_backends.py                 # 100k chunks x 512-d
    python benchmarks/vector_backends.py --full          # also 1M (about an hour on 2 cores)
    python benchmarks/vector_backends.py --sizes 20000 --backends faiss-flat milvus-lite

Each backend runs in its own process (memory is that process's RSS growth while it builds,
with the vectors already loaded), on the same synthetic unit vectors whose neighbourhoods match
the bundled corpus' real embeddings (see `synthetic`). Latency is one query at a time through the store's `search`, as `baogao ask` calls it; recall@10 is
against exact search. Single-query latency on a shared 2-core machine is noisy: rerun and
compare p50s before trusting a difference under about 20 %.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.vectors.factory import create_store  # noqa: E402
from index.vectors.faiss_store import FaissStore, single_thread  # noqa: E402

DIM = 512
QUERIES = 200
K = 10
BACKENDS = ["faiss-flat", "faiss-ivf", "faiss-hnsw", "milvus-lite"]
FIELDS = ["backend", "n", "build_s", "memory_mb", "peak_mb", "bytes_per_vector", "p50_ms",
          "p95_ms", "recall_at_10", "add_report_and_save_s"]  # fmt: skip
COLUMNS = ["backend", "n", "build s", "MB", "peak MB", "B/vec", "p50 ms", "p95 ms", "recall@10",
           "save s", "index"]  # fmt: skip
ROW = "{:<12} {:>9} {:>8} {:>6} {:>7} {:>6} {:>7} {:>7} {:>9} {:>7}  {}"
QUERY_BUDGET_S, MIN_QUERIES = 180, 20  # a slow backend is timed on fewer queries
SETTLE_S = 60
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 16, 200, 128  # the Milvus store's defaults


def synthetic(n: int, seed: int, size: int | None = None) -> np.ndarray:
    """Unit vectors shaped like the bundled corpus' embeddings, made in slices.

    A shared direction, a "report" topic per ~107 chunks and a "section" topic per ~5, plus
    noise (variance shares .35/.25/.20/.20): on 2,673 vectors this gives mean pair cosine
    0.37, top-1 0.81, top-10 0.65, top-100 0.54, against 0.37/0.79/0.69/0.56 measured on
    the real use-multilingual-v3 passages. The topic counts grow with the archive (`size`),
    so neighbourhoods stay as dense as the real corpus at any size.
    """
    size = size or n
    base = np.random.default_rng(0)
    reports, sections = max(25, size // 107), max(500, size // 5)
    common = base.standard_normal(DIM, dtype=np.float32)
    report_topics = base.standard_normal((reports, DIM), dtype=np.float32)
    section_topics = base.standard_normal((sections, DIM), dtype=np.float32)
    report_of = base.integers(0, reports, sections)
    rng = np.random.default_rng(seed)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        section = rng.integers(0, sections, m)
        x = (
            np.sqrt(0.35) * common
            + np.sqrt(0.25) * report_topics[report_of[section]]
            + np.sqrt(0.20) * section_topics[section]
            + np.sqrt(0.20) * rng.standard_normal((m, DIM), dtype=np.float32)
        )
        out[start : start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def exact_top_k(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """The true top-k ids by inner product, a slice of the archive at a time."""
    ids = np.zeros((len(queries), 0), dtype=np.int64)
    scores = np.zeros((len(queries), 0), dtype=np.float32)
    for start in range(0, len(vectors), 100_000):
        part = queries @ vectors[start : start + 100_000].T
        ids = np.hstack([ids, np.broadcast_to(np.arange(start, start + part.shape[1]), part.shape)])
        scores = np.hstack([scores, part])
        keep = np.argsort(-scores, axis=1)[:, :k]
        ids, scores = np.take_along_axis(ids, keep, 1), np.take_along_axis(scores, keep, 1)
    return ids


def prepare(n: int, folder: Path) -> None:
    """Vectors, queries and exact answers on disk, shared by every backend's process."""
    if (folder / "truth.npy").exists():
        return
    vectors, queries = synthetic(n, seed=1), synthetic(QUERIES, seed=2, size=n)
    np.save(folder / "vectors.npy", vectors)
    np.save(folder / "queries.npy", queries)
    np.save(folder / "truth.npy", exact_top_k(vectors, queries, K))


class HnswStore:
    """A bare FAISS HNSW index for the benchmark (baogao's FaissStore has flat and IVF only)."""

    def __init__(self, dimension: int):
        import faiss

        index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        self.index = faiss.IndexIDMap2(index)

    def add(self, ids, vectors) -> None:
        self.index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))

    def search(self, vectors, k):
        queries = np.asarray(vectors, dtype=np.float32).reshape(-1, DIM)
        with single_thread(len(queries)):  # as FaissStore does for a few queries
            return self.index.search(queries, k)


def build(backend: str, folder: Path, vectors: np.ndarray):
    ids = np.arange(len(vectors), dtype=np.int64)
    if backend == "faiss-hnsw":
        store = HnswStore(DIM)
    elif backend == "milvus-lite":
        store = create_store(folder / "index", DIM, manifest={}, setting=f"milvus://{folder}/m.db")
    else:
        threshold = 10**12 if backend == "faiss-flat" else 0
        store = FaissStore.create(folder / "index", DIM, manifest={}, approx_threshold=threshold)
    if (
        backend == "faiss-ivf"
    ):  # one training over everything, as `baogao rebuild` does past the threshold
        store.add(ids, vectors)
    else:
        for start in range(0, len(vectors), 50_000):
            store.add(ids[start : start + 50_000], vectors[start : start + 50_000])
    if backend == "milvus-lite":
        store.save()
        _wait_for_index(store)
    return store


def _wait_for_index(store) -> None:
    while store.client.describe_index(store.collection, "vector").get("pending_index_rows", 0):
        time.sleep(1)


def run_one(backend: str, folder: Path) -> dict:
    """Build one backend over the prepared data and measure it (runs in its own process)."""
    if backend == "milvus-lite":  # loaded before the baseline: code is not index memory
        import milvus_lite.adapter.grpc.server  # noqa: F401

    vectors = np.load(folder / "vectors.npy")
    queries, truth = np.load(folder / "queries.npy"), np.load(folder / "truth.npy")
    process = psutil.Process()
    before = process.memory_info().rss
    t = time.perf_counter()
    store = build(backend, Path(tempfile.mkdtemp(dir=folder)), vectors)
    build_s = time.perf_counter() - t
    memory = process.memory_info().rss - before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    if backend == "milvus-lite":
        time.sleep(SETTLE_S)  # Milvus Lite compacts new segments in the background
    store.search(queries[:1], K)  # warm up
    latencies, found, started = [], [], time.perf_counter()
    for q in queries:
        t = time.perf_counter()
        _, ids = store.search(q[None, :], K)
        latencies.append((time.perf_counter() - t) * 1000)
        found.append(ids[0])
        if len(found) >= MIN_QUERIES and time.perf_counter() - started > QUERY_BUDGET_S:
            break
    recall = np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=False)])
    save_s = None
    if hasattr(store, "save"):  # `baogao add` of one report: embed ~200 chunks, then save
        t = time.perf_counter()
        store.add(
            np.arange(len(vectors), len(vectors) + 200), synthetic(200, seed=3, size=len(vectors))
        )
        store.save()
        save_s = round(time.perf_counter() - t, 2)
    info = store.describe() if hasattr(store, "describe") else {"index_type": "hnsw"}
    return {
        "backend": backend,
        "n": len(vectors),
        "build_s": round(build_s, 1),
        "memory_mb": round(memory / 2**20),
        "peak_mb": round(peak / 2**20),
        "queries": len(found),
        "bytes_per_vector": round(memory / len(vectors)),
        "p50_ms": round(float(np.percentile(latencies, 50)), 2),
        "p95_ms": round(float(np.percentile(latencies, 95)), 2),
        "recall_at_10": round(float(recall), 3),
        "add_report_and_save_s": save_s,
        "index": {k: v for k, v in info.items() if k in ("index_type", "nlist", "nprobe")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also run 1M chunks")
    parser.add_argument("--sizes", type=int, nargs="*", help="archive sizes (default 100000)")
    parser.add_argument("--backends", nargs="*", default=BACKENDS, choices=BACKENDS)
    parser.add_argument("--workdir", type=Path, help="keep data here (default: a temp folder)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child process: one backend
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.workdir)))
        return
    sizes = args.sizes or ([100_000, 1_000_000] if args.full else [100_000])
    root = args.workdir or Path(tempfile.mkdtemp(prefix="baogao-vectors-"))
    print(ROW.format(*COLUMNS), flush=True)
    for n in sizes:
        folder = root / str(n)
        folder.mkdir(parents=True, exist_ok=True)
        prepare(n, folder)
        for backend in args.backends:
            out = subprocess.run(
                [sys.executable, __file__, "--one", backend, "--workdir", str(folder)],
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode:
                print(
                    f"{backend:<12} {n:>9} failed: {out.stderr.strip().splitlines()[-1:]}",
                    flush=True,
                )
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            values = [r[c] for c in FIELDS]
            print(ROW.format(*["-" if v is None else v for v in values], r["index"]), flush=True)


if __name__ == "__main__":
    main()
