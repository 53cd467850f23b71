"""Sentence vectors: each passage's sentences embedded at index time, read by ranking and answers;
and the clause holding each figure, embedded when an answer first reads it."""

from __future__ import annotations

import numpy as np
import pytest

from archive.text import figure_clause, figure_clauses, sentence_spans
from index import sentence_vectors
from index.answer import extract_answer
from index.library import Library
from index.weights import SearchSettings

REPORT = """2024年城市管理工作报告
一、公厕建设
新建公厕20座。公厕保洁实现全覆盖，群众满意度明显提升。
二、停车设施
全年新增停车位1200个，缓解了老城区停车难。
"""
MORE = """2025年水利工作报告
一、水库建设
新建水库3座，加固水库12座。
"""


@pytest.fixture
def library(tmp_path, tiny_model_dir):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "city.txt").write_text(REPORT, encoding="utf-8")
    lib = Library.open(tmp_path / "home", model=tiny_model_dir)
    lib.add([folder])  # the first add builds the index
    yield lib
    lib.close()


def stored(lib) -> dict[int, np.ndarray]:
    key = sentence_vectors.model_key(lib.embedder)
    blobs = lib.archive.sentence_vectors(lib.archive.chunk_ids(), key)
    return {cid: sentence_vectors.unpack(b, lib.embedder.dimension) for cid, b in blobs.items()}


def stored_clauses(lib) -> dict[int, np.ndarray]:
    key = sentence_vectors.model_key(lib.embedder)
    blobs = lib.archive.sentence_vectors(lib.archive.chunk_ids(), key, column="clauses")
    return {cid: sentence_vectors.unpack(b, lib.embedder.dimension) for cid, b in blobs.items()}


def test_indexing_embeds_every_sentence_and_figure_clause_of_every_chunk(library):
    vectors, clauses = stored(library), stored_clauses(library)
    chunks = library.archive.chunks()
    assert set(vectors) == set(clauses) == {c.id for c in chunks}
    for c in chunks:
        spans = sentence_spans(c.text)
        assert len(vectors[c.id]) == len(spans)
        alone = library.embedder.embed([c.text[a:b] for a, b in spans])
        assert np.allclose(vectors[c.id], alone, atol=2e-3)  # float16 of the same vectors
        starts = [f["char_start"] - c.char_start for f in library.archive.figures([c.id])]
        held = figure_clauses(c.text, starts)
        assert len(clauses[c.id]) == len(held) == len(set(held))
        if held:
            assert np.allclose(clauses[c.id], library.embedder.embed([c.text[a:b] for a, b in held]), atol=2e-3)
    assert sum(map(len, clauses.values())) == 2  # 公厕20座, 停车位1200个


def test_add_embeds_only_new_chunks_and_remove_drops_theirs(library, tmp_path):
    before = stored(library)
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "water.txt").write_text(MORE, encoding="utf-8")
    library.add([tmp_path / "more"])
    after = stored(library)
    assert set(before) < set(after)
    assert all(np.array_equal(before[c], after[c]) for c in before)  # kept, not re-embedded
    with library.writing("x"):
        assert sentence_vectors.fill(library.archive, library.embedder) == 0  # nothing left to do
    water = next(r["id"] for r in library.archive.reports() if "水利" in r["title"])
    library.remove(water)
    assert set(stored(library)) == set(before)
    orphans = library.archive.db.execute(
        "SELECT count(*) FROM sentence_vectors WHERE chunk_id NOT IN (SELECT id FROM chunks)").fetchone()[0]
    assert orphans == 0


def test_another_models_vectors_are_never_read(library):
    ids = library.archive.chunk_ids()
    vector = library.embedder.embed(["新增停车位"])[0]
    searcher = library.searcher()
    assert searcher.passages.sentence_sims(ids, vector, searcher.sentence_model)
    assert searcher.passages.sentence_sims(ids, vector, "another-model:0") == {}
    assert library.archive.chunks_without_sentence_vectors("another-model:0") == ids


def test_nearest_sentence_and_nearest_figure_sentence_are_features(library):
    searcher = library.searcher()
    parking = next(c for c in library.archive.chunks() if "停车位" in c.text)
    toilets = next(c for c in library.archive.chunks() if "公厕" in c.text)
    question = "公厕保洁实现全覆盖，群众满意度明显提升。"  # the toilets passage's sentence without a figure
    legs = searcher.gather(question)
    pool = {c.chunk.id: c for c in searcher.candidates(legs)}
    assert pool[toilets.id].sentence_cosine == pytest.approx(1.0, abs=2e-3)
    assert pool[toilets.id].figure_sentence_cosine < 0.999  # its figure sits in the other sentence
    assert parking.id not in pool or pool[parking.id].sentence_cosine < 0.999


def test_archive_without_sentence_vectors_ranks_without_them(library):
    library.archive.db.execute("DELETE FROM sentence_vectors")
    legs = library.searcher().gather("新增停车位多少个")
    assert all(c.sentence_cosine == 0.0 for c in library.searcher().candidates(legs))


class _Passage:
    def __init__(self, text: str):
        self.id, self.report_id, self.char_start, self.text = 1, 1, 0, text


def test_the_figure_in_the_sentence_nearest_the_question_answers():
    """Two counts in one passage, the clause words alike: the sentence the question is nearest
    in meaning picks the figure, once the setting gives that nearness a weight."""
    text = "新建公园12个。新建口袋公园30个。"
    passage = _Passage(text)
    figures = {1: [
        {"raw": "12个", "value": 12, "unit": "个", "char_start": 4, "char_end": 7, "context": "新建公园12个"},
        {"raw": "30个", "value": 30, "unit": "个", "char_start": 14, "char_end": 17, "context": "新建口袋公园30个"},
    ]}
    sims = {1: np.array([0.2, 0.6])}
    off = extract_answer("新建了多少个", [passage], figures, settings=SearchSettings(figure_sentence=0.0),
                         sentence_sims=sims)
    on = extract_answer("新建了多少个", [passage], figures, settings=SearchSettings(figure_sentence=2.0),
                        sentence_sims=sims)
    assert off.figure == "12个" and on.figure == "30个"


