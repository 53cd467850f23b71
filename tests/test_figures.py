"""Figures come out of real reports with the value, unit and span a reader would quote."""

from __future__ import annotations

import math
import time

import pytest
from conftest import REPORTS

from archive.figures import UNITS, extract_figures, parse_number
from archive.models import Figure


def read_report(name: str) -> str:
    """Bundled .txt reports are UTF-8, except two district reports kept in GBK with CRLF."""
    raw = (REPORTS / name).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    return text.replace("\r\n", "\n")


def find(figures: list[Figure], raw: str) -> Figure:
    """The first figure written exactly as `raw`."""
    matches = [f for f in figures if f.raw == raw]
    assert matches, f"{raw!r} not among {[f.raw for f in figures][:50]}"
    return matches[0]


@pytest.fixture(scope="module")
def seed() -> tuple[str, list[Figure]]:
    text = read_report("district-deputy-duty-report.txt")
    return text, extract_figures(text)


@pytest.mark.parametrize(
    ("raw", "value", "unit"),
    [
        ("2206户", 2206, "户"),
        ("34.6%", 34.6, "%"),
        ("6359万元", 63_590_000, "元"),
        ("743万人次", 7_430_000, "人次"),
        ("22.5％", 22.5, "%"),
        ("2831张", 2831, "张"),
        ("286个", 286, "个"),
        ("2318个", 2318, "个"),
        ("57亿元", 5_700_000_000, "元"),
        ("68起", 68, "起"),
        ("20座", 20, "座"),
        ("2万户", 20_000, "户"),
        ("4个", 4, "个"),
        ("11场次", 11, "场次"),
        ("2次", 2, "次"),
        ("1100万元", 11_000_000, "元"),
        ("2.7万平方米", 27_000, "平方米"),
        ("6000多起", 6000, "起"),
        ("8年", 8, "年"),  # 长达8年之久: a duration, kept
    ],
)
def test_seed_report_figures(seed: tuple[str, list[Figure]], raw: str, value: float, unit: str):
    text, figures = seed
    f = find(figures, raw)
    assert (f.value, f.unit) == (pytest.approx(value), unit)
    assert text[f.start : f.end] == raw
    assert raw in f.context and "，" not in f.context and len(f.context) <= 120


def test_seed_clause_is_bounded_by_clause_breaks(seed: tuple[str, list[Figure]]):
    _, figures = seed
    assert find(figures, "743万人次").context == "全区接待游客743万人次"
    assert find(figures, "22.5％").context == "同比增长22.5％"


@pytest.mark.parametrize(
    "word", ["9月底", "一是", "二是", "1.狠抓", "（一）", "近万人", "一岗双责", "两张皮"]
)
def test_seed_dates_ordinals_and_words_are_not_figures(seed: tuple[str, list[Figure]], word: str):
    text, figures = seed
    at = text.index(word)
    assert not [f for f in figures if f.start < at + len(word) and at < f.end]


def test_seed_has_no_unitless_figures(seed: tuple[str, list[Figure]]):
    _, figures = seed
    assert all(f.unit for f in figures) and len(figures) > 80


