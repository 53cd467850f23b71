"""The section parser: heading styles, false positives, the tree, and every bundled report."""

import re
from pathlib import Path

import pytest
from conftest import REPORTS
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.models import Section
from archive.sections import parse_sections, section_path

SEED = REPORTS / "district-deputy-duty-report.txt"
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
BODY = "全年新建城市道路5条，改造提升道路4条，城市路网体系进一步完善。"


def read_report(path: Path) -> tuple[str, list[int]]:
    """Normalised text and heading offsets: the project reader if present, else a fallback."""
    try:
        from archive.readers import read_file
    except ImportError:
        read_file = None
    if read_file is not None:
        document = read_file(path)
        return document.text, list(document.heading_lines)
    if path.suffix == ".docx":
        import docx

        text, headings = "", []
        for paragraph in docx.Document(str(path)).paragraphs:
            if paragraph.style.name.startswith(("Heading", "标题")):
                headings.append(len(text))
            text += paragraph.text + "\n"
        return ZERO_WIDTH.sub("", text), headings
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    return ZERO_WIDTH.sub("", text.replace("\r\n", "\n")), []


def assert_well_formed(text: str, sections: list[Section]) -> None:
    """Ordinals, spans, parents and titles agree with each other and with the text."""
    for i, s in enumerate(sections):
        assert s.ordinal == i
        assert s.title.strip() and s.title in text[s.start : s.body_start]
        assert 0 <= s.start < s.body_start <= s.end <= len(text)
        later = [t.start for t in sections[i + 1 :] if t.level <= s.level]
        assert s.end == (later[0] if later else len(text))
        if i:
            assert sections[i - 1].start < s.start
        if s.parent is not None:
            parent = sections[s.parent]
            assert parent.ordinal < i and parent.level < s.level
            assert parent.start < s.start and s.end <= parent.end


def outline(text: str, heading_lines=()) -> list[tuple[int, str, str | None]]:
    """(level, title, parent title) per section: the shape tests compare."""
    sections = parse_sections(text, heading_lines)
    assert_well_formed(text, sections)
    return [
        (s.level, s.title, None if s.parent is None else sections[s.parent].title) for s in sections
    ]


# --- the seed report: the exact tree --------------------------------------------------------

SEED_TOP = [
    "一、加强学习，强化素质，不断提高履职能力",
    "二、勤勉履职，勇于担当，圆满完成工作任务",
    "三、坚定信念，加强引导，落实意识形态责任",
    "四、廉洁自律，强化作风，推进党风廉政建设",
]
SEED_SHI = {
    SEED_TOP[0]: ["一是强化理论武装", "二是深学相关政策", "三是注重调查研究"],
    SEED_TOP[2]: [
        "一是坚定信念，强化意识形态",
        "二是加强教育，巩固意识形态",
        "三是明确责任，维护意识形态",
    ],
    SEED_TOP[3]: ["一是加强廉政建设", "二是履行监管责任", "三是自觉接受监督"],
}
SEED_WORK = {
    "（一）城市建设工作": [
        "狠抓道路建设工程",
        "狠抓园林绿化工程",
        "狠抓安居改造工程",
        "狠抓四供保障工程",
    ],
    "（二）城市管理工作": [
        "加强环卫保洁力度",
        "加强市容整治力度",
        "加强违建治理力度",
        "加强广场管理力度",
    ],
    "（三）民政社区工作": [
        "着力统筹社会保障",
        "着力健全养老体系",
        "着力深化军地融合",
        "着力优化社区管理",
    ],
    "（四）旅游开发工作": [
        "加快重点项目建设",
        "加快乡村旅游开发",
        "加快户外运动发展",
        "加快旅游环境提升",
    ],
}


def seed_expected() -> list[tuple[int, str, str | None]]:
    expected = []
    for top in SEED_TOP:
        expected.append((1, top, None))
        expected += [(4, item, top) for item in SEED_SHI.get(top, [])]
        if top == SEED_TOP[1]:
            for work, items in SEED_WORK.items():
                expected.append((2, work, top))
                expected += [(3, f"{n}.{item}", work) for n, item in enumerate(items, 1)]
    return expected


def test_seed_report_tree_is_exact():
    text, _ = read_report(SEED)
    assert outline(text) == seed_expected()


