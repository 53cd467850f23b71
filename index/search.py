"""Hybrid search: dense and keyword legs, fused by weighted RRF, nudged by what the question names."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from archive.store import Archive, StoredChunk
from index.answer import is_quantity_question, wanted_units
from index.crosslingual import chinese_terms, is_english
from index.grounding import Scope, national_default, scope
from index.hints import Hint, find_hints, report_names
from index.keyword import (
    Filters,
    english_coverage,
    english_mentions,
    english_search,
    keyword_search,
    query_terms,
)
from index.lexicon import Lexicon, content_words, lexicon_terms
from index.ranker import Ranker, features, shipped
from index.rerank import (
    english_figure_lead,
    figure_lead,
    longest_shared_run,
    normalise,
    passage_tense,
    question_tense,
    term_coverage,
)
from index.vectors.factory import store_filter

METHODS = ("keyword", "dense", "hybrid")
PERIOD_FIGURES = 10  # a report covers a year when it gives this many figures about it, not one in passing
LEG_NAMES = ("dense", "keyword", "english", "lexicon")


@dataclass(frozen=True)
class SearchSettings:
    """Fusion weights and sizes, measured on ../shared/qa (see benchmarks/retrieval.py)."""

    candidates: int = 100  # per leg, before fusion
    english_candidates: int = 30  # per English-only leg (glossed field, mined lexicon)
    rrf_k: int = 60
    dense_weight: float = 0.6
    keyword_weight_zh: float = 1.0
    keyword_weight_en: float = 1.0  # dictionary-translated keywords, as strong as Chinese ones
    # Re-ranking, on a scale where the best possible fused rank score is 1.0:
    hint_boost: float = 1.0  # per unit of hint weight (a named place 1.0, its year 1.0)
    coverage_weight: float = 0.6  # share of the question's terms the passage contains
    run_weight: float = 0.3  # longest verbatim run of question characters (Chinese), up to 8
    unit_weight: float = 0.4  # the passage holds a figure in a unit the question asks for
    tense_weight: float = 0.2  # a review passage for a question about results, a plan for targets
    # "Not found in the archive" unless the top passage has lexical or semantic support:
    found_coverage: float = 0.4  # share of question terms, with (Chinese) ...
    found_run: float = 0.5  # ... a verbatim run of 4+ question characters
    dense_floor: float = 0.27  # or a cosine this high (19 of 20 off-topic questions stay below)
    found_english: float = 0.4  # share of an English question's words in the glosses, with a figure
    found_english_unit: float = 0.25  # ... or this share when the figure's unit fits the question


@dataclass
class Legs:
    """What each leg found for one question, before fusion."""

    question: str
    method: str
    english: bool
    terms: list[str]
    hints: list[Hint]
    weighted_terms: list[tuple[str, float]] = field(default_factory=list)
    units: list[str] = field(default_factory=list)  # units the question names: passages holding one rank higher
    answer_units: list[str] = field(default_factory=list)  # ... plus the archive's measure words: the answer's
    dense: dict[int, float] = field(default_factory=dict)  # chunk id -> cosine, best first
    keyword: list[int] = field(default_factory=list)  # chunk ids, best first
    english_leg: list[int] = field(default_factory=list)  # glossed English field (English questions)
    lexicon: list[int] = field(default_factory=list)  # archive words near the English words
    scope: Scope | None = None  # the reports that match every place and year named


@dataclass
class Candidate:
    """One fused candidate and its evidence; `score` weighs it by the settings."""

    chunk: StoredChunk
    dense_rank: int | None
    keyword_rank: int | None
    hint: float  # summed weight of the hints pointing at its report
    coverage: float  # 0..1
    run: float  # 0..1
    unit_fit: bool
    tense: int = 0  # +1 the passage looks the way the question does (back or ahead), -1 the other way
    english_rank: int | None = None
    lexicon_rank: int | None = None
    cosine: float = 0.0
    english_coverage: float = 0.0  # share of an English question's words in the passage's glosses
    figure_lead: float = 0.0  # the question's terms just before a figure of a fitting unit

    def rank(self, leg: str) -> int | None:
        return getattr(self, f"{leg}_rank")

    def learned(self, ranker: Ranker | None, english: bool, method: str) -> float | None:
        """The fitted model's score, or None when there is no model for this language and method."""
        model = ranker.model(english, method) if ranker else None
        return None if model is None else model.score(features(self))

    def score(self, s: SearchSettings, english: bool, method: str = "hybrid") -> float:
        """Weighted reciprocal-rank fusion, scaled so a top rank in every leg is 1.0, plus evidence."""
        dense_weight = s.dense_weight if method in ("dense", "hybrid") else 0.0
        keyword_weight = 0.0 if method == "dense" else (
            s.keyword_weight_en if english else s.keyword_weight_zh)
        fused = 0.0
        if self.dense_rank:
            fused += dense_weight / (s.rrf_k + self.dense_rank)
        if self.keyword_rank:
            fused += keyword_weight / (s.rrf_k + self.keyword_rank)
        best_possible = (dense_weight + keyword_weight) / (s.rrf_k + 1)
        return (
            fused / best_possible
            + s.hint_boost * self.hint
            + s.coverage_weight * self.coverage
            + s.run_weight * self.run
            + (s.unit_weight if self.unit_fit else 0.0)
            + s.tense_weight * self.tense
        )


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
    units: list[str] = field(default_factory=list)  # units a fitting answer carries
    scope: Scope | None = None  # None: the question names no place or year (or hints are off)

    @property
    def reason(self) -> str | None:
        """Why there is no answer, when the archive holds no report the question names."""
        return self.scope.reason if self.scope is not None else None


