"""Warm `ask` latency (p50/p95) on the bundled archive and on a synthetic archive of ~100k chunks,
ingest and embedding throughput, and peak memory.

    python benchmarks/latency.py [--home DIR] [--chunks 100000] [--skip-synthetic]
    python benchmarks/latency.py --home DIR --compare REV [--rounds 3]

The bundled archive is timed per language and method (hybrid, keyword) on the tuning questions
(../shared/qa and benchmarks/questions/tune.jsonl), each asked once after one warm-up question.
--compare REV times another commit's code (its tree, from `git archive`) on the same home in
the same run, alternating rounds so both see the same machine load, and prints both side by
side with the ratios; the load average is printed with each round (2 shared cores: the ratio is
the figure to read, not the milliseconds).

The synthetic archive reuses the bundled reports' paragraphs, shuffled into new reports, and
random unit vectors (search cost does not depend on what the vectors mean), so it builds in
minutes instead of the hours real embedding of 100k passages would take on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
# --worker DIR: time the code in DIR (another commit's tree) instead of this one's
CODE = Path(sys.argv[sys.argv.index("--worker") + 1]) if "--worker" in sys.argv else ROOT
sys.path.insert(0, str(CODE))

from index.evaluate import load_questions  # noqa: E402
from index.library import Library  # noqa: E402

QA = [*sorted((ROOT.parent / "shared" / "qa").glob("*.jsonl")), ROOT / "benchmarks" / "questions" / "tune.jsonl"]
REPORTS = ROOT / "data" / "reports"
METHODS = ("hybrid", "keyword")


def questions() -> list[dict]:
    return [q for path in QA if path.exists() for q in load_questions(path)]


def timed_asks(library: Library, qs: list[str], method: str = "hybrid") -> list[float]:
    searcher = library.searcher()
    if hasattr(searcher, "warm"):
        searcher.warm()  # what the page does with a new searcher: this generation's passages
    library.ask(qs[0], searcher=searcher, method=method)  # warm: model, jieba, dictionary, page cache
    times = []
    for q in qs:
        t = time.perf_counter()
        library.ask(q, searcher=searcher, method=method)
        times.append((time.perf_counter() - t) * 1000)
    return times


def by_language(library: Library, qs: list[dict]) -> dict[str, list[float]]:
    """Milliseconds per question, keyed "zh/hybrid", "en/keyword", ..."""
    out = {}
    for method in METHODS:
        for lang in ("zh", "en"):
            out[f"{lang}/{method}"] = timed_asks(library, [q["question"] for q in qs if q["lang"] == lang], method)
    return out


def p50_p95(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), statistics.quantiles(times, n=20)[18]


def report(label: str, times: list[float]) -> None:
    p50, p95 = p50_p95(times)
    print(f"{label:<44} n={len(times):<4} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def compare(home: str, rev: str, rounds: int) -> None:
    """This tree against REV's on the same home, rounds alternating; p50/p95 side by side."""
    tree = Path(tempfile.mkdtemp(prefix="baogao-rev-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    times: dict[str, dict[str, list[float]]] = {rev: {}, "this tree": {}}
    for n in range(rounds):
        for label, code in ((rev, tree), ("this tree", ROOT)):
            before = load()
            out = subprocess.run([sys.executable, __file__, "--worker", str(code), "--home", home],
                                 check=True, capture_output=True, text=True).stdout
            for key, values in json.loads(out.splitlines()[-1]).items():
                times[label].setdefault(key, []).extend(values)
            print(f"round {n + 1}: {label:<10} ran ({before}; after, {load()})", file=sys.stderr)
    for label in times:  # both languages together: the figure issue 14's target is set on
        for method in METHODS:
            times[label][f"all/{method}"] = times[label][f"zh/{method}"] + times[label][f"en/{method}"]
    print(f"warm ask on {home}: p50 / p95 ms, {rounds} rounds of each question per version")
    print(f"{'lang/method':<12} {'n':>4} {rev[:12]:>18} {'this tree':>18} {'p50 ratio':>10} {'p95 ratio':>10}")
    for key in times["this tree"]:
        old, new = p50_p95(times[rev][key]), p50_p95(times["this tree"][key])
        print(f"{key:<12} {len(times['this tree'][key]):>4} {old[0]:>8.1f} / {old[1]:>7.1f} "
              f"{new[0]:>8.1f} / {new[1]:>7.1f} {new[0] / old[0]:>10.2f} {new[1] / old[1]:>10.2f}")
    print(load())
    shutil.rmtree(tree, ignore_errors=True)


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
    # here, not at the top: a --compare worker imports only what every commit has
    from archive.ingest import parse_text
    from archive.readers import read_file
    try:
        from index.vectors.faiss_store import FaissStore
    except ImportError:  # before index/vectors/ became a package
        from index.vectors import FaissStore

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
    parser.add_argument("--compare", metavar="REV", help="also time this commit's code, side by side")
    parser.add_argument("--rounds", type=int, default=3, help="with --compare: rounds per version")
    parser.add_argument("--worker", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    qs = questions()
    if args.worker:  # one round for --compare: the times as JSON on the last line
        library = Library.open(args.home)
        print(json.dumps(by_language(library, qs)))
        return
    if args.compare:
        if not args.home:
            parser.error("--compare needs --home (a built archive both versions read)")
        compare(args.home, args.compare, args.rounds)
        return
    library = bundled(args.home)
    print(load())
    for key, times in by_language(library, qs).items():
        report(f"warm ask, bundled archive ({key})", times)
    identity = library.embedder.identity()
    if not args.skip_synthetic:
        big = synthetic(args.chunks, library.embedder.dimension, identity)
        big.__dict__["embedder"] = library.embedder  # share the loaded model
        report(f"warm ask, synthetic {len(big.archive.chunk_ids())} chunks (hybrid)",
               timed_asks(big, [q["question"] for q in qs]))
        big.close()
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    library.close()


if __name__ == "__main__":
    main()
