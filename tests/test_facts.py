"""Facts: figures tied to indicators, measures and places, on real reports and tricky clauses."""


import pytest
from conftest import REPORTS

from archive.facts import extract_facts, indicators, place_of
from archive.figures import extract_figures
from archive.ingest import parse_file
from archive.store import Archive
from index.answer import extract_answer


def facts_of(text: str, place="全国"):
    return extract_facts(text, extract_figures(text), place)


def one(text: str):
    found = facts_of(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "indicator", "measure", "figure", "value", "unit"),
    [
        ("国内生产总值达到134.9万亿元。", "国内生产总值", "level", "134.9万亿元", 134.9e12, "元"),
        ("全市地区生产总值5.2万亿元。", "国内生产总值", "level", "5.2万亿元", 5.2e12, "元"),
        ("全省生产总值增长5.5%左右。", "国内生产总值", "growth", "5.5%左右", 5.5, "%"),
        ("去年经济增长8 ．8 ％。", "国内生产总值", "growth", "8 ．8 ％", 8.8, "%"),
        ("城镇新增就业1200万人以上。", "城镇新增就业", "count", "1200万人以上", 1.2e7, "人"),
        ("城镇调查失业率5.5%左右。", "城镇调查失业率", "level", "5.5%左右", 5.5, "%"),
        ("居民消费价格涨幅控制在3%以内。", "居民消费价格", "growth", "3%以内", 3.0, "%"),
        (
            "研发投入强度提高0.2个百分点。",
            "研究与试验发展经费",
            "change",
            "0.2个百分点",
            0.2,
            "个百分点",
        ),
        ("全社会研发投入占比6%以上。", "研究与试验发展经费", "share", "6%以上", 6.0, "%"),
        ("城镇化率提高1.2个百分点。", "城镇化率", "change", "1.2个百分点", 1.2, "个百分点"),
        ("粮食产量1.4万亿斤左右。", "粮食产量", "level", "1.4万亿斤左右", 1.4e12, "斤"),
    ],
)
def test_indicator_measure_value_unit(text, indicator, measure, figure, value, unit):
    fact = one(text)
    assert (fact.indicator, fact.measure, fact.figure, fact.unit) == (
        indicator,
        measure,
        figure,
        unit,
    )
    assert fact.value == pytest.approx(value)
    assert text[fact.start : fact.end] == fact.figure


def test_a_measure_clause_takes_the_indicator_before_it():
    found = facts_of("国内生产总值超过126万亿元，增长5.2%，增速居世界前列。")
    assert [(f.measure, f.figure) for f in found] == [("level", "126万亿元"), ("growth", "5.2%")]
    found = facts_of("国内生产总值达到６７７００多亿元，按可比价格计算，比上年增长９．７％。")
    assert [f.measure for f in found] == ["level", "growth"]


def test_ranges_are_one_fact_with_a_high_value():
    fact = one("今年发展主要预期目标是：国内生产总值增长6%－6.5%；")
    assert (fact.figure, fact.value, fact.value_high) == ("6%－6.5%", 6.0, 6.5)
    fact = one("全省地区生产总值增长5.0%—5.5%，根据实际情况争取更好的结果。")
    assert (fact.figure, fact.value, fact.value_high) == ("5.0%—5.5%", 5.0, 5.5)


@pytest.mark.parametrize(
    "text",
    [
        "数字经济核心产业增加值占国内生产总值比重达到10%左右。",  # another numerator's share
        "对全球经济增长的贡献率保持在30%左右。",  # a word of its own between
        "城市副中心和平原新城地区生产总值年均增长5%以上。",  # a part of the place
        "城镇居民、农村居民人均可支配收入分别增长4.6%、6.7%。",  # 分别: one figure each
        "十年增加近70万亿元。",  # no indicator named
        "国内生产总值增加近70万亿元。",  # an increment, not a level
        "财政收入增长1.71倍。",  # a multiple
    ],
)
def test_clauses_that_make_no_fact(text):
    assert facts_of(text) == []


def test_place_of_issuers():
    assert place_of("国务院") == "全国"
    assert place_of("北京市人民政府") == "北京市"
    assert place_of("呼伦贝尔市海拉尔区人民政府") == "呼伦贝尔市海拉尔区"
    assert place_of(None) is None


def test_the_vocabulary_is_general_and_unambiguous():
    names = [i.name for i in indicators()]
    assert len(names) == len(set(names)) >= 20
    aliases = [a for i in indicators() for a in i.chinese]
    assert len(aliases) == len(set(aliases)), "a Chinese name may point to one indicator only"
    assert all(i.nature in ("amount", "rate") for i in indicators())


