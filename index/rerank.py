"""Cheap evidence for re-ranking fused candidates: how much of the question a passage repeats,
and whether it holds a figure of the kind the question asks for.

RRF only sees ranks; these features look at the passage itself. A Chinese question often
repeats a phrase of its answer verbatim (城镇新增就业 … 多少人 → 城镇新增就业64.1万人), which
jieba may split differently in question and passage, so the phrase match is on characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from archive.chinese_script import to_simplified
from archive.text import YEAR as _YEAR

_IGNORED = set("的了是在和与及或有为把被对从到中里上下年月日个多少几吗呢吧啊？?，,。！!、：:；; ")


def normalise(text: str) -> str:
    """NFKC, simplified characters (as the keyword tokens), lower case: 憲法草案 repeats 宪法草案."""
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def longest_shared_run(question: str, passage: str, *, cap: int = 8) -> int:
    """Length of the longest run of question characters (content only) found verbatim in the passage."""
    best = 0
    q = question
    for i in range(len(q)):
        if q[i] in _IGNORED:
            continue
        length = best + 1
        while i + length <= len(q) and length <= cap and q[i : i + length] in passage:
            best = length
            length += 1
    return min(best, cap)


@dataclass(frozen=True)
class Weighed:
    """The question's terms, each weighing its weight times its length, in groups of which a text
    counts the best one it holds: the senses of one English word (权力, 力量, 电力 for "power") are
    one word of the question, however many of them a passage repeats. A Chinese term is its own group."""

    singles: tuple[tuple[str, float], ...]  # terms that are a group of their own
    groups: tuple[tuple[tuple[str, float], ...], ...]  # the senses of one word, two or more
    total: float

    def share(self, text: str) -> float:
        """Weighted share of the groups the text holds (0 when the question has no terms)."""
        if not self.total:
            return 0.0
        held = sum(w for t, w in self.singles if t in text)
        for group in self.groups:
            held += max((w for t, w in group if t in text), default=0.0)
        return held / self.total


def weigh(terms: list[tuple[str, float]], groups: list[frozenset[str]] | None = None) -> Weighed:
    """Each term with its weight times its length, grouped by `groups` (each other term alone):
    once per question."""
    weights = {t: w * len(t) for t, w in terms}
    grouped, seen = [], set()
    for forms in groups or ():
        group = tuple((t, weights[t]) for t in sorted(forms) if t in weights and t not in seen)
        if group:
            grouped.append(group)
            seen.update(t for t, _ in group)
    singles = [g[0] for g in grouped if len(g) == 1] + [(t, w) for t, w in weights.items() if t not in seen]
    several = tuple(g for g in grouped if len(g) > 1)
    return Weighed(tuple(singles), several, sum(w for _, w in singles) + sum(max(w for _, w in g) for g in several))


_CLAUSE = re.compile(r"[，,；;。！？、：:\n]")
_CLAUSE_NOT_LIST = re.compile(r"[，,；;。！？：:\n]")
_CHANGE_ONLY = re.compile(r"(?:同比|比上年|实际)?(?:增长|下降|提高|增加|减少|上升|降低|回落)了?")


def figure_lead(chunk, figures: list[dict], terms: list[tuple[str, float]], units: list[str],
                *, width: int = 16) -> float:
    """Best share of the question's terms in the clause just before one of the passage's figures
    (新改建公厕20座: 公厕 leads 20座); a figure in an unwanted unit counts half."""
    return lead_share(figure_leads(chunk, figures, width=width), weigh(terms), units)


def figure_leads(chunk, figures: list[dict], *, width: int = 16) -> list[tuple[str, str]]:
    """(unit, the clause just before it) of each figure: the passage's side of figure_lead. A lead
    that only says how it changed (国内生产总值达到134.9万亿元、增长5%) is the change of what the
    item before it names."""
    out = []
    for f in figures:
        at = f["char_start"] - chunk.char_start
        if at > 0:
            window = chunk.text[max(0, at - width) : at]
            lead = _CLAUSE.split(window)[-1]
            if _CHANGE_ONLY.fullmatch(lead):
                lead = _CLAUSE_NOT_LIST.split(chunk.text[max(0, at - 2 * width) : at])[-1]
            out.append((f["unit"], lead))
    return out


def lead_share(leads: list[tuple[str, str]], weighed: Weighed, units: list[str]) -> float:
    """figure_lead from the figures' leads and the weighed terms."""
    best = 0.0
    for unit, lead in leads:
        share = weighed.share(lead)
        if units and unit not in units:
            share /= 2
        best = max(best, share)
    return best