class Searcher:
    """Runs the legs over one archive and (optionally) one vector store."""

    def __init__(
        self,
        archive: Archive,
        embed_query: Callable[[str], np.ndarray] | None = None,
        store=None,
        settings: SearchSettings = SearchSettings(),
        *,
        embed_many: Callable[[list[str]], np.ndarray] | None = None,
        lexicon: Lexicon | None = None,
        ranker: Ranker | None = None,
    ):
        self.archive = archive
        self.embed_query = embed_query
        self.embed_many = embed_many  # the question and its English words in one encoder call
        self.store = store
        self.settings = settings
        self.lexicon = lexicon
        self.ranker = shipped() if ranker is None else ranker
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
        weighted = chinese_terms(question) if english else [(t, 1.0) for t in query_terms(question)]
        hints = find_hints(question, self.reports()) if use_hints else []
        hints = [h for h in hints if h.value not in ignore_hints and h.label not in ignore_hints]
        weighted = _without_place_names(weighted, hints, self.reports())
        dense_ready = method in ("dense", "hybrid") and self.store is not None and self.embed_query
        vector, mined = None, []
        if english and method == "hybrid" and self.lexicon is not None and self.embed_many:
            looked_up = content_words(question)
            vectors = self.embed_many([question, *looked_up])
            vector = vectors[0]
            known = {t for t, _ in weighted}
            mined = [(t, w) for t, w in lexicon_terms(looked_up, vectors[1:], self.lexicon)
                     if t not in known]
            mined = _without_place_names(mined, hints, self.reports()) if mined else []
        terms = [t for t, _ in weighted + mined]
        # the measure words mined for an English question's terms pick its figure, but are too loose
        # to rank passages by: only the units its own words name do that
        legs = Legs(question, method, english, terms, hints, weighted + mined, wanted_units(question),
                    _units(question, weighted + mined, english, self.lexicon))
        if use_hints:
            legs.scope = scope(question, self.reports(), hints, ignore_hints, self._period_reports,
                               (lambda name: english_mentions(self.archive, name)) if english else None)
            if (national := national_default(legs.scope, self.reports())) and "全国" not in ignore_hints:
                legs.hints = hints = [*hints, national]
        if dense_ready:
            legs.dense = self._dense(question, filters, vector)
        if english and method in ("keyword", "hybrid"):
            legs.english_leg = [cid for cid, _ in english_search(
                self.archive, content_words(question), filters=filters, limit=s.english_candidates)]
        if mined:
            legs.lexicon = [cid for cid, _ in keyword_search(
                self.archive, [t for t, _ in mined], filters=filters, limit=s.english_candidates)]
        if method in ("keyword", "hybrid"):
            keyword = [cid for cid, _ in keyword_search(self.archive, terms, filters=filters, limit=s.candidates)]
            hinted = _hinted_reports(hints)
            if legs.scope is not None and legs.scope.covering:
                hinted = set(legs.scope.covering)
            if hinted:  # make sure passages of the reports the question names are candidates
                narrowed = _narrow(filters, hinted)
                seen = set(keyword)
                keyword += [c for c, _ in keyword_search(self.archive, terms, filters=narrowed,
                                                         limit=s.candidates) if c not in seen]
            legs.keyword = keyword
        return legs

    def candidates(self, legs: Legs) -> list[Candidate]:
        """Every chunk a leg found, with the evidence the ranking weighs (settings-independent)."""
        ids = list(dict.fromkeys([*legs.dense, *legs.keyword, *legs.english_leg, *legs.lexicon]))
        if not ids:
            return []
        chunks = {c.id: c for c in self.archive.chunks(ids)}
        figures = self._figures(ids)
        fitting = {cid for cid, fs in figures.items() if any(f["unit"] in legs.units for f in fs)}
        boosts = _report_boosts(legs.hints)
        dense_rank = {cid: r for r, cid in enumerate(legs.dense, start=1)}
        keyword_rank = {cid: r for r, cid in enumerate(legs.keyword, start=1)}
        english_rank = {cid: r for r, cid in enumerate(legs.english_leg, start=1)}
        lexicon_rank = {cid: r for r, cid in enumerate(legs.lexicon, start=1)}
        question = normalise(legs.question)
        glossed = english_coverage(self.archive, content_words(legs.question), ids) if legs.english else {}
        out = []
        for cid in ids:
            if cid not in chunks:
                continue  # removed since the legs ran
            text = normalise(chunks[cid].text)
            out.append(Candidate(
                chunk=chunks[cid],
                dense_rank=dense_rank.get(cid),
                keyword_rank=keyword_rank.get(cid),
                hint=boosts.get(chunks[cid].report_id, 0.0),
                coverage=term_coverage(legs.weighted_terms, text),
                run=0.0 if legs.english else longest_shared_run(question, text) / 8,
                unit_fit=cid in fitting,
                tense=question_tense(legs.question, chunks[cid].year)
                * passage_tense(chunks[cid].section_path, chunks[cid].text),
                english_rank=english_rank.get(cid),
                lexicon_rank=lexicon_rank.get(cid),
                cosine=legs.dense.get(cid, 0.0),
                english_coverage=glossed.get(cid, 0.0),
                figure_lead=figure_lead(chunks[cid], figures.get(cid, []), legs.weighted_terms,
                                        legs.units),
            ))
        return out

    def rank(self, legs: Legs, *, top_k: int = 5, settings: SearchSettings | None = None,
             candidates: list[Candidate] | None = None, ranker: Ranker | None = None) -> SearchResult:
        """The fitted ranker's order (else weighted RRF plus the re-ranking evidence); the best `top_k`."""
        s = settings or self.settings
        ranker = self.ranker if ranker is None else ranker
        pool = self.candidates(legs) if candidates is None else candidates

        def score(c: Candidate) -> float:
            learned = c.learned(ranker, legs.english, legs.method)
            return c.score(s, legs.english, legs.method) if learned is None else learned

        scored = sorted(((score(c), c) for c in pool), key=lambda sc: -sc[0])[:top_k]
        hits = [
            Hit(c.chunk, round(value, 4),
                {k: v for k, v in ((leg, c.rank(leg)) for leg in LEG_NAMES) if v},
                legs.dense.get(c.chunk.id))
            for value, c in scored
        ]
        scored = [c for _, c in scored]
        eligible = scored
        if legs.scope is not None and legs.scope.covering is not None:
            # grounded: an answer only from a report that matches what the question names
            eligible = [c for c in scored if c.chunk.report_id in legs.scope.covering]
        found = bool(eligible) and self._found(eligible[0], legs.dense, legs.english, legs.question,
                                               legs.answer_units)
        return SearchResult(legs.question, hits, legs.hints, legs.terms, legs.method, found,
                            legs.answer_units or legs.units, legs.scope)

    def _period_reports(self, year: int, mode: str | None) -> set[int]:
        """Reports with stored figures about the year in the mode asked (archive/periods.py)."""
        modes = {"target": ("target",), "actual": ("actual", "estimate")}.get(mode or "", ())
        where = f" AND mode IN ({','.join('?' * len(modes))})" if modes else ""
        try:
            rows = self.archive.db.execute(
                f"SELECT report_id FROM figures WHERE period = ?{where} GROUP BY report_id"
                " HAVING count(*) >= ?", [year, *modes, PERIOD_FIGURES]).fetchall()
        except sqlite3.OperationalError:  # an archive from before periods were stored
            return set()
        return {r[0] for r in rows}

    def _figures(self, chunk_ids: list[int]) -> dict[int, list[dict]]:
        out: dict[int, list[dict]] = {}
        for f in self.archive.db.execute(
            f"SELECT chunk_id, unit, char_start FROM figures WHERE chunk_id IN ({','.join('?' * len(chunk_ids))})",
            chunk_ids,
        ).fetchall():
            out.setdefault(f[0], []).append({"unit": f[1], "char_start": f[2]})
        return out

    def _dense(self, question: str, filters: Filters | None,
               vector: np.ndarray | None = None) -> dict[int, float]:
        """Chunk id -> cosine, best first. A store that applies filters itself (Milvus) gets
        them; otherwise over-fetch, since the filter here will drop most results."""
        count = self.store.count
        if not count:
            return {}
        pushed = bool(filters) and getattr(self.store, "applies_where", False)
        allowed = None if pushed else self._allowed_chunks(filters)
        where = {"where": store_filter(self.archive, filters)} if pushed else {}
        k = min(
            count,
            self.settings.candidates
            if allowed is None
            else max(1000, self.settings.candidates * 20),
        )
        vector = self.embed_query(question) if vector is None else vector
        scores, ids = self.store.search(vector[None, :], k, **where)
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

    def _english_lead(self, top: Candidate, question: str) -> float:
        """Best share of an English question's words among the glosses just before one figure."""
        figures = self._figures([top.chunk.id]).get(top.chunk.id, [])
        return english_figure_lead(top.chunk, figures, content_words(question))

    def _found(self, top: Candidate, dense: dict[int, float], english: bool, question: str = "",
               answer_units: list[str] = ()) -> bool:
        """Does the best passage share enough with the question to count as an answer?

        Calibrated on off-topic questions (benchmarks/offtopic.jsonl) against the dev sets.
        """
        s = self.settings
        cosine = dense.get(top.chunk.id, 0.0)
        if english and not top.unit_fit and answer_units:  # a figure in a measure word its terms take
            figures = self._figures([top.chunk.id]).get(top.chunk.id, [])
            top = replace(top, unit_fit=any(f["unit"] in answer_units for f in figures))
        # English words reach Chinese text through a dictionary, which matches loosely
        # (price -> 价格): they need a fitting figure or some semantic support as well.
        support = (top.unit_fit or cosine >= 0.8 * s.dense_floor) if english else top.run >= s.found_run
        lexical = top.coverage >= s.found_coverage and support
        named = top.hint >= 1.0 and top.coverage >= s.found_coverage / 2  # its report is named
        figure = top.unit_fit and top.coverage >= 0.75  # holds every word and the figure asked for
        if english:  # the passage's glosses hold the question's words, with a figure that fits them
            figure = (figure or top.unit_fit and top.english_coverage >= s.found_english_unit
                      or top.english_coverage >= s.found_english and is_quantity_question(question)
                      and self._english_lead(top, question) >= 0.5)
        return (lexical or named or figure or top.run >= 0.75
                or cosine >= s.dense_floor)


