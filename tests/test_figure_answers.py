"""Answers read changes and compound figures as a reader does: the "to" figure, the whole compound."""

from __future__ import annotations

import pytest
from conftest import text_archive

from archive.ingest import add_file
from archive.store import Archive
from index.answer import _unit_index, english_clause, english_lead, extract_answer, wanted_units
from index.library import answer_dict, english_question_words
from index.search import Candidate, Searcher

REPORT = """2024年某县政府工作报告

一、过去一年工作回顾
（一）生态建设
全县森林覆盖率由21%提升至74%，完成造林1.2万公顷。
（二）易地搬迁
全年易地扶贫搬迁群众301户611人，新建安置住房120套。
（三）交通
农村公路里程从3200公里增加到4100公里。
"""


@pytest.fixture
def archive(tmp_path):
    with text_archive(tmp_path, REPORT) as archive:
        yield archive


def ask(archive: Archive, question: str) -> dict:
    result = Searcher(archive).search(question, method="keyword")
    return answer_dict(archive, result)["answer"]


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("森林覆盖率是多少？", "74%"),
        ("森林覆盖率提升到了多少？", "74%"),
        ("农村公路里程有多少公里？", "4100公里"),
        ("易地扶贫搬迁了多少户多少人？", "301户611人"),
        ("易地扶贫搬迁群众多少人？", "611人"),  # one part asked for: that part
        ("易地扶贫搬迁了多少户？", "301户"),
    ],
)
def test_answers_pick_the_end_of_a_change_and_keep_compounds(archive, question, figure):
    answer = ask(archive, question)
    assert answer is not None and answer["figure"] == figure


def test_stored_figures_carry_role_and_group(archive):
    rows = archive.db.execute("SELECT raw, role, group_start, group_end FROM figures").fetchall()
    by_raw = {r[0]: r[1:] for r in rows}
    assert by_raw["21%"][0] == "from" and by_raw["74%"][0] == "to"
    assert by_raw["301户"][1:] == by_raw["611人"][1:] != (None, None)


def test_how_many_counts_things_and_takes_no_rate(tmp_path):
    path = tmp_path / "town.txt"
    path.write_text("2024年某镇工作总结\n一、环境卫生\n垃圾转运站覆盖率达到100%，全年新建垃圾转运站4座。\n",
                    encoding="utf-8")
    town = Archive(tmp_path / "archive.db")
    add_file(town, path)
    chunk = next(c for c in town.chunks([row[0] for row in town.db.execute("SELECT id FROM chunks")])
                 if "4座" in c.text)
    figures = {chunk.id: town.figures([chunk.id])}

    def figure(question: str) -> str:
        return extract_answer(question, [chunk], figures).figure

    assert figure("How many garbage transfer stations were built?") == "4座"
    assert figure("What share of the town do garbage transfer stations cover?") == "100%"
    town.close()


def test_an_english_question_is_answered_by_a_fitting_figure_its_glosses_partly_hold(archive):
    """English words reach Chinese text loosely; a figure of the unit asked for vouches for a passage
    whose glosses hold a quarter of them, while one with no fitting figure needs more."""
    searcher = Searcher(archive)
    chunk = archive.chunks([archive.db.execute("SELECT min(id) FROM chunks").fetchone()[0]])[0]

    def found(unit_fit: bool, share: float) -> bool:
        top = Candidate(chunk, None, 1, 0.0, 0.1, 0.0, unit_fit, english_coverage=share)
        return searcher._found(top, {}, True, "How many resettlement flats were allocated?")

    assert found(True, 0.25) and found(True, 0.5)
    assert not found(False, 0.25) and not found(True, 0.2)


def test_an_english_question_naming_its_place_needs_only_its_words_in_the_glosses(archive):
    """Answers come only from the reports of a place the question names ("in Sichuan"): there, the
    passage's glosses holding its words are enough, with no fitting figure or dense support."""
    searcher = Searcher(archive)
    chunk = archive.chunks([archive.db.execute("SELECT min(id) FROM chunks").fetchone()[0]])[0]

    def found(place_named: bool, share: float) -> bool:
        top = Candidate(chunk, None, 1, 2.0, 0.05, 0.0, False, english_coverage=share)
        return searcher._found(top, {}, True, "How many hogs did the county slaughter?",
                               place_named=place_named)

    assert found(True, 0.5)
    assert not found(False, 0.5) and not found(True, 0.3)