def test_each_figure_is_read_by_the_clause_that_holds_it(library):
    """Two figures of one sentence: the question written as one figure's clause is nearest that
    figure; the clause vectors are embedded once and kept until the archive changes."""
    searcher = library.searcher()
    parking = next(c for c in library.archive.chunks() if "停车位" in c.text)
    starts = [f["char_start"] for f in searcher.passages.get([parking.id])[parking.id].figures]
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return library.embedder.embed(texts)

    question = library.embedder.embed(["全年新增停车位1200个"])[0]
    sims = searcher.passages.figure_clause_sims([parking.id], question, embed)  # no model: embedded here
    assert set(sims) == {(parking.id, s) for s in starts}
    assert max(sims.values()) == pytest.approx(1.0, abs=2e-3)
    searcher.passages.figure_clause_sims([parking.id], question, embed)
    assert len(calls) == 1  # kept: not embedded again
    fresh = library.searcher()  # with the model: read as indexing stored them, nothing embedded
    assert fresh.passages.figure_clause_sims([parking.id], question, embed, fresh.sentence_model) == pytest.approx(sims, abs=2e-3)
    assert len(calls) == 1
    pool = {c.chunk.id: c for c in fresh.candidates(fresh.gather("全年新增停车位1200个"))}
    assert pool[parking.id].figure_clause_cosine == pytest.approx(1.0, abs=2e-3)  # a ranking feature too


def test_a_figure_led_only_by_words_of_change_takes_the_clause_that_names_it():
    """同比增长10.1% says what grew only in the clause before it; 失业率3% names itself; a sentence
    end is never crossed."""
    text = "全年地区生产总值完成253.7亿元，同比增长10.1%；新增就业5万人，失业率3%。增长2%。"

    def clause(figure: str) -> str:
        a, b = figure_clause(text, text.index(figure))
        return text[a:b]

    assert clause("10.1%") == "全年地区生产总值完成253.7亿元，同比增长10.1%"
    assert clause("5万人") == "新增就业5万人"
    assert clause("3%") == "失业率3%"
    assert clause("2%") == "增长2%"
    listed = "城镇新增就业1256万人、城镇调查失业率平均为5.1%。"
    assert [listed[a:b] for a, b in figure_clauses(listed, [listed.index("1256"), listed.index("5.1")])] == [
        "城镇新增就业1256万人", "城镇调查失业率平均为5.1%"]  # the items of a list are read apart
    nouns = "实施棚户区、城中村改造项目17个2206户。"  # but a list of nouns is one clause
    assert figure_clauses(nouns, [nouns.index("2206")]) == [(0, nouns.index("。"))]
    comma, semicolon = text.index("，"), text.index("；")
    assert figure_clauses(text, [text.index("10.1%"), text.index("253.7"), text.index("10.1%")]) == [
        (0, comma), (0, semicolon)]  # one row per distinct clause, in text order


def test_the_figure_whose_clause_is_nearest_the_question_answers():
    """One sentence, two counts, no words to tell them by: the clause nearest in meaning picks the figure."""
    text = "新建公园12个，口袋公园30个。"
    passage = _Passage(text)
    figures = {1: [
        {"raw": "12个", "value": 12, "unit": "个", "char_start": 4, "char_end": 7, "context": text},
        {"raw": "30个", "value": 30, "unit": "个", "char_start": 12, "char_end": 15, "context": text},
    ]}
    clauses = {(1, 4): 0.2, (1, 12): 0.7}
    off = extract_answer("有多少个", [passage], figures, clause_sims=clauses,
                         settings=SearchSettings(figure_clause_cosine=0.0))
    on = extract_answer("有多少个", [passage], figures, clause_sims=clauses)
    assert off.figure == "12个" and on.figure == "30个"


def test_a_search_for_a_figure_reads_the_clauses_of_the_answering_passages(library):
    result = library.searcher().search("新增停车位多少个")
    assert result.found and result.clause_sims
    assert {cid for cid, _ in result.clause_sims} <= {h.chunk.id for h in result.hits}
    assert library.searcher().search("公厕保洁情况怎么样").clause_sims is None  # no figure asked


def test_a_row_from_before_clause_vectors_is_embedded_again(library):
    """Homes indexed before clause vectors (migration m018 leaves their column empty) get them on
    the next fill, sentences and clauses together."""
    first = library.archive.chunk_ids()[0]
    library.archive.db.execute("UPDATE sentence_vectors SET clauses = NULL WHERE chunk_id = ?", [first])
    model = sentence_vectors.model_key(library.embedder)
    assert library.archive.chunks_without_sentence_vectors(model) == [first]
    assert first not in stored_clauses(library)
    with library.writing("x"):
        assert sentence_vectors.fill(library.archive, library.embedder) == 1
    assert first in stored_clauses(library)


def test_check_reports_chunks_without_sentence_vectors_and_repair_embeds_them(library):
    from index.health import check, repair

    assert check(library) == []
    library.archive.db.execute("DELETE FROM sentence_vectors WHERE chunk_id = ?", [library.archive.chunk_ids()[0]])
    problems = check(library)
    assert [p.message for p in problems] == [
        "1 chunk(s) have no sentence or clause vectors (added before them, or by another model): repair embeds them"]
    assert "embedded the sentences of 1 chunk(s)" in repair(library)
    assert check(library) == []
