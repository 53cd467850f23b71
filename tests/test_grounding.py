"""Grounded answers on real reports: the year a figure is about, the named place, refusals with a reason."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.gazetteer import named_places, proper_names, unknown_place
from index.hints import asked, year_covers
from index.library import Library
from index.weights import SearchSettings
from ui.cli import cli

FILES = ("gwr_2018_state_council.txt", "gwr_2019_state_council.txt", "gwr_2025_state_council.txt",
         "gwr_2012_hailaer_district.txt", "gwr_2014_hailaer_district.txt",
         "gwr_2025_fujian_province.docx", "district-deputy-duty-report.txt")


@pytest.fixture(scope="module")
def built_home(indexed_home, tmp_path_factory):
    """Neighbouring years of one body and two places, added and indexed once per module."""
    return indexed_home(sorted(FILES), copy_to=tmp_path_factory.mktemp("grounding") / "home")


@pytest.fixture(scope="module")
def library(built_home, tiny_model_dir):
    lib = Library.open(built_home, model=tiny_model_dir)
    yield lib
    lib.close()


@pytest.mark.parametrize(("question", "years", "report_year", "mode"), [
    ("2017年全国GDP增长了多少？", (2017,), None, "actual"),
    ("2024年GDP增长目标是多少？", (2024,), None, "target"),
    ("What was the GDP growth target for 2019?", (2019,), None, "target"),
    ("How much did China's GDP grow in 2017?", (2017,), None, "actual"),
    ("2025年政府工作报告里说2024年城镇新增就业有多少人？", (2024,), 2025, "actual"),
    ("What deficit ratio did the 2020 government work report set?", (), 2020, "target"),  # its own year's
    ("What GDP growth did the 2020 government work report cite?", (), 2020, None),
    ("What GDP growth rate for 2020 was reported in the 2021 report?", (2020,), 2021, "actual"),
    ("3025年全国GDP增长目标是多少？", (3025,), None, "target"),
    ("2024年城镇新增就业1256万人吗", (2024,), None, "actual"),  # 1256 is no year
    ("十六大报告说，1989年以来GDP年均增长多少？", (), None, None),  # a span's start is no figure's year
    ("What average annual growth since 1989 did the 2002 report cite?", (), 2002, None),
    ("北京2026年把细颗粒物年均浓度控制在什么水平？", (2026,), None, "target"),
    ("内蒙古2026年要新增多少新能源装机？", (2026,), None, "target"),
    ("2024年要素市场化配置改革试点有多少个？", (2024,), None, "actual"),
    ("棚户区改造了多少户？", (), None, None),
    # plans said in other words; a budget or a plant named in an indicator is no plan
    ("How much investment was earmarked for 2025?", (2025,), None, "target"),
    ("What deficit was budgeted for 2008?", (2008,), None, "target"),
    ("What new capacity is the region committing to for 2026?", (2026,), None, "target"),
    ("How much farmland is the province planning to upgrade in 2025?", (2025,), None, "target"),
    ("By how much did budget revenue grow in 2025?", (2025,), None, "actual"),
    ("How much new forest did the region plant in 2025?", (2025,), None, "actual"),
    ("For 2018, how much railway investment did the report call for?", (2018,), None, "target"),
    ("What did the province pledge to spend on schools in 2026?", (2026,), None, "target"),
    ("How much steel was China supposed to produce in 1957?", (1957,), None, "target"),
    ("2025年浙江粮食总产量要达到多少斤？", (2025,), None, "target"),
    ("2012年海拉尔区城镇居民人均可支配收入打算达到多少元？", (2012,), None, "target"),
    ("How many schools were to be built in 2026?", (2026,), None, "target"),
    ("In 2018, how many new businesses were set up every day?", (2018,), None, "actual"),  # set up: no plan
    # a plan's name is no plan: the period's results are asked for
    ("How much forest was planted during the 14th Five-Year Plan period (2021–2025)?", (2021, 2025), None, "actual"),
    ("What does the 2026 plan aim for?", (2026,), None, "target"),
    # a forecast: the year's own report estimates it (今年高校毕业生预计1170万人)
    ("2024年全国高校毕业生预计有多少人？", (2024,), None, "estimate"),
    ("2024年福建人均预期寿命是多少岁？", (2024,), None, "actual"),  # life expectancy is no target
    ("How many college graduates were expected in 2024?", (2024,), None, "estimate"),
    ("What growth is the economy expected to reach in 2025?", (2025,), None, "target"),
    # a plan in any verb form: targeting, budget for, line up, are to be
    ("What GDP growth rate is the province targeting for 2026?", (2026,), None, "target"),
    ("How much did the country budget for 2018?", (2018,), None, "target"),
    ("How many key projects did the district line up for 2014?", (2014,), None, "target"),
    ("How many old buildings are to be repaired in 2026?", (2026,), None, "target"),
    ("How many projects were finished in 2026?", (2026,), None, "actual"),
])
def test_asked_reads_the_year_a_figure_is_about_and_the_mode(question, years, report_year, mode):
    a = asked(question)
    assert (a.years, a.report_year, a.mode) == (years, report_year, mode)


@pytest.mark.parametrize(("kind", "report_year", "year", "covers"), [
    ("gov_work_report", 2019, 2018, True), ("gov_work_report", 2018, 2018, False),  # reviewed next year
    # a congress report's own year; 每年新增就业一千三百万人以上 in 2022's is no result of 2021
    ("party_congress", 2002, 2002, True), ("party_congress", 2022, 2021, False),
])
def test_a_years_results_come_from_the_reports_that_give_them(kind, report_year, year, covers):
    assert year_covers({"kind": kind, "year": report_year}, year, "actual") is covers


def test_a_forecast_comes_from_the_years_own_report_or_the_next():
    from index.answer import period_fit

    assert [year_covers({"kind": "gov_work_report", "year": ry}, 2024, "estimate") for ry in (2024, 2025, 2026)] == [
        True, True, False]
    forecast = asked("2024年全国高校毕业生预计有多少人？")
    estimate = {"mode": "estimate", "period": 2024}
    assert period_fit(estimate, None, forecast) > period_fit({"mode": "actual", "period": 2024}, None, forecast)
    assert period_fit(estimate, None, forecast) > period_fit({"mode": "average", "period": 2024}, None, forecast)


@pytest.mark.parametrize(("question", "span"), [
    ("Looking back at 2013–2017, how many new civil airports were built?", True),
    ("2018年报告回顾过去五年，2017年累计新建多少公里高速铁路？", True),
    ("How many rural roads were built over the past five years, up to 2017?", True),
    ("2017年全国GDP增长了多少？", False),
    ("How much did GDP grow in 2016 and 2017?", False),
])
def test_a_question_about_several_years_takes_their_total(question, span):
    """A span's cumulative figure (过去五年新建民航机场46个, stored as a multi-year figure) answers
    a question about the span; a question about one year still prefers that year's result."""
    from index.answer import period_fit

    a = asked(question)
    assert a.span is span
    five_years = {"mode": "average", "period": 2017}
    one_year = {"mode": "actual", "period": 2017}
    assert (period_fit(five_years, None, a) >= period_fit(one_year, None, a)) is span


