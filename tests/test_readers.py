"""Reading files of every supported format and encoding into normalised text."""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import REPORTS
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from archive.models import ReadError
from archive.readers import SUPPORTED_SUFFIXES, markdown_headings, normalize_text, read_file
from archive.text import join_blocks

FIXTURES = Path(__file__).parent / "fixtures"
NOISE = random.Random(0).randbytes(4096)  # binary content, the same on every run

SIMPLIFIED = (
    "海拉尔区政府工作报告\n一、过去一年的工作回顾\n全区地区生产总值完成120亿元，同比增长15.3%。"
)
TRADITIONAL = (
    "海拉爾區政府工作報告\n一、過去一年的工作回顧\n全區地區生產總值完成一百二十億元，同比增長。"
)


def _line_starts(text: str) -> list[str]:
    return text.split("\n")


# --- text files and encodings ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        (SIMPLIFIED, SIMPLIFIED.encode("utf-8")),
        (SIMPLIFIED, SIMPLIFIED.encode("utf-8-sig")),
        (SIMPLIFIED, SIMPLIFIED.encode("gb18030")),
        (SIMPLIFIED, SIMPLIFIED.encode("gbk")),
        (TRADITIONAL, TRADITIONAL.encode("big5")),
        (SIMPLIFIED, SIMPLIFIED.encode("utf-16")),  # with BOM
        (SIMPLIFIED, b"\xfe\xff" + SIMPLIFIED.encode("utf-16-be")),
        (SIMPLIFIED, SIMPLIFIED.encode("utf-16-le")),  # no BOM, NULs after ASCII
        (SIMPLIFIED, SIMPLIFIED.encode("utf-16-be")),
        (
            "政府工作报告全区地区生产总值完成",
            "政府工作报告全区地区生产总值完成".encode("utf-16-le"),
        ),
        ("海拉尔区人民政府", "海拉尔区人民政府".encode("gbk")),  # too short for sure detection
        ("经济", "经济".encode("gbk")),
        ("經濟", "經濟".encode("big5")),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 10 else None,
)
def test_encodings_round_trip(tmp_path: Path, text: str, raw: bytes) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(raw)
    assert read_file(path).text == text


def test_encoding_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(SIMPLIFIED.encode("gbk"))
    assert read_file(path).encoding == "gb18030"


def test_gbk_file_with_ascii_first_sample(tmp_path: Path) -> None:
    """Detection runs on a 256 KB sample; GBK after an ASCII sample still decodes."""
    path = tmp_path / "report.txt"
    path.write_bytes(b"x" * 300_000 + b"\n" + SIMPLIFIED.encode("gbk"))
    assert read_file(path).text.endswith(SIMPLIFIED)


@pytest.mark.parametrize("name", ["gwr_2012_hailaer_district.txt", "gwr_2014_hailaer_district.txt"])
def test_bundled_gbk_crlf_reports(name: str) -> None:
    doc = read_file(REPORTS / name)
    assert doc.encoding == "gb18030"
    assert "海拉尔" in doc.text
    assert "\r" not in doc.text
    assert "\n\n\n" not in doc.text


def test_markdown_headings(tmp_path: Path) -> None:
    path = tmp_path / "report.md"
    source = "# 政府工作报告\n\n正文。\n\n```\n# not a heading\n```\n## 一、回顾\n#hashtag\nTitle\n=====\n"
    path.write_text(source, encoding="utf-8")
    doc = read_file(path)
    starts = [doc.text[i : doc.text.index("\n", i)] for i in doc.heading_lines]
    assert doc.format == "md"
    assert starts == ["# 政府工作报告", "## 一、回顾", "Title"]


def test_markdown_headings_offsets_after_normalising() -> None:
    text = normalize_text("\ufeff\r\n# A\r\n\r\nbody\u200b\r\n# B\r\n")
    assert [text[i] for i in markdown_headings(text)] == ["#", "#"]


