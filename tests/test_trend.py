"""`baogao trend` end to end on real reports: the JSON shape, zh and en questions, places side by
side, target against actual, revisions shown twice, and bad input."""

import hashlib
import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import REPORTS

from archive.store import Archive

FILES = [
    "gwr_2013_state_council.txt",
    "gwr_2018_state_council.txt",
    "gwr_2019_state_council.txt",
    "gwr_2024_state_council.txt",
    "gwr_2025_state_council.txt",
    "gwr_2026_beijing_province.txt",
    "gwr_2026_shanghai_province.txt",
]
CITATION_KEYS = {
    "report_id",
    "title",
    "year",
    "issuer",
    "file_name",
    "section_path",
    "char_start",
    "char_end",
}


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    from ui.cli import cli

    home = tmp_path_factory.mktemp("trend-home")
    folder = tmp_path_factory.mktemp("reports")
    for name in [*FILES, "manifest.tsv"]:
        shutil.copy(REPORTS / name, folder)
    result = CliRunner().invoke(cli, ["add", str(folder), "--no-index", "--home", str(home)])
    assert result.exit_code == 0, result.output
    return home


def run(home, *args):
    from ui.cli import cli

    return CliRunner().invoke(cli, ["trend", *args, "--home", str(home)], catch_exceptions=False)


def series(home, question):
    result = run(home, question, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def keyed(data):
    return {(p["place"], p["period"], p["mode"]): p for p in data["points"]}


def test_json_shape_and_citations(home):
    data = series(home, "国务院 国内生产总值增长 预期目标")
    assert {"question", "indicator", "points"} <= set(data)
    assert data["question"] == "国务院 国内生产总值增长 预期目标"
    assert data["indicator"] == "国内生产总值" and data["measure"] == "growth"
    for point in data["points"]:
        assert {"period", "mode", "figure", "value", "unit", "place", "citation"} <= set(point)
        assert set(point["citation"]) == CITATION_KEYS
    p2019 = keyed(data)[("全国", 2019, "target")]
    archive = Archive(home / "archive.db")
    text = archive.text(p2019["citation"]["report_id"])
    archive.close()
    assert (p2019["figure"], p2019["value"], p2019["value_high"], p2019["unit"]) == (
        "6%－6.5%",
        6.0,
        6.5,
        "%",
    )
    c = p2019["citation"]
    assert text[c["char_start"] : c["char_end"]] == "6%－6.5%" and c["year"] == 2019
    assert [p["period"] for p in data["points"]] == [2013, 2018, 2019, 2024, 2025]
    assert {p["mode"] for p in data["points"]} == {"target"}


def test_english_question_and_each_point_from_the_report_that_states_it(home):
    data = series(home, "China GDP growth, actual")
    points = keyed(data)
    assert {k: p["value"] for k, p in points.items()} == {
        ("全国", 2012, "actual"): 7.8,
        ("全国", 2017, "actual"): 6.9,
        ("全国", 2018, "actual"): 6.6,
        ("全国", 2023, "actual"): 5.2,
        ("全国", 2024, "actual"): 5.0,
    }
    assert all(p["citation"]["year"] == p["period"] + 1 for p in data["points"])


def test_places_side_by_side_with_gaps(home):
    data = series(home, "北京 上海 地区生产总值增长 2025-2026")
    assert data["places"] == ["北京市", "上海市"]
    points = keyed(data)
    assert points[("北京市", 2025, "actual")]["figure"] == "5.4%"
    assert points[("上海市", 2026, "target")]["figure"] == "5%左右"
    assert {p["place"] for p in data["points"]} == {"北京市", "上海市"}
    national = series(home, "国务院 国内生产总值增长 2024")
    gap = next(g for g in national["gaps"] if g["period"] == 2024)
    assert (
        gap["text"] == "target 5%左右, actual 5%" and gap["met"] is True and gap["difference"] == 0
    )


def test_a_revised_figure_is_shown_beside_the_first_one(home):
    data = series(home, "全国 国内生产总值 总量 2012")
    values = sorted((p["value"], p["citation"]["year"]) for p in data["points"])
    assert values == [(51.9e12, 2013), (54e12, 2018)]


def test_averages_only_when_asked(home):
    assert all(p["mode"] != "average" for p in series(home, "国内生产总值增长")["points"])
    data = series(home, "China GDP average annual growth")
    assert {(p["period"], p["period_start"], p["value"]) for p in data["points"]} == {
        (2012, 2008, 9.3),
        (2017, 2013, 7.1),
    }


def test_plain_output_is_a_table(home):
    result = run(home, "北京 上海 地区生产总值增长")
    assert result.exit_code == 0
    assert "北京市 actual" in result.output and "5.4%" in result.output
    assert "target 5%左右, actual" not in result.output or "met" in result.output


def test_bad_input_and_nothing_written(home):
    db = home / "archive.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    archive = Archive(db)
    generation = archive.generation
    archive.close()
    empty = series(home, "钢铁产量")
    assert empty["points"] == [] and "钢铁产量" in empty["message"]
    elsewhere = series(home, "湖北 地区生产总值增长")
    assert elsewhere["points"] == [] and "湖北" in elsewhere["message"]
    partly = series(home, "北京 湖北 地区生产总值增长")
    assert {p["place"] for p in partly["points"]} == {"北京市"} and "湖北" in partly["message"]
    unseen = series(home, "北京 粮食产量 1990")
    assert (
        unseen["points"] == []
        and unseen["indicator"] == "粮食产量"
        and "北京市" in unseen["message"]
    )
    for question in ("2024", "北京 上海", "   "):
        result = run(home, question)
        assert result.exit_code == 1
        assert "name an indicator" in result.output and "China GDP growth target" in result.output
        assert "Traceback" not in result.output
    archive = Archive(db)
    assert archive.generation == generation
    archive.close()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


PLACES = {"全国": ["国务院"], "北京市": ["北京市人民政府"], "呼伦贝尔市海拉尔区": ["呼伦贝尔市海拉尔区人民政府"],
          "内蒙古自治区": ["内蒙古自治区人民政府"]}  # fmt: skip


@pytest.mark.parametrize(
    ("question", "indicator", "measure", "modes", "places", "years"),
    [
        (
            "国务院 国内生产总值增长 预期目标",
            "国内生产总值",
            "growth",
            ("target",),
            ["全国"],
            (None, None),
        ),
        ("China GDP growth target", "国内生产总值", "growth", ("target",), ["全国"], (None, None)),
        (
            "海拉尔区 经济总量 2012-2014",
            "国内生产总值",
            "level",
            None,
            ["呼伦贝尔市海拉尔区"],
            (2012, 2014),
        ),
        (
            "Inner Mongolia grain output since 2020",
            "粮食产量",
            None,
            None,
            ["内蒙古自治区"],
            (2020, None),
        ),
        (
            "did Beijing meet its GDP growth target",
            "国内生产总值",
            "growth",
            ("actual", "target"),
            ["北京市"],
            (None, None),
        ),
        ("去年经济增长 实际", "国内生产总值", "growth", ("actual",), [], (None, None)),
        ("城镇调查失业率 2024年", "城镇调查失业率", None, None, [], (2024, 2024)),
    ],
)
def test_reading_the_question(question, indicator, measure, modes, places, years):
    from index.trend_question import DEFAULT_MODES, parse_question

    q = parse_question(question, PLACES)
    assert (q.indicator.name, q.measure, q.places) == (indicator, measure, places)
    assert q.modes == (modes or DEFAULT_MODES) and (q.year_from, q.year_to) == years