@pytest.mark.parametrize(("question", "place"), [
    ("广州市2025年地区生产总值是多少？", "广州市"), ("What was Guangzhou's GDP in 2025?", "广州市"),
    ("湖北2024年GDP", "湖北省"), ("How much did Inner Mongolia's GDP grow?", "内蒙古自治区"),
    ("2017年全国GDP增长了多少？", "全国"), ("How much did China's GDP grow in 2016?", "全国"),
])
def test_named_places_come_from_the_divisions_not_the_archive(question, place):
    assert place in [p.name for p in named_places(question)]


@pytest.mark.parametrize("question", ["棚户区改造了多少户？", "城市绿化覆盖率达到了多少？",
                                      "How many shantytown households were rebuilt?",
                                      "What was the tourism revenue?",
                                      "城区栽植了多少株绿化苗木？",  # 城区 is "the urban area" (a district's
                                      "老城区有多少户居民腾退？",  # name too, but not as questions use it)
                                      "区里建成了几个全国和谐示范社区？",  # a rank, not the place
                                      "How many national-level model communities were built?"])
def test_questions_without_places_name_none(question):
    places = named_places(question)
    assert places == [] and unknown_place(question, places) is None


def test_place_shaped_names_nobody_knows_are_places():
    assert unknown_place("火星市2025年地区生产总值是多少？", []) == "火星市"
    assert unknown_place("What was the GDP of Atlantis in 2025?", []) == "Atlantis"