# --- normalisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("一\r\n二\r三", "一\n二\n三"),
        ("报\u200b告\u200c\u200d\u2060\ufeff", "报告"),
        ("\u00ad软\u200e连字", "软连字"),
        ("尾随空格   \t\n下一行\u3000", "尾随空格\n下一行"),
        ("甲\n\n\n\n\n乙", "甲\n\n乙"),
        ("\n\n  \n正文\n\n", "正文"),
        ("控\x00制\x07字\x1b符\x7f", "控制字符"),
        ("分页\x0c下一页", "分页\n下一页"),
        ("增长２２.５％，１２３４户", "增长２２.５％，１２３４户"),
        ("\u3000\u3000一、缩进保留", "\u3000\u3000一、缩进保留"),
        ("制表\t保留", "制表\t保留"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@given(st.text())
def test_normalize_text_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.lists(st.tuples(st.text(), st.booleans())))
def test_join_blocks_offsets_point_at_headings(blocks: list[tuple[str, bool]]) -> None:
    text, headings = join_blocks(blocks)
    assert normalize_text(text) == text
    expected = [normalize_text(t) for t, h in blocks if h and normalize_text(t).strip()]
    assert [text[i : i + len(e)] for i, e in zip(headings, expected, strict=True)] == expected


# --- docx --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "heading"),
    [
        (
            "gwr_2025_fujian_province.docx",
            "\u3000\u3000一、牢记殷殷嘱托，在接续奋斗中新福建建设取得新成效",
        ),
        ("gwr_2025_zhejiang_province.docx", "\u3000\u3000一、2024年工作回顾"),
        ("gwr_2025_sichuan_province.docx", "2025年四川省政府工作报告"),
    ],
)
def test_bundled_docx(name: str, heading: str) -> None:
    doc = read_file(REPORTS / name)
    assert doc.format == "docx"
    assert len(doc.text) > 10_000
    assert heading in [doc.text[i : doc.text.index("\n", i)] for i in doc.heading_lines]


def test_sichuan_docx_has_numbered_headings_on_their_own_lines() -> None:
    """All its paragraphs are 'Normal' and only the title is bold: headings are numbered lines."""
    lines = _line_starts(read_file(REPORTS / "gwr_2025_sichuan_province.docx").text)
    assert "2024年工作回顾" in lines
    assert any(line.startswith("（一）巩固增强经济回升向好态势。") for line in lines)


def test_docx_tables_repeat_their_header() -> None:
    doc = read_file(FIXTURES / "qiandongnan_tjgb_2016_tables.docx")
    lines = _line_starts(doc.text)
    assert "全部财税收入; 绝对数（亿元）: 156.40; 比上年增长（%）: 2.3" in lines
    assert "木材采伐; 单位: 万立方米; 产量: 135.23; 比上年增长（%）: 28.2" in lines
    assert "彩色电视机; 城镇: 110; 农村: 107" in lines
    headings = [doc.text[i : doc.text.index("\n", i)] for i in doc.heading_lines]
    assert "一、综合" in headings


