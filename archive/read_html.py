"""Read the visible body text of a saved web page, without the site's navigation."""

from __future__ import annotations

import codecs
import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from archive.charsets import decode_bytes
from archive.html_main import find_main, page_title, title_before
from archive.models import Document, ReadError
from archive.tables import clean_cell, table_lines
from archive.text import join_blocks

_INVISIBLE_TAGS = [
    "script", "style", "noscript", "template", "head", "nav", "aside", "iframe", "svg",
    "canvas", "select", "option", "button", "input", "textarea", "object", "embed", "map",
]  # fmt: skip
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([-\w]+)", re.I)
_SPACES = re.compile(r"[ \t\n\r\f\u00a0]+")
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_WRAP_BETWEEN_WIDE = re.compile(rf"(?<=[{_WIDE}])[ \t\r\f]*\n[ \t\n\r\f]*(?=[{_WIDE}])")


def read_html(data: bytes) -> Document:
    """Main content of the page (marked, named or densest block), headings from <h1>-<h6>."""
    soup = BeautifulSoup(decode_html(data), "lxml")
    title = page_title(soup)
    _drop_invisible(soup)
    root, begin, end = find_main(soup)
    blocks = render(root, begin, end)
    heading = title_before(begin or root, title)
    if heading and not (blocks and heading in blocks[0][0]):
        blocks.insert(0, (heading, True))
    text, headings = join_blocks(blocks)
    return Document(text=text, format="html", heading_lines=headings)


def decode_html(data: bytes) -> str:
    """The declared <meta charset> when it decodes cleanly, else detection as for text."""
    match = _META_CHARSET.search(data[:65536])
    if match and not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            name = codecs.lookup(match.group(1).decode("ascii")).name
            name = "gb18030" if name in ("gbk", "gb2312", "cp936") else name
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return decode_bytes(data)[0]
    except ReadError as exc:
        raise ReadError(f"not an HTML page ({exc})") from exc


def _drop_invisible(soup: BeautifulSoup) -> None:
    """Remove what a reader never sees, and site chrome outside the article."""
    doomed = soup.find_all(_INVISIBLE_TAGS)
    doomed += soup.find_all(style=_HIDDEN_STYLE) + soup.find_all(hidden=True)
    for tag in soup.find_all(["header", "footer"]):
        if tag.find_parent(["article", "main"]) is None:
            doomed.append(tag)
    for form in soup.find_all("form"):  # search boxes go; ASP.NET pages wrap everything in one
        if form.find("p") is None and len(form.get_text(strip=True)) < 200:
            doomed.append(form)
    for tag in doomed:
        if not tag.decomposed:
            tag.decompose()


def render(root: Tag, begin: Comment | None = None, end: Comment | None = None) -> list:
    """(text, is_heading) blocks of `root`, or only between the `begin` and `end` comments.

    Iterative, so pages nested thousands of levels deep do not hit the recursion limit.
    """
    blocks: list[tuple[str, bool]] = []
    buffer: list[str] = []
    heading_depth = pre_depth = 0
    active = begin is None

    def flush() -> None:
        text = "".join(buffer)
        buffer.clear()
        if pre_depth == 0:
            text = _SPACES.sub(" ", _WRAP_BETWEEN_WIDE.sub("", text))
        text = text.strip(" \t\n\r\f\u00a0")
        if text:
            blocks.append((text, heading_depth > 0))

    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            flush()
            heading_depth -= node.name in _HEADINGS
            pre_depth -= node.name == "pre"
        elif isinstance(node, Comment):
            if node is begin:
                active = True
            elif node is end:
                break
        elif isinstance(node, NavigableString):
            if active and type(node) is NavigableString:
                buffer.append(str(node))
        elif node.name == "br" or node.name == "hr":
            flush()
        elif node.name == "table" and active and is_data_table(node):
            flush()
            blocks.extend((line, False) for line in table_lines(table_grid(node)))
        else:
            if node.name in _BLOCK_TAGS:
                flush()
                heading_depth += node.name in _HEADINGS
                pre_depth += node.name == "pre"
                stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
    flush()
    return blocks


def is_data_table(table: Tag) -> bool:
    """A grid of short cells holds figures; a table of long cells or nested tables is layout."""
    if table.find("table") is not None:
        return False
    rows = table.find_all("tr")
    if len(rows) < 2 or max(len(r.find_all(["td", "th"])) for r in rows) < 2:
        return False
    return all(len(cell.get_text(strip=True)) <= 100 for cell in table.find_all(["td", "th"]))


def table_grid(table: Tag) -> list[list[str]]:
    """Cell texts on the layout grid: colspan and rowspan repeat a cell where it spans."""
    grid: list[list[str]] = []
    pending: dict[int, tuple[str, int]] = {}  # column -> (text, rows still to fill)
    for tr in table.find_all("tr"):
        row: list[str] = []
        spanning: dict[int, tuple[str, int]] = {}  # rowspans that start in this row
        cells = iter(tr.find_all(["td", "th"]))
        cell = next(cells, None)
        while cell is not None or any(column >= len(row) for column in pending):
            column = len(row)
            if column in pending:
                text, left = pending.pop(column)
                row.append(text)
                if left > 1:
                    spanning[column] = (text, left - 1)
            elif cell is None:
                row.append("")
            else:
                text = clean_cell(cell.get_text(" "))
                rowspan = _span(cell, "rowspan")
                for offset in range(_span(cell, "colspan")):
                    row.append(text)
                    if rowspan > 1:
                        spanning[column + offset] = (text, rowspan - 1)
                cell = next(cells, None)
        pending = spanning
        grid.append(row)
    return grid


def _span(cell: Tag, attribute: str) -> int:
    """colspan/rowspan as an int, bounded so a hostile page cannot blow up the grid."""
    value = str(cell.get(attribute, "1")).strip()
    return min(int(value), 100) if value.isdigit() and int(value) > 0 else 1