def _figure_is_in_cited_passage(library, answer):
    c = answer["citation"]
    assert answer["figure"] in library.archive.text(c["report_id"])[c["char_start"]:c["char_end"]]


def test_a_years_result_comes_from_the_next_years_report(library):
    result = library.ask("2017年全国GDP增长了多少？")
    assert result["found"] and result["reason"] is None
    assert result["answer"]["figure"] == "6.9%"
    assert result["answer"]["citation"]["file_name"] == "gwr_2018_state_council.txt"
    _figure_is_in_cited_passage(library, result["answer"])


def test_a_years_target_comes_from_that_years_report(library):
    result = library.ask("2018年国内生产总值增长的预期目标是多少？")
    assert result["answer"]["figure"] == "6.5%左右"
    assert result["answer"]["citation"]["file_name"] == "gwr_2018_state_council.txt"


def test_a_missing_year_of_a_held_place_is_refused_with_what_the_archive_holds(library):
    result = library.ask("海拉尔区2017年地区生产总值是多少？")
    assert result["found"] is False and result["answer"] is None
    assert "2017" in result["reason"] and "海拉尔区" in result["reason"]
    assert "2012" in result["reason"] and "2014" in result["reason"]
    assert result["passages"]  # the nearest passages are still listed


@pytest.mark.parametrize("question", [
    "What was Guangzhou's GDP in 2025?", "湖北省2024年地区生产总值是多少？", "2016年全国GDP增长了多少？",
    "What GDP growth target did the 2010 government work report set?", "3025年全国GDP增长目标是多少？",
    "火星市2025年地区生产总值是多少？", "What was the GDP of Atlantis in 2025?",
])
def test_absent_places_and_years_are_refused(library, question):
    result = library.ask(question)
    assert result["answer"] is None and result["found"] is False
    assert result["reason"] and result["reason"].startswith("no ")


def test_hints_off_means_no_grounding(library):
    result = library.ask("海拉尔区2017年地区生产总值是多少？", use_hints=False)
    assert result["reason"] is None or "2017" not in result["reason"]


def test_a_named_place_keeps_other_places_figures_out(library):
    result = library.ask("福建省2024年地区生产总值是多少？")
    assert result["answer"]["citation"]["file_name"] == "gwr_2025_fujian_province.docx"
    assert result["answer"]["figure"] == "57761亿元"
    _figure_is_in_cited_passage(library, result["answer"])


@pytest.mark.parametrize("question", ["海拉尔区2013年新增就业多少人？", "How many new jobs did Hailar add in 2013?"])
def test_the_passages_of_the_place_and_year_named_come_first(library, question):
    """Other reports' passages may follow, never lead: the answer is cited from the first."""
    files = [p["file_name"] for p in library.ask(question)["passages"]]
    named = [f == "gwr_2014_hailaer_district.txt" for f in files]
    assert named[0] and named == sorted(named, reverse=True)