@pytest.mark.parametrize(
    ("report", "raw", "value", "unit"),
    [
        ("gwr_1954_state_council.txt", "八千一百九十九萬噸", 81_990_000, "吨"),
        ("gwr_1954_state_council.txt", "二百十七萬噸", 2_170_000, "吨"),
        ("gwr_1954_state_council.txt", "一百零八億度", 10_800_000_000, "度"),
        ("gwr_1954_state_council.txt", "一萬三千五百十三台", 13_513, "台"),
        ("gwr_1954_state_council.txt", "百分之三十六點九", 36.9, "%"),
        ("gwr_1954_state_council.txt", "四點二倍", 4.2, "倍"),
        ("gwr_1954_state_council.txt", "三億二千三百八十萬九千六百八十四人", 323_809_684, "人"),
        ("gwr_1954_state_council.txt", "六萬萬人", 600_000_000, "人"),
        ("gwr_1954_state_council.txt", "五千一百五十萬餘人", 51_500_000, "人"),  # 餘: 余 written traditional
        ("gwr_1954_state_council.txt", "四百八十餘萬人", 4_800_000, "人"),
        ("gwr_1955_state_council.txt", "九千三百一十万吨", 93_100_000, "吨"),
        ("gwr_1955_state_council.txt", "六千三百五十三万吨", 63_530_000, "吨"),
        ("gwr_1955_state_council.txt", "百分之七十七点五", 77.5, "%"),
        ("gwr_1997_state_council.txt", "１４．８％", 14.8, "%"),
        ("gwr_1997_state_council.txt", "６７７００多亿元", 6_770_000_000_000, "元"),
        ("gwr_1997_state_council.txt", "１０００亿美元", 100_000_000_000, "美元"),
        ("gwr_1997_state_council.txt", "４８００亿公斤", 480_000_000_000, "公斤"),
        ("gwr_1998_state_council.txt", "7 4 7 7 2 亿元", 7_477_200_000_000, "元"),
        ("gwr_1998_state_council.txt", "1 5 ．3 ％", 15.3, "%"),
        ("gwr_1998_state_council.txt", "4 9 2 5 0 万吨", 492_500_000, "吨"),
        ("gwr_1998_state_council.txt", "1 0 ．0 6 ‰", 10.06, "‰"),
        ("gwr_1998_state_council.txt", "3 0 0 多个", 300, "个"),
    ],
)
def test_old_reports_numerals(report: str, raw: str, value: float, unit: str):
    text = read_report(report)
    f = find(extract_figures(text), raw)
    assert (f.value, f.unit) == (pytest.approx(value), unit)
    assert text[f.start : f.end] == raw


@pytest.mark.parametrize(
    ("report", "year"),
    [
        ("gwr_1997_state_council.txt", "１９９６年"),
        ("gwr_1998_state_council.txt", "1 9 9 3 年"),
        ("gwr_1998_state_council.txt", "1 9 9 7 年"),
        ("gwr_1954_state_council.txt", "一九五三年"),
        ("cpc_congress_16_report_2002.txt", "二０一０年"),
    ],
)
def test_years_are_not_figures(report: str, year: str):
    text = read_report(report)
    at = text.index(year)
    assert not [f for f in extract_figures(text) if f.start < at + len(year) and at < f.end]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2206", 2206),
        ("２２.５", 22.5),
        ("２２．５", 22.5),
        ("1 9 9 3", 1993),
        ("1 5 ．3", 15.3),
        ("1,256", 1256),
        ("一千二百", 1200),
        ("一千二百万", 12_000_000),
        ("2.7万", 27_000),
        ("4.06万亿", 4_060_000_000_000),
        ("3千万", 30_000_000),
        ("1万6千多", 16_000),
        ("两万", 20_000),
        ("二百十七", 217),
        ("一百零八", 108),
        ("一万五", 15_000),
        ("十万", 100_000),
        ("十亿三千万", 1_030_000_000),
        ("四點二", 4.2),
        ("零点五", 0.5),
        ("六萬萬", 600_000_000),
        ("一九九三", 1993),
        ("百分之二十", 20),
        ("1.2 trillion", 1.2e12),
    ],
)
def test_parse_number(raw: str, value: float):
    assert parse_number(raw) == value


