"""PDF tables as rows that keep their headers: from positioned boxes and from a real bulletin."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.ocr import Box
from archive.pdf_tables import page_lines, rows_of, splice_tables, tables, text_layer_tables
from archive.readers import read_file

FIXTURES = Path(__file__).parent / "fixtures"
WIDTH = 600.0


def line(y: float, *cells: tuple[float, str], height: float = 12.0) -> list[Box]:
    """Boxes of one printed line: (x, text) pairs, 12 units per character."""
    return [Box(x, y, x + 12 * len(text), y + height, text) for x, text in cells]


TABLE = [
    *line(100, (60, "指标名称"), (250, "绝对数"), (350, "单位"), (450, "比上年增长")),
    *line(120, (60, "粮食产量"), (250, "133.77"), (350, "万吨"), (450, "-2.3%")),
    *line(140, (60, "油料"), (250, "56.43"), (350, "万吨"), (450, "6.8%")),
    *line(160, (60, "蔬菜及食用菌"), (250, "1186.96"), (350, "万吨"), (450, "4.2%")),
]


def test_aligned_columns_become_rows_with_headers() -> None:
    lines = page_lines(TABLE, WIDTH)
    assert lines[0] == ("指标名称: 粮食产量; 绝对数: 133.77万吨; 单位: 万吨; 比上年增长: -2.3%", True)
    assert [is_table for _, is_table in lines] == [True, True, True]


def test_prose_lines_stay_lines_around_a_table() -> None:
    prose = line(60, (60, "全年粮食产量133.77万吨，比上年下降2.3%。"))
    caption = line(80, (200, "表1 主要农产品产量"))
    after = line(200, (60, "年末农业机械总动力1094.62万千瓦。"))
    lines = page_lines(prose + caption + TABLE + after, WIDTH)
    assert [text for text, _ in lines[:2]] == ["全年粮食产量133.77万吨，比上年下降2.3%。", "表1 主要农产品产量"]
    assert lines[-1] == ("年末农业机械总动力1094.62万千瓦。", False)
    assert sum(is_table for _, is_table in lines) == 3


def test_two_aligned_lines_are_not_a_table() -> None:
    lines = page_lines(TABLE[:8], WIDTH)
    assert [text for text, _ in lines] == ["指标名称 绝对数 单位 比上年增长", "粮食产量 133.77 万吨 -2.3%"]


def test_a_label_split_over_two_columns_joins_one_cell() -> None:
    rows = [
        *line(100, (60, "指标"), (400, "比上年增长（%）")),
        *line(120, (60, "规模以上工业增加值"), (420, "5.0")),
        *line(140, (60, "在总计中："), (140, "轻工业"), (420, "0.2")),
        *line(160, (140, "重工业"), (420, "11.2")),
    ]
    assert [text for text, _ in page_lines(rows, WIDTH)] == [
        "指标: 规模以上工业增加值; 比上年增长（%）: 5.0%",
        "指标: 在总计中：轻工业; 比上年增长（%）: 0.2%",
        "指标: 重工业; 比上年增长（%）: 11.2%",
    ]


def test_two_column_page_reads_the_left_column_first() -> None:
    left = "The first column of a journal page, long enough"
    right = "the second column of the same page, also long"
    boxes = [b for y in (100, 120, 140) for b in line(y, (10, left[:22]), (320, right[:22]), height=10)]
    boxes = [Box(b.x0, b.top, b.x0 + 260, b.bottom, b.text) for b in boxes]
    texts = [text for text, _ in page_lines(boxes, WIDTH)]
    assert texts == [left[:22]] * 3 + [right[:22]] * 3


def test_lines_never_grow_into_the_next() -> None:
    boxes = [Box(60, 100, 84, 112, "#粮"), Box(100, 101, 112, 113, "食"),
             Box(60, 116, 84, 128, "鲜"), Box(100, 117, 112, 129, "菜")]
    assert [[c.text for c in r.cells] for r in rows_of(boxes)] == [["#粮", "食"], ["鲜", "菜"]]


def test_splice_replaces_the_printed_rows_of_a_text_layer() -> None:
    printed = ["指标名称 绝对数 单位 比上年增长", "粮食产量 133.77 万吨 -2.3%", "油料 56.43 万吨 6.8%",
               "蔬菜及食用菌 1186.96 万吨 4.2%"]
    found = tables(TABLE, WIDTH)
    assert [p for p, _ in found] == [printed]
    layer = ["表1 主要农产品产量", "指标名称 绝对数 单位 比上年增长", "粮食产量 133.77 万吨 -2.3%",
             "油料 56.43 万吨 6.8%", "蔬菜及食用菌 1186.96 万吨 4.2%", "下一段。"]
    spliced = splice_tables(layer, found)
    assert spliced[0] == ("表1 主要农产品产量", False) and spliced[-1] == ("下一段。", False)
    assert spliced[1] == ("指标名称: 粮食产量; 绝对数: 133.77万吨; 单位: 万吨; 比上年增长: -2.3%", True)
    assert len(spliced) == 5


@pytest.fixture(scope="module")
def bulletin() -> list[str]:
    return read_file(FIXTURES / "zhoukou_tjgb_2023.pdf").text.split("\n")


@pytest.mark.parametrize(
    "row",
    [
        "产品名称: 钢材; 单位: 吨; 产量: 1577693吨; 比上年增长（%）: 48.8%",
        "指标: #铁路; 单位: 亿吨公里; 绝对数: 139.57亿吨公里; 增长%: -2.2%",
        "类别: 鲜菜; 指数（以上年为100）: 91.9",
        "指标: 其中：65周岁及以上; 年末数（万人）: 146.80万人; 比重（%）: 16.94%",
        "指标: 在总计中：国有企业; 比上年增长（%）: -2.0%",
    ],
)
def test_real_bulletin_tables_keep_headers(bulletin: list[str], row: str) -> None:
    assert row in bulletin


def test_real_bulletin_has_its_six_tables_and_prose_untouched(bulletin: list[str]) -> None:
    data = (FIXTURES / "zhoukou_tjgb_2023.pdf").read_bytes()
    found = text_layer_tables(data, list(range(13)))
    assert sum(len(t) for t in found.values()) == 6
    assert sorted(found) == [0, 1, 3, 4, 6]  # 0-based pages holding tables
    assert "全年全市油料产量56.43万吨，比上年增产6.8%，其中花生产量50.65万吨，增产7.5%。蔬菜及食用菌产量1186.96万吨，增产4.2%。瓜果产量356.92万吨，增产1.4%。" in bulletin


def test_numbers_take_the_unit_of_their_header_or_row() -> None:
    from archive.pdf_tables import with_units

    grid = [["指标", "单位", "绝对数", "比上年增长（%）", "指数（以上年为100）"],
            ["粮食产量", "万吨", "133.77", "-2.3", "97.7"]]
    assert with_units(grid)[1] == ["粮食产量", "万吨", "133.77万吨", "-2.3%", "97.7"]
    growth = [["指标", "单位", "比上年增长"], ["油料", "万吨", "6.8"]]
    assert with_units(growth)[1] == ["油料", "万吨", "6.8"]  # a change is not counted in 万吨
