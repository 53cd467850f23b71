"""Warm `ask` latency (p50/p95) on the bundled archive and on a synthetic archive of ~100k chunks,
ingest and embedding throughput, and peak memory.

    python benchmarks/latency.py [--home DIR] [--chunks 100000] [--skip-synthetic]

The synthetic archive reuses the bundled reports' paragraphs, shuffled into new reports, and
random unit vectors (search cost does not depend on what the vectors mean), so it builds in
minutes instead of the hours real embedding of 100k passages would take on 2 cores.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.ingest import parse_text  # noqa: E402
from archive.readers import read_file  # noqa: E402
from index.evaluate import load_questions  # noqa: E402
from index.library import Library  # noqa: E402
from index.vectors.faiss_store import FaissStore  # noqa: E402

QA = sorted((ROOT.parent / "shared" / "qa").glob("*.jsonl"))
REPORTS = ROOT / "data" / "reports"


def questions() -> list[str]:
    return [q["question"] for path in QA for q in load_questions(path)]


def timed_asks(library: Library, qs: list[str]) -> list[float]:
    searcher = library.searcher()
    library.ask(qs[0], searcher=searcher)  # warm: model, jieba, dictionary, page cache
    times = []
    for q in qs:
        t = time.perf_counter()
        library.ask(q, searcher=searcher)
        times.append((time.perf_counter() - t) * 1000)
    return times


def report(label: str, times: list[float]) -> None:
    p95 = statistics.quantiles(times, n=20)[18]
    print(f"{label:<44} n={len(times):<4} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


def bundled(home: str | None) -> Library:
    """The bundled archive; timing the ingest and the embedding when it has to be built."""
    if home:
        return Library.open(home)
    library = Library.open(tempfile.mkdtemp(prefix="baogao-latency-"))
    t = time.perf_counter()
    library.add([REPORTS], index=False)
    ingest = time.perf_counter() - t
    chunks = len(library.archive.chunk_ids())
    _ = library.embedder  # load the model outside the embedding timer
    t = time.perf_counter()
    library.rebuild()
    embed = time.perf_counter() - t
    print(f"ingest of 25 reports: {ingest:.1f} s ({chunks / ingest:.0f} chunks/s parsed and stored)")
    print(f"rebuild (embed {chunks} chunks): {embed:.1f} s ({chunks / embed:.1f} chunks/s)")
    return library


def synthetic(target: int, dimension: int, identity: dict) -> Library:
    """~target chunks: the bundled paragraphs reshuffled into reports of ~250 chunks each."""
    paragraphs = []
    for path in sorted(REPORTS.iterdir()):
        if path.suffix in (".txt", ".docx"):
            paragraphs += [p for p in read_file(path).text.split("\n") if len(p) > 40]
    rng = random.Random(7)
    library = Library.open(tempfile.mkdtemp(prefix="baogao-100k-"))
    t = time.perf_counter()
    n = 0
    while n < target:
        body = rng.sample(paragraphs, min(len(paragraphs), 220))
        heads = [f"{'一二三四五六七八九十'[i]}、第{i + 1}部分" for i in range(10)]
        text = "\n".join(line for i, p in enumerate(body) for line in ([heads[i // 22]] if i % 22 == 0 else []) + [p])
        year = rng.randint(1990, 2026)
        parsed = parse_text(text, file_name=f"synthetic-{n}.txt", fmt="txt",
                            metadata={"title": f"合成报告{n}", "year": year, "issuer": f"第{n % 300}区人民政府"})
        parsed.report.sha256 = f"synthetic-{n}-{rng.random()}"
        library.archive.add(parsed)
        n = len(library.archive.chunk_ids())
    print(f"synthetic archive: {n} chunks stored in {time.perf_counter() - t:.0f} s")
    ids = np.array(library.archive.chunk_ids(), dtype=np.int64)
    vectors = np.random.default_rng(7).standard_normal((len(ids), dimension)).astype(np.float32)
    store = FaissStore.create(library.home.index_dir, dimension, manifest=identity)
    t = time.perf_counter()
    store.add(ids, vectors)
    store.save({**identity, "archive_generation": library.archive.generation})
    print(f"FAISS ({store.index_type}) over {len(ids)} vectors built in {time.perf_counter() - t:.1f} s")
    return library


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="an already built archive of the bundled reports")
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--skip-synthetic", action="store_true")
    args = parser.parse_args()
    qs = questions()
    library = bundled(args.home)
    report("warm ask, bundled archive (hybrid)", timed_asks(library, qs))
    identity = library.embedder.identity()
    if not args.skip_synthetic:
        big = synthetic(args.chunks, library.embedder.dimension, identity)
        big.__dict__["embedder"] = library.embedder  # share the loaded model
        report(f"warm ask, synthetic {len(big.archive.chunk_ids())} chunks (hybrid)", timed_asks(big, qs))
        big.close()
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    library.close()


if __name__ == "__main__":
    main()