@pytest.mark.parametrize("raw", ["", "abc", "万元", "2.7.3", "一点点"])
def test_parse_number_rejects_non_numbers(raw: str):
    assert parse_number(raw) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("增长4%左右", [("4%", 4, "%")]),
        ("提高0.5个百分点", [("0.5个百分点", 0.5, "个百分点")]),
        ("年均增长百分之二十", [("百分之二十", 20, "%")]),
        ("产量一千二百万吨", [("一千二百万吨", 12_000_000, "吨")]),
        ("增加2至3个", [("2至3个", 2, "个")]),  # a range: raw spans it, value is the low end
        ("增长5%-6%", [("5%", 5, "%"), ("6%", 6, "%")]),
        ("共有1,256人", [("1,256人", 1256, "人")]),
        ("减少1000万以上", [("1000万", 10_000_000, "")]),  # scaled, no unit: kept
        ("由5千多户增加到1万6千多户", [("5千多户", 5000, "户"), ("1万6千多户", 16_000, "户")]),
        ("减负3万多亿元", [("3万多亿元", 3e12, "元")]),
        ("220千伏变电站", [("220千伏", 220, "千伏")]),
        (
            "GDP grew 5.2 percent to 126 trillion yuan",
            [("5.2 percent", 5.2, "%"), ("126 trillion yuan", 1.26e14, "元")],
        ),
    ],
)
def test_extract_shapes(text: str, expected: list[tuple[str, float, str]]):
    got = [(f.raw, f.value, f.unit) for f in extract_figures(text)]
    assert got == [(r, pytest.approx(v), u) for r, v, u in expected]


@pytest.mark.parametrize(
    "text",
    [
        "2024年3月15日召开",  # a date
        "9月底完成验收",
        "第3个五年计划",  # an ordinal
        "一是强化理论武装。二是深学相关政策。",
        "（一）城市建设工作\n1.狠抓道路建设工程",  # list numbers
        "PM2.5浓度下降",  # a code
        "十四五时期，三四十个",  # digit strings and approximations in Chinese numerals
        "两千三百万台湾同胞",  # 台 of 台湾 is no unit; a Chinese run needs a unit
        "常住人口达到2500",  # a bare number without scale or unit
        "千方百计，万众一心",
    ],
)
def test_not_figures(text: str):
    assert extract_figures(text) == []


def test_every_bundled_report_extracts_fast_and_consistently():
    texts = {p.name: read_report(p.name) for p in sorted(REPORTS.glob("*.txt"))}
    started = time.perf_counter()
    found = {name: extract_figures(text) for name, text in texts.items()}
    assert time.perf_counter() - started < 5
    for name, figures in found.items():
        text = texts[name]
        assert figures, name
        assert [f.start for f in figures] == sorted(f.start for f in figures)
        for f in figures:
            assert text[f.start : f.end] == f.raw
            assert f.unit in UNITS or f.unit == ""
            assert math.isfinite(f.value) and f.value >= 0
            assert f.raw.strip() in f.context


# --- issue 10: figures read the way a reader reads them ------------------------------------


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("森林覆盖率由21%提升至74%", [("21%", "from"), ("74%", "to")]),
        ("覆盖率由2020年的21%提升至2025年的74%", [("21%", "from"), ("74%", "to")]),
        ("国内生产总值从26.6万亿元增加到51.9万亿元", [("26.6万亿元", "from"), ("51.9万亿元", "to")]),
        ("物价涨幅要从１４．８％降到１０％左右", [("１４．８％", "from"), ("１０％", "to")]),
        ("the share rose from 21 percent to 74 percent", [("21 percent", "from"), ("74 percent", "to")]),
        ("收入从2021年的46503元和16935元分别提高到58794元和23184元",
         [("46503元", "from"), ("16935元", "from"), ("58794元", "to"), ("23184元", "to")]),
        ("补贴标准分别从每人每月209元、280元提高到217元、290元",
         [("209元", "from"), ("280元", "from"), ("217元", "to"), ("290元", "to")]),
        ("从771家、481家增加到1076家", [("771家", ""), ("481家", "from"), ("1076家", "to")]),
        ("增长5%，达到120亿元", [("5%", ""), ("120亿元", "")]),  # no change named: no roles
        ("增长5%-6%", [("5%", ""), ("6%", "")]),
    ],
)
def test_changes_mark_where_they_started_and_ended(text, roles):
    assert [(f.raw, f.role) for f in extract_figures(text)] == roles


def test_compound_figures_keep_their_parts():
    text = "搬迁群众301户611人，新建住房120套"
    figures = extract_figures(text)
    assert [(f.raw, f.unit) for f in figures] == [("301户", "户"), ("611人", "人"), ("120套", "套")]
    whole = {(f.group_start, f.group_end) for f in figures[:2]}
    assert len(whole) == 1 and text[slice(*whole.pop())] == "301户611人"
    assert figures[2].group_start is None
    assert all(f.group_start is None for f in extract_figures("增长5%6个百分点"))  # rates never join


