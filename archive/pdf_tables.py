"""Page layout from positioned text (OCR boxes, PDF words): lines, columns and tables as cells.

A 统计公报 table is a run of lines whose text falls into the same columns with wide gaps
between them. Its rows are written as docx tables are (archive/tables.py): every value
with its column header, so `133.77` stays `绝对数: 133.77` next to its row label.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from dataclasses import dataclass

from archive.ocr import Box
from archive.tables import table_lines

log = logging.getLogger(__name__)

CELL_GAP = 1.2  # a gap wider than this many line heights separates two cells
MIN_TABLE_ROWS = 3  # fewer aligned rows than this are not a table
TEXT_COLUMN = 0.3  # cells wider than this share of the page are prose columns, not table cells


@dataclass
class Row:
    """One printed line: its cells (boxes closer than CELL_GAP merged), left to right."""

    cells: list[Box]
    boxes: list[Box]  # as found, before merging: two prose columns may sit closer than a cell gap

    @property
    def top(self) -> float:
        return min(c.top for c in self.cells)

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells)


def rows_of(boxes: list[Box]) -> list[Row]:
    """Boxes on the same printed line (centres within half a line height of the line's), top down.

    The line's centre and height are the first box's, so a line never grows into the next.
    """
    rows: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        centre = (box.top + box.bottom) / 2
        if rows:
            first = rows[-1][0]
            height = min(first.height, box.height) or 1.0
            if abs(centre - (first.top + first.bottom) / 2) <= 0.5 * height:
                rows[-1].append(box)
                continue
        rows.append([box])
    return [Row(_cells(sorted(row, key=lambda b: b.x0)), sorted(row, key=lambda b: b.x0)) for row in rows]


def _cells(boxes: list[Box]) -> list[Box]:
    """Merge boxes of one line whose gap is narrower than a column gap."""
    height = sorted(b.height for b in boxes)[len(boxes) // 2] or 1.0
    cells = [boxes[0]]
    for box in boxes[1:]:
        last = cells[-1]
        if box.x0 - last.x1 < CELL_GAP * height:
            cells[-1] = Box(
                last.x0, min(last.top, box.top), max(last.x1, box.x1), max(last.bottom, box.bottom),
                glue(last.text, box.text), min(last.score, box.score),
            )
        else:
            cells.append(box)
    return cells


def page_lines(boxes: list[Box], page_width: float) -> list[tuple[str, bool]]:
    """The page's lines in reading order as (text, is_table_row); tables carry their headers."""
    rows = rows_of(boxes)
    lines: list[tuple[str, bool]] = []
    i = 0
    while i < len(rows):
        j = _run(rows, i, lambda r: _tabular(r, page_width))
        if j - i >= MIN_TABLE_ROWS:
            lines += [(line, True) for line in _table_rows(rows[i:j])]
            i = j
            continue
        j = _run(rows, i, lambda r: _in_columns(r, page_width))
        if sum(_two_columns(r, page_width) for r in rows[i:j]) >= MIN_TABLE_ROWS:
            middle = page_width / 2  # a two-column page: the left column is read first
            lines += [(b.text, False) for r in rows[i:j] for b in r.boxes if b.x1 <= middle]
            lines += [(b.text, False) for r in rows[i:j] for b in r.boxes if b.x0 >= middle]
            i = j
            continue
        lines.append((rows[i].text, False))
        i += 1
    return lines


def tables(boxes: list[Box], page_width: float) -> list[tuple[list[str], list[str]]]:
    """Each table on the page as (its rows as printed, its lines with headers)."""
    rows = rows_of(boxes)
    found, i = [], 0
    while i < len(rows):
        j = _run(rows, i, lambda r: _tabular(r, page_width))
        if j - i >= MIN_TABLE_ROWS:
            found.append(([r.text for r in rows[i:j]], _table_rows(rows[i:j])))
        i = max(j, i + 1)
    return found


def _run(rows: list[Row], start: int, test) -> int:
    end = start
    while end < len(rows) and test(rows[end]):
        end += 1
    return end


def _tabular(row: Row, page_width: float) -> bool:
    return len(row.cells) >= 2 and all(c.x1 - c.x0 < TEXT_COLUMN * page_width for c in row.cells)


def _two_columns(row: Row, page_width: float) -> bool:
    """Two wide boxes, one on each side of the page's middle."""
    return (
        len(row.boxes) == 2
        and all(b.x1 - b.x0 >= TEXT_COLUMN * page_width for b in row.boxes)
        and _in_columns(row, page_width)
    )


def _in_columns(row: Row, page_width: float) -> bool:
    """No box crosses the page's middle (a heading across both columns would)."""
    middle = page_width / 2
    return all(b.x1 <= middle or b.x0 >= middle for b in row.boxes)


def _table_rows(rows: list[Row]) -> list[str]:
    """Columns from the union of the cells' horizontal extents, then one line per row."""
    spans: list[list[float]] = []
    for cell in sorted((c for r in rows for c in r.cells), key=lambda c: c.x0):
        if spans and cell.x0 <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], cell.x1)
        else:
            spans.append([cell.x0, cell.x1])
    grid = []
    for row in rows:
        cells = ["" for _ in spans]
        for cell in row.cells:
            for k, (lo, hi) in enumerate(spans):
                if cell.x0 < hi and cell.x1 > lo:
                    cells[k] = glue(cells[k], cell.text) if cells[k] else cell.text
        grid.append(cells)
    grid = _spread_header(grid, rows, spans)
    return table_lines(with_units(grid))