def test_an_english_question_keeps_to_the_top_passage_unless_another_fits_far_better(tmp_path):
    """Its Chinese terms are loose translations: a lower passage sharing a few more of them is no
    reason to leave the passage the ranking put first; a Chinese question weighs them as before."""
    path = tmp_path / "town.txt"
    path.write_text("2024年某镇工作总结\n一、城市建设\n全年建成停车场10个。\n二、交通\n新建公园停车场120个。\n",
                    encoding="utf-8")
    town = Archive(tmp_path / "archive.db")
    add_file(town, path)
    chunks = town.chunks([row[0] for row in town.db.execute("SELECT id FROM chunks")])
    first, second = (next(c for c in chunks if figure in c.text) for figure in ("10个", "120个"))
    figures = {c.id: town.figures([c.id]) for c in (first, second)}
    terms = ["停车场", "新建", "公园"]  # what translating "new", "park", "car park" might give
    assert extract_answer("How many car parks?", [first, second], figures, extra_terms=terms).figure == "10个"
    assert extract_answer("新建公园停车场多少个？", [first, second], figures).figure == "120个"
    town.close()


def test_an_english_questions_words_in_the_glosses_before_a_figure_pick_it(tmp_path):
    path = tmp_path / "town.txt"
    path.write_text("2024年某镇工作总结\n一、园林绿化\n新改城市街心花园10个，实施园林绿化工程28项。\n", encoding="utf-8")
    town = Archive(tmp_path / "archive.db")
    add_file(town, path)
    chunk = next(c for c in town.chunks([row[0] for row in town.db.execute("SELECT id FROM chunks")])
                 if "28项" in c.text)
    figures = {chunk.id: town.figures([chunk.id])}
    question = "How many landscaping projects were carried out?"
    words = english_question_words(town, question)
    assert set(words) == {"landscaping", "projects", "carried"}
    assert extract_answer(question, [chunk], figures, units=["个", "项"], english_words=words).figure == "28项"
    assert extract_answer(question, [chunk], figures, units=["个", "项"]).figure == "10个"  # 个 fits first
    town.close()


def one_chunk(tmp_path, body: str):
    """A one-section town report's archive, its chunk and the chunk's figures."""
    path = tmp_path / "town.txt"
    path.write_text(f"2024年某镇工作总结\n一、工作回顾\n{body}\n", encoding="utf-8")
    town = Archive(tmp_path / "archive.db")
    add_file(town, path)
    chunk = town.chunks([row[0] for row in town.db.execute("SELECT id FROM chunks")])[-1]
    return town, chunk, {chunk.id: town.figures([chunk.id])}


def figure_of(town: Archive, chunk, figures: dict, question: str) -> str:
    """The figure answering the question from one chunk, English questions with their weighed words."""
    words = english_question_words(town, question) or None
    return extract_answer(question, [chunk], figures, english_words=words).figure


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("新建了多少所县医院？", "786所"),
        ("How many county hospitals were built?", "786所"),
        ("维修改造了多少平方米人行道？", "1.2万平方米"),  # the noun ends where 进行了维修改造 begins
        ("维修改造了多少平方米路面？", "2.7万平方米"),
    ],
)
def test_the_noun_after_a_measure_word_says_what_a_figure_counts(tmp_path, question, figure):
    town, chunk, figures = one_chunk(
        tmp_path, "新建1.88万所乡镇卫生院、786所县医院和534所妇幼保健院。"
                  "对破旧的2.7万平方米路面、1.2万平方米人行道进行了维修改造。")
    assert figure_of(town, chunk, figures, question) == figure
    town.close()


def test_how_many_things_is_not_answered_in_hours_or_by_an_output_value(tmp_path):
    town, chunk, figures = one_chunk(
        tmp_path, "公园实现24小时开放，全年新增公园127座。天然气产量562亿立方米，出让收益超过133.6亿元。")
    assert figure_of(town, chunk, figures, "How many new parks opened?") == "127座"
    assert figure_of(town, chunk, figures, "How many hours a day are the parks open?") == "24小时"
    assert figure_of(town, chunk, figures, "What was the output of natural gas?") == "562亿立方米"
    town.close()


def test_a_unit_of_the_same_dimension_fits_the_one_asked(tmp_path):
    town, chunk, figures = one_chunk(tmp_path, "粮食收购资金2000亿元，全年产量50150万吨。")
    assert figure_of(town, chunk, figures, "粮食产量多少斤？") == "50150万吨"
    assert figure_of(town, chunk, figures, "粮食产量多少公斤？") == "50150万吨"
    town.close()


