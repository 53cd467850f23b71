"""Fit the learned ranker with folds by report; print only figures from folds a model never saw.

    python benchmarks/fit_ranker.py --home DIR [--folds 5] [--write] [--final HELDOUT.jsonl] [QA ...]

Default question sets: ../shared/qa/*.jsonl, benchmarks/questions/tune*.jsonl and the held-out
sets already reported (benchmarks/questions/heldout*.jsonl: once run, tuning data). The legs run
once per question and method; each fold fits one logistic regression per language and method on
the candidates of the other folds' reports and is scored on its own reports' questions, next to
the hand weights of SearchSettings on the same questions. --write fits on every tuning question
and ships index/data/ranker.json. --final scores the shipped ranker on a held-out file (never
used for tuning: run it once, at the end).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.evaluate import Score, answer_ok, is_hit, load_questions  # noqa: E402
from index.library import Library, answer_dict  # noqa: E402
from index.ranker import FEATURES, WEIGHTS, Ranker, better_than_hand, features, fit, model_key  # noqa: E402

METHODS = ("keyword", "dense", "hybrid")
DEFAULT_SETS = [*sorted((ROOT.parent / "shared" / "qa").glob("*.jsonl")),
                *sorted((ROOT / "benchmarks" / "questions").glob("tune*.jsonl")),
                *sorted((ROOT / "benchmarks" / "questions").glob("heldout*.jsonl"))]


def gather(library: Library, questions: list[dict]) -> dict[str, list]:
    """Legs and candidate pools per method, one entry per question."""
    searcher = library.searcher()
    out = {}
    for method in METHODS:
        legs = [searcher.gather(q["question"], method=method) for q in questions]
        pools = [searcher.candidates(leg) for leg in legs]
        out[method] = list(zip(legs, pools, strict=True))
    return out


def training_rows(items, questions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate features, whether each is an answer passage, and its question's number."""
    rows, labels, groups = [], [], []
    for number, ((_legs, pool), q) in enumerate(zip(items, questions, strict=True)):
        for c in pool:
            rows.append(features(c))
            labels.append(is_hit({"text": c.chunk.text, "file_name": c.chunk.file_name}, q))
            groups.append(number)
    return (np.array(rows, dtype=float).reshape(len(rows), len(FEATURES)),
            np.array(labels, dtype=bool), np.array(groups))


def fit_models(gathered, questions, chosen: list[int]) -> Ranker:
    """One model per language and method, on the chosen questions' candidates."""
    models = {}
    for method in METHODS:
        for english in (False, True):
            idx = [i for i in chosen if (questions[i]["lang"] == "en") == english]
            rows, labels, groups = training_rows([gathered[method][i] for i in idx],
                                                 [questions[i] for i in idx])
            if len(rows) and labels.any() and not labels.all():
                models[model_key(english, method)] = fit(rows, labels, groups)
    return Ranker(models)


def score_questions(library, searcher, gathered, questions, idx, ranker, scores, label) -> None:
    for method in METHODS:
        for i in idx:
            legs, pool = gathered[method][i]
            q = questions[i]
            result = answer_dict(library.archive, searcher.rank(legs, top_k=5, candidates=pool, ranker=ranker))
            rank = next((p["rank"] for p in result["passages"] if is_hit(p, q)), None)
            key = (label, method, q["set"], q["lang"])
            scores.setdefault(key, Score()).add(rank, answer_ok(result["answer"], q), q["id"])


def print_scores(scores: dict, title: str) -> None:
    print(f"\n== {title}")
    print(f"{'weights':<8} {'method':<8} {'set':<12} {'lang':<4} {'n':>3} {'hit@1':>6} {'hit@5':>6} "
          f"{'mrr':>6} {'answer':>6}")
    for (label, method, qset, lang), s in sorted(scores.items()):
        d = s.as_dict()
        print(f"{label:<8} {method:<8} {qset:<12} {lang:<4} {d['n']:>3} {d['hit@1']:>6.3f} "
              f"{d['hit@5']:>6.3f} {d['mrr']:>6.3f} {d['answer']:>6.3f}")


def folds_by_report(questions: list[dict], k: int) -> list[list[int]]:
    """Reports dealt round-robin (largest first) into k folds; a report's questions stay together."""
    by_report: dict[str, list[int]] = {}
    for i, q in enumerate(questions):
        by_report.setdefault(q["report"], []).append(i)
    folds: list[list[int]] = [[] for _ in range(k)]
    for report in sorted(by_report, key=lambda r: (-len(by_report[r]), r)):
        min(folds, key=len).extend(by_report[report])
    return folds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS)
    parser.add_argument("--home", required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help=f"fit on all and write {WEIGHTS.name}")
    parser.add_argument("--final", type=Path, help="held-out questions: score the shipped ranker")
    args = parser.parse_args()
    library = Library.open(args.home)
    searcher = library.searcher()
    questions = [{**q, "set": p.stem} for p in args.sets for q in load_questions(p)]
    t = time.perf_counter()
    gathered = gather(library, questions)
    print(f"{len(questions)} tuning questions, legs in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    scores: dict = {}
    for fold in folds_by_report(questions, args.folds):
        train = [i for i in range(len(questions)) if i not in set(fold)]
        score_questions(library, searcher, gathered, questions, fold, fit_models(gathered, questions, train),
                        scores, "learned")
        score_questions(library, searcher, gathered, questions, fold, Ranker({}), scores, "hand")
    print_scores(scores, f"{args.folds}-fold by report: every figure from questions on reports the model did not train on")
    if args.write:
        ranker = fit_models(gathered, questions, list(range(len(questions))))
        kept = better_than_hand(scores)
        ranker = Ranker({k: m for k, m in ranker.models.items() if k in kept})
        ranker.save(note=f"fitted by benchmarks/fit_ranker.py on {len(questions)} questions: "
                         + ", ".join(p.stem for p in args.sets)
                         + "; a model ships only where its unseen folds beat the hand weights")
        print(f"\nwrote {WEIGHTS}: {', '.join(sorted(kept)) or 'no model'} (the rest: hand weights)")
    if args.final:
        held = [{**q, "set": args.final.stem} for q in load_questions(args.final)]
        held_gathered = gather(library, held)
        final: dict = {}
        idx = list(range(len(held)))
        score_questions(library, searcher, held_gathered, held, idx, Ranker.load(), final, "learned")
        score_questions(library, searcher, held_gathered, held, idx, Ranker({}), final, "hand")
        print_scores(final, f"held-out questions ({args.final.name}), shipped ranker vs hand weights")
    library.close()


if __name__ == "__main__":
    main()
