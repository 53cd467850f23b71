"""Read the text layer of a PDF and undo what page layout did to it."""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections import Counter

from pypdf import PasswordType, PdfReader

from archive.models import Document, ReadError
from archive.text import normalize_text

log = logging.getLogger(__name__)

MIN_CHARS_PER_PAGE = 20  # below this on average the PDF is a scan
_EDGE_LINES = 2  # running headers and footers sit in the first or last lines of a page
_FULL_LINE = 0.85  # a line this close to the usual line width was wrapped by the layout

_PAGE_MARKER = re.compile(
    r"\s*(?:[-—–－─]+\s*\d+\s*[-—–－─]+"  # — 2 —  - 2 -
    r"|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"  # 第 2 页 / 第2页 共13页
    r"|[Pp]age\s+\d+(?:\s+of\s+\d+)?|\d+\s*/\s*\d+)\s*"
)
_BARE_NUMBER = re.compile(r"\s*\d{1,4}\s*")
_SENTENCE_END = re.compile(r"[。！？；：.!?;:…]['\"’”」』）)\]】]*$")
_BLOCK_START = re.compile(
    r"\s*(?:第[一二三四五六七八九十百零〇\d]+[部分章节条篇]|[一二三四五六七八九十]+、"
    r"|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．](?!\d)|\[\d+\]|[①-⑳]"
    r"|[表图]\s*\d|注[:：释]|附[件录表]|——|[-•·]\s)"
)
_HAN = "\u3400-\u9fff\uf900-\ufaff"
_SPACED_DIGITS = re.compile(r"(?<![\d.])\d(?: \d){2,}(?![\d.])")
_SPACED_HAN = re.compile(rf"(?<![{_HAN}])[{_HAN}](?: [{_HAN}])+(?![{_HAN}])")
_NUMBER_THEN_HAN = re.compile(rf"(?<=[\d%‰]) (?=[{_HAN}])")
_HAN_THEN_NUMBER = re.compile(rf"(?<=[{_HAN}]) (?=-?\d[\d.,]*[%‰{_HAN}])")


def read_pdf(data: bytes) -> Document:
    """Text of every page, without page markers, with wrapped lines joined again."""
    pages = extract_pages(data)
    if sum(len("".join(p.split())) for p in pages) < MIN_CHARS_PER_PAGE * max(len(pages), 1):
        raise ReadError("PDF has no text layer; OCR is not supported")
    lines = _drop_page_furniture([page.split("\n") for page in pages])
    text = "\n".join(_tidy(line) for line in join_wrapped(lines))
    return Document(text=normalize_text(text), format="pdf")


def extract_pages(data: bytes) -> list[str]:
    """Raw text per page; an empty password is tried on encrypted files, as viewers do."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many types on damaged files
        raise ReadError(f"not a readable PDF: {type(exc).__name__}: {exc}") from exc
    if encrypted:
        try:
            opened = reader.decrypt("") != PasswordType.NOT_DECRYPTED
        except Exception as exc:  # unsupported algorithm, damaged encryption dictionary
            raise ReadError(f"PDF is encrypted and cannot be opened ({exc})") from exc
        if not opened:
            raise ReadError("PDF is encrypted (it needs a password); save an unprotected copy")
    try:
        pages = list(reader.pages)
    except Exception as exc:
        raise ReadError(f"not a readable PDF: {type(exc).__name__}: {exc}") from exc
    texts, failures = [], 0
    for number, page in enumerate(pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:  # one damaged page should not lose the others
            failures += 1
            log.warning("page %d: %s: %s", number, type(exc).__name__, exc)
    if pages and failures == len(pages):
        raise ReadError("not a readable PDF: no page could be read")
    return texts


def _drop_page_furniture(pages: list[list[str]]) -> list[str]:
    """Page numbers and lines repeated at the top or bottom of most pages (running heads)."""
    pages = [[line.strip() for line in page if line.strip()] for page in pages]
    edge_keys: Counter[str] = Counter()
    for page in pages:
        edges = set(page[:_EDGE_LINES] + page[-_EDGE_LINES:])
        edge_keys.update({re.sub(r"\d+", "#", line) for line in edges})
    running = {k for k, n in edge_keys.items() if n >= 3 and n >= 0.5 * len(pages)}
    kept: list[str] = []
    for page in pages:
        for index, line in enumerate(page):
            at_edge = index < _EDGE_LINES or index >= len(page) - _EDGE_LINES
            if _PAGE_MARKER.fullmatch(line):
                continue
            if at_edge and (_BARE_NUMBER.fullmatch(line) or re.sub(r"\d+", "#", line) in running):
                continue
            kept.append(line)
    return kept


def join_wrapped(lines: list[str]) -> list[str]:
    """Join a line the layout broke mid-sentence to the next one.

    A line is wrapped when it runs (nearly) the full line width and does not end a
    sentence, and the next line does not open a heading, list item or caption. Short
    lines (headings, table rows, captions) keep their line breaks.
    """
    widths = sorted(_width(line) for line in lines if _width(line) >= 10)
    if not widths:
        return lines
    full = _FULL_LINE * widths[int(0.9 * (len(widths) - 1))]
    joined: list[str] = []
    wrapped = False
    for line in lines:
        if wrapped and not _BLOCK_START.match(line):
            joined[-1] = _glue(joined[-1], line)
        else:
            joined.append(line)
        wrapped = _width(line) >= full and not _SENTENCE_END.search(line)
    return joined


def _glue(left: str, right: str) -> str:
    """Chinese joins without a space, Latin words with one, a hyphen at the break stays."""
    if _is_wide(left[-1]) or _is_wide(right[0]) or left.endswith("-"):
        return left + right
    return f"{left} {right}"


def _tidy(line: str) -> str:
    """Undo extraction spacing: `1 9 9 3`, `周 口 市`, `866.60 万人`, `增长 4.8%`."""
    line = _SPACED_DIGITS.sub(lambda m: m.group().replace(" ", ""), line)
    line = _SPACED_HAN.sub(lambda m: m.group().replace(" ", ""), line)
    line = _NUMBER_THEN_HAN.sub("", line)
    return _HAN_THEN_NUMBER.sub("", line)


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _width(line: str) -> int:
    """Display width: Chinese characters and full-width punctuation count double."""
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in line)