def _units(question: str, terms: list[tuple[str, float]], english: bool,
           lexicon: Lexicon | None, *, mined: int = 2) -> list[str]:
    """Units a fitting answer carries; an English question also takes the measure words the
    archive writes after its surest Chinese terms (toilets -> 公厕 -> 座; lexicon.measure_words)."""
    units = wanted_units(question)  # words that name a unit ("households", "yuan") come first
    if english and not units and lexicon is not None and terms and is_quantity_question(question):
        sure = max(w for _, w in terms) * 0.6
        extra: list[str] = []
        for term, weight in sorted(terms, key=lambda tw: -tw[1]):
            if weight >= sure:
                extra += [u for u in lexicon.units.get(term, ()) if u not in units + extra]
        units += extra[:mined]
    return units


def _hinted_reports(hints: list[Hint]) -> set[int]:
    place = [h for h in hints if h.kind == "place"]
    return set().union(*(h.report_ids for h in place)) if place else set()


def _report_boosts(hints: list[Hint]) -> dict[int, float]:
    boosts: dict[int, float] = {}
    for h in hints:
        for rid in h.report_ids:
            boosts[rid] = boosts.get(rid, 0.0) + h.weight
    return boosts


def _without_place_names(
    terms: list[tuple[str, float]], hints: list[Hint], reports: list[dict]
) -> list[tuple[str, float]]:
    """Drop the words that only name the report (北京, 海拉尔区): the hint boost already uses them,
    and as keywords they pull in every passage that mentions the place, like the title line."""
    hinted = _hinted_reports(hints)
    names = set().union(*(report_names(r)[0] for r in reports if r["id"] in hinted)) if hinted else set()
    kept = [(t, w) for t, w in terms if not any(t in n or n in t for n in names)]
    return kept or terms


def _narrow(filters: Filters | None, report_ids: set[int]) -> Filters:
    """The user's filters, limited to the given reports (and to their own report choice, if any)."""
    f = filters or Filters()
    ids = report_ids & set(f.report_ids) if f.report_ids else report_ids
    return replace(f, report_ids=tuple(sorted(ids)) or (-1,))
