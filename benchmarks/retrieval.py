"""Retrieval and answer quality on every QA set, methods side by side, plus a fusion-weight sweep.

    python benchmarks/retrieval.py [--home DIR] [--sweep] [QA.jsonl ...]

With no --home, a temporary archive of the bundled reports is built and indexed with the
default model (about 90 s). Legs run once per question; fusion settings are re-ranked cheaply.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.evaluate import Score, answer_ok, is_hit, load_questions  # noqa: E402
from index.library import Library, answer_dict  # noqa: E402
from index.search import SearchSettings  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS)
    parser.add_argument("--home")
    parser.add_argument("--sweep", action="store_true", help="also sweep fusion weights")
    args = parser.parse_args()
    library = open_library(args.home)
    searcher = library.searcher()
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
        if args.sweep:
            print("-- sweep (hybrid): dense weight, keyword zh/en weight, hint boost, rrf k")
            results = []
            for dw, kz, ke, hb, k in itertools.product(
                (0.5, 1.0), (1.0, 1.5), (0.3, 0.6, 1.0), (0.0, 0.01, 0.02, 0.04), (20, 60)
            ):
                settings = replace(library.settings, dense_weight=dw, keyword_weight_zh=kz,
                                   keyword_weight_en=ke, hint_boost=hb, rrf_k=k)
                s = score(library, searcher, gathered, questions, settings, "hybrid")
                results.append((s["all"].hit1, f"dw={dw} kz={kz} ke={ke} hb={hb} k={k}", s))
            for _, label, s in sorted(results, key=lambda r: -r[0])[:8]:
                for row in table_rows(label, s):
                    print(row)
    library.close()


if __name__ == "__main__":
    main()