def test_seed_report_spans_and_path():
    text, _ = read_report(SEED)
    sections = parse_sections(text)
    third = next(s for s in sections if s.title == "3.狠抓安居改造工程")
    assert section_path(sections, third.ordinal) == [SEED_TOP[1], "（一）城市建设工作", third.title]
    assert text[third.start : third.body_start] == "3.狠抓安居改造工程。"
    assert text[third.body_start :].startswith("大力推进城镇棚户区改造")
    assert text[third.end :].startswith("4.狠抓四供保障工程")
    city = sections[third.parent]
    assert text[city.body_start :].startswith("1.狠抓道路建设工程")
    assert city.end == text.index("（二）城市管理工作")
    assert text[: sections[0].start].strip().endswith("汇报如下。")  # preamble has no section
    assert sections[-1].end == len(text)


# --- every bundled report -------------------------------------------------------------------

# Top-level sections (parent None) per report, counted by reading each report.
TOP_COUNTS = {
    "cpc_congress_16_report_2002.txt": 10,  # 一、…十、
    "cpc_congress_20_report_2022.txt": 15,  # 一、…十五、
    "district-deputy-duty-report.txt": 4,
    "gwr_1954_state_council.txt": 0,  # one unbroken speech, no headings at all
    "gwr_1955_state_council.txt": 4,  # 一、…四、 (三、 in traditional characters)
    "gwr_1997_state_council.txt": 8,  # 一、…七、 and 结束语
    "gwr_1998_state_council.txt": 4,  # 一、…三、 and 结束语
    "gwr_2008_state_council.txt": 2,
    "gwr_2012_hailaer_district.txt": 2,
    "gwr_2013_state_council.txt": 3,
    "gwr_2014_hailaer_district.txt": 2,
    "gwr_2018_state_council.txt": 3,
    "gwr_2019_state_council.txt": 3,
    "gwr_2021_state_council.txt": 3,
    "gwr_2023_state_council.txt": 2,
    "gwr_2024_state_council.txt": 3,
    "gwr_2025_fujian_province.docx": 3,
    "gwr_2025_sichuan_province.docx": 4,  # unnumbered: 2024年工作回顾 … 名词解释
    "gwr_2025_state_council.txt": 3,
    "gwr_2025_zhejiang_province.docx": 2,
    "gwr_2026_beijing_province.txt": 3,
    "gwr_2026_guangdong_province.txt": 5,  # 一、…三、, 附件1, 附件2
    "gwr_2026_neimenggu_province.txt": 3,  # two unnumbered parts and 附件
    "gwr_2026_shanghai_province.txt": 4,
    "gwr_2026_xizang_province.txt": 3,
}


def test_every_bundled_report_has_an_expected_count():
    bundled = {p.name for p in REPORTS.iterdir() if p.suffix in (".txt", ".docx")}
    assert bundled == set(TOP_COUNTS)


@pytest.mark.parametrize("name", sorted(TOP_COUNTS))
def test_bundled_report_top_sections(name):
    text, headings = read_report(REPORTS / name)
    sections = parse_sections(text, headings)
    assert_well_formed(text, sections)
    assert len([s for s in sections if s.parent is None]) == TOP_COUNTS[name]


def test_sichuan_unnumbered_parts_hold_their_numbered_children():
    text, headings = read_report(REPORTS / "gwr_2025_sichuan_province.docx")
    sections = parse_sections(text, headings)
    top = [s for s in sections if s.parent is None]
    assert [s.title for s in top] == [
        "2024年工作回顾",
        "2025年工作安排建议",
        "加强政府自身建设",
        "名词解释",
    ]
    children = [[c.title[:3] for c in sections if c.parent == s.ordinal] for s in top[:3]]
    assert [len(c) for c in children] == [6, 9, 4]
    assert all(c[0] == "（一）" for c in children)
    assert "2025年四川省政府工作报告" not in {s.title for s in sections}