def test_other_reports_figures_are_alternatives_with_citations(library):
    result = library.ask("2024年城镇新增就业多少人？", top_k=10)
    answered = result["answer"]["citation"]["file_name"]
    alternatives = result["alternatives"]
    assert alternatives, "both 2025 reports review 2024's new urban jobs"
    for alt in alternatives:
        assert alt["citation"]["file_name"] != answered
        assert alt["unit"] == "人"
        _figure_is_in_cited_passage(library, alt)


def test_a_pinned_report_has_no_alternatives(library):
    result = library.ask("海拉尔区2013年地区生产总值增长了多少？")
    assert result["answer"]["citation"]["file_name"] == "gwr_2014_hailaer_district.txt"
    assert result["alternatives"] == []


def test_ask_json_carries_reason_and_alternatives(built_home, tiny_model_dir):
    args = ["ask", "--json", "--home", str(built_home)]
    runner = CliRunner(env={"BAOGAO_MODEL": str(tiny_model_dir)})
    refused = runner.invoke(cli, [*args, "What was Hailar District's GDP in 2017?"], catch_exceptions=False)
    assert refused.exit_code == 0
    data = json.loads(refused.output)
    assert data["answer"] is None and "2017" in data["reason"] and data["alternatives"] == []
    answered = runner.invoke(cli, [*args, "2017年全国GDP增长了多少？"], catch_exceptions=False)
    data = json.loads(answered.output)
    assert {"question", "answer", "found", "hints", "terms", "passages", "reason", "alternatives"} <= set(data)
    assert data["reason"] is None and data["answer"]["figure"] == "6.9%"
    plain = runner.invoke(cli, ["ask", "--home", str(built_home), "海拉尔区2017年地区生产总值是多少？"])
    assert plain.exit_code == 0 and "Not found: no 2017 figures" in plain.output


def test_the_page_says_plainly_what_the_archive_lacks(built_home, tmp_path, tiny_model_dir, monkeypatch):
    from streamlit.testing.v1 import AppTest

    home = shutil.copytree(built_home, tmp_path / "home")
    monkeypatch.setenv("BAOGAO_HOME", str(home))
    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))
    at = AppTest.from_file(str(Path(__file__).parent.parent / "ui" / "app.py"), default_timeout=60).run()
    at.text_input(key="q").input("海拉尔区2017年地区生产总值是多少？").run()
    assert not at.exception, at.exception
    shown = [h.value for h in at.html]
    assert any("Not in the archive: no 2017 figures for 海拉尔区" in h for h in shown)
    assert not any('class="bg-answer"' in h for h in shown)
    # the year's chip points at the 2018 report (it reviews 2017); switching it off answers again
    at.button(key="hint-2018").click().run()
    assert not any("Not in the archive" in h.value for h in at.html)


@pytest.mark.parametrize("question", ["海绵城市试点面积是多少？", "超市2025年销售额是多少？", "城市2024年建成多少公园？"])
def test_words_ending_like_a_place_are_not_unknown_places(question):
    assert unknown_place(question, named_places(question)) is None


@pytest.mark.parametrize(("question", "names"), [
    ("How many passengers did Heathrow airport handle?", ["Heathrow"]),
    ("How much did the Eiffel Tower cost to build?", ["Eiffel Tower"]),
    ("How many parking spaces does the Mall of America have?", ["Mall", "America"]),
    ("According to the 2023 State Council report, how many homes were renovated?", []),
    ("How many Sichuan museums became national first-grade museums?", []),  # a province's name
    ("Tibet's GDP grew by how much in March?", []),  # the first word, a month
])
def test_proper_names_are_the_capitalised_words_no_table_knows(question, names):
    assert proper_names(question) == names


def test_a_name_no_report_mentions_is_refused(library):
    result = library.ask("How many passengers did Heathrow airport handle?")
    assert result["answer"] is None and result["found"] is False
    assert result["reason"] == "the archive never mentions Heathrow"
    assert result["passages"]  # the nearest passages are still listed