@pytest.mark.parametrize(("question", "figure"), [
    ("给优抚对象发的医疗补助金有多少？", "78万元"),
    ("How much medical assistance went to veterans' families?", "78万元"),
    ("发放优抚金多少？", "1100万元"),
])
def test_the_verb_that_starts_a_list_is_every_items(tmp_path, question, figure):
    """发放 and the people paid belong to all three sums, not to the first one alone."""
    town, chunk, figures = one_chunk(tmp_path, "为2300名优抚对象发放优抚金1100万元、兵役优待金1028万元、医疗补助金78万元。")
    assert figure_of(town, chunk, figures, question) == figure
    town.close()


def test_how_many_things_is_a_count_unless_the_question_names_a_measure(tmp_path):
    """Compounds are counted in 个, not in the 公里 of pipes laid; "how many kilometres" names its unit."""
    town, chunk, figures = one_chunk(tmp_path, "改造老旧小区管网1.68万公里，全年改造老旧小区7323个。")
    assert figure_of(town, chunk, figures, "How many old residential compounds were renovated?") == "7323个"
    assert figure_of(town, chunk, figures, "How many kilometres of compound pipes were renovated?") == "1.68万公里"
    town.close()


def test_a_unit_named_after_how_many_outranks_what_the_words_suggest(tmp_path):
    """多少名 asks for people: the 保障金 in the question does not make the sum paid the answer."""
    town, chunk, figures = one_chunk(tmp_path, "为7154户13322名城市低保对象发放保障金6359万元。")
    assert figure_of(town, chunk, figures, "城市低保保障金发给了多少名低保对象？") == "13322名"
    assert figure_of(town, chunk, figures, "城市低保保障金发了多少万元？") == "6359万元"
    town.close()


def test_how_long_asks_for_a_duration_and_what_was_for_an_amount(tmp_path):
    """"How long did it take" is answered in 年; "what was the projects' investment" in 元, not 个."""
    town, chunk, figures = one_chunk(
        tmp_path, "新增天然气入户2万户，解决了长达8年之久的入户纠纷。实施生态环境治理项目4132个，总投资612亿元。")
    assert figure_of(town, chunk, figures, "How long had the dispute over household gas connections lasted?") == "8年"
    assert figure_of(town, chunk, figures,
                     "For the environmental remediation projects, what was the total investment?") == "612亿元"
    assert figure_of(town, chunk, figures, "How many environmental remediation projects were there?") == "4132个"
    assert "年" not in wanted_units("How long is Beijing's metro network?")
    assert wanted_units("How many years had the tax been collected?")[0] == "年"
    town.close()


def test_a_dimension_named_asks_for_its_units(tmp_path):
    """"What area" is answered in 平方米 or 亩, "how long is the road" in 公里; "in the urban area" is a
    place, so a count asked there stays a count."""
    town, chunk, figures = one_chunk(
        tmp_path, "新建城市道路5条，全长12公里，维修破损路面2.7万平方米；城区新植苗木15万株。")
    assert figure_of(town, chunk, figures, "What area of damaged road surface was repaired?") == "2.7万平方米"
    assert figure_of(town, chunk, figures, "What length of new city roads was built?") == "12公里"
    assert figure_of(town, chunk, figures, "How long are the new city roads?") == "12公里"
    assert figure_of(town, chunk, figures, "How many seedlings were planted in the urban area?") == "15万株"
    assert figure_of(town, chunk, figures, "新建城市道路总长度是多少？") == "12公里"
    assert wanted_units("How many trees were planted in the Greater Bay Area?") == ["株"]
    town.close()


def test_a_change_that_follows_a_comma_is_the_change_of_what_the_clause_before_names(tmp_path):
    """比重达18.5%，提高7.2个百分点: the 7.2 points are the share's rise; 为 (for) names nothing, so
    为13710户居民发放医疗救助金 is not the households that got the 低保 before it."""
    town, chunk, figures = one_chunk(
        tmp_path, "城镇化率达到64.7%，提高11.6个百分点；我国经济总量占世界经济的比重达18.5%，提高7.2个百分点。")
    for question in ("By how many percentage points did China's share of the world economy rise?",
                     "我国经济占世界经济的比重提高了几个百分点？"):
        assert figure_of(town, chunk, figures, question) == "7.2个百分点", question
    town.close()
    (tmp_path / "relief").mkdir()
    town, chunk, figures = one_chunk(
        tmp_path / "relief", "为10578户农村低保对象发放保障金3835万元；为13710户居民发放医疗救助金2176万元。")
    assert figure_of(town, chunk, figures, "一共给多少户农村低保家庭发了保障金？") == "10578户"
    town.close()


