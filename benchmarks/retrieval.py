"""Retrieval and answer quality on every QA set, methods side by side, plus a fusion-weight sweep.

    python benchmarks/retrieval.py [--home DIR] [--sweep [--grid NAME=V1,V2 ...]] [QA.jsonl ...]

With no --home, a temporary archive of the bundled reports is built and indexed with the
default model (about 90 s). Legs run once per question; fusion settings are re-ranked cheaply.
--grid sweeps any number of index/weights.py (SearchSettings; README "Ranking numbers"):
fusion weights re-rank the stored candidates with the hand weights (the learned ranker replaces
them where it has a model); any other number re-runs every question through search and answer
with the shipped ranker, and the table gives hit@1 and answer accuracy.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.evaluate import Score, answer_ok, is_hit, load_questions  # noqa: E402
from index.library import Library, answer_dict  # noqa: E402
from index.search import Searcher, SearchSettings  # noqa: E402
from index.weights import RANK_ONLY  # noqa: E402

DEFAULT_SETS = sorted((ROOT.parent / "shared" / "qa").glob("*.jsonl"))


def open_library(home: str | None) -> Library:
    if home:
        return Library.open(home)
    library = Library.open(tempfile.mkdtemp(prefix="baogao-bench-"))
    t = time.perf_counter()
    library.add([ROOT / "data" / "reports"], index=False)
    library.rebuild()
    print(f"built a temporary archive in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return library


def score(library, searcher, gathered, questions, settings, method) -> dict[str, Score]:
    scores: dict[str, Score] = {}
    for q, legs in zip(questions, gathered[method], strict=True):
        result = answer_dict(library.archive, searcher.rank(legs, top_k=5, settings=settings))
        rank = next((p["rank"] for p in result["passages"] if is_hit(p, q)), None)
        for key in (q["lang"], "all"):
            scores.setdefault(key, Score()).add(rank, answer_ok(result["answer"], q), q["id"])
    return scores


def table_rows(label: str, scores: dict[str, Score]) -> list[str]:
    rows = []
    for lang in ("zh", "en", "all"):
        if lang in scores:
            d = scores[lang].as_dict()
            rows.append(f"{label:<34} {lang:<4} {d['n']:>3} {d['hit@1']:>6.3f} {d['hit@5']:>6.3f} "
                        f"{d['mrr']:>6.3f} {d['answer']:>6.3f}")
    return rows


DEFAULT_GRID = {
    "dense_weight": (0.2, 0.3, 0.6),
    "keyword_weight_en": (0.6, 1.0),
    "rrf_k": (60,),
    "hint_boost": (0.3, 0.6, 1.0),
    "coverage_weight": (0.0, 0.3, 0.6),
    "run_weight": (0.0, 0.3, 0.6),
    "unit_weight": (0.2, 0.4),
    "tense_weight": (0.0, 0.1, 0.2, 0.4),
}


def parse_grid(specs: list[str]) -> dict[str, tuple]:
    """NAME=V1,V2 for any SearchSettings field, each value read as that field's type."""
    default = SearchSettings()
    grid = {}
    for spec in specs:
        name, _, values = spec.partition("=")
        if name not in SearchSettings.names() or not values:
            raise SystemExit(f"--grid {spec!r}: expected NAME=V1,V2 with NAME one of: "
                             + ", ".join(SearchSettings.names()))
        kind = type(getattr(default, name))
        grid[name] = tuple(kind(v) for v in values.split(","))
    return grid


def sweep(searcher, gathered, questions, grid: dict[str, tuple] | None = None) -> None:
    """Hit@1 of hybrid search over a grid of ranking weights; candidates are computed once."""
    grid = grid or DEFAULT_GRID
    if not set(grid) <= RANK_ONLY:
        return sweep_full(searcher, questions, grid)
    pools = [searcher.candidates(legs) for legs in gathered]
    hits = [[is_hit({"text": c.chunk.text, "file_name": c.chunk.file_name}, q) for c in pool]
            for pool, q in zip(pools, questions, strict=True)]
    results = []
    for values in itertools.product(*grid.values()):
        settings = SearchSettings(**dict(zip(grid, values, strict=True)))
        by_lang: dict[str, list[bool]] = {}
        for legs, pool, hit, q in zip(gathered, pools, hits, questions, strict=True):
            best = max(range(len(pool)), key=lambda i: pool[i].score(settings, legs.english), default=None)
            by_lang.setdefault(q["set"] + "/" + q["lang"], []).append(best is not None and hit[best])
        shares = {lang: sum(v) / len(v) for lang, v in by_lang.items()}
        results.append((sum(shares.values()) / len(shares), shares, values))
    print("-- sweep, hybrid hit@1 (best 10): " + " ".join(grid))
    for _mean, shares, values in sorted(results, key=lambda r: -r[0])[:10]:
        print("   " + "  ".join(f"{k} {v:.3f}" for k, v in sorted(shares.items())) + f"   {values}")
    default = SearchSettings()
    print("   default:", tuple(getattr(default, k) for k in grid))


