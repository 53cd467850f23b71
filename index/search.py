"""Hybrid search: dense and keyword legs, fused by weighted RRF, nudged by what the question names."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from archive.facts import level_units
from archive.store import Archive, StoredChunk
from archive.units import COUNT_UNITS
from index.answer import AMOUNT_QUESTION, RATE_WORD, RATES
from index.candidates import LEG_NAMES, Candidate, gather_evidence, scores
from index.crosslingual import best_first
from index.gazetteer import proper_names
from index.grounding import Scope, national_default, scope
from index.hints import Hint, figure_modes, find_hints, report_names
from index.keyword import (
    Filters,
    english_coverage,
    english_mentions,
    english_search,
    keyword_search,
    name_words,
)
from index.lexicon import Lexicon, lexicon_groups
from index.passages import Passages
from index.query import Query
from index.question_text import subject_text
from index.ranker import Ranker, shipped
from index.rerank import clause_share, english_figure_lead
from index.threads import one_blas_thread
from index.trend_question import indicator_named
from index.vectors.factory import store_filter
from index.weights import SearchSettings

METHODS = ("keyword", "dense", "hybrid")
__all__ = ["METHODS", "LEG_NAMES", "Candidate", "Hit", "Legs", "SearchResult", "SearchSettings", "Searcher"]


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
    query: Query | None = None  # the question, parsed once
    vector: np.ndarray | None = None  # the question embedded (dense and hybrid)
    word_groups: list[tuple[float, frozenset[str]]] | None = None  # English: (weight, forms) per word

    def __post_init__(self):
        if self.query is None:
            self.query = Query.parse(self.question)


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
    query: Query | None = None  # the question, parsed once (the answer reads it too)
    settings: SearchSettings = field(default_factory=SearchSettings)
    english_words: dict[str, float] | None = None  # an English question's words by gloss rarity
    sentence_sims: dict[int, np.ndarray] | None = None  # hit chunk id -> cosine of each sentence
    clause_sims: dict[tuple[int, int], float] | None = None  # (chunk id, figure start) -> its clause's cosine
    word_groups: list[tuple[float, frozenset[str]]] | None = None  # Legs.word_groups

    def __post_init__(self):
        if self.query is None:
            self.query = Query.parse(self.question)

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
        settings: SearchSettings | None = None,
        *,
        embed_many: Callable[[list[str]], np.ndarray] | None = None,
        lexicon: Lexicon | None = None,
        ranker: Ranker | None = None,
        sentence_model: str | None = None,
    ):
        self.archive = archive
        self.embed_query = embed_query
        self.embed_many = embed_many  # the question and its English words in one encoder call
        self.store = store
        self.settings = settings if settings is not None else SearchSettings()
        self.lexicon = lexicon
        self.ranker = shipped() if ranker is None else ranker
        self.sentence_model = sentence_model  # whose sentence vectors to read (index/sentence_vectors.py)
        self.passages = Passages(archive)
        self._reports: tuple[int, list[dict]] | None = None

    def reports(self) -> list[dict]:
        """Report metadata for hints, re-read only when the archive changed."""
        generation = self.archive.generation
        if self._reports is None or self._reports[0] != generation:
            self._reports = (generation, self.archive.reports())
        return self._reports[1]

    def warm(self, *, up_to: int = 10_000) -> None:
        """Prepare every passage of a small archive now, for a process that will answer many
        questions (the page); a one-question process leaves them to be read as candidates."""
        ids = self.archive.chunk_ids()
        if len(ids) <= up_to:
            self.passages.get(ids)

    def search(
        self,
        question: str | Query,
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
        question: str | Query,
        *,
        filters: Filters | None = None,
        method: str = "hybrid",
        use_hints: bool = True,
        ignore_hints: tuple[str, ...] = (),
    ) -> Legs:
        """Run the legs the method asks for; fusion is a separate, cheap step (see `rank`)."""
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r} (choose from {', '.join(METHODS)})")
        q = question if isinstance(question, Query) else Query.parse(question)
        s = self.settings
        english = q.english
        weighted = q.terms(held=self.passages.holds)
        reports = self.reports()
        hints = find_hints(q.text, reports, asks=q.asked, settings=s) if use_hints else []
        hints = [h for h in hints if h.value not in ignore_hints and h.label not in ignore_hints]
        weighted = _without_place_names(weighted, hints, reports)
        dense_ready = method in ("dense", "hybrid") and self.store is not None and self.embed_query
        # the encoder sees what is asked about; the hints already point at the report it names
        subject = q.text if method == "keyword" else subject_text(q.text, [h.value for h in hints if h.kind == "place"])
        vector, mined, mined_groups = None, [], []
        with one_blas_thread():
            if english and method == "hybrid" and self.lexicon is not None and self.embed_many:
                looked_up = q.words
                vectors = self.embed_many([subject, *looked_up])
                vector = vectors[0]
                known = {t for t, _ in weighted}
                mined_groups = lexicon_groups(looked_up, vectors[1:], self.lexicon, settings=s)
                mined = [(t, w) for t, w in best_first(mined_groups) if t not in known]
                mined = _without_place_names(mined, hints, reports) if mined else []
            terms = [t for t, _ in weighted + mined]
            # the measure words mined for an English question's terms pick its figure, but are too
            # loose to rank passages by: only the units its own words name do that
            legs = Legs(q.text, method, english, terms, hints, weighted + mined, list(q.units),
                        _units(q, weighted + mined, english, self.lexicon, s, self.archive), query=q)
            if english:
                legs.word_groups = _word_groups(
                    [(sum(w for _, w in g), g) for g in q.term_groups(held=self.passages.holds)]
                    + [(max(w for _, w in g), g) for g in mined_groups], weighted + mined)
            if use_hints:
                mentioned = (lambda name: english_mentions(self.archive, name)) if english else None
                legs.scope = scope(q.text, reports, hints, ignore_hints, self._period_reports,
                                   mentioned, asks=q.asked)
                national = national_default(legs.scope, reports, weight=s.national_hint)
                if national and "全国" not in ignore_hints:
                    legs.hints = hints = [*hints, national]
            if dense_ready:
                legs.vector = self.embed_query(subject) if vector is None else vector
                legs.dense = self._dense(subject, filters, legs.vector)
        if english and method in ("keyword", "hybrid"):
            legs.english_leg = [cid for cid, _ in english_search(
                self.archive, q.words, filters=filters, limit=s.english_candidates,
                context_weight=s.english_context_weight)]
        if mined:
            legs.lexicon = [cid for cid, _ in keyword_search(
                self.archive, [t for t, _ in mined], filters=filters, limit=s.english_candidates,
                context_weight=s.keyword_context_weight)]
        if method in ("keyword", "hybrid"):
            legs.keyword = self._keyword(legs, terms, filters)
        return legs

    def _keyword(self, legs: Legs, terms: list[str], filters: Filters | None) -> list[int]:
        """The keyword leg; then the reports the question names, so their passages are candidates."""
        s = self.settings
        keyword = [cid for cid, _ in keyword_search(self.archive, terms, filters=filters,
                                                    limit=s.candidates, context_weight=s.keyword_context_weight)]
        hinted = _hinted_reports(legs.hints)
        if legs.scope is not None and legs.scope.covering:
            hinted = set(legs.scope.covering)
        if hinted:
            narrowed = _narrow(filters, hinted)
            seen = set(keyword)
            keyword += [c for c, _ in keyword_search(self.archive, terms, filters=narrowed, limit=s.candidates,
                                                     context_weight=s.keyword_context_weight) if c not in seen]
        return keyword

    def candidates(self, legs: Legs) -> list[Candidate]:
        """Every chunk a leg found, with the evidence the ranking weighs (settings-independent)."""
        ids = list(dict.fromkeys([*legs.dense, *legs.keyword, *legs.english_leg, *legs.lexicon]))
        if not ids:
            return []
        glossed, clauses = {}, {}
        if legs.english:
            glossed = english_coverage(self.archive, legs.query.words, ids, self.passages.english_holders)
            clauses = self._clause_shares(legs.query, ids)
        sentences, figure_clauses = {}, {}
        if legs.vector is not None and self.sentence_model:
            sentences = self.passages.sentence_cosines(ids, legs.vector, self.sentence_model)
            figure_clauses = self.passages.figure_clause_cosines(ids, legs.vector, self.sentence_model)
        return gather_evidence(legs.query, legs, self.passages.get(ids), glossed, self.settings, clauses,
                               sentences, figure_clauses)

    def _clause_shares(self, query: Query, ids: list[int]) -> dict[int, float]:
        """rerank.clause_share of each chunk for an English question."""
        from index.crosslingual import tables

        lemma = tables().lemma
        weights: dict[str, float] = {}
        for word, w in self.passages.english_weights(query.words).items():
            weights[lemma(word)] = max(w, weights.get(lemma(word), 0.0))
        return {cid: clause_share(parts, weights, with_figure=query.quantity)
                for cid, parts in self.passages.english_clauses(ids).items()}

    def rank(self, legs: Legs, *, top_k: int = 5, settings: SearchSettings | None = None,
             candidates: list[Candidate] | None = None, ranker: Ranker | None = None) -> SearchResult:
        """The fitted ranker's order (else weighted RRF plus the re-ranking evidence); the best `top_k`."""
        s = settings or self.settings
        ranker = self.ranker if ranker is None else ranker
        pool = self.candidates(legs) if candidates is None else candidates
        values = scores(pool, s, legs.english, legs.method, ranker)
        covering = legs.scope.covering if legs.scope is not None else None
        # the reports matching the place and year named come first: the answer is cited from them
        scored = sorted(zip(values, pool, strict=True), key=lambda sc: (
            covering is not None and sc[1].chunk.report_id not in covering, -sc[0]))[:top_k]
        hits = [Hit(c.chunk, round(value, 4), c.ranks(), legs.dense.get(c.chunk.id))
                for value, c in scored]
        scored = [c for _, c in scored]
        eligible = scored
        if legs.scope is not None and legs.scope.covering is not None:
            # grounded: an answer only from a report that matches what the question names
            eligible = [c for c in scored if c.chunk.report_id in legs.scope.covering]
        found = bool(eligible) and self._found(eligible[0], legs.dense, legs.english, legs.query,
                                               legs.answer_units, s,
                                               legs.scope is not None and bool(legs.scope.places))
        if found and legs.english and not any(h.kind == "place" for h in legs.hints):
            found = self._names_held(legs.question, eligible[0].chunk.id)
        english_words = (self.passages.english_weights(legs.query.words) or None) if legs.english else None
        sims = None
        if legs.vector is not None and self.sentence_model:
            sims = self.passages.sentence_sims([h.chunk.id for h in hits], legs.vector, self.sentence_model)
        clause_sims = None
        if found and s.figure_clause_cosine and legs.vector is not None and self.embed_many and (
                legs.query.quantity or legs.units):  # only an answer with a figure reads them
            clause_sims = self.passages.figure_clause_sims(
                [c.chunk.id for c in eligible[: s.answer_passages]], legs.vector, self.embed_many,
                self.sentence_model)
        return SearchResult(legs.question, hits, legs.hints, legs.terms, legs.method, found,
                            legs.answer_units or legs.units, legs.scope, legs.query, s, english_words, sims,
                            clause_sims, legs.word_groups)

    def _names_held(self, question: str, chunk_id: int) -> bool:
        """A name the archive mentions only in passing (Paris of 巴黎协定) must be in the answer's
        passage: "how many households in Paris have a dog" is not answered by a passage about dogs."""
        for name in proper_names(question):
            words = name_words(name)
            if not words:
                continue
            try:
                holders = frozenset.intersection(*(self.passages.english_holders(w) for w in words))
            except sqlite3.OperationalError:  # an archive from before the English field
                return True
            if 0 < len(holders) <= self.settings.passing_mention and chunk_id not in holders:
                return False
        return True

    def _period_reports(self, year: int, mode: str | None, at_least: int | None = None) -> set[int]:
        """Reports with stored figures about the year in the mode asked (archive/periods.py)."""
        modes = figure_modes(mode)
        where = f" AND mode IN ({','.join('?' * len(modes))})" if modes else ""
        try:
            rows = self.archive.db.execute(
                f"SELECT report_id FROM figures WHERE period = ?{where} GROUP BY report_id"
                " HAVING count(*) >= ?", [year, *modes, at_least or self.settings.period_figures]).fetchall()
        except sqlite3.OperationalError:  # an archive from before periods were stored
            return set()
        return {r[0] for r in rows}

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
            else max(self.settings.dense_overfetch_min, self.settings.candidates * self.settings.dense_overfetch),
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

    def _english_lead(self, top: Candidate, query: Query) -> float:
        """Best share of an English question's words among the glosses just before one figure."""
        figures = list(self.passages.get([top.chunk.id])[top.chunk.id].figures)
        return english_figure_lead(top.chunk, figures, query.words)

    def _found(self, top: Candidate, dense: dict[int, float], english: bool, question: str | Query = "",
               answer_units: list[str] = (), s: SearchSettings | None = None,
               place_named: bool = False) -> bool:
        """Does the best passage share enough with the question to count as an answer?

        Calibrated on off-topic questions (benchmarks/offtopic.jsonl) against the dev sets.
        """
        s = s or self.settings
        query = question if isinstance(question, Query) else Query.parse(question)
        cosine = dense.get(top.chunk.id, 0.0)
        if english and not top.unit_fit and answer_units:  # a figure in a measure word its terms take
            figures = self.passages.get([top.chunk.id])[top.chunk.id].figures
            top = replace(top, unit_fit=any(f["unit"] in answer_units for f in figures))
        # English words reach Chinese text through a dictionary, which matches loosely
        # (price -> 价格): they need a fitting figure or some semantic support as well.
        support = ((top.unit_fit or cosine >= s.found_english_cosine * s.dense_floor) if english
                   else top.run >= s.found_run or top.unit_fit and query.quantity)
        lexical = top.coverage >= s.found_coverage and support
        # its report is named
        named = top.hint >= s.found_named_hint and top.coverage >= s.found_named_coverage
        if english:  # the question names its place (Sichuan, Hailar; answers come from there only)
            named = named or place_named and top.english_coverage >= s.found_english
        # holds every word and the figure asked for
        figure = top.unit_fit and top.coverage >= s.found_figure_coverage
        if english:  # the passage's glosses hold the question's words, with a figure that fits them
            figure = (figure or top.unit_fit and top.english_coverage >= s.found_english_unit
                      or top.english_coverage >= s.found_english and query.quantity
                      and self._english_lead(top, query) >= s.found_english_lead)
        return (lexical or named or figure or top.run >= s.found_run_alone
                or cosine >= s.dense_floor)


