"""One question, parsed once: what the legs, the ranking and the answer read from its words.

Each reading is computed on first use and kept, so a question asked once is segmented, scanned
for units, years and tense once, however many steps look at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from archive.tokens import tokens
from index.answer import asks_figure, wanted_units
from index.crosslingual import is_english, merged_terms, term_groups
from index.hints import Asked, asked
from index.keyword import query_terms
from index.lexicon import content_words
from index.rerank import PAST_QUESTION, PLAN_NAME, PLAN_QUESTION, normalise, year_numbers


@dataclass(frozen=True)
class Query:
    """A question's text and its readings; build one with `Query.parse`."""

    text: str
    _tense: dict = field(default_factory=dict, repr=False, compare=False)
    _groups: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def parse(cls, question: str) -> Query:
        return cls(question.strip())

    @cached_property
    def english(self) -> bool:
        return is_english(self.text)

    def terms(self, held=None) -> list[tuple[str, float]]:
        """Weighted Chinese keywords: dictionary translations for English (those the archive holds
        first, when `held(zh)` says which), content tokens otherwise."""
        return merged_terms(self.term_groups(held)) if self.english else self._tokens_weighted

    def term_groups(self, held=None) -> list[list[tuple[str, float]]]:
        """An English question's translations, one list per word or phrase (crosslingual.term_groups),
        looked up once per `held`."""
        if not self.english:
            return []
        if held not in self._groups:
            self._groups[held] = term_groups(self.text, held=held)
        return self._groups[held]

    @cached_property
    def _tokens_weighted(self) -> list[tuple[str, float]]:
        return [(t, 1.0) for t in query_terms(self.text)]

    @cached_property
    def words(self) -> list[str]:
        """English content words (for the glossed field and the mined lexicon)."""
        return content_words(self.text)

    @cached_property
    def tokens(self) -> frozenset[str]:
        """Its jieba tokens, for the words a figure's clause shares with it."""
        return frozenset(tokens(self.text))

    @cached_property
    def units(self) -> list[str]:
        """Units it asks for, most specific first (index/answer.py wanted_units)."""
        return wanted_units(self.text)

    @cached_property
    def quantity(self) -> bool:
        """Does it ask how many / how much?"""
        return asks_figure(self.text) or bool(self.units)

    @cached_property
    def asked(self) -> Asked:
        """The years it asks about, a report year it names, result or target."""
        return asked(self.text)

    @cached_property
    def normalised(self) -> str:
        return normalise(self.text)

    @cached_property
    def _past_plan(self) -> tuple[bool, bool, tuple[int, ...]]:
        return (bool(PAST_QUESTION.search(self.text)), bool(PLAN_QUESTION.search(PLAN_NAME.sub(" ", self.text))),
                year_numbers(self.text))

    def tense(self, report_year: int | None) -> int:
        """rerank.question_tense for a report of this year, worked out once per year."""
        if report_year not in self._tense:
            past, plan, years = self._past_plan
            past = past or any(report_year is not None and y < report_year for y in years)
            self._tense[report_year] = 0 if past == plan else (-1 if past else 1)
        return self._tense[report_year]