def sweep_full(searcher: Searcher, questions: list[dict], grid: dict[str, tuple]) -> None:
    """Hybrid search and answer re-run for every grid point (numbers that shape legs, candidates,
    hints or answers), with the shipped ranker: hit@1 / answer per question set and language."""
    results = []
    for values in itertools.product(*grid.values()):
        settings = SearchSettings(**dict(zip(grid, values, strict=True)))
        run = Searcher(searcher.archive, searcher.embed_query, searcher.store, settings,
                       embed_many=searcher.embed_many, lexicon=searcher.lexicon, ranker=searcher.ranker)
        by_set: dict[str, list[tuple[bool, bool]]] = {}
        for q in questions:
            result = answer_dict(searcher.archive, run.search(q["question"], top_k=5))
            first = bool(result["passages"]) and is_hit(result["passages"][0], q)
            by_set.setdefault(q["set"] + "/" + q["lang"], []).append((first, answer_ok(result["answer"], q)))
        shares = {k: (sum(h for h, _ in v) / len(v), sum(a for _, a in v) / len(v)) for k, v in by_set.items()}
        mean = sum(h + a for h, a in shares.values()) / (2 * len(shares))
        results.append((mean, shares, values))
    print("-- sweep, hybrid hit@1 / answer, shipped ranker (best 10): " + " ".join(grid))
    for _mean, shares, values in sorted(results, key=lambda r: -r[0])[:10]:
        print("   " + "  ".join(f"{k} {h:.3f}/{a:.3f}" for k, (h, a) in sorted(shares.items())) + f"   {values}")
    default = SearchSettings()
    print("   default:", tuple(getattr(default, k) for k in grid))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS)
    parser.add_argument("--home")
    parser.add_argument("--sweep", action="store_true", help="also sweep ranking numbers")
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2",
                        help="with --sweep: a SearchSettings number and its values (repeatable)")
    args = parser.parse_args()
    grid = parse_grid(args.grid) if args.grid else None
    library = open_library(args.home)
    searcher = library.searcher()
    everything: tuple[list, list] = ([], [])
    header = f"{'method':<34} {'lang':<4} {'n':>3} {'hit@1':>6} {'hit@5':>6} {'mrr':>6} {'answer':>6}"
    for path in args.sets:
        questions = load_questions(path)
        t = time.perf_counter()
        gathered = {
            m: [searcher.gather(q["question"], method=m) for q in questions]
            for m in ("keyword", "dense", "hybrid")
        }
        gathered["hybrid, no hints"] = [
            searcher.gather(q["question"], method="hybrid", use_hints=False) for q in questions
        ]
        per_question_ms = (time.perf_counter() - t) * 1000 / (4 * len(questions))
        print(f"\n== {path.name}  ({len(questions)} questions, legs {per_question_ms:.0f} ms/question)")
        print(header)
        for method in gathered:
            for row in table_rows(method, score(library, searcher, gathered, questions, library.settings, method)):
                print(row)
        everything[0].extend(gathered["hybrid"])
        everything[1].extend({**q, "set": path.stem} for q in questions)
    offtopic = [json.loads(line) for line in (ROOT / "benchmarks" / "offtopic.jsonl").open()]
    answered = [q["question"] for q in offtopic
                if library.ask(q["question"], searcher=searcher)["answer"] is not None]
    print(f"\noff-topic questions answered (should be 0): {len(answered)}/{len(offtopic)}"
          + (f"  {answered}" if answered else ""))
    if args.sweep:
        sweep(searcher, *everything, grid)
    library.close()


if __name__ == "__main__":
    main()
