"""The period a passage is about: sections and figures of real bundled reports, tricky sentences,
the stored columns, the backfill of an older archive and `show --json`."""

import json

import pytest
from click.testing import CliRunner
from conftest import REPORTS

from archive.ingest import parse_file, parse_text
from archive.periods import Period, figure_period, plan_span, section_period
from archive.store import Archive

GWR = "gov_work_report"


def meta(year):
    return {"year": year, "kind": GWR, "title": f"{year}年政府工作报告", "issuer": "国务院"}


@pytest.fixture(scope="module")
def gwr2024():
    return parse_file(REPORTS / "gwr_2024_state_council.txt", meta(2024))


def figure(parsed, raw, after_text):
    """The figure written `raw` whose clause holds `after_text`."""
    found = [f for f in parsed.figures if f.raw == raw and after_text in f.context]
    assert found, f"no figure {raw} in a clause with {after_text}"
    return found[0]


def test_the_2024_report_reviews_2023_and_plans_2024(gwr2024):
    by_title = {s.title: s for s in gwr2024.sections}
    review = by_title["一、2023年工作回顾"]
    assert (review.period, review.mode) == (2023, "actual")
    plan = by_title["二、2024年经济社会发展总体要求和政策取向"]
    assert (plan.period, plan.mode) == (2024, "target")
    tasks = [s for s in gwr2024.sections if s.title.startswith("（一）大力推进现代化产业体系")][0]
    assert (tasks.period, tasks.mode) == (2024, "target")


def test_the_2024_report_figures(gwr2024):
    actual = figure(gwr2024, "5.2%", "增长5.2%")
    assert (actual.period, actual.mode) == (2023, "actual")
    target = figure(gwr2024, "5%", "国内生产总值增长5%左右")
    assert (target.period, target.mode, target.period_start) == (2024, "target", None)


def test_five_year_averages_and_endpoints():
    parsed = parse_file(REPORTS / "gwr_2023_state_council.txt", meta(2023))
    avg = figure(parsed, "5.2%", "五年年均增长5.2%")
    assert (avg.period, avg.mode, avg.period_start) == (2022, "average", 2018)
    parsed = parse_file(REPORTS / "gwr_2018_state_council.txt", meta(2018))
    start, end = (
        figure(parsed, "54万亿元", "从54万亿元"),
        figure(parsed, "82.7万亿元", "82.7万亿元"),
    )
    assert (start.period, start.mode) == (2012, "actual")
    assert (end.period, end.mode) == (2017, "actual")
    assert (figure(parsed, "6.9%", "国内生产总值增长6.9%").period, "actual") == (2017, "actual")


def test_a_range_target_is_two_target_figures():
    parsed = parse_file(REPORTS / "gwr_2019_state_council.txt", meta(2019))
    low, high = figure(parsed, "6%", "6%－6.5%"), figure(parsed, "6.5%", "6%－6.5%")
    assert {(low.period, low.mode), (high.period, high.mode)} == {(2019, "target")}


def test_a_spaced_year_heading_of_1998():
    parsed = parse_file(REPORTS / "gwr_1998_state_council.txt", meta(1998))
    titles = {s.title: (s.period, s.mode) for s in parsed.sections}
    assert titles["一、关于过去五年的政府工作"] == (1997, "average")
    assert titles["二、关于1 9 9 8 年政府工作的建议"] == (1998, "target")


@pytest.mark.parametrize(
    ("sentence", "raw", "expected"),
    [
        ("去年经济平稳。预计全年国内生产总值增长7%，物价涨幅3%。", "7%", Period(2024, "estimate")),
        (
            "2007年，国内生产总值达到24.66万亿元，比2002年增长65.5%，年均增长10.6%。",
            "10.6%",
            Period(2007, "average", 2003),
        ),
        (
            "2007年，国内生产总值达到24.66万亿元，比2002年增长65.5%，年均增长10.6%。",
            "24.66万亿元",
            Period(2007, "actual"),
        ),
        ("2024年全年国内生产总值比上年增长5%。", "5%", Period(2024, "actual")),
        # one year's annual mean is that year's result, not a several years' average
        ("2024年细颗粒物年均浓度27微克/立方米。", "27微克/立方米", Period(2024, "actual")),
        ("人均预期寿命达到79.3岁。", "79.3岁", Period(None, None)),  # life expectancy is no target
        ("今年力争粮食产量达到1.3万亿斤。", "1.3万亿斤", Period(2025, "target")),
        ("去年城镇新增就业1256万人。", "1256万人", Period(2024, "actual")),
        (
            "“十三五”时期，脱贫攻坚成果举世瞩目，5575万农村贫困人口实现脱贫。",
            "5575万",
            Period(2020, "average", 2016),
        ),
        ("刚刚过去的2017年，任务全面完成。国内生产总值增长6.9%。", "6.9%", Period(2017, "actual")),
        # the year a change started is its start's, not its end's: 58794元 is last year's income
        ("去年，城镇居民收入从2021年的46503元提高到58794元。", "46503元", Period(2021, "actual")),
        ("去年，城镇居民收入从2021年的46503元提高到58794元。", "58794元", Period(2024, "actual")),
        (
            "落实2030年应对气候变化国家自主贡献目标。单位能耗降低13.5%。",
            "13.5%",
            Period(None, None),
        ),
    ],
)
def test_tricky_sentences(sentence, raw, expected):
    # A 2025 report, in a section that names no period: the sentence alone decides.
    start = sentence.index(raw)
    assert (
        figure_period(sentence, start, start + len(raw), Period(None, None), 2025, GWR) == expected
    )


