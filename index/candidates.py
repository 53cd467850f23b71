"""Fused candidates: every passage a leg found, with the evidence the ranking weighs.

The evidence that depends on the passage alone (normalised text, tense, figure units) comes from
index/passages.py, worked out once per archive generation; here it meets the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from archive.store import StoredChunk
from index.hints import Hint, figure_modes
from index.passages import Passage
from index.query import Query
from index.ranker import LinearModel, Ranker, features
from index.rerank import Weighed, lead_share, longest_shared_run, weigh
from index.weights import SearchSettings

LEG_NAMES = ("dense", "keyword", "english", "lexicon")
PERIOD_CLAUSE = re.compile(r"[，,；;。！？：:\n]")  # a list's items (、) share their clause's subject
CLAUSE_WIDTH = 30


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
    english_clause: float = 0.0  # an English question's rarer words glossed in one clause with a figure
    sentence_coverage: float = 0.0  # `coverage` of its best sentence (holding a figure, if asked)
    period_figure: float = 0.0  # 1 when it holds a figure of the year and kind asked (2025's result)
    period_clause: float = 0.0  # the question's terms in the clause of such a figure
    sentence_cosine: float = 0.0  # cosine of the question and the passage's nearest sentence
    figure_sentence_cosine: float = 0.0  # ... of its nearest sentence holding a figure
    figure_clause_cosine: float = 0.0  # ... of its nearest clause holding a figure
    report_votes: float = 0.0  # share of all the legs' evidence (1/rank) found in its report
    report_lead: float = 0.0  # its report's evidence over the best report's (1.0: the best)

    def rank(self, leg: str) -> int | None:
        return getattr(self, f"{leg}_rank")

    def ranks(self) -> dict[str, int]:
        """Leg -> rank (from 1), for the legs that found it."""
        return {k: v for k, v in ((leg, self.rank(leg)) for leg in LEG_NAMES) if v}

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


def scores(pool: list[Candidate], s: SearchSettings, english: bool, method: str,
           ranker: Ranker | None) -> list[float]:
    """Each candidate's score: the fitted model's (all rows at once) or the hand weights'."""
    model: LinearModel | None = ranker.model(english, method) if ranker else None
    if model is None:
        return [c.score(s, english, method) for c in pool]
    if not pool:
        return []
    return model.score_rows(np.array([features(c) for c in pool], dtype=float)).tolist()


def gather_evidence(query: Query, legs, passages: dict[int, Passage], glossed: dict[int, float],
                    s: SearchSettings, clauses: dict[int, float] | None = None,
                    sentences: dict[int, tuple[float, float]] | None = None,
                    figure_clauses: dict[int, float] | None = None) -> list[Candidate]:
    """Candidates in the order the legs found them (dense, keyword, English, lexicon)."""
    ids = list(dict.fromkeys([*legs.dense, *legs.keyword, *legs.english_leg, *legs.lexicon]))
    boosts = report_boosts(legs.hints)
    dense_rank = {cid: r for r, cid in enumerate(legs.dense, start=1)}
    keyword_rank = {cid: r for r, cid in enumerate(legs.keyword, start=1)}
    english_rank = {cid: r for r, cid in enumerate(legs.english_leg, start=1)}
    lexicon_rank = {cid: r for r, cid in enumerate(legs.lexicon, start=1)}
    units = legs.units
    # the question's side of coverage and figure_lead; an English word's senses count once
    weighed = weigh(legs.weighted_terms, [forms for _, forms in legs.word_groups or ()] if legs.english else None)
    out = []
    for cid in ids:
        p = passages.get(cid)
        if p is None:
            continue  # removed since the legs ran
        chunk = p.chunk
        out.append(Candidate(
            chunk=chunk,
            dense_rank=dense_rank.get(cid),
            keyword_rank=keyword_rank.get(cid),
            hint=boosts.get(chunk.report_id, 0.0),
            coverage=weighed.share(p.normalised),
            run=0.0 if legs.english else longest_shared_run(
                query.normalised, p.normalised, cap=s.run_cap) / s.run_cap,
            unit_fit=any(f["unit"] in units for f in p.figures),
            tense=query.tense(chunk.year) * p.tense,
            english_rank=english_rank.get(cid),
            lexicon_rank=lexicon_rank.get(cid),
            cosine=legs.dense.get(cid, 0.0),
            english_coverage=glossed.get(cid, 0.0),
            figure_lead=lead_share(p.leads(s.lead_width), weighed, units),
            english_clause=(clauses or {}).get(cid, 0.0),
            sentence_coverage=max((weighed.share(text) for figure, text in p.sentences
                                   if figure or not query.quantity), default=0.0),
            period_figure=float(any(of_period(f, query.asked, units) for f in p.figures)),
            period_clause=period_clause(p, query.asked, units, weighed),
            sentence_cosine=(sentences or {}).get(cid, (0.0, 0.0))[0],
            figure_sentence_cosine=(sentences or {}).get(cid, (0.0, 0.0))[1],
            figure_clause_cosine=(figure_clauses or {}).get(cid, 0.0),
        ))
    vote_by_report(out)
    return out


def vote_by_report(pool: list[Candidate]) -> None:
    """Each candidate's report_votes and report_lead: a question with no place or year named still
    points at one report when most of what the legs found sits there."""
    votes: dict[int, float] = {}
    for c in pool:
        votes[c.chunk.report_id] = votes.get(c.chunk.report_id, 0.0) + sum(
            1.0 / r for r in c.ranks().values())
    total, best = sum(votes.values()), max(votes.values(), default=0.0)
    for c in pool:
        c.report_votes = votes[c.chunk.report_id] / total if total else 0.0
        c.report_lead = votes[c.chunk.report_id] / best if best else 0.0


def period_clause(p: Passage, asked, units: list[str], weighed: Weighed) -> float:
    """Best share of the question's terms in the clause of a figure of the year and kind asked:
    "2024年国内生产总值增长了多少" is answered where 国内生产总值达到…、增长5% is 2024's result, not by
    制造业投资增长9.2% of the same year, nor by 2025's target 国内生产总值增长5%左右."""
    best = 0.0
    for f in p.figures if weighed.total else ():
        if of_period(f, asked, units):
            at = f["char_start"] - p.chunk.char_start
            clause = PERIOD_CLAUSE.split(p.chunk.text[max(0, at - CLAUSE_WIDTH) : at])[-1]
            best = max(best, weighed.share(clause))
    return best


def of_period(figure: dict, asked, units: list[str]) -> bool:
    """Is this stored figure about a year the question asks for, in the kind asked (a result or a
    target) and a fitting unit? 2025's growth is not the five-year average or 2026's target."""
    if asked.mode is None or figure.get("period") not in asked.years or (units and figure["unit"] not in units):
        return False
    return figure.get("mode") in figure_modes(asked.mode) or (asked.span and figure.get("mode") == "average")


def report_boosts(hints: list[Hint]) -> dict[int, float]:
    boosts: dict[int, float] = {}
    for h in hints:
        for rid in h.report_ids:
            boosts[rid] = boosts.get(rid, 0.0) + h.weight
    return boosts
