"""Read a report file of any supported format into one normalised Document."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from archive.charsets import decode_bytes
from archive.models import Document, ReadError
from archive.read_docx import read_docx
from archive.read_html import read_html
from archive.read_pdf import assemble, read_pdf
from archive.settings import MAX_FILE_MB
from archive.text import is_blank, normalize_text

__all__ = ["DEFAULT_MAX_BYTES", "SUPPORTED_SUFFIXES", "normalize_text", "read_file"]

DEFAULT_MAX_BYTES = MAX_FILE_MB * 2**20


def read_text(data: bytes) -> Document:
    """Plain text in any common Chinese or Unicode encoding."""
    text, encoding = decode_bytes(data)
    return Document(text=normalize_text(text), format="txt", encoding=encoding)


def read_markdown(data: bytes) -> Document:
    """Markdown is kept as written; its ATX and setext headings are recorded."""
    doc = read_text(data)
    doc.format = "md"
    doc.heading_lines = markdown_headings(doc.text)
    return doc


_ATX = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
_FENCE = re.compile(r" {0,3}(?:```|~~~)")


def markdown_headings(text: str) -> list[int]:
    """Offsets of `# Title` lines and of lines underlined with === or ---, outside code fences."""
    offsets: list[int] = []
    offset = 0
    in_fence = False
    previous: tuple[int, str] | None = None  # a paragraph line that an underline may promote
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and _ATX.match(line):
            offsets.append(offset)
        elif not in_fence and previous and _SETEXT.match(line):
            offsets.append(previous[0])
        if not in_fence and line.strip() and not _SETEXT.match(line) and not _ATX.match(line):
            previous = (offset, line)
        else:
            previous = None
        offset += len(line) + 1
    return offsets


def read_image(data: bytes) -> Document:
    """A .png/.jpg scan, OCR'd; an image with no legible text is refused, not stored as noise."""
    from archive import ocr
    from archive.pdf_tables import page_lines

    page = ocr.ocr_image(ocr.open_image(data))
    ocr.report_page(1, 1, page.confidence)
    if page.confidence is None:
        raise ReadError("no text found in the image")
    if page.confidence < ocr.CONFIDENCE_FLOOR:
        raise ReadError(
            f"OCR confidence {page.confidence:.2f} is below {ocr.CONFIDENCE_FLOOR:.2f}: "
            "the image holds no legible text"
        )
    doc = assemble([page_lines(page.boxes, page.width)], {0: page.confidence})
    doc.format = "image"
    return doc


_READERS: dict[str, Callable[[bytes], Document]] = {
    ".txt": read_text,
    ".md": read_markdown,
    ".docx": read_docx,
    ".pdf": read_pdf,
    ".html": read_html,
    ".htm": read_html,
    ".png": read_image,
    ".jpg": read_image,
    ".jpeg": read_image,
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_READERS)


def read_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read `path` into a Document; raise ReadError with a one-line reason otherwise.

    The size is checked before anything is read, so a huge file costs no memory.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        supported = " ".join(sorted(SUPPORTED_SUFFIXES))
        raise ReadError(f"unsupported file type {suffix or '(none)'} (supported: {supported})")
    data = _read_bounded(path, max_bytes)
    if not data:
        raise ReadError("empty file")
    doc = reader(data)
    if is_blank(doc.text):
        raise ReadError("no text (only whitespace or formatting)")
    return doc


def read_first_page(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Only the first page of a PDF (OCR'd if scanned): enough for title, issuer and year."""
    path = Path(path)
    if path.suffix.lower() != ".pdf":
        return read_file(path, max_bytes=max_bytes)
    return read_pdf(_read_bounded(path, max_bytes), max_pages=1)


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refusing files over `max_bytes` before reading them."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ReadError(_too_big(size, max_bytes))
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since stat
    except OSError as exc:
        raise ReadError(f"cannot open the file ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:
        raise ReadError(_too_big(len(data), max_bytes))
    return data


def _too_big(size: int, max_bytes: int) -> str:
    return f"file is {size} bytes, over the {max_bytes}-byte limit (raise it with --max-size)"
