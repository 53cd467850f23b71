"""Chunks slice the text exactly, stay in one section, cover every body and never cut a figure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.chunker import chunk_sections
from archive.figures import FIGURE_RE, extract_figures
from archive.models import Chunk, Section

SEED = Path(__file__).parent.parent / "data" / "reports" / "district-deputy-duty-report.txt"

# --- generated reports -------------------------------------------------------------------

WORDS = [
    "建设",
    "城市",
    "管理",
    "社区",
    "服务",
    "推进",
    "完成",
    "实施",
    "改造",
    "提升",
    "民生",
    "保障",
]
FIGURES = [
    "{n}户", "{n}万元", "{n}.5%", "{n}个百分点", "{n}万人次", "{n}多起", "2至{n}个", "{fw}％",
    "{sp}年", "{sp}亿元", "一千二百万吨", "百分之二十", "1,256人", "{n}年", "9月底", "{n}.{n}万平方米",
]  # fmt: skip
HEADINGS = {1: "一、", 2: "（一）", 3: "1.", 4: "一是"}


@st.composite
def figure(draw: st.DrawFn) -> str:
    n = draw(st.integers(1, 99_999))
    full_width = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return draw(st.sampled_from(FIGURES)).format(n=n, fw=full_width, sp=" ".join(str(n)))


@st.composite
def sentence(draw: st.DrawFn) -> str:
    tokens = draw(
        st.lists(
            st.one_of(
                st.sampled_from(WORDS),
                figure(),
                st.sampled_from(["，", "、", " "]),
                st.text("xyz", min_size=1, max_size=60).map(lambda s: f" {s} "),
            ),
            min_size=1,
            max_size=20,
        )
    )
    return "".join(tokens) + draw(st.sampled_from(["。", "！", "？", "；", ". ", ""]))


@st.composite
def body(draw: st.DrawFn) -> str:
    paragraphs = draw(st.lists(st.lists(sentence(), min_size=1, max_size=4), max_size=3))
    indent = draw(st.sampled_from(["", "　　", "  "]))
    gap = draw(st.sampled_from(["\n", "\n\n", " \n"]))
    return "".join(indent + "".join(p) + gap for p in paragraphs)


@st.composite
def report(draw: st.DrawFn) -> tuple[str, list[Section]]:
    """A text and a heading tree whose spans keep the Section contract."""
    parts: list[str] = []
    sections: list[Section] = []
    size = 0

    def write(s: str) -> None:
        nonlocal size
        parts.append(s)
        size += len(s)

    def node(level: int, parent: int | None) -> None:
        ordinal, start = len(sections), size
        sections.append(None)  # type: ignore[arg-type]  # filled in once the end is known
        title = HEADINGS[level] + "".join(draw(st.lists(st.sampled_from(WORDS), max_size=4)))
        write(title + ("。" if draw(st.booleans()) else ""))  # own line or first sentence
        body_start = size
        write(draw(st.sampled_from(["\n", ""])) if parts[-1].endswith("。") else "\n")
        write(draw(body()))
        for _ in range(draw(st.integers(0, 2 if level < 4 else 0))):
            node(level + 1, ordinal)
        sections[ordinal] = Section(ordinal, level, title, parent, start, body_start, size)

    write(draw(body()))
    for _ in range(draw(st.integers(0, 3))):
        node(1, None)
    return "".join(parts), sections


def own_bodies(text: str, sections: list[Section]) -> dict[int | None, tuple[int, int]]:
    """The contract, written out independently of the chunker."""
    bodies: dict[int | None, tuple[int, int]] = {
        None: (0, sections[0].start if sections else len(text))
    }
    for s in sections:
        children = [c.start for c in sections if c.parent == s.ordinal]
        bodies[s.ordinal] = (s.body_start, min(children, default=s.end))
    return bodies


def unbreakable(text: str) -> list[tuple[int, int]]:
    """Figures, number runs and Latin words: the places a chunk may not be cut."""
    spans = [(f.start, f.end) for f in extract_figures(text)]
    spans += [m.span() for m in FIGURE_RE.finditer(text)]
    return spans + [m.span() for m in re.finditer(r"[0-9A-Za-z]+", text)]


def check(text: str, sections: list[Section], chunks: list[Chunk], max_chars: int) -> None:
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)
    bodies = own_bodies(text, sections)
    for c in chunks:
        assert c.text == text[c.start : c.end] and c.text == c.text.strip() and c.text
        lo, hi = bodies[c.section]
        assert lo <= c.start and c.end <= hi, (c, lo, hi)
    for section, (lo, hi) in bodies.items():
        covered = {i for c in chunks if c.section == section for i in range(c.start, c.end)}
        missing = [i for i in range(lo, hi) if not text[i].isspace() and i not in covered]
        assert not missing, (section, text[missing[0] : missing[0] + 10])
    zones = unbreakable(text)
    for c in chunks:
        if len(c.text) > max_chars:
            assert any(a <= c.start and c.end <= b for a, b in zones), c
        for a, b in zones:
            assert b <= c.start or c.end <= a or (c.start <= a and b <= c.end), (c, text[a:b])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report(), st.integers(20, 300), st.integers(0, 2))
def test_chunks_keep_the_contract(doc: tuple[str, list[Section]], max_chars: int, overlap: int):
    text, sections = doc
    chunks = chunk_sections(text, sections, max_chars=max_chars, overlap_sentences=overlap)
    check(text, sections, chunks, max_chars)


# --- examples ----------------------------------------------------------------------------

SEED_HEADINGS = [  # (title as written, level, parent index)
    ("一、加强学习，强化素质，不断提高履职能力", 1, None),
    ("二、勤勉履职，勇于担当，圆满完成工作任务", 1, None),
    ("（一）城市建设工作", 2, 1),
    ("1.狠抓道路建设工程。", 3, 2),
    ("2.狠抓园林绿化工程。", 3, 2),
    ("3.狠抓安居改造工程。", 3, 2),
    ("4.狠抓四供保障工程。", 3, 2),
]


@pytest.fixture(scope="module")
def seed() -> tuple[str, list[Section]]:
    """The seed report up to （二）, with its heading tree built by hand."""
    full = SEED.read_text(encoding="utf-8")
    text = full[: full.index("（二）城市管理工作")]
    starts = [text.index(title) for title, _, _ in SEED_HEADINGS]
    sections = []
    for i, (title, level, parent) in enumerate(SEED_HEADINGS):
        later = [
            s
            for s, (_, lv, _) in zip(starts[i + 1 :], SEED_HEADINGS[i + 1 :], strict=True)
            if lv <= level
        ]
        end = later[0] if later else len(text)
        sections.append(Section(i, level, title, parent, starts[i], starts[i] + len(title), end))
    return text, sections


def test_seed_chunks_follow_the_tree(seed: tuple[str, list[Section]]):
    text, sections = seed
    chunks = chunk_sections(text, sections)
    check(text, sections, chunks, 300)
    assert chunks[0].section is None and chunks[0].text.startswith("根据区政府工作分工")
    assert not [c for c in chunks if c.section in (1, 2)]  # 二、 and （一） have no own body
    road = [c for c in chunks if c.section == 3]
    assert (
        len(road) == 1 and road[0].text.startswith("新建城市道路5条") and "2318个" in road[0].text
    )
    assert not [c for c in chunks if "狠抓" in c.text]  # headings live in titles


@pytest.mark.parametrize(("max_chars", "count"), [(300, 3), (1000, 1)])
def test_short_paragraphs_merge_up_to_max_chars(
    seed: tuple[str, list[Section]], max_chars: int, count: int
):
    text, sections = seed
    study = [c for c in chunk_sections(text, sections, max_chars=max_chars) if c.section == 0]
    assert len(study) == count
    assert study[0].text.startswith("一是强化理论武装") and study[-1].text.endswith("取得新成效。")


def test_long_paragraph_windows_overlap_and_keep_figures(seed: tuple[str, list[Section]]):
    text, sections = seed
    chunks = chunk_sections(text, sections, max_chars=120, overlap_sentences=1)
    check(text, sections, chunks, 120)
    housing = [c for c in chunks if c.section == 5]
    assert len(housing) >= 3
    assert any(b.start < a.end for a, b in zip(housing, housing[1:], strict=False))
    assert [c for c in housing if "2206户" in c.text]


def test_overlap_repeats_sentences():
    text = "".join(f"第{i}句" + "甲" * 26 + "。" for i in range(5))  # five sentences of 30 chars
    spans = [(c.start // 30, c.end // 30) for c in chunk_sections(text, [], max_chars=70)]
    assert spans == [(0, 2), (1, 3), (2, 4), (3, 5)]
    spans = [
        (c.start // 30, c.end // 30)
        for c in chunk_sections(text, [], max_chars=70, overlap_sentences=0)
    ]
    assert spans == [(0, 2), (2, 4), (4, 5)]


@pytest.mark.parametrize("figure", ["6359万元", "1 9 9 3年", "一千二百万吨", "22.5％", "743万人次"])
def test_hard_cut_moves_out_of_a_figure(figure: str):
    text = "甲" * 8 + figure + "乙" * 30
    chunks = chunk_sections(text, [], max_chars=10)
    assert [c for c in chunks if figure in c.text]
    assert all(len(c.text) <= 10 for c in chunks)
    assert "".join(c.text for c in chunks) == text


def test_clause_breaks_come_before_hard_cuts():
    text = "城市建设" * 5 + "，" + "社区服务" * 5 + "、" + "民生保障" * 5
    assert [c.text for c in chunk_sections(text, [], max_chars=25)] == [
        "城市建设" * 5 + "，",
        "社区服务" * 5 + "、",
        "民生保障" * 5,
    ]


def test_an_unbreakable_word_stays_whole():
    text = "前言。" + "x" * 50 + " 后记"
    chunks = chunk_sections(text, [], max_chars=20)
    assert "x" * 50 in [c.text for c in chunks]


def test_empty_text_and_empty_bodies_give_no_chunks():
    assert chunk_sections("", []) == []
    assert chunk_sections("一、标题\n\n二、标题\n", [
        Section(0, 1, "一、标题", None, 0, 4, 6),
        Section(1, 1, "二、标题", None, 6, 10, 11),
    ]) == []  # fmt: skip