def test_facts_are_stored_and_readable_with_plain_sql(tmp_path):
    meta = {
        "year": 2019,
        "kind": "gov_work_report",
        "issuer": "国务院",
        "title": "2019年政府工作报告",
    }
    archive = Archive(tmp_path / "archive.db")
    report_id = archive.add(parse_file(REPORTS / "gwr_2019_state_council.txt", meta))
    rows = archive.db.execute(
        "SELECT period, mode, figure, value, value_high, place, title, section_path FROM fact_view"
        " WHERE indicator = '国内生产总值' AND measure = 'growth' ORDER BY char_start"
    ).fetchall()
    assert [r[:6] for r in rows] == [
        (2018, "actual", "6.6%", 6.6, None, "全国"),
        (2019, "target", "6%－6.5%", 6.0, 6.5, "全国"),
    ]
    assert rows[0][6] == "2019年政府工作报告" and "2018年工作回顾" in rows[0][7]
    archive.edit(report_id, issuer="北京市人民政府")  # the place follows the issuer
    places = {r[0] for r in archive.db.execute("SELECT place FROM facts").fetchall()}
    assert places == {"北京市"}
    archive.remove(report_id)
    assert archive.db.execute("SELECT count(*) FROM facts").fetchone() == (0,)
    archive.close()


def test_rebuild_recomputes_the_figures_periods_and_facts_the_rules_derive(tmp_path, tiny_model_dir):
    """A newer unit table, vocabulary or period rule reaches reports added before it at `rebuild`."""
    from index.library import Library

    library = Library.open(tmp_path / "home", model=tiny_model_dir)
    try:
        library.add([REPORTS / "gwr_2019_state_council.txt"], metadata={"year": 2019, "issuer": "国务院"})
        db = library.archive.db
        before = db.execute("SELECT count(*) FROM facts").fetchone()[0]
        periods = db.execute("SELECT count(*) FROM figures WHERE period IS NOT NULL").fetchone()[0]
        assert before and periods
        columns = ("chunk_id, value, unit, raw, char_start, char_end, context, period, mode,"
                   " period_start, role, group_start, group_end")
        figures = sorted(db.execute(f"SELECT {columns} FROM figures").fetchall())
        db.execute("DELETE FROM facts")  # as an older vocabulary left them
        db.execute("DELETE FROM figures WHERE unit = '元'")  # as an older unit table left them
        db.execute("UPDATE figures SET period = NULL, mode = NULL")
        library.rebuild()
        assert db.execute("SELECT count(*) FROM facts").fetchone()[0] == before
        assert db.execute("SELECT count(*) FROM figures WHERE period IS NOT NULL").fetchone()[0] == periods
        assert sorted(db.execute(f"SELECT {columns} FROM figures").fetchall()) == figures  # as added
    finally:
        library.close()



def test_a_question_naming_an_indicator_asks_in_the_units_its_levels_are_stored_in(tmp_path, tiny_model_dir):
    """"What is the grain output target" names no unit: the archive's own 粮食产量 levels are in 吨, so
    the answer is 1285万吨, not the 3320万亩 of sown area its clause leads with; growth asks for a rate."""
    from index.library import Library

    report = tmp_path / "province.txt"
    report.write_text("2026年某省政府工作报告\n一、过去一年工作回顾\n全省粮食产量1273万吨，增长1.2%。\n"
                      "二、今年工作安排\n推广水稻合理密植，实现粮食播种面积3320万亩、产量1285万吨以上。\n",
                      encoding="utf-8")
    library = Library.open(tmp_path / "home", model=str(tiny_model_dir))
    try:
        library.add([report])
        searcher = library.searcher("keyword")
        for question in ("今年粮食产量的目标是多少？", "What is the grain output target for this year?"):
            assert searcher.gather(question, method="keyword").answer_units == ["吨"], question
        assert "吨" not in searcher.gather("粮食产量增长了多少？", method="keyword").answer_units
        passage = library.archive.chunks([cid for (cid,) in library.archive.db.execute(
            "SELECT id FROM chunks WHERE text LIKE '%3320%'")])
        figures = {passage[0].id: library.archive.figures([passage[0].id])}
        assert extract_answer("今年粮食产量的目标是多少？", passage, figures, units=["吨"]).figure == "1285万吨以上"
        assert extract_answer("今年粮食产量的目标是多少？", passage, figures).figure == "3320万亩"
    finally:
        library.close()