def test_names_the_archive_holds_are_not_refused(library):
    hailar = library.ask("How many households in Hailar were connected to natural gas?")
    assert hailar["reason"] is None  # a place hint of the archive, not a stranger
    belt = library.ask("What did the State Council say about the Belt and Road?")
    assert proper_names(belt["question"]) == ["Belt", "Road"]
    assert belt["reason"] is None  # 一带一路 is glossed "Belt and Road"


def test_a_refusal_never_says_the_archive_holds_reports_of_nothing():
    from index.grounding import _reason

    bare = [{"id": 1, "title": "某镇年度述职报告", "issuer": "", "year": None}]
    no_place = _reason(asked("2019年北京市GDP增长了多少？"), ["北京市"], bare, set())
    no_year = _reason(asked("2019年GDP增长了多少？"), [], bare, None)
    for reason in (no_place, no_year):
        assert "nothing" not in reason
    assert "names a place" in no_place and "names a year" in no_year


@pytest.mark.parametrize(("question", "figure", "fits"), [
    ("How much did Beijing's GDP grow in 2025?", {"period": 2025, "mode": "actual", "unit": "%"}, True),
    ("How much did Beijing's GDP grow in 2025?", {"period": 2025, "mode": "average", "unit": "%"}, False),
    ("How much did Beijing's GDP grow in 2025?", {"period": 2026, "mode": "target", "unit": "%"}, False),
    ("2026年北京GDP增长目标是多少？", {"period": 2026, "mode": "target", "unit": "%"}, True),
    ("2026年北京GDP增长目标是多少？", {"period": 2026, "mode": "target", "unit": "元"}, False),
    ("北京GDP增长了多少？", {"period": 2025, "mode": "actual", "unit": "%"}, False),  # no year asked
])
def test_a_passage_holding_a_figure_of_the_year_and_kind_asked_is_marked(question, figure, fits):
    """The ranker's period_figure: 2025's result among a report's five-year averages and targets."""
    from index.candidates import of_period

    assert of_period(figure, asked(question), ["%"]) is fits


def test_a_report_named_by_its_own_name_answers_for_a_year_it_gives_figures_of():
    """十六大报告 reviews 2001 in one sentence: too few figures to cover 2001 for a question that
    names no report, enough for one that names it."""
    from index.grounding import scope
    from index.hints import find_hints

    reports = [
        {"id": 1, "kind": "other", "year": 2002, "issuer": "中国共产党全国代表大会", "title": "全面建设小康社会 (十六大)"},
        {"id": 2, "kind": "gov_work_report", "year": 2001, "issuer": "国务院", "title": "2001年政府工作报告"},
    ]

    def periods(year, mode, at_least=None):  # report 1 gives one figure about 2001
        return {1} if year == 2001 and (at_least or 10) <= 1 else set()

    def covering(question):
        return scope(question, reports, find_hints(question, reports), periods=periods).covering

    assert covering("十六大报告提到2001年我国国内生产总值是多少？") == {1}
    assert covering("According to the 16th Party Congress report, what was GDP in 2001?") == {1}
    assert covering("2001年我国国内生产总值是多少？") == set()


def test_a_report_named_by_its_year_answers_for_a_later_year_it_sets_targets_for():
    """The 1955 report's five-year plan sets 1957's targets: a question naming the 1955 report and
    1957 is answered from it (a handful of its figures are about 1957), not refused."""
    from index.grounding import scope
    from index.hints import find_hints

    reports = [{"id": 1, "kind": "gov_work_report", "year": 1955, "issuer": "国务院", "title": "1955年政府工作报告"},
               {"id": 2, "kind": "gov_work_report", "year": 1954, "issuer": "国务院", "title": "1954年政府工作报告"}]

    def periods(year, mode, at_least=None):  # report 1 gives a few figures about 1957
        return {1} if year == 1957 and (at_least or 10) <= 3 else set()

    def covering(question):
        return scope(question, reports, find_hints(question, reports), periods=periods).covering

    assert covering("In the 1955 report, how much steel was China supposed to produce in 1957?") == {1}
    assert covering("How much steel was China supposed to produce in 1957?") == set()


