"""Every number that ranking and answering depend on, in one table a sweep or a fit can set.

The learned ranker (index/ranker.py) reads candidate features that some of these numbers shape
(hint weights, the run cap, the figure-lead width): change those and refit the ranker
(benchmarks/fit_ranker.py), or its weights no longer mean what they were fitted for.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class SearchSettings:
    """Sizes, fusion weights, re-ranking and answer weights, measured on ../shared/qa
    (benchmarks/retrieval.py --sweep); the learned ranker replaces the fusion and re-ranking
    weights where it has a model (index/data/ranker.json)."""

    # -- legs: how many candidates each leg brings ------------------------------------------
    candidates: int = 100  # per leg, before fusion
    english_candidates: int = 30  # per English-only leg (glossed field, mined lexicon)
    dense_overfetch: int = 20  # with filters FAISS cannot apply: fetch this many times more ...
    dense_overfetch_min: int = 1000  # ... and at least this many, then filter
    keyword_context_weight: float = 0.5  # BM25 weight of title and section path against the body
    english_context_weight: float = 0.3  # the same in the glossed English field
    # -- the mined lexicon: English question words -> the archive's words (index/lexicon.py) ---
    lexicon_similarity: float = 0.55  # cosine floor for a match (default model)
    lexicon_margin: float = 0.08  # keep the runners-up within this of the best match
    lexicon_per_word: int = 2  # archive words kept per question word
    lexicon_weight: float = 0.8  # a mined term's weight, from half at the floor ...
    lexicon_ramp: float = 0.2  # ... to full at this far above it
    # -- fusion (hand weights: the fallback when the learned ranker has no model) ------------
    rrf_k: int = 60
    dense_weight: float = 0.6
    keyword_weight_zh: float = 1.0
    keyword_weight_en: float = 1.0  # dictionary-translated keywords, as strong as Chinese ones
    # Re-ranking, on a scale where the best possible fused rank score is 1.0:
    hint_boost: float = 1.0  # per unit of hint weight (a named place 1.0, its year 1.0)
    coverage_weight: float = 0.6  # share of the question's terms the passage contains
    run_weight: float = 0.3  # longest verbatim run of question characters (Chinese), up to run_cap
    unit_weight: float = 0.4  # the passage holds a figure in a unit the question asks for
    tense_weight: float = 0.2  # a review passage for a question about results, a plan for targets
    # -- hints: how strongly a named thing points at its reports (a ranker feature) ----------
    year_hint: float = 1.0  # a year named, or the report year it points to
    place_hint: float = 1.0  # a place or body named
    kind_hint: float = 0.3  # a kind of report named (government work report, bulletin)
    level_hint: float = 0.3  # a place named only by its level ("the district", 全区), no place named
    national_hint: float = 0.5  # a year with no place: the country's reports
    undated_hint: float = 1.0  # no year or place named: the reports with no year, as strongly as a year named
    period_figures: int = 10  # a report covers a year when it gives this many figures about it
    # -- candidate evidence (ranker features: change only with a refit) ----------------------
    run_cap: int = 8  # verbatim runs longer than this count as this long
    lead_width: int = 16  # characters before a figure read as what it counts
    # -- units an English question asks for, from the archive's measure words ---------------
    mined_units: int = 2  # at most this many
    mined_unit_share: float = 0.6  # from terms weighing at least this share of the best term's
    # -- "not found in the archive" unless the top passage has lexical or semantic support ---
    found_coverage: float = 0.4  # share of question terms, with (Chinese) ...
    found_run: float = 0.5  # ... a verbatim run of 4+ question characters (or a quantity's unit)
    dense_floor: float = 0.27  # or a cosine this high (19 of 20 off-topic questions stay below)
    found_english: float = 0.4  # share of an English question's words in the glosses, with a figure
    found_english_unit: float = 0.25  # ... or this share when the figure's unit fits the question
    found_english_cosine: float = 0.8  # English support: this share of dense_floor (or a unit fit)
    found_named_hint: float = 1.0  # its report is named (hint at least this) ...
    found_named_coverage: float = 0.2  # ... and the passage holds this share of the terms
    found_figure_coverage: float = 0.75  # every word and the figure asked for
    found_english_lead: float = 0.5  # glosses before a figure hold this share of the words
    found_run_alone: float = 0.75  # a verbatim run this long (of run_cap) is enough by itself
    passing_mention: int = 12  # a name (Paris) in at most this many passages' glosses must be in the answer's
    # -- answer: scoring the figures of the top passages (index/answer.py) -------------------
    answer_passages: int = 3  # figures are read from this many top passages
    figure_unit: float = 3.0  # the figure's unit is the first one asked for ...
    figure_unit_step: float = 0.3  # ... less this per place further down the list
    figure_mined_unit: float = 0.5  # a unit only the archive's measure words suggest (the question names none)
    figure_bare_unit: float = 0.5  # a figure with no unit and no fitting word around it
    figure_clause: float = 2.0  # times the share of question words in its clause
    figure_lead: float = 3.0  # times the share of question words just before it
    figure_reached: float = 0.5  # "reached / 达到" asks for the figure after 到
    figure_grew_named: float = 1.5  # right after 增长 in a clause naming the indicator
    figure_grew: float = 0.8  # right after 增长
    figure_rank: float = 0.6  # less this per passage rank ...
    figure_rank_english: float = 3.0  # ... and this much for an English question (loose translations)
    figure_not_count: float = 2.0  # less this for a rate or money answering "how many", a count "how much"
    figure_change_start: float = 3.0  # less this for where a change started (由21%提升至74%)
    figure_english_lead: float = 1.0  # times the rarity-weighted share of an English question's
    # words among the glosses just before the figure (a tie-breaker between fitting figures)
    figure_english_clause: float = 2.0  # ... and the same share among the glosses of its whole clause
    figure_sentence: float = 0.75  # times the question's cosine with the sentence holding the figure
    figure_clause_cosine: float = 0.5  # times the question's cosine with the clause holding it
    period_target: float = 1.0  # a target asked, a target found
    period_not_target: float = -0.5  # a target asked, something else found
    period_actual: float = 0.5  # a result asked, a result found
    period_estimate: float = 0.3  # a result asked, an estimate found
    period_target_for_actual: float = -1.0  # a result asked, a target found
    period_average: float = -1.5  # a result asked, a multi-year average found
    period_year: float = 1.0  # the figure's period is (+) or is not (-) a year asked about
    alternatives: int = 4  # other reports' figures shown beside the answer

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


# Numbers that only weigh candidates already found: a sweep over them re-ranks stored pools.
RANK_ONLY = frozenset({
    "rrf_k", "dense_weight", "keyword_weight_zh", "keyword_weight_en", "hint_boost",
    "coverage_weight", "run_weight", "unit_weight", "tense_weight",
})
