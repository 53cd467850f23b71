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


@pytest.fixture(scope="module")
def beijing_library(tmp_path_factory):
    lib = Library.open(tmp_path_factory.mktemp("real-model-beijing"))  # the default USE model, offline
    lib.add([REPORTS / "gwr_2026_beijing_province.txt"])
    yield lib
    lib.close()


@pytest.mark.parametrize(("question", "answer"), [
    ("北京市2026年政府工作报告里，今年要打通多少条断头路？", "打通50条断头路"),
    ("北京2026年的报告提到，去年高校毕业生就业岗位提供了多少个？", "11.2万个高校毕业生就业岗位"),
    ("北京市2026年政府工作报告里，今年新增多少机动车停车位？", "新增机动车停车位3.5万个"),
    ("北京市2026年政府工作报告提到，去年新增了多少中小学学位？", "新增中小学学位2.4万个"),
    ("据2026年北京市政府工作报告，市民热线诉求解决率是多少？", "诉求解决率、满意率分别达97.3%"),
    ("北京市2026年政府工作报告中，精品赛事一共有多少项？", "198项精品赛事"),
])
def test_dense_leg_embeds_what_is_asked_not_the_report_named(beijing_library, question, answer):
    """Every passage shares the place, year and report name a question opens with: embedded whole,
    such a question sits nearest passages that name the report (the answering passage came 5th to 39th)."""
    legs = beijing_library.searcher().gather(question, method="dense")
    texts = [c.text for c in beijing_library.archive.chunks(list(legs.dense)[:3])]
    assert any(answer in t for t in texts)