def test_a_report_named_by_its_year_answers_in_the_kind_it_gives():
    """The 1954 report gives 1954's output only as expected (预計): a question naming that report
    and asking for 1954's output is answered from it; one naming no report goes to 1955's review."""
    from index.grounding import scope
    from index.hints import find_hints

    reports = [{"id": 1, "kind": "gov_work_report", "year": 1954, "issuer": "国务院", "title": "1954年政府工作报告"},
               {"id": 2, "kind": "gov_work_report", "year": 1955, "issuer": "国务院", "title": "1955年政府工作报告"}]

    def periods(year, mode, at_least=None):  # report 1 speaks of 1954 only in figures of another kind
        return {1} if year == 1954 and mode is None and (at_least or 10) <= 30 else set()

    def covering(question):
        return scope(question, reports, find_hints(question, reports), periods=periods).covering

    assert covering("In the 1954 government work report, what was the 1954 output of machine tools?") == {1}
    assert covering("What was the 1954 output of machine tools?") == {2}


def test_a_report_named_by_its_own_name_is_not_widened_by_the_country_it_speaks_for():
    """"the 20th Party Congress report … in China" names one report: the 2023 work report, also
    China's and reviewing 2022, is not asked about."""
    from index.grounding import scope
    from index.hints import find_hints

    reports = [{"id": 1, "kind": "other", "year": 2022, "issuer": "中国共产党全国代表大会", "title": "团结奋斗 (二十大)"},
               {"id": 2, "kind": "gov_work_report", "year": 2023, "issuer": "国务院",
                "title": "2023年中华人民共和国国务院政府工作报告"}]
    question = "According to the 20th Party Congress report in 2022, how many people in China have pensions?"
    hints = find_hints(question, reports)
    assert {h.value for h in hints if h.kind == "place"} >= {"20th party congress", "china"}
    assert scope(question, reports, hints).covering == {1}
    assert scope("How many people in China had pensions in 2022?", reports,
                 find_hints("How many people in China had pensions in 2022?", reports)).covering == {1, 2}


@pytest.mark.parametrize("question", ["What was the 2025 government work report's target for new urban jobs?",
                                      "2025年政府工作报告提出的城镇新增就业目标是多少？"])
def test_a_report_year_with_no_place_is_the_countrys_report(question):
    """Provinces write work reports of the same year: with no place named, the country's is meant
    (and a province's answers when the archive holds no national report of that year)."""
    from index.grounding import scope
    from index.hints import find_hints

    reports = [{"id": 1, "kind": "gov_work_report", "year": 2025, "issuer": "国务院", "title": "2025年政府工作报告"},
               {"id": 2, "kind": "gov_work_report", "year": 2025, "issuer": "四川省人民政府",
                "title": "2025年四川省政府工作报告"}]
    assert scope(question, reports, find_hints(question, reports)).covering == {1}
    assert scope(question, reports[1:], find_hints(question, reports[1:])).covering == {2}


def test_a_figure_of_the_year_asked_counts_where_its_clause_speaks_of_what_is_asked():
    """2024年国内生产总值增长了多少: 国内生产总值达到…、增长5% (2024's result) answers; 制造业投资增长9.2%
    of the same year says something else, and 2025's target 国内生产总值增长5%左右 is no result."""
    from types import SimpleNamespace

    from index.candidates import period_clause
    from index.rerank import weigh

    text = "国内生产总值达到134.9万亿元、增长5%。制造业投资增长9.2%。今年国内生产总值增长5%左右。"

    def passage(raw, period, mode):
        return SimpleNamespace(chunk=SimpleNamespace(char_start=0, text=text), figures=(
            {"unit": "%", "char_start": text.index(raw), "period": period, "mode": mode},))

    question = asked("2024年国内生产总值增长了多少？")
    weighed = weigh([("国内", 1.0), ("生产总值", 1.0), ("增长", 1.0)])
    result = period_clause(passage("5%。", 2024, "actual"), question, ["%"], weighed)
    other = period_clause(passage("9.2%", 2024, "actual"), question, ["%"], weighed)
    target = period_clause(passage("5%左右", 2025, "target"), question, ["%"], weighed)
    assert result == 1.0 and 0 < other < result and target == 0.0