# --- heading styles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "title", "level"),
    [
        ("第一部分 总体要求", "第一部分 总体要求", 0),
        ("第二章　发展目标", "第二章　发展目标", 0),
        ("一、加强学习，强化素质", "一、加强学习，强化素质", 1),
        ("壹、總則", "壹、總則", 1),
        ("一、第一個五年計劃的若幹問題", "一、第一個五年計劃的若幹問題", 1),
        ("一、 过去五年工作回顾", "一、 过去五年工作回顾", 1),
        ("一、１９９６年国内工作的回顾", "一、１９９６年国内工作的回顾", 1),
        ("（一）城市建设工作", "（一）城市建设工作", 2),
        ("(一) 城市建设工作", "(一) 城市建设工作", 2),
        ("1.狠抓道路建设工程", "1.狠抓道路建设工程", 3),
        ("1、狠抓道路建设工程", "1、狠抓道路建设工程", 3),
        ("1．狠抓道路建设工程", "1．狠抓道路建设工程", 3),
        ("１．狠抓道路建设工程", "１．狠抓道路建设工程", 3),
        ("第一，基本建设规模的大小问题。", "第一，基本建设规模的大小问题", 3),
        ("一是强化理论武装。", "一是强化理论武装", 4),
        ("（1）强化理论武装", "（1）强化理论武装", 4),
        ("①强化理论武装", "①强化理论武装", 4),
        (
            "（一）加快转变经济发展方式，促进经济持续健康发展。",
            "（一）加快转变经济发展方式，促进经济持续健康发展",
            2,
        ),
        ("1.“四上”企业：", "1.“四上”企业", 3),
        ("1. Introduction", "1. Introduction", 1),
        ("1.1 Scope", "1.1 Scope", 2),
        ("1.1.2 Data sources", "1.1.2 Data sources", 3),
        ("Chapter 2 Methods", "Chapter 2 Methods", 0),
        ("Part II", "Part II", 0),
        ("附件1", "附件1", 0),
    ],
)
def test_heading_style_on_its_own_line(line, title, level):
    text = f"前言。\n{line}\n{BODY}\n"
    [section] = parse_sections(text)
    assert (section.title, section.level) == (title, level)
    assert text[section.body_start :] == BODY + "\n"
    assert section.start == text.index(line.strip())


@pytest.mark.parametrize(
    ("paragraph", "title", "body"),
    [
        ("1.狠抓道路建设工程。新建城市道路5条。", "1.狠抓道路建设工程", "新建城市道路5条。"),
        ("一是强化理论武装。积极参加主题教育。", "一是强化理论武装", "积极参加主题教育。"),
        (
            "（一）创新宏观调控，保持经济运行在合理区间。面对挑战……",
            "（一）创新宏观调控，保持经济运行在合理区间",
            "面对挑战……",
        ),
        (
            "1.稳增长“18条”：2024年4月7日，省政府印发《意见》。",
            "1.稳增长“18条”",
            "2024年4月7日，省政府印发《意见》。",
        ),
        ("第一，必须坚持解放思想。解放思想是前提！", "第一，必须坚持解放思想", "解放思想是前提！"),
    ],
)
def test_heading_as_first_sentence_of_a_paragraph(paragraph, title, body):
    text = f"前言。\n{paragraph}\n"
    [section] = parse_sections(text)
    assert section.title == title
    assert text[section.body_start :] == body + "\n"


def test_chinese_numerals_count_past_ten():
    numerals = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 二十 二十一".split()
    numerals.remove("二十")  # 十三 -> 二十一 skips too far: body text
    text = "".join(f"{n}、第{n}部分\n{BODY}\n" for n in numerals)
    titles = [t for _, t, _ in outline(text)]
    assert titles[-3:] == ["十一、第十一部分", "十二、第十二部分", "十三、第十三部分"]


def test_levels_nest_and_skipped_levels_are_fine():
    text = "一、总体要求\n1.狠抓道路\n正文。\n2.狠抓绿化\n正文。\n（一）城市管理\n一是加强环卫。正文。\n二、工作安排\n正文。\n"
    assert outline(text) == [
        (1, "一、总体要求", None),
        (3, "1.狠抓道路", "一、总体要求"),
        (3, "2.狠抓绿化", "一、总体要求"),
        (2, "（一）城市管理", "一、总体要求"),
        (4, "一是加强环卫", "（一）城市管理"),
        (1, "二、工作安排", None),
    ]


def test_english_headings_nest_by_depth():
    text = (
        "Annual Report\n\n1. Introduction\nThis report covers 2024.\n1.1 Scope\nAll cities.\n"
        "1.2 Method\nSurveys.\n2. Results\nGrowth was 5%.\n"
    )
    assert outline(text) == [
        (1, "1. Introduction", None),
        (2, "1.1 Scope", "1. Introduction"),
        (2, "1.2 Method", "1. Introduction"),
        (1, "2. Results", None),
    ]


