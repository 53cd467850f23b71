"""The default model, as users run it: the seed report answers English and Chinese questions."""

from pathlib import Path

import pytest
from conftest import REPORTS

from index.evaluate import evaluate, load_questions
from index.library import Library

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def seed_library(tmp_path_factory):
    lib = Library.open(tmp_path_factory.mktemp("real-model"))  # the default USE model, offline
    lib.add([REPORTS / "district-deputy-duty-report.txt"], metadata={"title": "区政府副区长年度述职述廉报告"})
    lib.rebuild()
    yield lib
    lib.close()


def test_english_question_gets_the_chinese_figure_and_its_section(seed_library):
    result = seed_library.ask("How many shantytown households were rebuilt?")
    assert result["answer"]["figure"] == "2206户"
    assert result["answer"]["citation"]["section_path"][-1] == "3.狠抓安居改造工程"


def test_seed_questions_meet_the_targets_on_their_own_report(seed_library):
    scores = evaluate(load_questions(FIXTURES / "seed-dev.jsonl"),
                      lambda q: seed_library.ask(q, searcher=seed_library.searcher()))
    assert scores["zh"].as_dict()["hit@1"] >= 0.9
    assert scores["en"].as_dict()["hit@1"] >= 0.8
    assert scores["all"].as_dict()["answer"] >= 0.8


def test_dense_leg_alone_is_cross_lingual(seed_library):
    result = seed_library.ask("How many elderly care beds are there in total?", method="dense")
    assert any("2831张" in p["text"] for p in result["passages"][:3])
