"""Hybrid search: dense and keyword legs, fused by weighted RRF, nudged by what the question names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from archive.store import Archive, StoredChunk
from index.crosslingual import chinese_terms, is_english
from index.fusion import rrf
from index.hints import Hint, find_hints
from index.keyword import Filters, keyword_search, query_terms

METHODS = ("keyword", "dense", "hybrid")


@dataclass(frozen=True)
class SearchSettings:
    """Fusion weights and sizes, measured on ../shared/qa (see benchmarks/retrieval.py)."""

    candidates: int = 100  # per leg, before fusion
    rrf_k: int = 60
    dense_weight: float = 1.0
    keyword_weight_zh: float = 1.0
    keyword_weight_en: float = 0.3  # dictionary-translated keywords are noisier
    hint_boost: float = 0.02  # added per unit of hint weight; RRF scores are ~1/61 per leg
    dense_floor: float = 0.25  # below this cosine and with no keyword match: "not found"


@dataclass
class Hit:
    chunk: StoredChunk
    score: float
    ranks: dict[str, int] = field(default_factory=dict)  # leg -> rank (from 1)
    dense_score: float | None = None


@dataclass
class SearchResult:
    question: str
    hits: list[Hit]
    hints: list[Hint]
    terms: list[str]  # keyword terms used, for highlighting
    method: str
    found: bool  # False when nothing scores well enough to be an answer


class Searcher:
    """Runs the legs over one archive and (optionally) one vector store."""

    def __init__(
        self,
        archive: Archive,
        embed_query: Callable[[str], np.ndarray] | None = None,
        store=None,
        settings: SearchSettings = SearchSettings(),
    ):
        self.archive = archive
        self.embed_query = embed_query
        self.store = store
        self.settings = settings
        self._reports: tuple[int, list[dict]] | None = None

    def reports(self) -> list[dict]:
        """Report metadata for hints, re-read only when the archive changed."""
        generation = self.archive.generation
        if self._reports is None or self._reports[0] != generation:
            self._reports = (generation, self.archive.reports())
        return self._reports[1]

    def search(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        top_k: int = 5,
        method: str = "hybrid",
        use_hints: bool = True,
        ignore_hints: tuple[str, ...] = (),
    ) -> SearchResult:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r} (choose from {', '.join(METHODS)})")
        question = question.strip()
        s = self.settings
        english = is_english(question)
        terms = [t for t, _ in chinese_terms(question)] if english else query_terms(question)
        if english:
            terms += [t for t in query_terms(question) if t.isascii() and t.isupper()]
        hints = find_hints(question, self.reports()) if use_hints else []
        hints = [h for h in hints if h.value not in ignore_hints and h.label not in ignore_hints]
        allowed = self._allowed_chunks(filters)

        legs, weights = [], []
        dense_scores: dict[int, float] = {}
        if method in ("dense", "hybrid") and self.store is not None and self.embed_query:
            dense_scores = self._dense(question, allowed)
            legs.append(("dense", list(dense_scores)))
            weights.append(s.dense_weight)
        if method in ("keyword", "hybrid"):
            keyword = [
                cid
                for cid, _ in keyword_search(
                    self.archive, terms, filters=filters, limit=s.candidates
                )
            ]
            hinted = _hinted_reports(hints)
            if hinted:  # make sure passages of the reports the question names are candidates
                narrowed = Filters(
                    **{**_filters_dict(filters), "report_ids": tuple(sorted(hinted))}
                )
                extra = keyword_search(self.archive, terms, filters=narrowed, limit=s.candidates)
                keyword += [cid for cid, _ in extra if cid not in set(keyword)]
            legs.append(("keyword", keyword))
            weights.append(s.keyword_weight_en if english else s.keyword_weight_zh)

        fused = rrf([ids for _, ids in legs], weights, k=s.rrf_k)
        if not fused:
            return SearchResult(question, [], hints, terms, method, False)
        chunks = {c.id: c for c in self.archive.chunks(list(fused))}
        boosts = _report_boosts(hints)
        scored = sorted(
            (
                (fused[cid] + s.hint_boost * boosts.get(chunks[cid].report_id, 0.0), cid)
                for cid in fused
                if cid in chunks
            ),
            reverse=True,
        )[:top_k]
        ranks = {name: {cid: r for r, cid in enumerate(ids, start=1)} for name, ids in legs}
        hits = [
            Hit(
                chunks[cid],
                score,
                {name: rk[cid] for name, rk in ranks.items() if cid in rk},
                dense_scores.get(cid),
            )
            for score, cid in scored
        ]
        return SearchResult(question, hits, hints, terms, method, self._found(hits, dense_scores))

    def _dense(self, question: str, allowed: set[int] | None) -> dict[int, float]:
        """Chunk id -> cosine, best first; over-fetches when a filter will drop most results."""
        count = self.store.count
        if not count:
            return {}
        k = min(
            count,
            self.settings.candidates
            if allowed is None
            else max(1000, self.settings.candidates * 20),
        )
        scores, ids = self.store.search(self.embed_query(question)[None, :], k)
        out = {}
        for score, cid in zip(scores[0], ids[0], strict=True):
            if cid >= 0 and (allowed is None or int(cid) in allowed):
                out[int(cid)] = float(score)
            if len(out) >= self.settings.candidates:
                break
        return out

    def _allowed_chunks(self, filters: Filters | None) -> set[int] | None:
        if not filters:
            return None
        where, values = filters.sql()
        rows = self.archive.db.execute(
            f"SELECT c.id FROM chunks c JOIN reports r ON r.id = c.report_id WHERE {where}", values
        ).fetchall()
        return {r[0] for r in rows}

    def _found(self, hits: list[Hit], dense_scores: dict[int, float]) -> bool:
        """Something answers when a leg agrees strongly enough; calibrated on off-topic questions."""
        top = hits[0]
        if "keyword" in top.ranks and "dense" in top.ranks:
            return True
        if dense_scores:
            return (top.dense_score or 0.0) >= self.settings.dense_floor
        return "keyword" in top.ranks


def _hinted_reports(hints: list[Hint]) -> set[int]:
    place = [h for h in hints if h.kind == "place"]
    return set().union(*(h.report_ids for h in place)) if place else set()


def _report_boosts(hints: list[Hint]) -> dict[int, float]:
    boosts: dict[int, float] = {}
    for h in hints:
        for rid in h.report_ids:
            boosts[rid] = boosts.get(rid, 0.0) + h.weight
    return boosts


def _filters_dict(filters: Filters | None) -> dict:
    f = filters or Filters()
    return {"year_from": f.year_from, "year_to": f.year_to, "issuer": f.issuer, "kind": f.kind}