def test_a_change_after_a_list_comma_is_the_change_of_the_item_before_it():
    """国内生产总值达到134.9万亿元、增长5%: the 5% is GDP's growth, so its lead names GDP; a list of
    different things (新建学校12所、医院3家) keeps each item's own lead."""
    from types import SimpleNamespace

    from index.rerank import figure_leads

    text = "经济规模稳步扩大，国内生产总值达到134.9万亿元、增长5%。新建学校12所、医院3家。"
    chunk = SimpleNamespace(char_start=0, text=text)
    leads = figure_leads(chunk, [{"unit": "%", "char_start": text.index("5%")},
                                 {"unit": "家", "char_start": text.index("3家")}])
    assert leads == [("%", "国内生产总值达到134.9万亿元、增长"), ("家", "医院")]


@pytest.mark.parametrize("question", [
    "In the 20th Party Congress report, what did R&D spending grow to?",
    "According to the 20th CPC National Congress report, how many members does the party have?",
    "According to the report to the CPC's 20th National Congress, what was life expectancy?",
])
def test_a_congress_named_by_its_number_is_that_congress_alone(question):
    """"party congress" inside "the 20th party congress" names the 20th, not the 16th as well."""
    from index.hints import find_hints

    reports = [
        {"id": 1, "kind": "other", "year": 2002, "issuer": "中国共产党全国代表大会", "title": "全面建设小康社会 (十六大)"},
        {"id": 2, "kind": "other", "year": 2022, "issuer": "中国共产党全国代表大会", "title": "团结奋斗 (二十大)"},
    ]
    places = [h for h in find_hints(question, reports) if h.kind == "place"]
    assert [set(h.report_ids) for h in places] == [{2}]
    both = [h for h in find_hints("What did the party congress reports say?", reports) if h.kind == "place"]
    assert [set(h.report_ids) for h in both] == [{1, 2}]


@pytest.mark.parametrize(("question", "years", "report_year", "span"), [
    ("How many rural roads were built in the five years up to 2012?", (2012,), None, True),
    ("In the 2012 Hailar District government work report, how much land was fenced the year before?",
     (2011,), 2012, False),
    ("海拉尔区2014年政府工作报告里，上一年新增就业多少人？", (2013,), 2014, False),
    ("In the 2014 Hailar District government work report, how many jobs were planned?", (), 2014, False),
    # the year a plan was made is the report's, not the figure's: 1955年提出的一五计划 sets 1957's
    ("1955年提出的一五计划中，第一汽车制造厂一年能造多少辆卡车？", (), 1955, False),
    ("Under the First Five-Year Plan presented in 1955, how many trucks a year were to be built?", (), 1955, False),
    # a report named by a longer title: 1955年国务院关于第一个五年计划的报告
    ("1955年国务院关于第一个五年计划的报告中，1957年棉花产量的目标是多少？", (1957,), 1955, False),
])
def test_a_reports_year_and_the_years_before_it(question, years, report_year, span):
    a = asked(question)
    assert (a.years, a.report_year, a.span) == (years, report_year, span)


