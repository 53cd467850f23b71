"""The shapes that flow from a file to the archive: small dataclasses, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field


class ReadError(Exception):
    """A file could not be turned into text; the message says why and what to do."""


@dataclass
class Document:
    """A file read into normalised text (LF line ends, no zero-width characters)."""

    text: str
    format: str  # "txt", "md", "docx", "pdf", "html", "png", "jpg"
    encoding: str | None = None  # detected encoding for text files
    # Character offsets of lines the source marked as headings (docx styles, markdown #,
    # html <h1>-<h6>): the section parser trusts these even without a numbering prefix.
    heading_lines: list[int] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)  # PDFs and images: where each page starts
    notes: list[str] = field(default_factory=list)  # what the reader left out and why (OCR floor)


@dataclass
class Page:
    """A page of a PDF or image file: where its text starts, and how sure OCR was of it."""

    number: int  # 1-based
    char_start: int
    ocr_confidence: float | None = None  # None for a page read from its text layer


@dataclass
class Section:
    """One heading and the text under it, as character offsets into the stored text.

    `parent` and list positions are ordinals (document order, from 0); the store maps
    them to row ids. `start` is the heading's first character, `body_start` the first
    character after the heading, `end` the end of the section including its children.
    """

    ordinal: int
    level: int  # 0 part (第一部分), 1 一、, 2 （一）, 3 1. / 1、, 4 一是 /（1）/ ①; md/English by depth
    title: str
    parent: int | None
    start: int
    body_start: int
    end: int
    period: int | None = None  # the year the section is about (archive.periods)
    mode: str | None = None  # actual | target | average | estimate


@dataclass
class Chunk:
    """A passage of one section: never crosses a section boundary."""

    ordinal: int
    section: int | None  # ordinal of the section; None for text before the first heading
    start: int
    end: int
    text: str  # == stored_text[start:end]


@dataclass
class Figure:
    """A number with its unit as written in the report, e.g. 2206户 or 6359万元."""

    value: float  # scaled: 6359万元 -> 63590000.0 with unit 元; 34.6% -> 34.6 with unit %
    unit: str  # base unit or measure word after scaling: 户 元 % 人次 平方米 ...
    raw: str  # the text as written: "6359万元", "２２.５％", "一千二百万吨"
    start: int
    end: int
    context: str  # the clause around it
    period: int | None = None  # the year it is about (the last year of a span)
    mode: str | None = None  # actual | target | average | estimate
    period_start: int | None = None  # first year of a multi-year span (年均, 过去五年)
    role: str = ""  # "from" / "to" when the clause tells a change: 由21%提升至74%
    # A compound figure (301户611人, 17个2206户) is kept as its parts, each holding the span of
    # the whole: unit matching sees 户 and 人, and an answer can quote the whole string.
    group_start: int | None = None
    group_end: int | None = None


@dataclass
class Report:
    """A report's metadata, as stored in the `reports` table."""

    id: int | None
    title: str
    issuer: str | None = None
    year: int | None = None
    kind: str | None = None
    language: str = "zh"
    file_name: str | None = None
    format: str | None = None
    sha256: str | None = None
    chars: int = 0
    added_at: str | None = None


@dataclass
class Parsed:
    """Everything the pipeline derived from one file, ready to store in one transaction."""

    report: Report
    text: str
    sections: list[Section]
    chunks: list[Chunk]
    figures: list[Figure]
    pages: list[Page] = field(default_factory=list)  # PDFs and images only
    notes: list[str] = field(default_factory=list)  # what the reader left out (OCR pages)


@dataclass
class StoredChunk:
    """A chunk row joined with its report's metadata: what search results and citations show."""

    id: int
    report_id: int
    section_id: int | None
    section_path: list[str]
    text: str
    char_start: int
    char_end: int
    title: str
    year: int | None
    issuer: str | None
    kind: str | None
    file_name: str | None
    page_start: int | None = None  # 1-based pages of PDF and image reports
    page_end: int | None = None