def test_a_plan_that_only_says_when_and_how_much_is_the_plan_for_what_the_clause_before_names(tmp_path):
    """已建成社区食堂80个，今年要扩大到150个: "今年要扩大到" (this year, to expand to) names nothing, so
    the 150 are the canteens of the clause before it, not the parks planned just before them."""
    town, chunk, figures = one_chunk(
        tmp_path, "已建成口袋公园40个，今年要增加到60个。全市已建成社区食堂80个，今年要扩大到150个。")
    from index.hints import asked

    def planned(question):
        words = english_question_words(town, question) or None
        return extract_answer(question, [chunk], figures, english_words=words, asked=asked(question)).figure

    for question in ("How many community canteens does the city plan to have in 2024?",
                     "2024年社区食堂计划扩大到多少个？"):
        assert planned(question) == "150个", question
    assert planned("How many community canteens had been built by 2024?") == "80个"
    town.close()


def test_an_english_question_reads_the_glosses_of_a_figures_whole_clause(tmp_path):
    """"Tourist arrivals rose by what percentage": 22.5% is the rise of 接待游客743万人次 in the clause
    before it, the 27.6% the rise of tourism revenue; and 平方米 is no 米 when a length is asked."""
    town, chunk, figures = one_chunk(
        tmp_path, "全年接待游客743万人次，同比增长22.5%；实现旅游收入57亿元，增长27.6%。")
    assert figure_of(town, chunk, figures, "By what percentage did tourist arrivals rise year on year?") == "22.5%"
    assert figure_of(town, chunk, figures, "By what percentage did tourism revenue grow?") == "27.6%"
    town.close()
    (tmp_path / "aid").mkdir()
    town, chunk, figures = one_chunk(tmp_path / "aid", "发放城市困难群众和农村特困人员救助金2176万元。")
    aid = figures[chunk.id][0]  # its lead is the list's last item; its clause names the city too
    assert english_lead(aid, chunk, {"city": 1.0, "aid": 1.0}) == 0.5
    assert english_clause(aid, chunk, {"city": 1.0, "aid": 1.0}) == 1.0
    town.close()
    assert _unit_index("平方米", ["公里", "米"]) is None and _unit_index("人次", ["次"]) == 0


def test_how_often_asks_for_a_number_of_times(tmp_path):
    """"How often" is answered by the 次 of the talks, not left as a sentence without a figure."""
    town, chunk, figures = one_chunk(tmp_path, "平均每季度开展针对分管部门负责人的廉政谈话2次，新建公厕20座。")
    assert figure_of(town, chunk, figures, "How often per quarter does the deputy head talk with department heads?") == "2次"
    town.close()


def test_the_unit_after_per_divides_and_is_not_the_one_asked(tmp_path):
    """"Yield per mu" is counted in 斤, not 亩; "yuan per mu" still asks for 元; "per cent" is a rate."""
    town, chunk, figures = one_chunk(tmp_path, "全年粮食播种面积1.2万亩，粮食单产每亩提高10.1斤。")
    assert figure_of(town, chunk, figures, "By how much did grain yield per mu go up?") == "10.1斤"
    assert wanted_units("How much grain was harvested per mu?") == []
    assert wanted_units("How many yuan per mu was the subsidy?") == ["元"]
    assert wanted_units("What was the energy use per unit of GDP?") == []
    assert wanted_units("By how many per cent did it grow?")[0] == "%"
    town.close()


def test_grew_to_asks_for_the_level_and_what_share_for_a_rate(tmp_path):
    """"GDP grew to what level" is the 121万亿元 it reached, not the 5.2% it grew by; "what share of
    spending" (比重) is the 50.2%, not the spending's 9.7亿元."""
    town, chunk, figures = one_chunk(
        tmp_path, "国内生产总值增长5.2%，经济总量达到121万亿元。民生支出9.7亿元，占财政支出的50.2%。")
    assert figure_of(town, chunk, figures, "GDP grew to what level?") == "121万亿元"
    assert figure_of(town, chunk, figures, "By how much did GDP grow?") == "5.2%"
    assert figure_of(town, chunk, figures, "What share of spending went on people's livelihoods?") == "50.2%"
    assert wanted_units("What share of spending went on livelihoods?") == ["%", "个百分点"]
    assert figure_of(town, chunk, figures, "民生支出占财政支出的比重是多少？") == "50.2%"
    assert wanted_units("花在民生上的财政支出占全年支出的比重是多少？") == ["%", "个百分点"]
    assert "元" in wanted_units("How much was spent on livelihoods?")
    town.close()