def test_a_place_named_only_by_its_level_pulls_towards_reports_of_that_level():
    """"the district" with no name leans to district reports (a weak hint, not a scope); 全区 is
    said by districts and autonomous regions alike; a named place leaves levels alone."""
    from index.hints import find_hints, issuer_level

    reports = [
        {"id": 1, "issuer": "区人民政府", "title": "区政府副区长年度述职述廉报告"},
        {"id": 2, "issuer": "呼伦贝尔市海拉尔区人民政府", "title": "2014年海拉尔区政府工作报告", "year": 2014},
        {"id": 3, "issuer": "内蒙古自治区人民政府", "title": "2026年内蒙古自治区政府工作报告", "year": 2026},
        {"id": 4, "issuer": "上海市人民政府", "title": "2026年上海市政府工作报告", "year": 2026},
    ]
    assert [issuer_level(r["issuer"]) for r in reports] == ["区", "区", "自治区", "市"]

    def levels(question):
        return [set(h.report_ids) for h in find_hints(question, reports) if h.kind == "level"]

    assert levels("How many tourist visits did the district receive?") == [{1, 2}]
    assert levels("全区接待游客多少人次？") == [{1, 2, 3}]
    assert levels("How many tourist visits did Hailar District receive in 2013?") == []
    assert levels("How many tourist visits were there in 2025?") == []


@pytest.mark.parametrize(("question", "undated"), [
    ("How many parking spaces were added?", True),
    ("停车位增加了多少个？", True),
    ("How many parking spaces did Beijing add in 2025?", False),  # a year and a place: that report's
    ("2025年停车位增加了多少个？", False),
    ("How many parking spaces did the district add?", True),  # a level names no year
    ("全区新增停车位多少个？", True),
    ("How many parking spaces did Beijing add?", False),  # a place: its reports of every year
])
def test_a_question_naming_no_year_or_place_points_at_undated_reports(question, undated):
    """Reports of many years are asked about with their year or place; one that names neither (a
    duty report) is what a question as silent points at, as surely as a named year points at its
    report."""
    from index.hints import find_hints

    reports = [
        {"id": 1, "kind": "duty_report", "year": None, "issuer": "区人民政府", "title": "区政府副区长年度述职述廉报告"},
        {"id": 2, "kind": "gov_work_report", "year": 2026, "issuer": "北京市人民政府", "title": "2026年北京市政府工作报告"},
    ]
    hints = find_hints(question, reports)
    undated_hints = [h for h in hints if h.kind == "undated"]
    assert [set(h.report_ids) for h in undated_hints] == ([{1}] if undated else [])
    year = SearchSettings().year_hint
    assert all(h.weight == year for h in undated_hints)  # silence about the year is as telling as a year


@pytest.mark.parametrize(("question", "figure"), [
    ("How much did tourism earn the district over the year?", "57亿元"),
    ("全区旅游收入是多少？", "57亿元"),
])
def test_the_district_with_no_year_is_the_duty_report_not_a_dated_district(library, question, figure):
    """Hailar's 2014 report (47.2亿元 for 2013) is a district's too, but a question about one of its
    years would name the year: one naming none is the duty report's, which names none either."""
    answer = library.ask(question)["answer"]
    assert answer is not None and answer["figure"] == figure


def test_a_name_the_archive_mentions_only_in_passing_must_be_in_the_answers_passage(library):
    """Paris is in the archive only as 巴黎协定 and 巴黎奥运会: a passage about cars elsewhere does
    not answer how many Paris households own one, but the passage that names Paris may answer."""
    searcher = library.searcher()
    assert not searcher.search("How many households in Paris own a car?").found
    paris = [cid for cid, in library.archive.db.execute(
        "SELECT id FROM chunks WHERE text LIKE '%巴黎协定%'")]
    other = library.archive.db.execute("SELECT id FROM chunks WHERE text NOT LIKE '%巴黎%' LIMIT 1").fetchone()[0]
    assert paris and searcher._names_held("What did China do for the Paris Agreement?", paris[0])
    assert not searcher._names_held("How many households in Paris own a car?", other)
    assert searcher._names_held("How many households own a car?", other)  # no name, nothing asked
