"""Search and answers on real reports: keyword escaping, filters, hints, units, the library's index."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPORTS

from index.answer import is_quantity_question, wanted_units
from index.hints import find_hints
from index.keyword import Filters, fts_query, keyword_search
from index.library import IndexNotReady, Library

FIXTURES = Path(__file__).parent / "fixtures"
FILES = ("district-deputy-duty-report.txt", "gwr_2024_state_council.txt", "gwr_2014_hailaer_district.txt")


@pytest.fixture(scope="module")
def built_home(indexed_home):
    """Three real reports, added (in name order, as a folder adds them) and indexed once."""
    return indexed_home(sorted(FILES))


@pytest.fixture
def library(built_home, tmp_path, tiny_model_dir):
    """A private copy of the built home, so a test may change it."""
    home = shutil.copytree(built_home, tmp_path / "home")
    lib = Library.open(home, model=tiny_model_dir)
    yield lib
    lib.close()


HOSTILE = ['"棚户区', "NEAR(", "'; DROP TABLE chunks; --", "a OR b AND", "*", "-棚户区", "{0} %s %(x)s",
           "<script>alert(1)</script>", "棚户区\" OR \"1", "(((", "^", "😀🎉", "。。。！！！"]


@pytest.mark.parametrize("question", HOSTILE)
def test_keyword_search_treats_any_input_as_words(library, question):
    before = library.archive.counts()
    keyword_search(library.archive, [question, "棚户区"], limit=5)
    result = library.ask(question)
    assert isinstance(result["passages"], list)
    assert library.archive.counts() == before


def test_fts_query_quotes_every_token():
    assert fts_query(["城镇新增就业", '"棚户区']) == '("城镇" AND "新增" AND "就业") OR ("棚户" AND "棚户区")'
    assert fts_query(["NEAR(", "*", "--"]) == '"near"'
    assert fts_query(["。。", ""]) == ""


def test_filters_are_parameterised_sql_and_narrow_results(library):
    hits = keyword_search(library.archive, ["就业"], filters=Filters(year_from=2024, year_to=2024))
    years = {c.year for c in library.archive.chunks(cid for cid, _ in hits)}
    assert hits and years == {2024}
    evil = Filters(issuer="%' OR 1=1 --", kind="x'; DROP TABLE reports; --")
    assert keyword_search(library.archive, ["就业"], filters=evil) == []
    assert library.archive.counts()["reports"] == 3


def test_hints_read_years_places_and_kinds(library):
    reports = library.archive.reports()
    by_file = {r["file_name"]: r["id"] for r in reports}
    hints = {h.label: h for h in find_hints("2024年政府工作报告安排的赤字率是多少？", reports)}
    assert by_file["gwr_2024_state_council.txt"] in hints["year 2024"].report_ids
    hailar = [h for h in find_hints("What was Hailar District's GDP in 2013?", reports) if h.kind == "place"]
    assert hailar and hailar[0].report_ids == {by_file["gwr_2014_hailaer_district.txt"]}
    assert any(h.kind == "place" for h in find_hints("海拉尔区去年新增就业多少人", reports))
    assert [h.kind for h in find_hints("城市绿化覆盖率达到了多少？", reports)] == ["undated"]  # the duty report


@pytest.mark.parametrize(
    ("question", "first_unit"),
    [("棚户区改造了多少户？", "户"), ("How many shantytown households were rebuilt?", "户"),
     ("城市绿化覆盖率达到了多少？", "%"), ("为优抚对象发放了多少优抚金？", "元"),
     ("浙江调低老房贷的利率，有多少户家庭因此受益？", "户"), ("接待游客多少人次？", "人次"),
     ("What was the tourism revenue?", "元"), ("2024年全国居民消费价格涨了多少？", "%"),
     ("基础养老金每月最低标准要涨多少钱？", "元"), ("提高专项附加扣除标准后，有多少纳税人受益？", "人"),
     ("居民每年能少付多少房贷利息？", "元"), ("电价上调了多少？", "%")],
)
def test_wanted_units(question, first_unit):
    assert is_quantity_question(question)
    assert wanted_units(question)[0] == first_unit


def test_keyword_answer_picks_the_figure_with_its_citation(library):
    result = library.ask("棚户区改造了多少户？", method="keyword")
    answer = result["answer"]
    assert answer["figure"] == "2206户"
    assert answer["citation"]["section_path"][-1] == "3.狠抓安居改造工程"
    text = library.archive.text(answer["citation"]["report_id"])
    span = text[answer["citation"]["char_start"] : answer["citation"]["char_end"]]
    assert span == answer["sentence"] and "2206户" in span


def test_hint_boost_prefers_the_named_report(library):
    result = library.ask("海拉尔区2014年政府工作报告里，上一年新增就业多少人？", method="keyword")
    assert result["passages"][0]["file_name"] == "gwr_2014_hailaer_district.txt"
    assert any(h["kind"] == "place" for h in result["hints"])
    ignored = library.ask("海拉尔区2014年政府工作报告里，上一年新增就业多少人？", method="keyword",
                          ignore_hints=("海拉尔区", "2014"))
    assert not any(h["value"] in ("海拉尔区", "2014") for h in ignored["hints"])


def test_off_topic_question_is_not_answered(library):
    # keyword only: the dense floor is calibrated for the default model, not the random tiny one
    result = library.ask("珠穆朗玛峰有多高？", method="keyword")
    assert result["answer"] is None and result["found"] is False
    assert result["passages"]  # the nearest passages are still shown


def test_a_passage_in_other_words_holding_the_unit_asked_answers(library):
    """The reader asks 马鞭草花海…多大面积 of a passage that writes 种植马鞭草16万平方米: no verbatim run of
    four characters, but the terms and a figure in the units asked (面积: 平方米) are there."""
    result = library.ask("城东那片马鞭草花海种了有多大面积？", method="keyword")
    assert result["found"] is True and result["answer"]["figure"] == "16万平方米"
    assert library.ask("珠穆朗玛峰有多少座？", method="keyword")["answer"] is None  # the unit alone is not enough


def test_add_and_remove_keep_the_index_in_step(library, tmp_path):
    assert library.index_problems() == []
    library.add([REPORTS / "gwr_2012_hailaer_district.txt"])
    assert library.index_problems() == []
    new_id = max(r["id"] for r in library.archive.reports())
    library.remove(new_id)
    assert library.index_problems() == []
    assert library.vectors.store().count == len(library.archive.chunk_ids())


def test_stale_index_is_reported_with_the_fix(library):
    library.add([REPORTS / "gwr_2012_hailaer_district.txt"], index=False)
    with pytest.raises(IndexNotReady, match="baogao rebuild"):
        library.searcher()
    library.rebuild()
    assert library.searcher() is not None


def test_truncated_index_file_is_reported_and_rebuild_repairs_it(library):
    vectors = library.home.index_dir / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])
    fresh = Library.open(library.home.root, model=library.model_name)
    with pytest.raises(IndexNotReady, match="baogao rebuild"):
        fresh.searcher()
    fresh.rebuild()
    assert fresh.ask("棚户区改造了多少户？", method="keyword")["answer"]["figure"] == "2206户"
    fresh.close()


def test_empty_archive_says_how_to_add(tmp_path, tiny_model_dir):
    lib = Library.open(tmp_path / "empty", model=tiny_model_dir)
    with pytest.raises(IndexNotReady, match="baogao add"):
        lib.ask("棚户区改造了多少户？")
    lib.close()


# -- the CLI over the same library ------------------------------------------------------------


@pytest.fixture
def cli_home(library, monkeypatch, tiny_model_dir):
    monkeypatch.setenv("BAOGAO_HOME", str(library.home.root))
    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))
    return library.home.root


def run(*args, input=None):
    from ui.cli import cli

    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def test_ask_json_shape(cli_home):
    result = run("ask", "棚户区改造了多少户？", "--json", "--method", "keyword")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"question", "answer", "passages"}
    assert set(data["answer"]) >= {"figure", "sentence", "citation"}
    assert set(data["answer"]["citation"]) >= {"title", "year", "issuer", "section_path", "char_start", "char_end"}
    passage = data["passages"][0]
    assert set(passage) >= {"rank", "score", "report_id", "title", "year", "issuer", "section_path", "text",
                            "char_start", "char_end"}


def test_ask_reads_questions_from_stdin_one_json_per_line(cli_home):
    result = run("ask", "-", "--json", input="棚户区改造了多少户？\n\n养老床位总数有多少张？\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == ["棚户区改造了多少户？", "养老床位总数有多少张？"]


@pytest.mark.parametrize("question", ["", "   ", "？！。", "😀", "x" * 20000, "'; DROP TABLE chunks; --"])
def test_ask_never_shows_a_traceback(cli_home, question):
    result = run("ask", question)
    assert "Traceback" not in result.output
    if not question.strip():
        assert result.exit_code == 1 and "empty" in result.output
    else:
        assert result.exit_code == 0


def test_eval_prints_every_method(cli_home):
    result = run("eval", FIXTURES / "seed-dev.jsonl", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"keyword", "dense", "hybrid"}
    assert data["keyword"]["zh"]["n"] == 15 and data["keyword"]["zh"]["hit@1"] >= 0.8
