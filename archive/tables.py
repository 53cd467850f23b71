"""Flatten a table to one line per data row that repeats the header, so each figure keeps it."""

from __future__ import annotations

import re

_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACED_HAN = re.compile(f"(?<=[{_WIDE}])\\s+(?=[{_WIDE}])")
_WHITESPACE = re.compile(r"\s+")


def clean_cell(text: str) -> str:
    """One line per cell; letter-spaced Chinese (`单 位`) closed up as a reader would see it."""
    return _SPACED_HAN.sub("", _WHITESPACE.sub(" ", text).strip())


def table_lines(rows: list[list[str]]) -> list[str]:
    """`指标: 地区生产总值; 单位: 亿元; 2016年: 1234` for every row under the header.

    `rows` is the layout grid: a cell spanning columns or rows appears in each of them.
    A first row that is one cell across the table is a caption line. The header is one
    row, or two when its first row has a spanning cell (`2016年` over `绝对数 | 增长%`).
    An empty header cell leaves the value bare (usually the row label in column one).
    """
    rows = [[clean_cell(cell) for cell in row] for row in rows]
    rows = [row for row in rows if any(row)]
    lines = []
    while len(rows) > 2 and len(rows[0]) > 1 and len(set(rows[0])) == 1:
        lines.append(rows[0][0])
        rows = rows[1:]
    width = max((len(row) for row in rows), default=0)
    header_rows = 2 if rows and _has_span(rows[0]) else 1
    if width < 2 or len(rows) <= header_rows:
        return lines + [" ".join(cell for cell in row if cell) for row in rows]
    header = [
        _merge_header([row[i] if i < len(row) else "" for row in rows[:header_rows]])
        for i in range(width)
    ]
    for row in rows[header_rows:]:
        parts = []
        for name, value in zip(header, row, strict=False):
            if value:
                parts.append(f"{name}: {value}" if name and name != value else value)
        if parts:
            lines.append("; ".join(parts))
    return lines


def _has_span(row: list[str]) -> bool:
    """Adjacent equal non-empty cells: one cell spanning columns."""
    return any(a and a == b for a, b in zip(row, row[1:], strict=False))


def _merge_header(cells: list[str]) -> str:
    """`2016年` over `绝对数` gives `2016年 绝对数`; a cell spanning both rows counts once."""
    merged: list[str] = []
    for cell in cells:
        if cell and cell not in merged:
            merged.append(cell)
    return " ".join(merged)