def _units(query: Query, terms: list[tuple[str, float]], english: bool,
           lexicon: Lexicon | None, s: SearchSettings, archive: Archive | None = None) -> list[str]:
    """Units a fitting answer carries; an English question also takes the measure words the
    archive writes after its surest Chinese terms (toilets -> 公厕 -> 座; lexicon.measure_words)."""
    units = list(query.units)  # words that name a unit ("households", "yuan") come first
    if not units and archive is not None and not RATE_WORD.search(query.text):
        named = indicator_named(query.text)  # grain output: in the 斤 or 吨 the archive's facts are in
        units = level_units(archive.db, named.name) if named is not None else []
    if english and not units and lexicon is not None and terms and query.quantity:
        sure = max(w for _, w in terms) * s.mined_unit_share
        extra: list[str] = []
        for term, weight in sorted(terms, key=lambda tw: -tw[1]):
            if weight >= sure:
                extra += [u for u in lexicon.units.get(term, ()) if u not in units + extra]
        if AMOUNT_QUESTION.search(query.text):
            extra = [u for u in extra if u not in COUNT_UNITS]
        if not RATE_WORD.search(query.text):  # 吞吐量 mostly leads 增长5%: "what was the throughput" is a level
            extra = [u for u in extra if u not in RATES]
        units += extra[: s.mined_units]
    return units


def _hinted_reports(hints: list[Hint]) -> set[int]:
    place = [h for h in hints if h.kind == "place"]
    return set().union(*(h.report_ids for h in place)) if place else set()


def _word_groups(groups: list[tuple[float, list[tuple[str, float]]]],
                 weighted: list[tuple[str, float]]) -> list[tuple[float, frozenset[str]]]:
    """(weight, forms) of each English word or phrase -- a dictionary word weighs what its senses
    share, a mined word its best match -- with the forms among the terms kept; then any other term."""
    kept = {t for t, _ in weighted}
    out, covered = [], set()
    for weight, senses in groups:
        forms = frozenset(zh for zh, _ in senses if zh in kept)
        if forms:
            out.append((weight, forms))
            covered |= forms
    return out + [(w, frozenset([t])) for t, w in weighted if t not in covered]


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
