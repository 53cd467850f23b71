"""Read the text layer of a PDF and undo what page layout did to it."""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from collections import Counter

from pypdf import PasswordType, PdfReader

from archive.models import Document, Page, ReadError
from archive.ocr import CONFIDENCE_FLOOR, ocr_pdf_pages
from archive.pdf_tables import page_lines, splice_tables, text_layer_tables
from archive.text import is_blank, normalize_text

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


def read_pdf(data: bytes, max_pages: int | None = None) -> Document:
    """Text of every page, without page markers, with wrapped lines joined again.

    Pages with a text layer are read from it (tables via their positioned words); pages
    without one are OCR'd. Each page's start offset is kept so passages cite pages.
    `max_pages` reads only the first pages (metadata from a scan's first page).
    """
    texts = extract_pages(data)[:max_pages]
    scanned = [i for i, t in enumerate(texts) if len("".join(t.split())) < MIN_CHARS_PER_PAGE]
    notes: list[str] = []
    confidence: dict[int, float | None] = {}
    pages: list[list[tuple[str, bool]]] = [[(line, False) for line in t.split("\n")] for t in texts]
    typed = [i for i in range(len(texts)) if i not in set(scanned)]
    for index, found in text_layer_tables(data, typed).items():
        pages[index] = splice_tables(texts[index].split("\n"), found)
    for index, page in ocr_pdf_pages(data, scanned) if scanned else ():
        confidence[index] = page.confidence
        if page.confidence is None:
            notes.append(f"page {index + 1}: OCR found no text")
            pages[index] = []
        elif page.confidence < CONFIDENCE_FLOOR:
            notes.append(
                f"page {index + 1}: OCR confidence {page.confidence:.2f} is below "
                f"{CONFIDENCE_FLOOR:.2f}; the page was left out"
            )
            pages[index] = []
        else:
            pages[index] = page_lines(page.boxes, page.width)
    doc = assemble(pages, confidence)
    doc.notes = notes
    if is_blank(doc.text):
        if scanned:
            raise ReadError("scanned PDF: OCR found no legible text (" + "; ".join(notes[:3]) + ")")
        raise ReadError("PDF has no text")
    return doc


def assemble(pages: list[list[tuple[str, bool]]], confidence: dict[int, float | None]) -> Document:
    """Join pages into one text, remembering where each page starts."""
    kept = _drop_page_furniture(pages)
    lines = [line for _, line, _ in kept]
    parts: list[str] = []
    starts: dict[int, int] = {}
    offset = 0
    for group in wrap_groups(lines, [fixed for _, _, fixed in kept]):
        number = kept[group[0]][0]
        line = normalize_text(_tidy(_glue_all([lines[i] for i in group])))
        if not line.strip():
            continue
        starts.setdefault(number, offset)
        parts.append(line)
        offset += len(line) + 1
    text = "\n".join(parts)
    page_list, next_start = [], len(text)
    for number in range(len(pages) - 1, -1, -1):  # a page with no text starts where the next does
        next_start = starts.get(number, next_start)
        page_list.append(Page(number + 1, next_start, confidence.get(number)))
    return Document(text=text, format="pdf", pages=page_list[::-1])


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


def _drop_page_furniture(pages: list[list[tuple[str, bool]]]) -> list[tuple[int, str, bool]]:
    """Page numbers and lines repeated at the top or bottom of most pages (running heads).

    Returns (page index, line, is_table) for every line kept.
    """
    pages = [[(line.strip(), fixed) for line, fixed in page if line.strip()] for page in pages]
    edge_keys: Counter[str] = Counter()
    for page in pages:
        lines = [line for line, _ in page]
        edges = set(lines[:_EDGE_LINES] + lines[-_EDGE_LINES:])
        edge_keys.update({re.sub(r"\d+", "#", line) for line in edges})
    running = {k for k, n in edge_keys.items() if n >= 3 and n >= 0.5 * len(pages)}
    kept: list[tuple[int, str, bool]] = []
    for number, page in enumerate(pages):
        for index, (line, fixed) in enumerate(page):
            at_edge = index < _EDGE_LINES or index >= len(page) - _EDGE_LINES
            if _PAGE_MARKER.fullmatch(line):
                continue
            if at_edge and (_BARE_NUMBER.fullmatch(line) or re.sub(r"\d+", "#", line) in running):
                continue
            kept.append((number, line, fixed))
    return kept


def join_wrapped(lines: list[str]) -> list[str]:
    """Join a line the layout broke mid-sentence to the next one."""
    return [_glue_all([lines[i] for i in group]) for group in wrap_groups(lines)]


def wrap_groups(lines: list[str], fixed: list[bool] | None = None) -> list[list[int]]:
    """Indices of the lines that form one line once wrapping is undone.

    A line is wrapped when it runs (nearly) the full line width and does not end a
    sentence, and the next line does not open a heading, list item or caption. Short
    lines (headings, table rows, captions) keep their line breaks; `fixed` lines (table
    rows with their headers) are never joined.
    """
    fixed = fixed or [False] * len(lines)
    widths = sorted(_width(line) for line, f in zip(lines, fixed, strict=True) if _width(line) >= 10 and not f)
    if not widths:
        return [[i] for i in range(len(lines))]
    full = _FULL_LINE * widths[int(0.9 * (len(widths) - 1))]
    groups: list[list[int]] = []
    wrapped = False
    for i, line in enumerate(lines):
        if wrapped and not fixed[i] and not _BLOCK_START.match(line):
            groups[-1].append(i)
        else:
            groups.append([i])
        wrapped = not fixed[i] and _width(line) >= full and not _SENTENCE_END.search(line)
    return groups


def _glue_all(parts: list[str]) -> str:
    text = parts[0]
    for part in parts[1:]:
        text = _glue(text, part)
    return text


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