def test_headings_that_name_periods():
    assert section_period(["一、2025年工作回顾"], 2026, GWR) == Period(2025, "actual")
    assert section_period(["二、2026年主要预期目标"], 2026, GWR) == Period(2026, "target")
    assert section_period(["一、过去五年工作回顾", "（一）宏观调控"], 2018, GWR) == Period(
        2017, "average", 2013
    )
    assert section_period(["三、今年政府工作任务"], 2019, GWR) == Period(2019, "target")
    # 任务 alone is a plan, but not under a heading that names the year reviewed
    assert section_period(["（二）聚力落实国家重大战略任务"], 2026, GWR) == Period(2026, "target")
    assert section_period(["一、2025年工作回顾", "（二）聚力落实国家重大战略任务"], 2026, GWR) == Period(
        2025, "actual"
    )
    assert section_period(["“十三五”时期发展成就"], 2021, GWR) == Period(2020, "average", 2016)
    mixed = section_period(["“十三五”时期发展成就和“十四五”时期主要目标任务"], 2021, GWR)
    assert mixed == Period(None, None)
    assert plan_span(1) == (1953, 1957) and plan_span(14) == (2021, 2025)


def test_no_year_means_no_period():
    text = "一、城市建设\n去年完成投资2.3亿元，今年力争增长10%左右。\n"
    parsed = parse_text(text, file_name="x.txt", fmt="txt", metadata={"title": "述职报告"})
    assert parsed.report.year is None
    assert all(f.period is None for f in parsed.figures)
    assert all(s.period is None for s in parsed.sections)


def test_periods_are_stored_and_backfilled(tmp_path, gwr2024):
    path = tmp_path / "archive.db"
    archive = Archive(path)
    report_id = archive.add(gwr2024)
    stored = list(
        archive.db.query(
            "SELECT period, mode FROM figures WHERE report_id = ? AND raw = '5.2%' ORDER BY char_start LIMIT 1",
            [report_id],
        )
    )
    assert stored == [{"period": 2023, "mode": "actual"}]
    # Turn the file into an archive from before the migration, then reopen it.
    db = archive.db
    db.execute("DROP VIEW fact_view")
    db.execute("DROP TABLE facts")
    db.execute("DROP INDEX figures_period")
    for table, columns in (
        ("sections", ("period", "mode")),
        ("figures", ("period", "mode", "period_start")),
    ):
        for column in columns:
            db.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    db.execute("DELETE FROM _migrations WHERE name IN ('m015_periods', 'm015_facts')")
    db.conn.commit()
    archive.close()
    archive = Archive(path)
    again = list(
        archive.db.query(
            "SELECT period, mode FROM figures WHERE report_id = ? AND raw = '5.2%' ORDER BY char_start LIMIT 1",
            [report_id],
        )
    )
    assert again == stored
    review = archive.db.execute(
        "SELECT period, mode FROM sections WHERE title = '一、2023年工作回顾'"
    ).fetchone()
    assert review == (2023, "actual")
    backfilled = archive.db.execute(
        "SELECT period, mode, figure FROM fact_view WHERE indicator = '国内生产总值' AND measure = 'growth'"
        " ORDER BY char_start"
    ).fetchall()
    assert backfilled == [(2023, "actual", "5.2%"), (2024, "target", "5%左右"), (2024, "target", "5%左右")]
    archive.close()


def test_editing_the_year_recomputes_periods(tmp_path, gwr2024):
    archive = Archive(tmp_path / "archive.db")
    report_id = archive.add(gwr2024)
    archive.edit(report_id, year=2025)
    review = archive.db.execute(
        "SELECT period, mode FROM sections WHERE title = '二、2024年经济社会发展总体要求和政策取向'"
    ).fetchone()
    assert review == (2024, "actual")  # a 2025 report speaking of 2024 speaks of the past
    archive.close()


def test_show_json_gives_each_section_its_period(isolated_home):
    from ui.cli import cli

    runner = CliRunner()
    added = runner.invoke(
        cli,
        [
            "add",
            str(REPORTS / "gwr_2025_state_council.txt"),
            "--no-index",
            "--year",
            "2025",
            "--kind",
            GWR,
        ],
    )
    assert added.exit_code == 0, added.output
    shown = json.loads(runner.invoke(cli, ["show", "1", "--json"]).output)
    by_title = {s["title"]: s for s in shown["sections"]}
    assert (by_title["一、2024年工作回顾"]["period"], by_title["一、2024年工作回顾"]["mode"]) == (
        2024,
        "actual",
    )
    assert by_title["三、2025年政府工作任务"]["mode"] == "target"
