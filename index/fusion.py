"""Reciprocal-rank fusion: legs vote by rank, so scores on different scales can be combined."""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60


def rrf(
    ranked_lists: Sequence[Sequence[int]], weights: Sequence[float] | None = None, *, k: int = RRF_K
) -> dict[int, float]:
    """score(id) = sum over legs of weight / (k + rank), rank from 1."""
    weights = weights or [1.0] * len(ranked_lists)
    scores: dict[int, float] = {}
    for ids, weight in zip(ranked_lists, weights, strict=True):
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores
