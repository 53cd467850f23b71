"""A learned ranker: one linear model per language and method over the candidates' evidence.

The weights are fitted by benchmarks/fit_ranker.py (logistic regression, folds by report, only
unseen folds quoted) and shipped as data (`data/ranker.json`); nothing here is hand-tuned. A
missing model falls back to the hand weights of SearchSettings.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).parent / "data" / "ranker.json"
LEGS = ("dense", "keyword", "english", "lexicon")
FEATURES = (
    *(f"{leg}_top" for leg in LEGS),  # 1/rank: sharp at the very top
    *(f"{leg}_depth" for leg in LEGS),  # 1 - log(rank)/log(101): slow over the whole list
    "cosine", "hint", "coverage", "run", "unit_fit", "tense", "english_coverage",
    "figure_lead", "english_clause", "sentence_coverage", "period_figure", "period_clause",
    "sentence_cosine", "figure_sentence_cosine", "report_votes", "report_lead", "figure_clause_cosine",
)


@lru_cache(maxsize=4096)
def _top(rank: int | None) -> float:
    return 1.0 / rank if rank else 0.0


@lru_cache(maxsize=4096)
def _depth(rank: int | None) -> float:
    return max(0.0, 1.0 - math.log(rank) / math.log(101)) if rank else 0.0


def features(candidate) -> list[float]:
    """The candidate's evidence as numbers, in FEATURES order (a Candidate from index.search)."""
    ranks = [candidate.rank(leg) for leg in LEGS]
    return [
        *(_top(r) for r in ranks),
        *(_depth(r) for r in ranks),
        candidate.cosine,
        candidate.hint,
        candidate.coverage,
        candidate.run,
        1.0 if candidate.unit_fit else 0.0,
        float(candidate.tense),
        candidate.english_coverage,
        candidate.figure_lead,
        candidate.english_clause,
        candidate.sentence_coverage,
        candidate.period_figure,
        candidate.period_clause,
        candidate.sentence_cosine,
        candidate.figure_sentence_cosine,
        candidate.report_votes,
        candidate.report_lead,
        candidate.figure_clause_cosine,
    ]


@dataclass(frozen=True)
class LinearModel:
    """Standardised features times weights: the pairwise model's margin, higher is better."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float = 0.0

    def score(self, x: list[float]) -> float:
        return self.bias + sum(
            w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale, strict=True)
        )

    def score_rows(self, rows: np.ndarray) -> np.ndarray:
        """`score` of many rows at once, adding the terms in the same order (so the same floats)."""
        total = np.zeros(len(rows))
        for j, (w, m, s) in enumerate(zip(self.weights, self.mean, self.scale, strict=True)):
            total = total + w * (rows[:, j] - m) / s
        return self.bias + total

    def scores(self, rows: np.ndarray) -> np.ndarray:
        return self.bias + ((rows - np.array(self.mean)) / np.array(self.scale)) @ np.array(self.weights)

    def as_dict(self) -> dict:
        return {"mean": list(self.mean), "scale": list(self.scale), "weights": list(self.weights),
                "bias": self.bias}


def model_key(english: bool, method: str) -> str:
    return f"{'en' if english else 'zh'}/{method}"


@dataclass(frozen=True)
class Ranker:
    """Models by "lang/method" (en/hybrid, zh/keyword ...)."""

    models: dict[str, LinearModel]

    def model(self, english: bool, method: str) -> LinearModel | None:
        return self.models.get(model_key(english, method))

    def save(self, path: Path = WEIGHTS, note: str = "") -> None:
        data = {"note": note, "features": list(FEATURES),
                "models": {k: m.as_dict() for k, m in sorted(self.models.items())}}
        Path(path).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Ranker:
        """The shipped weights; an empty ranker when the file is missing or for other features."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls({})
        if data.get("features") != list(FEATURES):
            return cls({})  # fitted for another feature set: refit rather than misread
        return cls({k: LinearModel(tuple(m["mean"]), tuple(m["scale"]), tuple(m["weights"]),
                                   float(m["bias"])) for k, m in data["models"].items()})


@lru_cache(maxsize=1)
def shipped() -> Ranker:
    return Ranker.load()


def fit(rows: np.ndarray, labels: np.ndarray, groups: np.ndarray, *, c: float = 0.003,
        hard: int = 20) -> LinearModel:
    """Pairwise logistic regression: within one question, the answer passage against each other
    candidate that some leg ranked in its top `hard` (feature differences), so what every
    candidate of a question shares cancels out and easy negatives do not drown the close calls."""
    from sklearn.linear_model import LogisticRegression

    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    z = (rows - mean) / scale
    near = rows[:, : len(LEGS)].max(axis=1) >= 1.0 / hard  # the *_top features are 1/rank
    diffs = []
    for g in np.unique(groups):
        member = groups == g
        pos, neg = z[member & labels], z[member & ~labels & near]
        if len(pos) and len(neg):
            diffs.append((pos[:, None, :] - neg[None, :, :]).reshape(-1, z.shape[1]))
    x = np.concatenate(diffs) if diffs else np.zeros((0, z.shape[1]))
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=3000)
    model.fit(np.concatenate([x, -x]), np.r_[np.ones(len(x)), np.zeros(len(x))])
    return LinearModel(tuple(map(float, mean)), tuple(map(float, scale)),
                       tuple(map(float, model.coef_[0])), 0.0)


def better_than_hand(scores: dict) -> set[str]:
    """Language/method keys whose learned model, pooled over every set's unseen folds, is no worse
    than the hand weights on the same questions in hit@1 and in right figures, and better in one:
    ranks are never bought with figures, and on a tie the hand weights, which served longer, stay."""
    pooled: dict[tuple[str, str], list[int]] = {}
    for (label, method, _set, lang), s in scores.items():
        total = pooled.setdefault((label, model_key(lang == "en", method)), [0, 0])
        total[0] += s.hit1
        total[1] += s.answered
    keys = {key for _, key in pooled}
    def dominates(a: list[int], b: list[int]) -> bool:
        return a[0] >= b[0] and a[1] >= b[1] and a != b

    return {k for k in keys if dominates(pooled.get(("learned", k), [0, 0]), pooled.get(("hand", k), [0, 0]))}