@pytest.mark.parametrize(
    ("text", "raw", "value", "unit"),
    [
        ("水库蓄水二十三亿立方公尺", "二十三亿立方公尺", 2.3e9, "立方米"),
        ("鋼二百十七萬噸", "二百十七萬噸", 2_170_000, "吨"),
        ("修建公路三千五百公尺", "三千五百公尺", 3500, "米"),
        ("发电量达到一百零八億度", "一百零八億度", 1.08e10, "度"),
        ("生猪存栏12万头", "12万头", 120_000, "头"),
        ("旅客发送量3.2亿人次", "3.2亿人次", 3.2e8, "人次"),
        ("新建5G基站2000座", "2000座", 2000, "座"),
        ("新增船舶15艘", "15艘", 15, "艘"),
        ("造林1.2万公顷", "1.2万公顷", 12_000, "公顷"),
        ("新改建农村公路120千米", "120千米", 120, "公里"),
        ("粮食产量4800万吨", "4800万吨", 4.8e7, "吨"),
        ("高标准农田50万亩", "50万亩", 500_000, "亩"),
        ("新增公交车300辆", "300辆", 300, "辆"),
        ("引进企业45家", "45家", 45, "家"),
        ("新建学校12所", "12所", 12, "所"),
        ("新增床位800张", "800张", 800, "张"),
        ("安装路灯1200盏", "1200盏", 1200, "盏"),
        ("货运周转量5600亿吨公里", "5600亿吨公里", 5.6e11, "吨公里"),
        ("棉花一千三百万担", "一千三百万担", 1.3e7, "担"),
        ("发电设备四十万瓩", "四十万瓩", 400_000, "千瓦"),
    ],
)
def test_report_units_in_general(text, raw, value, unit):
    f = find(extract_figures(text), raw)
    assert (f.value, f.unit) == (pytest.approx(value), unit)


@pytest.mark.parametrize("text", ["三方面的工作", "十部门联合", "担任组长", "一方面"])
def test_new_units_do_not_take_words(text):
    assert extract_figures(text) == []


def test_chinese_numerals_are_read_by_cn2an(monkeypatch):
    import cn2an

    calls = []
    real = cn2an.cn2an
    monkeypatch.setattr(cn2an, "cn2an", lambda s, mode="strict": calls.append(s) or real(s, mode))
    assert parse_number("三億二千三百八十萬九千六百八十四") == 323_809_684
    assert calls  # the library reads them, not a parser of our own


TABLE_ROWS = """表2 财政收支情况
产量（万吨）: 20.66
（1）税收收入; 绝对数（亿元）: 69.10; 比上年增长（%）: 12.5
木材采伐; 单位: 万立方米; 产量: 135.23
类别: 居民消费价格指数; 指数（以上年为100）: 100.0
粮食; 产量（吨）: 1223474"""


def test_table_cells_take_their_column_or_row_unit():
    """A statistical table's figures carry their unit in the header (绝对数（亿元）) or in the row's
    单位 cell (archive/tables.py writes a row as `name: value; …`): bare, they answer nothing."""
    got = [(f.raw, f.value, f.unit, f.context) for f in extract_figures(TABLE_ROWS)]
    assert got == [
        ("20.66", 206600.0, "吨", "产量（万吨）: 20.66"),  # a row's first cell, on a later line
        ("69.10", 6.91e9, "元", "（1）税收收入; 绝对数（亿元）: 69.10"),
        ("12.5", 12.5, "%", "（1）税收收入; 比上年增长（%）: 12.5"),
        ("135.23", 1352300.0, "立方米", "木材采伐; 产量: 135.23"),
        ("1223474", 1223474.0, "吨", "粮食; 产量（吨）: 1223474"),
    ]  # an index (以上年为100) names no unit: 100.0 stays a bare number
