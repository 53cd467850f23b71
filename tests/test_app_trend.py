"""The Trend page through AppTest: chart, table, gaps, CSV, each point in context, the URL, bad
input, and the Ask answer's link to it."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).parent.parent / "ui" / "app.py"
FILES = (
    "district-deputy-duty-report.txt",
    "gwr_2024_state_council.txt",
    "gwr_2025_state_council.txt",
    "gwr_2026_beijing_province.txt",
)


@pytest.fixture(scope="module")
def template_home(indexed_home) -> Path:
    """The reports, added and indexed once; each test gets its own copy."""
    return indexed_home(FILES)


@pytest.fixture
def home(tmp_path: Path, template_home: Path, tiny_model_dir: Path, monkeypatch) -> Path:
    copy = tmp_path / "home"
    shutil.copytree(template_home, copy)
    monkeypatch.setenv("BAOGAO_HOME", str(copy))
    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))
    return copy


def trend_page(**query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(query)
    at.run()
    at.switch_page("views_trend.py").run()
    assert not at.exception, at.exception
    return at


def test_a_series_draws_a_chart_a_table_gaps_and_a_csv(home):
    at = trend_page()
    at.text_input(key="tq").input("国内生产总值增长").run()
    assert not at.exception, at.exception
    assert at.get("vega_lite_chart"), "no chart"
    table = at.dataframe[0].value
    rows = {(r["place"], r["period"], r["mode"]): r["figure"] for r in table.to_dict("records")}
    assert rows[("全国", 2024, "target")] == "5%左右"
    assert rows[("全国", 2024, "actual")] == "5%"
    assert rows[("北京市", 2025, "actual")] == "5.4%"
    gaps = at.dataframe[1].value.to_dict("records")
    assert {(g["place"], g["period"], g["target"], g["actual"]) for g in gaps} >= {
        ("全国", 2024, "5%左右", "5%")
    }
    from archive.store import Archive
    from index.trend import trend
    from ui.views_trend import csv_text  # the bytes the download button serves

    archive = Archive(home / "archive.db")
    points = trend(archive, "国内生产总值增长").points
    archive.close()
    written = list(csv.DictReader(io.StringIO(csv_text(points))))
    assert len(written) == len(table) and written[0]["title"] and written[0]["section_path"]
    assert at.get("download_button")


def test_each_point_opens_in_its_report(home):
    at = trend_page(tq="国务院 国内生产总值增长 预期目标")
    assert at.text_input(key="tq").value == "国务院 国内生产总值增长 预期目标"
    assert [e.label for e in at.expander] == [
        "2024 · 全国 · target · 5%左右 — 2024年中华人民共和国国务院政府工作报告 · 2024 · 国务院",
        "2025 · 全国 · target · 5%左右 — 2025年中华人民共和国国务院政府工作报告 · 2025 · 国务院",
    ]
    assert not any('class="bg-text bg-here"' in h.value for h in at.html)  # read only when opened
    first = next(k for k in at.session_state if str(k).startswith("tctx-"))
    at.session_state[first] = True  # what a click does
    at.run()
    assert not at.exception, at.exception
    [context] = [h.value for h in at.html if 'class="bg-text bg-here"' in h.value]
    assert '<mark class="bg-fig">5%左右</mark>' in context and 'class="bg-breadcrumb"' in context


def test_bad_questions_say_so_plainly(home):
    at = trend_page(tq="2024")
    assert "name an indicator" in at.warning[0].value
    at.text_input(key="tq").input("钢铁产量").run()
    assert "钢铁产量" in at.info[0].value and not at.get("vega_lite_chart")


def test_an_ask_figure_offers_the_series(home):
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.text_input(key="q").input("棚户区改造了多少户？").run()
    assert not at.exception, at.exception
    links = at.get("page_link")
    assert links and "See this over the years" in links[0].proto.label
    from urllib.parse import parse_qs

    assert parse_qs(links[0].proto.query_string) == {"tq": ["棚户区改造了多少户"]}
    assert links[0].proto.page == "trend"
