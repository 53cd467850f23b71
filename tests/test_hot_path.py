"""The warm ask path: one parsed question, passages kept per archive generation, one table of numbers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import index.answer as answer_module
import index.query as query_module
from index.hints import find_hints
from index.library import Library
from index.query import Query
from index.ranker import FEATURES, LinearModel
from index.threads import one_blas_thread
from index.weights import RANK_ONLY, SearchSettings

ROOT = Path(__file__).parent.parent
REPORTS = ROOT / "data" / "reports"
SHANTYTOWN = "棚户区改造了多少户？"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("hot")
    (root / "reports").mkdir()
    for name in ("district-deputy-duty-report.txt", "gwr_2014_hailaer_district.txt"):
        shutil.copy(REPORTS / name, root / "reports")
    lib = Library.open(root / "home")
    lib.add([root / "reports"], index=False)
    yield lib
    lib.close()


def test_an_ask_reads_the_question_once(library, monkeypatch):
    calls = []
    real = answer_module.wanted_units

    def counting(question):
        calls.append(question)
        return real(question)

    monkeypatch.setattr(answer_module, "wanted_units", counting)
    monkeypatch.setattr(query_module, "wanted_units", counting)
    result = library.ask(SHANTYTOWN, searcher=library.searcher("keyword"), method="keyword")
    assert result["answer"]["figure"] == "2206户"
    assert calls == [SHANTYTOWN]


def test_the_search_result_carries_the_parsed_query(library):
    query = Query.parse(f"  {SHANTYTOWN} ")
    result = library.searcher("keyword").search(query, method="keyword")
    assert result.query is query and result.question == SHANTYTOWN
    assert query.units[0] == "户" and query.quantity and not query.english


def test_passages_follow_the_archive_generation(library):
    searcher = library.searcher("keyword")
    searcher.warm()
    first = searcher.search("棚户区改造", method="keyword").hits[0].chunk
    old_title = first.title
    library.edit(first.report_id, title="改过的标题")
    try:
        again = searcher.search("棚户区改造", method="keyword").hits[0].chunk
        assert again.id == first.id and again.title == "改过的标题"
    finally:
        library.edit(first.report_id, title=old_title)


def test_scores_of_many_rows_are_the_same_floats_as_one_by_one():
    rng = np.random.default_rng(3)
    n = len(FEATURES)
    model = LinearModel(tuple(rng.normal(size=n)), tuple(rng.random(n) + 0.1), tuple(rng.normal(size=n)), 0.3)
    rows = rng.random((200, n))
    assert model.score_rows(rows).tolist() == [model.score(list(r)) for r in rows]


def test_one_blas_thread_restores_the_limit_after_nested_use():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas() -> list[int]:  # numpy's BLAS: the one the encoder and the lexicon match use
        return [i["num_threads"] for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas" and "numpy" in i["filepath"]]

    before = blas()
    assert before
    with one_blas_thread():
        with one_blas_thread():
            assert all(n == 1 for n in blas())
        assert all(n == 1 for n in blas())
    assert blas() == before


def test_table_numbers_reach_the_hints():
    reports = [{"id": 1, "year": 2024, "kind": "gov_work_report", "issuer": "国务院", "title": "政府工作报告"}]
    kind = [h for h in find_hints("政府工作报告里赤字率是多少", reports, settings=SearchSettings(kind_hint=0.7))
            if h.kind == "kind"]
    assert [h.weight for h in kind] == [0.7]


def test_every_ranking_number_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_0-9]+)`", readme))
    assert set(SearchSettings.names()) - documented == set()
    assert RANK_ONLY <= set(SearchSettings.names())


def test_kept_english_word_weights_are_the_archive_s(library):
    from index.keyword import english_weights

    words = ["shantytown", "household", "build", "total", "nosuchword"]
    searcher = library.searcher("keyword")
    assert searcher.passages.english_weights(words) == english_weights(library.archive, words)
    assert searcher.passages.english_weights(words) == english_weights(library.archive, words)  # kept