# --- false positives ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "1998年，全国国内生产总值达到7.8万亿元。",
        "2024年，全省地区生产总值增长5.6%。",
        "2024、2025年连续两年保持增长。",
        "1.5万人次参加了培训。",
        "2.5",
        "3.6亿元用于棚户区改造，惠及群众2万户。",
        "1、2月份全市工业增加值增长6%。",
        "一、二月份经济运行平稳。",
        "一、二、三产业协调发展。",
        "1.新建道路5条；2.改造道路4条；3.新增停车位2318个。",
        "一是",
        "四、",
        "（一）",
        "1.通过以工代赈发放三北工程和高标准农田建设劳务报酬20亿元以上，扩大失业保险和工伤保险覆盖面，提高城乡居民养老保险基础养老金标准。",
        "五年来，我们坚持稳中求进工作总基调。",
        "包括：1.新建道路；2.改造道路。",
        "一、食品烟酒 99.2",
        "二、衣着 101.3",
    ],
)
def test_not_a_heading(line):
    text = f"前言。\n{line}\n{BODY}\n"
    assert parse_sections(text) == []


def test_numbered_items_inside_a_paragraph_are_body():
    text = f"一、城市建设\n今年重点包括：1.新建道路；2.改造管网。{BODY}\n（一）道路工程\n{BODY}\n"
    assert [t for _, t, _ in outline(text)] == ["一、城市建设", "（一）道路工程"]


def test_out_of_sequence_number_is_body():
    text = f"一、城市建设\n1.狠抓道路建设\n{BODY}\n5.6万户居民受益，占比很高。\n5.其他工作要求\n{BODY}\n"
    assert [t for _, t, _ in outline(text)] == ["一、城市建设", "1.狠抓道路建设"]


def test_list_restarting_inside_a_section_is_body():
    text = (
        f"一、总任务\n{BODY}\n二、计划概要\n{BODY}\n三、若干问题\n{BODY}\n"
        f"一、增加积累。{BODY}\n二、节约资金。{BODY}\n四、为完成计划而奋斗\n{BODY}\n"
    )
    titles = [t for _, t, _ in outline(text)]
    assert titles == ["一、总任务", "二、计划概要", "三、若干问题", "四、为完成计划而奋斗"]


def test_one_missing_sibling_does_not_lose_the_rest():
    text = f"一、回顾\n1.道路\n{BODY}\n2.绿化\n{BODY}\n4.供热\n{BODY}\n5.供水\n{BODY}\n"
    assert [t for _, t, _ in outline(text)][-2:] == ["4.供热", "5.供水"]


def test_decimal_that_continues_a_sequence_is_a_heading():
    text = "前言。\n1.“两新”：是指设备更新。\n2.6个重大专项：是指六个专项。\n3.科创通：平台。\n"
    assert [t for _, t, _ in outline(text)] == ["1.“两新”", "2.6个重大专项", "3.科创通"]


# --- unnumbered headings and the document title ---------------------------------------------

REPORT_WITH_PARTS = f"""2025年某省政府工作报告
某省人民政府省长 张三
各位代表：
现在，我代表省人民政府，向大会报告工作，请予审议。
2024年工作回顾
一年来，我们主要做了以下工作：
（一）巩固经济向好态势。{BODY}
（二）推动科技创新。{BODY}
2025年工作安排
{BODY}
（一）全方位扩大内需。{BODY}
名词解释
1.“两重”：是指重大战略。
2.“两新”：是指设备更新。
"""


def test_unnumbered_parts_sit_above_their_numbered_children():
    assert outline(REPORT_WITH_PARTS) == [
        (1, "2024年工作回顾", None),
        (2, "（一）巩固经济向好态势", "2024年工作回顾"),
        (2, "（二）推动科技创新", "2024年工作回顾"),
        (1, "2025年工作安排", None),
        (2, "（一）全方位扩大内需", "2025年工作安排"),
        (1, "名词解释", None),
        (3, "1.“两重”", "名词解释"),
        (3, "2.“两新”", "名词解释"),
    ]


def test_short_line_inside_a_numbered_section_is_not_a_part():
    text = f"一、回顾\n{BODY}\n二、安排\n{BODY}\n主要预期目标\n{BODY}\n（一）扩大内需\n{BODY}\n"
    assert [t for _, t, _ in outline(text)] == ["一、回顾", "二、安排", "（一）扩大内需"]