_NUMBER = re.compile(r"[-−–+]?\d[\d,.]*%?")


def _spread_header(grid: list[list[str]], rows: list[Row], spans: list[list[float]]) -> list[list[str]]:
    """A two-line header (`2023年` over `绝对数 | 增长%`): the upper cell spans the columns under it."""
    if len(grid) < 3 or any(_NUMBER.fullmatch(c) for c in grid[1] if c):
        return grid
    upper = grid[0]
    for cell in rows[0].cells:
        covered = [k for k, (lo, hi) in enumerate(spans) if cell.x0 - cell.height < hi and cell.x1 + cell.height > lo]
        for k in covered:
            if not upper[k] and grid[1][k]:
                upper[k] = cell.text
    return grid


_BARE_NUMBER = re.compile(r"[-−–+]?\d[\d,]*(?:\.\d+)?")
_RELATIVE = re.compile(r"增长|增速|增减|比重|比例|指数|率|%|‰")  # not in the row's 单位
_HEADER_UNIT = re.compile(r"(?:[（(]([^\d（）()]{1,4})[）)]|(%|‰))\s*$")


def with_units(grid: list[list[str]]) -> list[list[str]]:
    """Numbers take the unit their column header or the row's 单位 cell names: `产量（万吨）: 365.54万吨`.

    A bare number in a table cell says nothing of what it counts; with its unit it is a
    figure like any in the prose (extracted, matched to "多少吨" questions, shown as answer).
    """
    if len(grid) < 2:
        return grid
    header = grid[0]
    units = [m.group(1) or m.group(2) if (m := _HEADER_UNIT.search(h)) else None for h in header]
    unit_column = next((k for k, h in enumerate(header) if h.replace(" ", "") == "单位"), None)
    out = [header]
    for row in grid[1:]:
        cells = list(row)
        for k, cell in enumerate(cells):
            if k == unit_column or not _BARE_NUMBER.fullmatch(cell):
                continue
            unit = units[k] if k < len(units) else None
            if unit is None and unit_column is not None and not _RELATIVE.search(header[k]):
                unit = row[unit_column] or None
            if unit:
                cells[k] = cell + unit
        out.append(cells)
    return out


def glue(left: str, right: str) -> str:
    """Chinese closes up, Latin words keep a space."""
    if not left or not right:
        return left + right
    wide = unicodedata.east_asian_width
    if wide(left[-1]) in "WF" or wide(right[0]) in "WF":
        return left + right
    return f"{left} {right}"


def text_layer_tables(data: bytes, indices: list[int]) -> dict[int, list[tuple[list[str], list[str]]]]:
    """Tables of the given pages of a text PDF, from pdfplumber's positioned words."""
    import pdfplumber

    found: dict[int, list[tuple[list[str], list[str]]]] = {}
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for index in indices:
                page = pdf.pages[index]
                words = page.extract_words(x_tolerance=1.5, y_tolerance=2)
                boxes = [Box(w["x0"], w["top"], w["x1"], w["bottom"], w["text"]) for w in words]
                if page_tables := tables(boxes, float(page.width)):
                    found[index] = page_tables
                page.close()
    except Exception as exc:  # pdfminer raises many types on odd files: keep the plain text then
        log.warning("tables not read: %s: %s", type(exc).__name__, exc)
    return found


def splice_tables(lines: list[str], page_tables: list[tuple[list[str], list[str]]]) -> list[tuple[str, bool]]:
    """Replace a page's printed table rows by their header-carrying lines; (line, is_table)."""
    out: list[tuple[str, bool]] = [(line, False) for line in lines]
    for printed, table in page_tables:
        keys = {_key(row) for row in printed}
        hits = [i for i, (line, is_table) in enumerate(out) if not is_table and _key(line) in keys]
        if len(hits) < len(printed) / 2:
            continue  # the text layer orders this table differently: keep its lines as they are
        first = hits[0]
        out = (
            [x for i, x in enumerate(out[:first]) if i not in hits]
            + [(line, True) for line in table]
            + [x for i, x in enumerate(out[first:], start=first) if i not in hits]
        )
    return out


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text)