def test_docx_order_styles_and_tables(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("第一章 总则", level=1)
    document.add_paragraph("表前的段落。")
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(
        table.rows,
        [["指标", "单位", "2016年"], ["地区生产总值", "亿元", "1234"], ["人口", "万人", "56"]],
        strict=True,
    ):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    document.add_paragraph("表后的段落。")
    layout = document.add_table(rows=1, cols=1)
    layout.rows[0].cells[0].text = "单列表格里的正文。"
    path = tmp_path / "report.docx"
    document.save(path)
    doc = read_file(path)
    assert doc.text.split("\n") == [
        "第一章 总则",
        "表前的段落。",
        "指标: 地区生产总值; 单位: 亿元; 2016年: 1234",
        "指标: 人口; 单位: 万人; 2016年: 56",
        "表后的段落。",
        "单列表格里的正文。",
    ]
    assert doc.heading_lines == [0]


def test_docx_merged_header_cells(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=4, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "指标"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "2016年"
    table.cell(1, 1).text, table.cell(1, 2).text = "绝对数", "增长%"
    for row, values in ((2, ["生产总值", "939.05", "13.3"]), (3, ["财政收入", "156.40", "2.3"])):
        for column, value in enumerate(values):
            table.cell(row, column).text = value
    path = tmp_path / "merged.docx"
    document.save(path)
    assert read_file(path).text.split("\n") == [
        "指标: 生产总值; 2016年 绝对数: 939.05; 2016年 增长%: 13.3",
        "指标: 财政收入; 2016年 绝对数: 156.40; 2016年 增长%: 2.3",
    ]


# --- pdf ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zhoukou() -> str:
    return read_file(FIXTURES / "zhoukou_tjgb_2023.pdf").text


def test_pdf_drops_page_markers(zhoukou: str) -> None:
    lines = _line_starts(zhoukou)
    assert not [line for line in lines if re.fullmatch(r"[-—\s\d]+", line)]
    assert lines[0] == "2023年周口市国民经济和社会发展统计公报"


@pytest.mark.parametrize(
    "joined",
    [
        "全市上下以深入开展主题教育强动力",  # a line broken mid-sentence
        "乡村人口473.94万人；常住人口城镇化率45.31%",  # and the spaces around figures
        "牛奶产量4.32万吨，增长10.9%。",  # across a page break and its marker
        "周口市统计局",  # letter-spaced
    ],
)
def test_pdf_rejoins_wrapped_lines(zhoukou: str, joined: str) -> None:
    assert joined in zhoukou


def test_pdf_keeps_short_lines(zhoukou: str) -> None:
    lines = _line_starts(zhoukou)
    assert "一、综合" in lines
    # a table row stays a row, each value with its column header (tests/test_pdf_tables.py)
    assert "指标: 其中：城镇; 年末数（万人）: 392.66万人; 比重（%）: 45.31%" in lines
    assert "表 1 2023年末周口市常住人口数及其构成" in lines


@pytest.mark.parametrize(("user_password", "readable"), [("", True), ("secret", False)])
def test_encrypted_pdf(tmp_path: Path, user_password: str, readable: bool) -> None:
    writer = PdfWriter()
    writer.add_page(PdfReader(FIXTURES / "zhoukou_tjgb_2023.pdf").pages[0])
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    if readable:
        assert "周口市" in read_file(path).text
    else:
        with pytest.raises(ReadError, match="PDF is encrypted"):
            read_file(path)


# --- html --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "body", "chrome"),
    [
        (
            "govcn_gongbao_2007-23_npc_special_bond_decision.html",
            ["批准发行15500亿元特别国债购买外汇", "调整2007年末国债余额限额的决议"],
            ["国务院部门网站", "扫一扫在手机打开当前页", "首页", "相关稿件", "京ICP备"],
        ),
        (
            "zjdrc_deqing_fixed_asset_investment_2016.html",
            ["全县固定资产投资完成246.79亿元", "1-10月德清县固定资产投资结构趋稳趋优"],
            ["发展改革工作", "投资管理和项目推进", "分享到", "打印", "bdSnsKey"],
        ),
    ],
)
def test_html_main_content(name: str, body: list[str], chrome: list[str]) -> None:
    doc = read_file(FIXTURES / name)
    for sentence in body:
        assert sentence in doc.text
    for string in chrome:
        assert string not in doc.text


def test_html_title_is_a_heading() -> None:
    doc = read_file(FIXTURES / "zjdrc_deqing_fixed_asset_investment_2016.html")
    assert doc.heading_lines == [0]
    assert doc.text.startswith("1-10月德清县固定资产投资结构趋稳趋优\n")


def _html(tmp_path: Path, body: str, charset: str = "utf-8", suffix: str = ".html") -> Path:
    page = (
        f'<html><head><meta charset="{charset}"><title>t</title></head><body>{body}</body></html>'
    )
    path = tmp_path / f"page{suffix}"
    path.write_bytes(page.encode(charset))
    return path


def test_html_without_named_content_uses_text_density(tmp_path: Path) -> None:
    nav = "<div>" + "".join(f'<a href="/{i}">栏目{i}</a>' for i in range(30)) + "</div>"
    paragraphs = "".join(
        f"<div><p>第{i}段正文，全年完成投资{i}亿元，同比增长。</p></div>" for i in range(8)
    )
    path = _html(tmp_path, f"{nav}<div><h2>一、投资</h2>{paragraphs}</div><div>版权所有</div>")
    doc = read_file(path)
    assert doc.text.split("\n")[0] == "一、投资"
    assert doc.heading_lines == [0]
    assert "第7段正文" in doc.text
    assert "栏目1" not in doc.text and "版权所有" not in doc.text


def test_html_comment_markers(tmp_path: Path) -> None:
    path = _html(
        tmp_path,
        "<p>导航菜单很长很长很长很长很长很长很长很长很长很长</p><!--begin--><p>真正的正文在这里，全年完成投资246.79亿元，同比增长15.3%。</p><!--end-->",
    )
    assert read_file(path).text == "真正的正文在这里，全年完成投资246.79亿元，同比增长15.3%。"


def test_html_drops_scripts_and_hidden(tmp_path: Path) -> None:
    path = _html(
        tmp_path,
        "<p>正文<script>alert(1)</script>内容</p><style>p{}</style><noscript>请启用</noscript>"
        '<div style="display: none">隐藏</div><!-- 注释 --><template>模板</template>',
    )
    assert read_file(path).text == "正文内容"


def test_html_table_rows_keep_header(tmp_path: Path) -> None:
    table = (
        "<table><tr><th rowspan=2>指标</th><th colspan=2>2016年</th></tr>"
        "<tr><th>绝对数</th><th>增长%</th></tr>"
        "<tr><td>生产总值</td><td>939.05</td><td>13.3</td></tr></table>"
    )
    path = _html(tmp_path, f"<p>统计公报正文，主要指标如下表所示。</p>{table}")
    assert "指标: 生产总值; 2016年 绝对数: 939.05; 2016年 增长%: 13.3" in read_file(path).text


def test_html_declared_gbk(tmp_path: Path) -> None:
    path = _html(tmp_path, "<p>海拉尔区政府工作报告</p>", charset="gb2312", suffix=".htm")
    assert read_file(path).text == "海拉尔区政府工作报告"


def test_deeply_nested_html(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_text(
        "<html><body>" + "<div>" * 10_000 + "深处的正文" + "</div>" * 10_000 + "</body></html>"
    )
    assert read_file(path).text == "深处的正文"


# --- refusals ----------------------------------------------------------------------------


def _zip_bomb(path: Path, megabytes: int) -> None:
    """A .docx-shaped zip whose document.xml is `megabytes` of zeros, written streaming."""
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(chunk)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty file"),
        ("empty.docx", b"", "empty file"),
        ("blank.txt", " \r\n\t\u3000\n".encode(), "no text"),
        ("zero-width.txt", "\u200b\ufeff\n".encode(), "no text"),
        ("random.txt", NOISE + b"\x00\x01\x00\x00\x03", r"not a text file \(binary"),
        ("no-nul.txt", NOISE.replace(b"\x00", b"\x01"), r"not a text file \(binary"),
        (
            "image.docx",
            b"\x89PNG\r\n\x1a\n" + NOISE,
            r"not a valid \.docx \(not a zip archive\)",
        ),
        ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024), r"old Word \.doc"),
        ("sheet.docx", None, r"not a valid \.docx"),
        (
            "truncated.pdf",
            (FIXTURES / "zhoukou_tjgb_2023.pdf").read_bytes()[:2048],
            "not a readable PDF",
        ),
        ("fake.pdf", b"%PDF-1.4 nothing else", "not a readable PDF"),
        ("report.xyz", b"text", r"unsupported file type \.xyz \(supported: .*\.docx"),
        ("README", b"text", "unsupported file type"),
    ],
)
def test_bad_inputs(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is None:  # a zip that is not a Word document
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
    else:
        path.write_bytes(content)
    with pytest.raises(ReadError, match=message):
        read_file(path)


@pytest.mark.parametrize(("megabytes", "message"), [(300, "safety limit"), (20, "compressed")])
def test_zip_bomb_docx(tmp_path: Path, megabytes: int, message: str) -> None:
    path = tmp_path / "bomb.docx"
    _zip_bomb(path, megabytes)
    with pytest.raises(ReadError, match=f"not a valid .docx .*{message}.*zip bomb"):
        read_file(path)


def test_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("报告" * 100, encoding="utf-8")
    with pytest.raises(
        ReadError, match=r"file is 600 bytes, over the 500-byte limit \(raise it with --max-size\)"
    ):
        read_file(path, max_bytes=500)


def test_huge_file_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: no disk, and read would find NULs
    with pytest.raises(ReadError, match="104857600 bytes, over the 52428800-byte limit"):
        read_file(path)


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == {
        ".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".png", ".jpg", ".jpeg"
    }


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "REPORT.TXT"
    path.write_bytes(io.BytesIO("报告正文".encode()).getvalue())
    assert read_file(path).text == "报告正文"
