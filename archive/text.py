"""Text normalisation shared by every reader, so offsets mean the same thing for all formats."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A year as reports and questions write it (1900-2099), not part of a longer number.
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")

# Invisible format characters: zero-width space/joiners, word joiner and invisible operators,
# BOM, soft hyphen, bidi marks and embeddings, Mongolian vowel separator, interlinear
# annotation marks. They break substring search and never carry meaning in a report.
_INVISIBLE = (
    "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d"
    "\u206e\u206f\ufeff\ufff9\ufffa\ufffb"
)
# C0/C1 controls except tab and newline; vertical tab, form feed and NEL end a line.
_LINE_BREAKING = "\x0b\x0c\x85\u2028\u2029"
_CONTROLS = "".join(
    chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(c) not in "\t\n\r\x0b\x0c\x85"
)
# Regular expressions, not str.translate: on a 50 MB report they are 15x faster.
_DROPPED = re.compile("[" + re.escape(_INVISIBLE + _CONTROLS) + "]+")
_BREAKS = re.compile("[" + _LINE_BREAKING + "]")
_TRAILING_SPACE = re.compile(r"[^\S\n]+$", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """LF line ends, no invisible or control characters, no trailing or runs of blank lines.

    Full-width digits and ％ are kept: figures are extracted from this text and their raw
    strings must match the report as written.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _BREAKS.sub("\n", _DROPPED.sub("", text))
    text = _TRAILING_SPACE.sub("", text)
    text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip("\n")


def join_blocks(blocks: Iterable[tuple[str, bool]]) -> tuple[str, list[int]]:
    """Join (text, is_heading) blocks one per line; return the text and heading line offsets.

    Each block is normalised on its own, so the offsets stay valid: normalising the
    result again changes nothing.
    """
    parts: list[str] = []
    headings: list[int] = []
    offset = 0
    for raw, is_heading in blocks:
        block = normalize_text(raw)
        if not block.strip():
            continue
        if is_heading:
            headings.append(offset)
        parts.append(block)
        offset += len(block) + 1
    return "\n".join(parts), headings


def is_blank(text: str) -> bool:
    """True when nothing but whitespace is left."""
    return not text.strip()


SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence (。！？； or a line ends one); the whole text when it has none."""
    spans = [(m.start(), m.end()) for m in SENTENCE.finditer(text) if m.group().strip()]
    return spans or [(0, len(text))]


CLAUSE_BREAK = re.compile(r"[，,；;。！？\n：:]")


def clause_span(text: str, at: int) -> tuple[int, int]:
    """(start, end) of the clause holding position `at`: between commas, colons or sentence ends."""
    start = max((m.end() for m in CLAUSE_BREAK.finditer(text, 0, at)), default=0)
    end = CLAUSE_BREAK.search(text, at)
    return start, end.start() if end else len(text)


# 同比增长10.1%, 比上年下降到, 年均: words of change alone, which name no figure themselves
CHANGE_ONLY = re.compile(r"(?:同比|比上年|比去年|较上年|较去年|年均|分别|累计)?"
                         r"(?:增长|增加|提高|上升|下降|减少|降低|回落|扩大|缩小|达到|达|为|完成|实现)?(?:了|到|至)?")


DIGIT = re.compile(r"[0-9０-９]")


def figure_clause(text: str, at: int) -> tuple[int, int]:
    """The clause holding the figure at `at` -- its own item when the clause lists figures
    (就业1256万人、失业率5.1%; not the nouns of 棚户区、城中村改造2206户) -- and, when only words of
    change lead it (地区生产总值完成253.7亿元，同比增长10.1%), the item or clause before it too, which names it."""
    start, end = clause_span(text, at)
    items = [start]  # where the items of a list of figures start
    for mark in re.finditer("、", text[start:end]):
        if DIGIT.search(text, items[-1], start + mark.start()):
            items.append(start + mark.end())
    ends = [b - 1 for b in items[1:]] + [end]
    k = max(i for i, b in enumerate(items) if b <= at)
    item_start, item_end = items[k], ends[k]
    if CHANGE_ONLY.fullmatch(text[item_start:at].strip()):
        if k:
            item_start = items[k - 1]
        elif start > 1 and text[start - 1] in "，,；;：:":
            item_start = clause_span(text, start - 2)[0]
    return item_start, item_end


def figure_clauses(text: str, offsets: Iterable[int]) -> list[tuple[int, int]]:
    """The distinct clauses holding figures at these offsets, in text order: what a passage's
    clause vectors are rows of."""
    return sorted({figure_clause(text, at) for at in offsets})