def english_figure_lead(chunk, figures: list[dict], words: list[str], *, width: int = 16) -> float:
    """figure_lead for an English question: its words among the glosses of the clause before a
    figure (stations built -> 新建垃圾转运站4座: "build ... garbage ... station")."""
    from archive.glosses import english
    from index.crosslingual import tables

    lemma = tables().lemma
    asked = {lemma(w) for w in words}
    best = 0.0
    for f in figures if asked else []:
        at = f["char_start"] - chunk.char_start
        if at > 0:
            lead = _CLAUSE.split(chunk.text[max(0, at - width) : at])[-1]
            glossed = {lemma(w) for w in english(lead).split()}
            best = max(best, len(asked & glossed) / len(asked))
    return best


def clause_share(clauses, weights: dict[str, float], *, with_figure: bool) -> float:
    """Best rarity-weighted share of an English question's words (lemmas -> weight) glossed in ONE
    clause of a passage, among its clauses holding a figure when the question asks for one: a
    long passage cannot collect the words from many sentences, as it can for english_coverage,
    nor a list lend one item's words to another (优抚金1100万元、医疗补助金78万元)."""
    total = sum(weights.values())
    if not total:
        return 0.0
    best = 0.0
    for figure, lemmas in clauses:
        if figure or not with_figure:
            best = max(best, sum(w for word, w in weights.items() if word in lemmas))
    return best / total


# Reports look back (回顾 last year's results) and ahead (this year's targets). A question
# about 去年 / "last year" wants the first kind, one about 目标 / "target" the second, and
# the same figure words (城镇新增就业…万人) appear in both.
PAST_QUESTION = re.compile(
    r"去年|上年|上一年|过去|回顾|以来|累计|一共|共有|完成了|实现了|达到了|摆脱了|"
    r"\b(last year|previous year|past|preceding|over the years|cumulative(ly)?)\b", re.I)
PLAN_QUESTION = re.compile(
    r"目标|计划|预期(?!寿命)|安排|拟|定在|\b(target(s|ed|ing)?|plan(ned|s)?|aim(s|ed|ing)?|goals?|set for|"
    r"budget(ed|s|ing)? for|lin(e|es|ed) up|(is|are) to be|(is|are) to (?!date))\b", re.I)
# A plan's name is no target: "during the 14th Five-Year Plan period" asks what those years achieved.
PLAN_NAME = re.compile(r"\b(?:five|5)[- ]year plans?\b", re.I)
PAST_SECTION = re.compile(r"回顾|过去|总结|成绩|成就|主要工作")
PLAN_SECTION = re.compile(r"今年|明年|安排|任务|目标|建议|部署|展望|重点工作")
PAST_TEXT = re.compile(r"过去一年|去年|上年|一年来|五年来|过去五年|累计")
PLAN_TEXT = re.compile(r"今年|预期目标|目标是|拟按|力争|计划")


def year_numbers(question: str) -> tuple[int, ...]:
    return tuple(int(y) for y in _YEAR.findall(question))


def question_tense(question: str, report_year: int | None) -> int:
    """-1 asks about the past (results), +1 about plans (targets), 0 cannot tell."""
    years = year_numbers(question)
    past = bool(PAST_QUESTION.search(question)) or any(
        report_year is not None and y < report_year for y in years)
    plan = bool(PLAN_QUESTION.search(question))
    return 0 if past == plan else (-1 if past else 1)


def passage_tense(section_path: list[str], text: str) -> int:
    """-1 a review of results, +1 plans and targets, 0 cannot tell; the section decides first."""
    path = " ".join(section_path)
    past, plan = bool(PAST_SECTION.search(path)), bool(PLAN_SECTION.search(path))
    if past != plan:
        return -1 if past else 1
    balance = len(PAST_TEXT.findall(text)) - len(PLAN_TEXT.findall(text))
    return 0 if balance == 0 else (-1 if balance > 0 else 1)
