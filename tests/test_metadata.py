"""Metadata read from the file: reports added bare get the issuer, place and year a manifest gives."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from conftest import REPORTS

from archive.ingest import parse_file
from archive.metadata import infer_metadata, load_manifest
from archive.places import most_specific, places_in, places_in_file_name, short_name
from archive.properties import file_properties
from archive.store import Archive

MANIFEST = load_manifest(REPORTS / "manifest.tsv")
NATIONAL = ("国务院", "中国共产党", "全国")


def place_code(issuer: str | None) -> str:
    if not issuer:
        return ""
    if any(w in issuer for w in NATIONAL):
        return "national"
    place = most_specific(places_in(issuer))
    return place.code if place else ""


@pytest.fixture(scope="module")
def bare(tmp_path_factory) -> dict[str, dict]:
    """Every bundled report read without its manifest, under its own name and renamed."""
    folder = tmp_path_factory.mktemp("bare")
    out = {}
    for n, name in enumerate(sorted(MANIFEST)):
        report = parse_file(REPORTS / name).report
        renamed = folder / f"upload-{n}{Path(name).suffix}"
        shutil.copy(REPORTS / name, renamed)
        out[name] = (report, parse_file(renamed).report)
    return out


def test_bundled_reports_added_bare_get_issuer_place_and_year(bare):
    for variant in (0, 1):  # own file name, then a name that says nothing
        right = [
            place_code(r[variant].issuer) == place_code(MANIFEST[name].get("issuer"))
            and r[variant].year == MANIFEST[name].get("year")
            for name, r in bare.items()
        ]
        assert sum(right) / len(right) >= 0.9, [n for n, ok in zip(bare, right, strict=True) if not ok]


def test_bare_reports_get_a_title_that_names_place_and_year(bare):
    assert bare["gwr_2019_state_council.txt"][1].title == "2019年国务院政府工作报告"
    assert bare["gwr_2021_state_council.txt"][1].title == "2021年国务院政府工作报告"  # 政府工作报 / 告
    assert bare["gwr_2012_hailaer_district.txt"][1].title == "2012年海拉尔区政府工作报告"  # 政 府 工 作 报 告
    assert bare["gwr_2026_beijing_province.txt"][1].issuer == "北京市人民政府"  # web chrome above
    assert bare["gwr_2012_hailaer_district.txt"][1].issuer == "呼伦贝尔市海拉尔区人民政府"
    assert bare["gwr_1954_state_council.txt"][1].issuer == "国务院"  # traditional characters
    assert bare["gwr_1954_state_council.txt"][1].year == 1954  # 第一届全國人民代表大會第一次會議
    assert bare["cpc_congress_16_report_2002.txt"][1].year == 2002  # 代表第十五届中央委员会
    assert bare["cpc_congress_16_report_2002.txt"][1].title == "中国共产党第十六次全国代表大会报告"
    assert bare["district-deputy-duty-report.txt"][1].kind == "duty_report"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("广东省人民政府省长 张三\n各位代表：\n现在，我代表省人民政府向大会报告工作。", "x.txt"),
        ("政府工作报告\n——2023年2月1日在广东省第十四届人民代表大会第一次会议上\n各位代表：", "x.txt"),
        ("各位代表：\n现在，我代表省人民政府向大会报告工作。\n一、2022年工作回顾\n", "gd_2023_guangdong.txt"),
    ],
)
def test_place_and_year_from_each_kind_of_clue(text, name):
    m = infer_metadata(text, name)
    assert m["issuer"] == "广东省人民政府"
    assert m["kind"] == "gov_work_report"
    assert m["year"] in (2023, None) and (m["year"] == 2023 or "2023" not in text + name)


def test_review_heading_gives_the_next_year():
    m = infer_metadata("各位代表：\n现在，我代表国务院，向大会报告政府工作。\n一、2018年工作回顾\n过去一年", "a.txt")
    assert (m["issuer"], m["year"], m["title"]) == ("国务院", 2019, "2019年国务院政府工作报告")


def test_statistical_bulletin_issuer_is_the_bureau():
    m = infer_metadata("2023年周口市国民经济和社会发展统计公报\n周口市统计局\n2024年4月29日\n2023年，全市…", "a.pdf")
    assert (m["issuer"], m["year"], m["kind"]) == ("周口市统计局", 2023, "statistical_bulletin")


@pytest.mark.parametrize(
    "text",
    ["", "\n\n\n   \n", "| 指标 | 2023 | 2024 |\n|---|---|---|\n| GDP | 1 | 2 |\n", "\t1\t2\t3\n4\t5\t6\n" * 20,
     "年年年年\n２０２０年" * 50, "一、\n（一）\n1.\n", "\x00\x01"],
)
def test_odd_first_lines_give_a_sane_result(text):
    m = infer_metadata(text, "表格.txt")
    assert m["title"] and len(m["title"]) <= 120
    assert m["year"] is None or 1900 <= m["year"] <= 2100
    assert m["kind"] and m["language"] in ("zh", "en")


def test_two_years_in_a_title_take_the_later():
    m = infer_metadata("2023年工作总结和2024年工作计划\n各位代表：", "x.txt")
    assert m["year"] == 2024 and m["title"] == "2023年工作总结和2024年工作计划"


def test_places_nest_and_short_names_resolve():
    assert short_name("黔东南苗族侗族自治州") == "黔东南" and short_name("内蒙古自治区") == "内蒙古"
    assert most_specific(places_in("呼伦贝尔市海拉尔区")).full == "呼伦贝尔市海拉尔区"
    assert most_specific(places_in("黔东南州统计局")).name == "黔东南苗族侗族自治州"
    assert places_in("朝阳区") == []  # several counties of that name: not a guess
    assert most_specific(places_in("北京市朝阳区")).full == "北京市朝阳区"


@pytest.mark.parametrize(
    ("stem", "place"),
    [("gwr_2026_neimenggu_province", "内蒙古自治区"), ("hai_la_er-2016", "海拉尔区"),
     ("shaanxi_report", "陕西省"), ("2025年福建省政府工作报告", "福建省"), ("report_final_v2", None)],
)
def test_places_in_file_names(stem, place):
    found = places_in_file_name(stem)
    assert (found[0].name if found else None) == place


def test_docx_properties_fill_what_the_text_lacks(tmp_path):
    document = docx.Document()
    document.core_properties.title = "2022年海南省政府工作报告"
    document.add_paragraph("各位代表：")
    document.add_paragraph("现在，我代表省人民政府，向大会报告工作，请予审议。")
    path = tmp_path / "upload.docx"
    document.save(path)
    props = file_properties(path, "docx")
    assert props["title"] == "2022年海南省政府工作报告" and props["year"].isdigit()
    report = parse_file(path).report
    assert (report.issuer, report.year, report.kind) == ("海南省人民政府", 2022, "gov_work_report")


def test_pdf_and_html_properties(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_metadata({"/Title": "2021年江苏省政府工作报告", "/CreationDate": "D:20210125000000"})
    buf = io.BytesIO()
    writer.write(buf)
    (tmp_path / "a.pdf").write_bytes(buf.getvalue())
    assert file_properties(tmp_path / "a.pdf", "pdf") == {"title": "2021年江苏省政府工作报告", "year": "2021"}
    (tmp_path / "a.html").write_text(
        '<html><head><title>2020年湖北省政府工作报告_湖北省人民政府门户网站</title>'
        '<meta name="PubDate" content="2020-01-20 10:00"></head><body>x</body></html>', encoding="utf-8")
    props = file_properties(tmp_path / "a.html", "html")
    assert props["year"] == "2020"
    m = infer_metadata("各位代表：\n现在我代表省人民政府向大会报告工作。", "a.html", props)
    assert (m["issuer"], m["year"]) == ("湖北省人民政府", 2020)
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    assert file_properties(tmp_path / "broken.docx", "docx") == {}


@pytest.fixture
def run(isolated_home):
    from ui.cli import cli

    def invoke(*args):
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_add_prints_what_it_read_and_json_carries_it(run):
    result = run("add", REPORTS / "gwr_2012_hailaer_district.txt", "--no-index")
    assert result.exit_code == 0
    assert "2012年海拉尔区政府工作报告 · 呼伦贝尔市海拉尔区人民政府 · 2012 · gov_work_report" in result.output
    out = json.loads(run("add", REPORTS / "gwr_2019_state_council.txt", "--no-index", "--json").output)
    assert (out[0]["issuer"], out[0]["year"], out[0]["kind"]) == ("国务院", 2019, "gov_work_report")
    listed = {r["file_name"]: r for r in json.loads(run("list", "--json").output)}
    assert listed["gwr_2019_state_council.txt"]["issuer"] == "国务院"


def test_add_odd_files_through_the_cli(run, tmp_path, isolated_home):
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "blank-top.txt").write_text("\n\n\n\n各位代表：\n现在，我代表区政府向大会报告工作，有关数据12亿元。\n", encoding="utf-8")
    (odd / "table-top.md").write_text("| 指标 | 2022 | 2023 |\n|---|---|---|\n| 生产总值 | 12亿元 | 13亿元 |\n", encoding="utf-8")
    (odd / "2019-2020年工作总结.txt").write_text("2019年至2020年工作总结\n完成投资5亿元。\n", encoding="utf-8")
    result = run("add", odd, "--no-index")
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert "Added 3, duplicate 0, failed 0." in result.output
    listed = {r["file_name"]: r for r in json.loads(run("list", "--json").output)}
    assert listed["2019-2020年工作总结.txt"]["year"] == 2020
    assert listed["blank-top.txt"]["issuer"] == "区人民政府"
    archive = Archive(isolated_home / "archive.db")
    before = archive.counts()
    archive.close()
    (odd / "empty.txt").write_bytes(b"")
    failed = run("add", odd / "empty.txt", "--no-index")
    assert failed.exit_code == 1 and "Traceback" not in failed.output
    archive = Archive(isolated_home / "archive.db")
    assert archive.counts() == before
    archive.close()


@pytest.mark.parametrize(
    ("head", "issuer", "year"),
    [
        ("Report on the Work of the Government\nDelivered at the Second Session of the 14th National "
         "People's Congress on March 5, 2024\nLi Qiang\nPremier of the State Council\nFellow Deputies,",
         "国务院", 2024),
        ("Report on the Work of the Government\nDelivered at the Fourth Session of the Fourteenth "
         "Guangdong Provincial People's Congress on January 26, 2026\nFellow Deputies,",
         "广东省人民政府", 2026),
    ],
)
def test_english_reports(head, issuer, year):
    m = infer_metadata(head, "upload.txt")
    assert (m["issuer"], m["year"], m["kind"], m["language"]) == (issuer, year, "gov_work_report", "en")


def test_upload_form_is_prefilled_with_what_was_read(tmp_path):
    from ui.views_upload import Upload, guess_metadata

    path = tmp_path / "upload.docx"
    shutil.copy(REPORTS / "gwr_2025_zhejiang_province.docx", path)
    guessed = guess_metadata(Upload("upload.docx", path.read_bytes(), path))
    assert guessed == {"title": "2025年浙江省政府工作报告", "issuer": "浙江省人民政府", "year": 2025,
                       "kind": "gov_work_report"}
