"""Hybrid search: dense and keyword legs, fused by weighted RRF, nudged by what the question names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

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
class Legs:
    """What each leg found for one question, before fusion."""

    question: str
    method: str
    english: bool
    terms: list[str]
    hints: list[Hint]
    dense: dict[int, float] = field(default_factory=dict)  # chunk id -> cosine, best first
    keyword: list[int] = field(default_factory=list)  # chunk ids, best first


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
        legs = self.gather(question, filters=filters, method=method, use_hints=use_hints,
                           ignore_hints=ignore_hints)
        return self.rank(legs, top_k=top_k)

    def gather(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        method: str = "hybrid",
        use_hints: bool = True,
        ignore_hints: tuple[str, ...] = (),
    ) -> Legs:
        """Run the legs the method asks for; fusion is a separate, cheap step (see `rank`)."""
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r} (choose from {', '.join(METHODS)})")
        question = question.strip()
        s = self.settings
        english = is_english(question)
        terms = [t for t, _ in chinese_terms(question)] if english else query_terms(question)
        hints = find_hints(question, self.reports()) if use_hints else []
        hints = [h for h in hints if h.value not in ignore_hints and h.label not in ignore_hints]
        legs = Legs(question, method, english, terms, hints)
        if method in ("dense", "hybrid") and self.store is not None and self.embed_query:
            legs.dense = self._dense(question, self._allowed_chunks(filters))
        if method in ("keyword", "hybrid"):
            keyword = [cid for cid, _ in keyword_search(self.archive, terms, filters=filters, limit=s.candidates)]
            hinted = _hinted_reports(hints)
            if hinted:  # make sure passages of the reports the question names are candidates
                narrowed = _narrow(filters, hinted)
                seen = set(keyword)
                keyword += [c for c, _ in keyword_search(self.archive, terms, filters=narrowed,
                                                         limit=s.candidates) if c not in seen]
            legs.keyword = keyword
        return legs

    def rank(self, legs: Legs, *, top_k: int = 5, settings: SearchSettings | None = None) -> SearchResult:
        """Weighted RRF of the legs plus the hint boost; best `top_k` with their passages."""
        s = settings or self.settings
        ranked, weights = [], []
        if legs.dense:
            ranked.append(("dense", list(legs.dense)))
            weights.append(s.dense_weight)
        if legs.keyword:
            ranked.append(("keyword", legs.keyword))
            weights.append(s.keyword_weight_en if legs.english else s.keyword_weight_zh)
        fused = rrf([ids for _, ids in ranked], weights, k=s.rrf_k)
        if not fused:
            return SearchResult(legs.question, [], legs.hints, legs.terms, legs.method, False)
        boosts = _report_boosts(legs.hints)
        report_of = self._report_of(list(fused))
        scored = sorted(
            ((score + s.hint_boost * boosts.get(report_of[cid], 0.0), cid) for cid, score in fused.items()),
            reverse=True,
        )[:top_k]
        chunks = {c.id: c for c in self.archive.chunks([cid for _, cid in scored])}
        ranks = {name: {cid: r for r, cid in enumerate(ids, start=1)} for name, ids in ranked}
        hits = [
            Hit(chunks[cid], score, {name: rk[cid] for name, rk in ranks.items() if cid in rk},
                legs.dense.get(cid))
            for score, cid in scored
            if cid in chunks
        ]
        return SearchResult(legs.question, hits, legs.hints, legs.terms, legs.method,
                            bool(hits) and self._found(hits, legs.dense))

    def _report_of(self, chunk_ids: list[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for start in range(0, len(chunk_ids), 500):
            batch = chunk_ids[start : start + 500]
            rows = self.archive.db.execute(
                f"SELECT id, report_id FROM chunks WHERE id IN ({','.join('?' * len(batch))})", batch
            ).fetchall()
            out.update(rows)
        return out

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


def _narrow(filters: Filters | None, report_ids: set[int]) -> Filters:
    """The user's filters, limited to the given reports (and to their own report choice, if any)."""
    f = filters or Filters()
    ids = report_ids & set(f.report_ids) if f.report_ids else report_ids
    return replace(f, report_ids=tuple(sorted(ids)) or (-1,))