def test_a_range_is_quoted_whole(tmp_path):
    """A target of 4.5%—5% is not its lower bound; 由21%至74% is a change, whose end answers."""
    town, chunk, figures = one_chunk(tmp_path, "今年地区生产总值增长4.5%—5%。森林覆盖率由21%至74%。")
    assert figure_of(town, chunk, figures, "地区生产总值增长目标是多少？") == "4.5%—5%"
    assert figure_of(town, chunk, figures, "What GDP growth is targeted?") == "4.5%—5%"
    assert figure_of(town, chunk, figures, "森林覆盖率提高到多少？") == "74%"
    town.close()


def test_a_figure_is_quoted_with_the_unit_as_written(tmp_path):
    """辆次 is a unit of its own (vehicle trips); 台（套） keeps its alternative measure word; 突破 (more
    than) and 接近 (nearly) stay whole."""
    town, chunk, figures = one_chunk(tmp_path, "港车北上累计832万辆次。完成工业设备更新14.2万台（套）。"
                                               "国家级高新技术企业突破3万家。非化石能源发电量占比接近40%。")
    assert figure_of(town, chunk, figures, "港车北上累计多少辆次？") == "832万辆次"
    assert figure_of(town, chunk, figures, "完成工业设备更新多少台？") == "14.2万台（套）"
    assert figure_of(town, chunk, figures, "国家级高新技术企业有多少家？") == "突破3万家"  # more than
    assert figure_of(town, chunk, figures, "非化石能源发电量占比是多少？") == "接近40%"  # 接近, not 近
    town.close()


@pytest.mark.parametrize(("question", "figure"), [
    ("What was life expectancy by 2024?", "80.1岁"),  # an indicator named asks for its figure
    ("What was the monthly minimum living allowance raised to?", "1167元"),  # a change's end
])
def test_naming_an_indicator_or_a_changes_end_asks_for_a_figure(tmp_path, question, figure):
    town, chunk, figures = one_chunk(
        tmp_path, "人均预期寿命从2020年的79.2岁提升至80.1岁。低保月标准从1100元提高到1167元。")
    assert figure_of(town, chunk, figures, question) == figure
    town.close()


@pytest.mark.parametrize("question", [
    "What is the capital of France?", "Who painted the Mona Lisa?", "What were the main tasks for 2025?"])
def test_questions_naming_no_measure_ask_for_no_figure(question):
    from index.answer import is_quantity_question

    assert not is_quantity_question(question)


def test_how_much_money_asks_for_yuan(tmp_path):
    """多少钱 is the plain Chinese of "how much money" (money -> 元 is in the same table)."""
    town, chunk, figures = one_chunk(tmp_path, "城乡低保标准提高8.5%，每人每月提高到1167元。")
    assert figure_of(town, chunk, figures, "低保标准每人每月提高到了多少钱？") == "1167元"
    town.close()


BULLETIN = """2024年某市国民经济和社会发展统计公报

一、金融
年末全市金融机构各项存款余额5625.03亿元，比年初增加586.96亿元。
二、人口
年末户籍人口477.43万人，比上年末增加3.88万人。
三、财政
表2 财政收支情况
（1）税收收入; 绝对数（亿元）: 69.10; 比上年增长（%）: 12.5
（2）非税收入; 绝对数（亿元）: 41.58; 比上年增长（%）: 1.2
"""


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("存款余额比年初多了多少亿元？", "586.96亿元"),  # the change asked, not the level
        ("户籍人口比上年末增加了多少人？", "3.88万人"),
        ("户籍人口有多少人？", "477.43万人"),
        ("税收收入有多少亿元？", "69.10"),  # a table cell, in its column's unit
        ("非税收入比上年增长了多少？", "1.2"),
    ],
)
def test_a_bulletin_answers_changes_and_table_cells(tmp_path, question, figure):
    with text_archive(tmp_path, BULLETIN, "bulletin.txt") as archive:
        answer = ask(archive, question)
    assert answer is not None and answer["figure"] == figure
