"""The page's HTML: report text is always escaped, marks land on the right words."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from archive.ingest import add_file
from archive.store import Archive
from ui import render

REPORTS = Path(__file__).parent.parent / "data" / "reports"
# Every tag the renderer itself writes; anything else that looks like a tag came from input.
OWN_TAG = re.compile(
    r'</?(?:mark|div|span|a)(?: class="[a-z0-9 -]+")?(?: id="bg-sec-\d+")?(?: href="#bg-sec-\d+")?'
    r'(?: style="[a-z0-9.:;-]+")?>'
)
ATTACKS = ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "a & b", "x<y>z"]


def visible(html: str) -> str:
    """What a browser would show: the text of the HTML with our own tags removed."""
    return unescape(OWN_TAG.sub("", html))


def foreign_markup(html: str) -> bool:
    return "<" in OWN_TAG.sub("", html)


@pytest.mark.parametrize("attack", ATTACKS)
def test_highlight_shows_markup_as_text(attack: str):
    html = render.highlight(f"前{attack}棚户区改造", ["棚户区", "script", "img"])
    assert not foreign_markup(html)
    assert visible(html) == f"前{attack}棚户区改造"
    assert '<mark class="bg-hl">棚户区</mark>' in html


def test_highlight_merges_overlapping_terms_and_ignores_ascii_case():
    html = render.highlight("Shantytown 棚户区改造", ["棚户区", "户区改造", "SHANTY"])
    assert html.count("<mark") == 2
    assert '<mark class="bg-hl">棚户区改造</mark>' in html
    assert '<mark class="bg-hl">Shanty</mark>town' in html


def test_highlight_marks_a_term_that_itself_contains_markup():
    html = render.highlight("a<b>c", ["<b>"])
    assert html == 'a<mark class="bg-hl">&lt;b&gt;</mark>c'


@given(st.text(), st.lists(st.text(max_size=5), max_size=5))
def test_highlight_never_lets_input_markup_through(text: str, terms: list[str]):
    html = render.highlight(text, terms)
    assert not foreign_markup(html)
    assert visible(html) == text


@given(st.text(), st.lists(st.tuples(st.integers(-5, 60), st.integers(-5, 60)), max_size=6))
@example(text="00", spans=[(0, 1), (-2, -1)])  # a span wholly before the text once doubled a character
def test_mark_spans_keeps_every_character_once(text: str, spans: list[tuple[int, int]]):
    html = render.mark_spans(text, spans)
    assert not foreign_markup(html)
    assert visible(html) == text


@given(st.lists(st.text(), max_size=5))
def test_breadcrumb_escapes_every_part(parts: list[str]):
    html = render.breadcrumb(parts)
    assert not foreign_markup(html)
    assert visible(html) == "›".join(p for p in parts if p)


def test_answer_card_marks_the_figure_and_escapes_the_citation():
    answer = {
        "figure": "2206户",
        "sentence": "实施棚户区、城中村改造项目17个2206户，分配棚改安置房606套；",
        "citation": {
            "title": "<img src=x onerror=alert(1)>报告",
            "year": None,
            "issuer": "区人民政府",
            "section_path": ["二、勤勉履职", "（一）城市建设工作", "3.狠抓安居改造工程"],
        },
    }
    html = render.answer_card(answer)
    assert not foreign_markup(html)
    assert '<div class="bg-figure">2206户</div>' in html
    assert '17个<mark class="bg-fig">2206户</mark>' in html
    assert "&lt;img src=x onerror=alert(1)&gt;报告 · 区人民政府" in html
    assert "3.狠抓安居改造工程" in visible(html)


def test_passage_card_shows_rank_score_breadcrumb_and_terms():
    passage = {
        "rank": 2,
        "score": 1.23456,
        "title": "报告",
        "year": 2024,
        "issuer": "国务院",
        "section_path": ["一、回顾"],
        "text": "<script>alert(1)</script>赤字率拟按3%安排",
    }
    html = render.passage_card(passage, ["赤字率"])
    assert not foreign_markup(html)
    assert "score 1.235" in html and "报告 · 2024 · 国务院" in html
    assert '<mark class="bg-hl">赤字率</mark>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("text", ["**bold** [x](y)", ":red[z] $x$ #h", "1. <b>"])
def test_md_escape_leaves_no_markdown_syntax(text: str):
    escaped = render.md_escape(text)
    assert re.sub(r"\\(.)", "", escaped) == re.sub(r"[*\[\]()#:$.<>]", "", text)


@pytest.fixture(scope="module")
def stored_report(tmp_path_factory) -> tuple[str, list[dict]]:
    archive = Archive(tmp_path_factory.mktemp("render") / "archive.db")
    outcome = add_file(archive, REPORTS / "district-deputy-duty-report.txt")
    text, sections = archive.text(outcome.report_id), archive.sections(outcome.report_id)
    archive.close()
    return text, sections


def test_context_marks_the_passage_inside_its_section(stored_report):
    text, sections = stored_report
    start = text.index("实施棚户区")
    html = render.context_html(text, sections, start, start + 30)
    assert not foreign_markup(html)
    assert "3.狠抓安居改造工程" in visible(html)
    marked = re.search(r'<div class="bg-text bg-here">(.*?)</div>', html).group(1)
    assert unescape(marked) == text[start : start + 30]
    assert html.count('class="bg-text bg-around"') == 2  # the text around it, muted
    section = render.innermost_section(sections, start, start + 30)
    assert section["title"].startswith("3.狠抓安居改造工程")


def test_context_widens_to_the_parent_when_the_passage_fills_its_section(stored_report):
    text, sections = stored_report
    leaf = next(s for s in sections if s["title"].startswith("3.狠抓安居改造工程"))
    html = render.context_html(text, sections, leaf["body_start"], leaf["char_end"])
    assert "2.狠抓园林绿化工程" in visible(html) and "4.狠抓四供保障工程" in visible(html)
    assert visible(html.split('<div class="bg-text')[0]).endswith("（一）城市建设工作")


def test_context_cuts_a_very_long_section_around_the_passage():
    text = "前" * 20000 + "目标段落" + "后" * 20000
    html = render.context_html(text, [], 20000, 20004)
    assert len(visible(html)) < 7000 and '<div class="bg-text bg-here">目标段落</div>' in html


def test_report_html_keeps_all_text_in_reading_order(stored_report):
    text, sections = stored_report
    html = render.report_html(text, sections)
    assert not foreign_markup(html)
    squash = re.compile(r"\s+")
    assert squash.sub("", visible(html)) == squash.sub("", text)
    assert html.count('class="bg-h ') == len(sections)


def test_toc_indents_children_deeper_than_parents(stored_report):
    _, sections = stored_report
    html = render.toc_html(sections)
    pads = [float(p) for p in re.findall(r"padding-left:([\d.]+)em", html)]
    assert len(pads) == len(sections) and min(pads) == 0 and max(pads) > 0


def test_context_picks_out_the_answer_figure_in_the_passage(stored_report):
    text, sections = stored_report
    start = text.index("实施棚户区")
    sentence_end = text.index("；", start) + 1
    answer = {"figure": "2206户", "citation": {"char_start": start, "char_end": sentence_end}}
    figure = render.figure_span(text, answer)
    assert text[figure[0] : figure[1]] == "2206户"
    html = render.context_html(text, sections, start, sentence_end + 10, figure)
    here = re.search(r'<div class="bg-text bg-here">(.*?)</div>', html).group(1)
    assert '<mark class="bg-fig">2206户</mark>' in here
    elsewhere = render.context_html(text, sections, sentence_end + 20, sentence_end + 60, figure)
    assert "bg-fig" not in elsewhere  # the figure lies outside this passage: nothing marked
    assert render.figure_span(text, None) is None


def test_lone_characters_are_not_highlighted():
    passage = {"rank": 1, "score": 1.0, "title": "报告", "section_path": [],
               "text": "实施棚户区改造项目17个2206户，新增住户300户"}
    html = render.passage_card(passage, ["户", "棚户区", "改造", "a"])
    assert '<mark class="bg-hl">户</mark>' not in html
    assert '<mark class="bg-hl">棚户区改造</mark>' in html
    assert render.meaningful_terms(["户", " 改造 ", "", "GDP", "a"]) == ["GDP", "改造"]


def test_toc_entries_link_to_their_headings(stored_report):
    text, sections = stored_report
    links = re.findall(r'href="#(bg-sec-\d+)"', render.toc_html(sections))
    targets = re.findall(r'id="(bg-sec-\d+)"', render.report_html(text, sections))
    assert links == targets and len(links) == len(sections) == len(set(links))


@pytest.mark.parametrize(
    ("stamp", "shown"),
    [
        ("2026-12-02T16:37:05+00:00", "2 Dec 2026, 16:37 UTC (5 minutes ago)"),
        ("2026-12-01T10:00:00+00:00", "1 Dec 2026, 10:00 UTC (1 day ago)"),
        ("2026-12-02T16:42:00", "2 Dec 2026, 16:42 UTC (just now)"),
        ("—", "—"),
        (None, "—"),
    ],
)
def test_timestamps_read_as_dates(stamp, shown):
    now = datetime(2026, 12, 2, 16, 42, 30, tzinfo=UTC)
    assert render.human_time(stamp, now) == shown


def test_hint_chips_say_plainly_what_they_do():
    back = {"kind": "year", "value": "2025", "label": "year 2025 (reviews 2024)", "reports": [7]}
    label, why = render.hint_chip(back)
    assert label == "2025 reports, looking back on 2024" and "reviews" not in label
    assert why == "A report of 2025 reviews 2024: reports of 2025 are ranked higher too (1 report)."
    assert render.hint_chip({"kind": "year", "value": "2024", "label": "year 2024",
                             "reports": [1, 2]})[0] == "2024 reports"
    assert render.hint_chip({"kind": "place", "value": "海拉尔区", "label": "海拉尔区",
                             "reports": [2]})[0] == "reports of 海拉尔区"
