"""English evidence one clause at a time, and figures read the way a reader reads the question:
a long passage cannot collect a question's words from many sentences, "how much" is not a count,
"what was the throughput" asks for a figure, and a figure two overlapping windows share is in both."""

from __future__ import annotations

import re

import pytest
from conftest import text_archive

from archive.glosses import clauses, english
from index.answer import extract_answer, is_quantity_question, wanted_units
from index.crosslingual import tables
from index.lexicon import Lexicon
from index.query import Query
from index.rerank import clause_share
from index.search import _units
from index.weights import SearchSettings


def test_english_field_marks_sentences_clauses_and_figures_that_fts_skips():
    field = english("新建垃圾转运站4座。加强城市管理，整治公厕")
    split = clauses(field)
    assert len(split) == 3
    assert split[0][0] and "garbage" in split[0][1]  # the first clause holds a figure
    assert not split[1][0] and "garbage" not in split[1][1]
    assert "toilet" in split[2][1] and "toilet" not in split[1][1]
    assert not {"#", ".", ","} & {w for _, words in split for w in words}


def lemmas(text: str) -> list[tuple[bool, frozenset[str]]]:
    lemma = tables().lemma
    return [(figure, frozenset(map(lemma, words))) for figure, words in clauses(english(text))]


def test_one_sentence_with_the_words_and_a_figure_beats_words_spread_over_many():
    weights = {"garbage": 2.0, "toilet": 1.0}
    together = lemmas("新建垃圾箱和公厕4座。")
    spread = lemmas("整治垃圾。新建公厕12座。")
    assert clause_share(together, weights, with_figure=True) == pytest.approx(1.0)
    assert clause_share(spread, weights, with_figure=True) < 0.5
    # a clause without a figure counts only when the question asks for none
    no_figure = lemmas("整治垃圾和公厕。")
    assert clause_share(no_figure, weights, with_figure=True) == 0.0
    assert clause_share(no_figure, weights, with_figure=False) == pytest.approx(1.0)


def test_the_items_of_a_list_keep_their_own_words():
    """A list lends no item's words to another: "medical subsidy" is not in the clause of 优抚金."""
    weights = {"medical": 1.0, "subsidy": 1.0}
    assert clause_share(lemmas("发放优抚金1100万元、医疗补助金78万元。"), weights, with_figure=True) == 1.0
    assert clause_share(lemmas("发放医疗费1100万元、优抚补助金78万元。"), weights, with_figure=True) == 0.5


@pytest.mark.parametrize("question", [
    "What was the container throughput of the ports?",
    "What was the railway freight volume?",
    "What was the installed capacity of solar power?",
    "How long is the high-speed rail network in operation?",
])
def test_questions_about_a_measured_noun_ask_for_a_figure(question):
    assert is_quantity_question(question)


def test_how_much_is_an_amount_not_a_count():
    assert "人" in wanted_units("How many recipients were there?")
    assert not {"人", "名"} & set(wanted_units("How much subsistence allowance did recipients receive?"))


class Passage:  # what extract_answer reads of a stored chunk
    def __init__(self, text: str, chunk_id: int = 1):
        self.id, self.text, self.char_start, self.char_end = chunk_id, text, 0, len(text)


def figure(text: str, raw: str, unit: str) -> dict:
    start = text.index(raw)
    return {"raw": raw, "unit": unit, "value": 1.0, "char_start": start, "char_end": start + len(raw),
            "context": text}


def test_how_much_passes_over_the_number_of_recipients_for_the_sum_paid():
    text = "为10578户16549名农村低保对象发放保障金3835万元。"
    figures = {1: [figure(text, "16549名", "名"), figure(text, "3835万元", "元")]}
    answer = extract_answer("How much subsistence allowance did rural recipients receive?",
                            [Passage(text)], figures, units=["人", "名"])
    assert answer is not None and answer.figure == "3835万元"


def test_a_unit_only_the_archive_suggests_does_not_outweigh_what_the_figure_counts():
    text = "新改城市街心花园10个，摆放立体植物雕塑31组。"
    figures = {1: [figure(text, "10个", "个"), figure(text, "31组", "组")]}
    # the question names no unit; 个 is the measure word the archive writes most after its terms
    answer = extract_answer("How many plant sculptures were put on display?", [Passage(text)], figures,
                            units=["个"], extra_terms=["植物", "雕塑"])
    assert answer is not None and answer.figure == "31组"


def lexicon_with(units: dict[str, list[str]]) -> Lexicon:
    import numpy as np

    return Lexicon(list(units), np.zeros((len(units), 2), dtype=np.float32), "test", units)


