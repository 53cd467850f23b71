"""Read .docx bodies in document order: paragraphs, headings from styles, tables row by row."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import docx
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tbl
from docx.text.paragraph import Paragraph

from archive.models import Document, ReadError
from archive.tables import table_lines
from archive.text import join_blocks

MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a real report unpacks to a few MB
MAX_RATIO = 100  # deflate on XML gives ~10x; bombs give 1000x
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAX_HEADING_CHARS = 50
_CLOSING = tuple("。；，,;：:！？!?")
# Run text in document order, without text-box copies (drawn twice: Choice and Fallback)
# and without the tab stops declared in paragraph properties.
_TEXT_XPATH = (
    "(.//w:t | .//w:tab | .//w:br | .//w:cr)"
    "[not(ancestor::w:txbxContent) and not(ancestor::w:pPr) and not(ancestor::w:rPr)]"
)


def read_docx(data: bytes) -> Document:
    """Paragraphs and tables interleaved as in the file; tables as header-repeating rows."""
    check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors...
        raise ReadError(f"not a valid .docx ({type(exc).__name__}: {exc})") from exc
    body = document._body  # the parent through which paragraphs find their styles
    text, headings = join_blocks(_blocks(document.element.body, body, depth=0))
    return Document(text=text, format="docx", heading_lines=headings)


def check_zip(data: bytes) -> None:
    """Refuse non-zip files and zip bombs before python-docx unpacks anything."""
    if data.startswith(_OLE_MAGIC):
        raise ReadError("not a valid .docx (it is an old Word .doc file; save it as .docx)")
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        raise ReadError("not a valid .docx (not a zip archive)")
    try:
        with zipfile.ZipFile(buffer) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise ReadError(f"not a valid .docx (broken zip: {exc})") from exc
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        raise ReadError(
            f"not a valid .docx (unpacks to {total} bytes, over the "
            f"{MAX_UNPACKED_BYTES}-byte safety limit; possible zip bomb)"
        )
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise ReadError(
                f"not a valid .docx ({member.filename} is compressed "
                f"{member.file_size // max(member.compress_size, 1)}:1; possible zip bomb)"
            )


def _blocks(container, parent, depth: int) -> Iterator[tuple[str, bool]]:
    """(text, is_heading) for the block children of a body or cell, content controls included."""
    for element in _block_elements(container):
        if element.tag == qn("w:p"):
            paragraph = Paragraph(element, parent)
            text = paragraph_text(element)
            yield text, _is_heading(paragraph, text)
        elif element.tag == qn("w:tbl"):
            yield from _table_blocks(element, parent, depth)


def _block_elements(container) -> Iterator:
    """Paragraphs and tables in order, looking inside w:sdt and w:customXml wrappers."""
    stack = list(reversed(container))
    while stack:
        element = stack.pop()
        if element.tag in (qn("w:p"), qn("w:tbl")):
            yield element
        elif element.tag in (qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")):
            stack.extend(reversed(element))


def paragraph_text(p) -> str:
    """Visible text of a w:p, including tracked insertions, fields and hyperlinks."""
    parts = []
    for node in p.xpath(_TEXT_XPATH):
        tag = node.tag
        if tag == qn("w:t"):
            parts.append(node.text or "")
        elif tag == qn("w:tab"):
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _is_heading(paragraph: Paragraph, text: str) -> bool:
    """Heading and Title styles, an outline level, or a short paragraph set wholly in bold."""
    stripped = text.strip()
    if not stripped or "\n" in stripped:
        return False
    style = paragraph.style
    name = (style.name or "") if style is not None else ""
    if name.lower().startswith(("heading", "title")) or name.startswith("标题"):
        return True
    if _outline_level(paragraph._p) is not None:
        return True
    while style is not None:
        if _outline_level(style.element) is not None:
            return True
        style = style.base_style
    return (
        _all_bold(paragraph)
        and len(stripped) <= _MAX_HEADING_CHARS
        and not stripped.endswith(_CLOSING)
    )


def _outline_level(element) -> int | None:
    """w:outlineLvl 0-8 marks a heading in Word's navigation pane; 9 is body text."""
    values = element.xpath("./w:pPr/w:outlineLvl/@w:val")
    if values and values[0].isdigit() and int(values[0]) < 9:
        return int(values[0])
    return None


def _all_bold(paragraph: Paragraph) -> bool:
    runs = [run for run in paragraph.runs if run.text.strip()]
    if not runs:
        return False
    style_bold = paragraph.style is not None and bool(paragraph.style.font.bold)
    return all(run.bold or (run.bold is None and style_bold) for run in runs)


def _table_blocks(table: CT_Tbl, parent, depth: int) -> Iterator[tuple[str, bool]]:
    """A grid of short cells is data: one line per row with its header. Else it is layout."""
    if depth < 3 and _is_layout(table):
        for tc in table.iter(qn("w:tc")):
            if tc.getparent().getparent() is table:  # cells of this table, not nested ones
                yield from _blocks(tc, parent, depth + 1)
        return
    rows: list[list[str]] = []
    for tr in table.tr_lst:
        row = [""] * (getattr(tr, "grid_before", 0) or 0)
        above = rows[-1] if rows else []
        for tc in tr.tc_lst:
            column = len(row)
            if tc.vMerge == "continue":  # the cell above spans down into this row
                text = above[column] if column < len(above) else ""
            else:
                text = "\n".join(paragraph_text(p) for p in tc.iter(qn("w:p")))
            row.extend([text] * tc.grid_span)
        rows.append(row)
    for line in table_lines(rows):
        yield line, False


def _is_layout(table: CT_Tbl) -> bool:
    """One-column tables and tables of long cells or nested tables wrap text: page layout."""
    if table.find(".//" + qn("w:tbl")) is not None:
        return True
    if max((sum(tc.grid_span for tc in tr.tc_lst) for tr in table.tr_lst), default=0) <= 1:
        return True
    return any(len(paragraph_text(tc)) > 300 for tc in table.iter(qn("w:tc")))
