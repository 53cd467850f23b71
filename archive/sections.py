"""Find a report's headings and nest them into a tree of character spans.

Two steps. *Detection* looks at each line once: a numbering prefix (一、 （一） 1. 一是 …)
gives a candidate with a level; a short unpunctuated line (2024年工作回顾) is kept as a
possible unnumbered heading. *Selection* places the unnumbered lines, drops numbered
candidates that break their sibling sequence (一、二、三 …), and builds the tree.

Rules worth knowing (each generalises; none names a file or a title):
- A heading is a line of its own, or the first sentence of a paragraph
  (``1.狠抓道路建设工程。新建…``); titles keep their numbering and lose end punctuation.
- Not headings: a number followed by a digit (``1.5万``, ``1、2月``) unless it is exactly
  the next sibling (``8.6个重大科技专项`` after ``7.``), ordinals above 99
  (``2024、2025年``), a bare number with no title, a first sentence holding ``；`` (an
  inline list) or longer than ``MAX_TITLE``, a table row (``二、衣着 101.3``), and
  numbering mid-paragraph. Dates and quantities (``2024年，全省…``) never match a prefix.
- Siblings count up: a candidate is kept if it starts a run (1 or 2) or continues one
  (one gap allowed), so a stray ``5.`` after ``1.``, or a list restarting at ``一、``
  inside a ``三、`` section, is body text.
- An unnumbered line is a heading when it is short, unpunctuated, follows a complete
  paragraph and is followed by a paragraph or by a numbering that restarts at 1. Such
  lines share one level, one above their highest numbered child, which the numbering
  itself must leave free; without children they stand beside the top numbered level
  (结束语). The first line of a document is its title, never a section.
- ``heading_lines`` from the source format are always headings; a marked unnumbered
  line with no children is a sub-heading of the numbered section it sits in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from archive.models import Section

MAX_TITLE = 56  # characters after the numbering; longer first sentences are prose
MAX_PLAIN = 25  # an unnumbered heading line is at most this long
MAX_ENGLISH = 80

CN_DIGITS = "一二三四五六七八九十百零〇壹贰貳叁參肆伍陆陸柒捌玖拾"
_CN = f"[{CN_DIGITS}]+"
_VALUES = dict(zip("〇一二三四五六七八九", range(10), strict=True)) | dict(
    zip("零壹贰貳叁參肆伍陆陸柒捌玖", [0, 1, 2, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9], strict=True)
)

# (style, level, pattern at the start of a stripped line); the first match wins.
# Levels follow DESIGN.md: 0 part, 1 一、, 2 （一）, 3 1., 4 一是 /（1）/ ①.
STYLES: list[tuple[str, int, re.Pattern[str]]] = [
    # 第一部分 第二章 第三篇: the largest divisions.
    ("part", 0, re.compile(rf"第(?P<n>{_CN}|\d+)(?:部分|章|篇)")),
    # Chapter 2 / Part II / CHAPTER ONE in English reports (roman numerals in capitals).
    ("chapter", 0, re.compile(r"(?i:chapter|part)\s+(?P<n>\d+|[IVX]+|[A-Za-z]+)\b")),
    # 附件1 / 附录二：… on a line of its own: an appendix sits beside the parts.
    ("appendix", 0, re.compile(rf"附[件录]\s*(?P<n>{_CN}|\d{{0,2}})(?:[\s:：.．、]|$)")),
    # 一、 十一、 壹、 (一. and 一． occur in scanned reports).
    ("cn", 1, re.compile(rf"(?P<n>{_CN})[、.．]")),
    # （一） (一) with full- or half-width brackets.
    ("cn-paren", 2, re.compile(rf"[（(]\s*(?P<n>{_CN})\s*[)）]")),
    # 第一，第二、: the ordinal lists of older reports, one step below （一）.
    ("ordinal", 3, re.compile(rf"第(?P<n>{_CN})[，、,]")),
    # 1.1 Scope / 1.2.3 方法: dotted numbers, level = depth; needs a space after.
    ("dotted", 0, re.compile(r"(?P<n>\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+")),
    # 1. Introduction: an English numbered heading (space, then a capital).
    ("english", 1, re.compile(r"(?P<n>\d{1,2})\.\s+(?=[A-Z])")),
    # 1. 1、 1． １．: digits, ASCII or full-width, with a Chinese title.
    ("digit", 3, re.compile(r"(?P<n>\d{1,3})\s*[.．、]")),
    # 一是 二是: lead words of a paragraph.
    ("shi", 4, re.compile(rf"(?P<n>{_CN})是")),
    # （1） (1) 1）: bracketed digits.
    ("digit-paren", 4, re.compile(r"[（(]?\s*(?P<n>\d{1,2})\s*[)）]")),
    # ① … ⑳
    ("circled", 4, re.compile(r"(?P<n>[①-⑳])")),
]

MARKDOWN = re.compile(r"(?P<hashes>#{1,6})\s+")  # ## 标题 (ATX heading)
SENTENCE_END = "。！？!?"
TITLE_END = SENTENCE_END + "：:"  # a first sentence may also end at a colon
OPENERS, CLOSERS = "（(“‘《〈「『【[", "）)”’》〉」』】]"
COMPLETE = re.compile(r"[。！？!?：:；;…][”’」』)）]*$")  # a line that ends a paragraph
PLAIN_FORBIDDEN = re.compile(r"[，。！？；：,.;:!?]")  # sentence punctuation
CJK = re.compile(r"[\u3400-\u9fff]")
TABLE_ROW = re.compile(r"\s[-+]?\d[\d.,%％]*$")  # 二、衣着 101.3: a label, then a figure
NEXT_LINE = re.compile(r"\s*([^\n]*)")  # the next non-blank line from a position
# After a digit prefix: another digit means a decimal or a range (1.5万, 1、2月); a unit
# means a quantity (3.万元). After a Chinese one: a month or a list (一、二月, 一、二、三产业).
DIGIT_FOLLOWER = re.compile(r"\d|[年月日号时万亿千百%％‰个件项名人户元倍次岁吨米亩]")
CN_FOLLOWER = re.compile(rf"{_CN}[、月日号]")
CN_STYLES = ("cn", "cn-paren", "shi", "ordinal")
OWN_LINE_ONLY = ("english", "chapter", "appendix")
TITLE_OPTIONAL = ("part", "chapter", "appendix")  # 第一部分 alone on its line is a heading
ROMAN = {"I": 1, "V": 5, "X": 10}
WORDS = "one two three four five six seven eight nine ten eleven twelve".split()


@dataclass
class _Candidate:
    """A line that may open a section; level None until an unnumbered line is placed."""

    start: int
    body_start: int
    title: str
    level: int | None
    style: str = ""  # numbering family; "" for an unnumbered line
    number: int = 0
    trusted: bool = False
    ambiguous: bool = False  # 8.6个…: a decimal, or item 8 about "6个"; the sequence decides


def parse_sections(text: str, heading_lines: Sequence[int] = ()) -> list[Section]:
    """Sections of `text` in document order, with parents and character spans."""
    candidates = _detect(text, set(heading_lines))
    headings = _select(candidates, text)
    return _build_tree(headings, len(text))


def section_path(sections: list[Section], ordinal: int) -> list[str]:
    """Titles from the top of the tree down to section `ordinal`, for citations."""
    path: list[str] = []
    current: int | None = ordinal
    while current is not None:
        path.append(sections[current].title)
        current = sections[current].parent
    return path[::-1]


# --- detection --------------------------------------------------------------------------


def _lines(text: str) -> list[tuple[int, str]]:
    """(offset, line) for every non-blank line."""
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, line))
        pos += len(line) + 1
    return out


def _detect(text: str, trusted_offsets: set[int]) -> list[_Candidate]:
    """Every line that could open a section, in document order."""
    lines = _lines(text)
    found: list[_Candidate] = []
    for i, (pos, line) in enumerate(lines):
        content = line.strip()
        start = pos + len(line) - len(line.lstrip())
        line_end = min(pos + len(line) + 1, len(text))
        hashes = MARKDOWN.match(content)
        trusted = bool(hashes) or pos in trusted_offsets or start in trusted_offsets
        inner = content[hashes.end() :] if hashes else content
        cand = _numbered(inner, start + len(content) - len(inner), line_end, trusted)
        if cand is None and trusted:
            title = inner.rstrip("#").strip().rstrip(TITLE_END) or inner
            level = len(hashes.group("hashes")) - 1 if hashes else None
            cand = _Candidate(start, line_end, title, level, "markdown" if hashes else "", 0, True)
        if cand is None and _is_plain(content, lines, i):
            cand = _Candidate(start, line_end, content, None)
        if cand is not None:
            cand.start = start  # a markdown heading starts at its hashes
            found.append(cand)
    return found


def _numbered(content: str, start: int, line_end: int, trusted: bool) -> _Candidate | None:
    """The candidate for a line that opens with a numbering prefix, or None."""
    matches = ((m, style, level) for style, level, p in STYLES if (m := p.match(content)))
    match = next(matches, None)
    return None if match is None else _shape(content, start, line_end, trusted, *match)


def _shape(
    content: str, start: int, line_end: int, trusted: bool, m: re.Match, style: str, level: int
) -> _Candidate | None:
    """Apply the number checks, then cut the title (own line or first sentence)."""
    raw, rest = m.group("n"), content[m.end() :].lstrip()
    number = _value(raw, style)
    if style == "dotted":
        level = raw.count(".") + 1
    if trusted and (not rest or not 0 < number <= 99):  # the source says heading: keep it
        return _Candidate(start, line_end, content, level, style, max(number, 0), True)
    if not 0 < number <= 99 or not (rest or style in TITLE_OPTIONAL):
        return None
    ambiguous = style == "digit" and rest[0].isdigit()
    if style in ("digit", "dotted") and DIGIT_FOLLOWER.match(rest) and not ambiguous:
        return None
    if style in CN_STYLES and CN_FOLLOWER.match(rest):
        return None
    own_line_only = style in OWN_LINE_ONLY or (style == "dotted" and not CJK.search(rest))
    if own_line_only:  # English and appendix headings stand alone; a sentence is a list item
        if not trusted and (len(content) > MAX_ENGLISH or content[-1] in ".,;。；"):
            return None
        title = content.rstrip(TITLE_END + " ")
        return _Candidate(start, line_end, title, level, style, number, trusted)
    prefix_len = len(content) - len(rest)
    end = _first_sentence_end(rest)
    if end is None or end == len(rest) - 1:  # the whole line is the heading
        title, body_start = content.rstrip(TITLE_END + " "), line_end
        if TABLE_ROW.search(title) and not trusted:
            return None
    else:  # the first sentence is the heading, the rest of the paragraph its body
        title, body_start = content[: prefix_len + end], start + prefix_len + end + 1
    inline_list = ";" in title or "；" in title
    if not trusted and (inline_list or not 0 < len(title) - prefix_len <= MAX_TITLE):
        return None
    return _Candidate(start, body_start, title, level, style, number, trusted, ambiguous)


def _first_sentence_end(rest: str) -> int | None:
    """Index of the first sentence end outside brackets and quotes, if any."""
    depth = 0
    for i, ch in enumerate(rest):
        if ch in OPENERS:
            depth += 1
        elif ch in CLOSERS:
            depth = max(depth - 1, 0)
        elif ch in TITLE_END and depth == 0:
            return i
    return None


def _value(raw: str, style: str) -> int:
    """The ordinal a numbering prefix stands for: 十一 -> 11, ③ -> 3, II -> 2, 1.2 -> 2."""
    if not raw:
        return 1  # a lone 附件
    if style == "circled":
        return ord(raw) - ord("①") + 1
    if style == "dotted":
        return int(raw.rsplit(".", 1)[1])
    if raw.isdigit():
        return int(raw)
    if style == "chapter":
        if raw.lower() in WORDS:
            return WORDS.index(raw.lower()) + 1
        if set(raw) <= set(ROMAN):  # capitals only: "Part ix" is prose
            values = [ROMAN[c] for c in raw]
            return sum(-v if v < w else v for v, w in zip(values, values[1:] + [0], strict=True))
        return 0
    total, digit = 0, 0
    for ch in raw:
        if ch in "十拾":
            total, digit = total + (digit or 1) * 10, 0
        elif ch == "百":
            total, digit = total + (digit or 1) * 100, 0
        else:
            digit = _VALUES[ch]
    return total + digit


def _is_plain(content: str, lines: list[tuple[int, str]], i: int) -> bool:
    """A short unpunctuated line between complete paragraphs: maybe an unnumbered heading."""
    if not 3 <= len(content) <= MAX_PLAIN or PLAIN_FORBIDDEN.search(content):
        return False
    if len(CJK.findall(content)) < 2 or i == 0 or i + 1 == len(lines):
        return False
    return bool(COMPLETE.search(lines[i - 1][1].strip()))


# --- selection --------------------------------------------------------------------------


def _select(candidates: list[_Candidate], text: str) -> list[_Candidate]:
    """The candidates that are headings: placed, in sequence, and not the document title."""
    _place_unnumbered(candidates, text)
    kept: list[_Candidate] = []
    counters: dict[tuple[int, str], int] = {}
    for c in candidates:
        if c.level is None:
            continue
        key = (c.level, c.style)
        last = counters.get(key)
        if c.ambiguous:  # a number after a number is a heading only right after its sibling
            in_sequence = last is not None and c.number == last + 1
        else:
            in_sequence = c.number <= 2 if last is None else last < c.number <= last + 2
        if c.style and not c.trusted and c.style != "appendix" and not in_sequence:
            continue
        kept.append(c)
        for k in [k for k in counters if k[0] > c.level]:
            del counters[k]
        if c.style:
            counters[key] = c.number
    return _drop_document_title(kept, text)


def _place_unnumbered(candidates: list[_Candidate], text: str) -> None:
    """Give unnumbered lines a level, or leave them out (level None).

    A line whose next candidate restarts a numbering (（一）, 1.) is its parent: all such
    lines share the level above the highest such child, if the numbering leaves it free.
    Other lines that open a paragraph join them, or else stand beside the top numbered
    level (结束语). A marked line with no such level is a sub-heading of the numbered
    section it sits in (a table caption).
    """
    numbered_levels = {c.level for c in candidates if c.style and c.style != "appendix"}
    parents: list[tuple[_Candidate, int]] = []  # (line, level of the run it starts)
    others: list[tuple[_Candidate, _Candidate | None]] = []  # (line, numbered line before it)
    last_numbered: _Candidate | None = None
    for i, c in enumerate(candidates):
        nxt = candidates[i + 1] if i + 1 < len(candidates) else None
        if c.style:
            last_numbered = c
        if c.style or c.level is not None:
            continue
        starts_run = nxt is not None and nxt.style and nxt.level is not None and nxt.number == 1
        directly = starts_run and not text[c.body_start : nxt.start].strip()
        if starts_run and (c.trusted or directly or _opens_paragraph(text, c.body_start)):
            parents.append((c, nxt.level))
        elif c.trusted or _opens_paragraph(text, c.body_start):
            others.append((c, last_numbered))
    shared = min(numbered_levels, default=None)
    if parents:
        shared = min(lvl for _, lvl in parents) - 1
        shared = None if shared < 0 or shared in numbered_levels else shared
    for c, _ in parents:
        c.level = shared
    for c, before in others:
        if parents or not c.trusted:
            c.level = shared
        else:
            c.level = before.level + 1 if before else min(numbered_levels, default=1)
    for c in candidates:  # a heading the source marked is kept even without a clue
        if c.trusted and c.level is None:
            c.level = min(numbered_levels, default=1)


def _opens_paragraph(text: str, pos: int) -> bool:
    """Whether the next line is a body paragraph (long, or ending a sentence)."""
    nxt = NEXT_LINE.match(text, pos).group(1).strip()
    return len(nxt) >= 40 or bool(COMPLETE.search(nxt))


def _drop_document_title(kept: list[_Candidate], text: str) -> list[_Candidate]:
    """An unnumbered heading on the first line is the document's title, not a section.

    A markdown heading there is kept unless it would wrap everything (a lone ``# Title``).
    """
    if not kept or kept[0].style not in ("", "markdown") or text[: kept[0].start].strip():
        return kept
    first = kept[0]
    if first.style == "markdown" and any(c.level <= first.level for c in kept[1:]):
        return kept
    return kept[1:]


# --- tree -------------------------------------------------------------------------------


def _build_tree(headings: list[_Candidate], text_length: int) -> list[Section]:
    """Parent: the nearest earlier heading of a smaller level; end: the next of level <= own."""
    sections: list[Section] = []
    open_stack: list[Section] = []
    for ordinal, h in enumerate(headings):
        while open_stack and open_stack[-1].level >= h.level:
            open_stack.pop().end = h.start
        parent = open_stack[-1].ordinal if open_stack else None
        section = Section(ordinal, h.level, h.title, parent, h.start, h.body_start, text_length)
        sections.append(section)
        open_stack.append(section)
    return sections