@pytest.mark.parametrize(("question", "kept", "dropped"), [
    ("What was the container throughput?", "标准箱", "%"),  # a level, not the growth it leads
    ("How fast did container throughput grow?", "%", None),
    ("How much grain was stored?", "吨", "个"),  # an amount, not a count
])
def test_measure_words_mined_for_a_term_follow_what_the_question_asks(question, kept, dropped):
    lexicon = lexicon_with({"吞吐量": ["%", "标准箱"], "粮食": ["个", "吨"]})
    terms = [("吞吐量", 1.0)] if "throughput" in question else [("粮食", 1.0)]
    units = _units(Query.parse(question), terms, True, lexicon, SearchSettings())
    assert kept in units
    assert dropped is None or dropped not in units


LONG = ("2025年某县政府工作报告\n\n一、过去一年工作回顾\n"
        + "".join(f"全县第{i}项重点工程稳步推进，完成投资{i * 7}万元。" for i in range(1, 40)) + "\n")


@pytest.fixture
def county(tmp_path):
    """An archive holding one report whose long paragraph is windowed with an overlap."""
    with text_archive(tmp_path, LONG) as archive:
        yield archive


def test_a_figure_in_the_sentence_two_windows_share_belongs_to_both(county):
    chunks = county.chunks()
    shared = [(a, b) for a in chunks for b in chunks
              if a.id < b.id and a.char_start < b.char_end and b.char_start < a.char_end]
    assert shared, "the report should window its long paragraph with an overlap"
    by_chunk: dict[int, set[int]] = {}
    for f in county.figures(c.id for c in chunks):
        by_chunk.setdefault(f["chunk_id"], set()).add(f["char_start"])
    for a, b in shared:
        inside = {m.start() + a.char_start for m in re.finditer(r"\d+万元", a.text)
                  if b.char_start <= m.start() + a.char_start < b.char_end}
        assert inside and inside <= by_chunk[a.id] and inside <= by_chunk[b.id]
    stored = county.db.execute("SELECT count(*) FROM figures").fetchone()[0]
    assert stored == 39  # each figure stored once


def test_an_english_field_of_an_older_gloss_format_is_reported_and_repaired(county):
    assert not county.problems()
    county.db.execute("UPDATE state SET value = 4 WHERE key = 'glosses'")
    county.db.execute("UPDATE chunks_en SET body = 'investment'")  # as an older version wrote it
    assert [p.area for p in county.problems()] == ["keywords"]
    assert any("re-glossed" in line for line in county.repair())
    assert not county.problems()
    bodies = [r[0] for r in county.db.execute("SELECT body FROM chunks_en")]
    assert "investment" not in bodies
    assert any(" # " in b and b.endswith(" .") for b in bodies)


def test_an_english_word_counts_once_however_many_of_its_senses_a_clause_holds():
    """"old" is 老旧, 旧, 老 and 一老 in the dictionary and the mined lexicon: a clause holding all of
    them is not four words nearer than one holding "elevators" and "old" once each."""
    text = "改造完工老旧小区300个以上，实施老楼加装电梯800台。"

    class Passage:
        id, report_id, char_start = 1, 1, 0

    Passage.text = text
    figures = {1: [
        {"raw": "300个", "value": 300, "unit": "个", "char_start": 8, "char_end": 12, "context": "改造完工老旧小区300个以上"},
        {"raw": "800台", "value": 800, "unit": "台", "char_start": 23, "char_end": 27, "context": "实施老楼加装电梯800台"},
    ]}
    question = "How many elevators were added to old residential buildings?"
    terms = ["电梯", "新增", "加进", "增添", "老旧", "一老", "旧", "老", "古", "住宅楼", "居住", "住宅"]
    groups = [(0.6, frozenset({"电梯"})), (0.6, frozenset({"新增", "加进", "增添"})),
              (0.5, frozenset({"老旧", "一老", "旧", "老", "古"})), (0.8, frozenset({"住宅楼", "居住", "住宅"}))]
    flat = extract_answer(question, [Passage()], figures, extra_terms=terms, units=["个"])
    grouped = extract_answer(question, [Passage()], figures, extra_terms=terms, units=["个"], term_groups=groups)
    assert flat.figure == "300个以上"  # four senses of "old" outweighed "elevators"
    assert grouped.figure == "800台"


def test_a_search_groups_an_english_questions_terms_by_word(county):
    from index.search import Searcher

    searcher = Searcher(county)
    legs = searcher.gather("How many garbage transfer stations were built?", method="keyword")
    assert legs.word_groups and {t for _, forms in legs.word_groups for t in forms} == set(legs.terms)
    assert any(len(forms) > 1 for _, forms in legs.word_groups)
    assert searcher.gather("新建了多少座垃圾转运站", method="keyword").word_groups is None