def test_closing_words_are_a_sibling_of_the_numbered_parts():
    text = f"一、回顾\n{BODY}\n二、安排\n{BODY}\n结束语\n各位代表！让我们团结一心，为实现今年目标而努力奋斗。\n"
    assert outline(text)[-1] == (1, "结束语", None)


def test_fragments_and_bylines_are_not_headings():
    text = (
        "政府工作报告\n国务院总理\n李克强\n各位代表：\n有效实施对特别行政区的全面管治权，制定实施\n"
        f"香港特别行政区维护国家安全法\n，落实爱国者治港。\n一、回顾\n{BODY}\n"
    )
    assert [t for _, t, _ in outline(text)] == ["一、回顾"]


# --- headings the source format marked ------------------------------------------------------


def test_marked_headings_are_trusted_and_placed_by_context():
    text = f"报告标题\n各位代表：\n过去一年回顾\n{BODY}\n（一）经济\n{BODY}\n今后安排\n{BODY}\n"
    marked = [text.index("报告标题"), text.index("过去一年回顾"), text.index("今后安排")]
    assert outline(text, marked) == [
        (1, "过去一年回顾", None),
        (2, "（一）经济", "过去一年回顾"),
        (1, "今后安排", None),
    ]


def test_marked_caption_without_children_nests_in_its_section():
    text = f"一、综合\n{BODY}\n表1 居民消费价格\n食品 99.2\n二、农业\n{BODY}\n"
    marked = [text.index("一、"), text.index("表1"), text.index("二、")]
    assert outline(text, marked) == [
        (1, "一、综合", None),
        (2, "表1 居民消费价格", "一、综合"),
        (1, "二、农业", None),
    ]


def test_markdown_hashes_give_the_level():
    text = f"# 政府工作报告\n\n## 工作回顾\n{BODY}\n### 经济运行\n{BODY}\n## 一、今年安排\n{BODY}\n"
    assert outline(text) == [
        (1, "工作回顾", None),
        (2, "经济运行", "工作回顾"),
        (1, "一、今年安排", None),
    ]


def test_section_path_walks_up_the_tree():
    sections = parse_sections(f"一、甲\n（一）乙\n1.丙\n{BODY}\n二、丁\n{BODY}\n")
    assert section_path(sections, 2) == ["一、甲", "（一）乙", "1.丙"]
    assert section_path(sections, 3) == ["二、丁"]


def test_empty_and_headingless_text():
    assert parse_sections("") == []
    assert parse_sections(BODY * 3) == []


# --- properties -----------------------------------------------------------------------------

PREFIXES = [
    "一、",
    "二、",
    "三、",
    "（一）",
    "（二）",
    "1.",
    "2.",
    "3、",
    "一是",
    "二是",
    "①",
    "第一，",
    "",
]
PIECES = [
    "城市建设工作",
    "加强学习。积极参加",
    "2024年",
    "1.5万",
    "工作回顾",
    "；2.",
    "：",
    "。",
    "# ",
]


@st.composite
def report_lines(draw):
    lines = draw(
        st.lists(
            st.tuples(st.sampled_from(PREFIXES), st.lists(st.sampled_from(PIECES), max_size=4)),
            max_size=25,
        )
    )
    return "\n".join(p + "".join(rest) for p, rest in lines)


@settings(max_examples=300, deadline=None)
@given(report_lines(), st.lists(st.integers(0, 400), max_size=6))
def test_any_text_gives_a_well_formed_tree(text, marked):
    assert_well_formed(text, parse_sections(text))
    assert_well_formed(text, parse_sections(text, marked))


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 99),
    st.integers(0, 9),
    st.sampled_from(["万", "亿元", "%", "个", "万人次"]),
)
def test_decimals_at_line_start_are_never_headings(whole, fraction, unit):
    text = f"前言。\n{whole}.{fraction}{unit}群众受益，同比增长。\n{BODY}\n"
    assert parse_sections(text) == []


@settings(max_examples=100, deadline=None)
@given(st.integers(1949, 2099), st.sampled_from(["年，", "年", "年以来，", "—"]))
def test_years_at_line_start_are_never_headings(year, rest):
    assert parse_sections(f"前言。\n{year}{rest}全省地区生产总值增长5%。\n{BODY}\n") == []
