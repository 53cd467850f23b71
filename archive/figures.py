"""Figures in report text: numbers with their units, scaled, so answers can quote the figure.

Choices (documented because a reader cannot guess them):
- Qualifiers outside the number stay out of `raw` (`4%左右` -> raw `4%`, `近万人` is skipped);
  `多`/`余` (`餘`) between number and unit stay in (`6000多起` -> raw `6000多起`, value 6000).
- A range whose first number has no unit of its own is one figure: `2至3个` -> raw `2至3个`,
  value 2 (the lower bound). `5%-6%` is two figures sharing the range's span (group_*).
- Years are not figures (`1998年`, `１９９６年`, `一九五三年`); other numbers before 年 are
  durations (`8年之久` -> 8 年). Dates (`9月底`, `3月15日`) are skipped because 月/日 are no units.
- Chinese numerals need a place value or a decimal point (`一千二百`, `四點二`): a lone digit
  (`一是`, `两个`, `一张网`) or a digit string (`十四五`, `三四十`) is a word, not a figure.
- An Arabic number scaled by 万/亿/million with no unit after it is kept with unit "" (`人口1.4亿`);
  other bare numbers are skipped, as are numbers after 第 (ordinals) or glued to Latin letters.
- A change written 由/从 A … 到/至/为 B marks A `from` and B `to`: `由21%提升至74%` answers 74%.
- Figures written back to back in different units are one compound figure kept as parts
  (`301户611人`): each part has its own value and unit and the span of the whole (group_*).
- Chinese numerals are read by cn2an; 萬萬 (older 亿) and ○ (zero) are read as today's forms.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal

import cn2an

from archive.models import Figure
from archive.units import NOT_BEFORE, UNITS

__all__ = ["UNITS", "extract_figures", "parse_number", "number_spans", "clause_around"]

SCALES: dict[str, float] = {
    "万": 1e4, "萬": 1e4, "亿": 1e8, "億": 1e8, "千": 1e3, "百": 1e2,
    "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
}  # fmt: skip
CN_DIGITS = dict(zip("零一二三四五六七八九", range(10), strict=True)) | {
    "〇": 0, "两": 2, "兩": 2, "壹": 1, "贰": 2, "貳": 2, "叁": 3, "參": 3, "肆": 4,
    "伍": 5, "陆": 6, "陸": 6, "柒": 7, "捌": 8, "玖": 9,
}  # fmt: skip
CN_PLACES = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}  # place values
CN_BIG = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_CN_CHARS = "".join(CN_DIGITS) + "".join(CN_PLACES) + "".join(CN_BIG)


def _unit_pattern(form: str) -> str:
    """One written unit as a regex: English words end at a word boundary, see NOT_BEFORE."""
    if form[-1].isascii() and form[-1].isalpha():
        return re.escape(form) + "(?![A-Za-z])"
    blocked = NOT_BEFORE.get(form, "")
    return re.escape(form) + (f"(?![{blocked}])" if blocked else "")


_CANON = {form: unit for unit, forms in UNITS.items() for form in forms}
_UNIT = "|".join(map(_unit_pattern, sorted(_CANON, key=len, reverse=True)))
_D = "[0-9０-９]"
_SPACED = (  # 1 9 9 7, 1 5 ．3: every digit its own token, as in some 1990s texts
    rf"{_D}(?: {_D})+(?!{_D})(?: ?[.．] ?{_D}(?: {_D})*(?!{_D}))?"
    rf"|{_D} ?[.．] ?{_D}(?: {_D})*(?!{_D})"
)
_COMPACT = rf"{_D}+(?:,[0-9]{{3}}(?![0-9]))*(?:[.．]{_D}+)?"
_CN = rf"[{_CN_CHARS}]+(?:[点點][{''.join(CN_DIGITS)}]+)?"
_SCALE_CHAR = rf"(?!{_UNIT})[万萬亿億千百]"
_TAIL = rf"(?: ?(?:[多余餘]|{_SCALE_CHAR}|{_D}+(?=[多余餘]?{_SCALE_CHAR})))*"  # 1万6千多, 3万多亿, 四百八十餘萬
FIGURE_RE = re.compile(
    rf"(?P<pct>[百千]分之)(?P<pnum>{_COMPACT}|{_CN})"
    rf"|(?:(?P<ar>{_SPACED}|{_COMPACT})|(?P<cn>{_CN}))(?P<tail>{_TAIL})"
    rf"(?P<escale> (?:thousand|million|billion|trillion)(?![A-Za-z]))?"
    rf"(?: ?(?P<unit>{_UNIT}))?"
)
_FROM_BEFORE = re.compile(r"(?:由|从|從|\bfrom)[^，。；;,\n]{0,10}$", re.I)
_CHANGE_BETWEEN = re.compile(r"[^，。；;,\n]{0,14}?(?:到|至|为|為|成|\bto\b)[^，。；;,\n]{0,8}", re.I)
_LISTED = re.compile(r"[、和及与]|\s*(?:,|and)\s+")  # the items of a list, side by side
_RATES = {"%", "‰", "个百分点", "倍"}
_RANGE_SEP = re.compile(r" ?(?:[至到~～\-－–]|—{1,2}) ?")
_CLAUSE_BREAK = re.compile(r"[，；。！？\n;!?]|[,.](?=\s)")
_YEAR_FOLLOWERS = "代级級度"
CONTEXT_CHARS = 120


def parse_number(raw: str) -> float | None:
    """Turn a number as written (Arabic, full-width, spaced, Chinese, scaled) into a float."""
    s = unicodedata.normalize("NFKC", raw).strip().removeprefix("百分之").removeprefix("千分之")
    s = re.sub(r"[多余餘\s]|(?<=\d),(?=\d{3}(?!\d))", "", s)
    if m := re.fullmatch(r"(\d+(?:\.\d+)?)(thousand|million|billion|trillion)", s):
        return float(Decimal(m[1]) * int(SCALES[m[2]]))
    parts = re.findall(r"(\d+(?:\.\d+)?)([万萬亿億千百]*)", s)
    if parts and "".join(a + b for a, b in parts) == s:  # 2.7万, 1万6千, 3千万
        return float(sum(Decimal(a) * math.prod(int(SCALES[c]) for c in b) for a, b in parts))
    if s and all(c in CN_DIGITS for c in s):  # 一九九三
        return float("".join(str(CN_DIGITS[c]) for c in s))
    value = _parse_chinese(s)
    return None if value is None else float(value)


def _parse_chinese(s: str) -> Decimal | None:
    """Chinese numerals read by cn2an: 二百十七, 一万五, 三億二千三百八十萬, 四點二; None if not one.

    Older texts write 亿 as 萬萬 (六萬萬 = 6亿) and zero as ○; both are read as today's forms.
    """
    s = s.replace("萬萬", "亿").replace("万万", "亿").replace("○", "〇")
    if not s or any(c not in _CN_CHARS and c not in "点點" for c in s):
        return None
    try:
        return Decimal(str(cn2an.cn2an(s, "normal")))
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def _plausible_chinese(run: str) -> bool:
    """A Chinese run is a quantity only with a place value or decimal point: not 一是, 十四五, 百万."""
    whole = re.split("[点點]", run)[0]
    has_place = any(c in CN_PLACES or c in CN_BIG for c in whole) or whole != run
    has_digit = any(c in CN_DIGITS for c in whole) or whole.startswith(("十", "拾"))
    nonzero = [c in CN_DIGITS and CN_DIGITS[c] != 0 for c in whole]
    adjacent = any(a and b for a, b in zip(nonzero, nonzero[1:], strict=False))
    return len(run) > 1 and has_place and has_digit and not adjacent


def clause_around(text: str, start: int, end: int, limit: int = CONTEXT_CHARS) -> str:
    """The clause holding text[start:end], from the previous clause break to the next."""
    left = max(start - limit, 0)
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text, left, start)]
    lo = breaks[-1] if breaks else left
    nxt = _CLAUSE_BREAK.search(text, end, min(end + limit, len(text)))
    hi = nxt.start() if nxt else min(end + limit, len(text))
    if hi - lo > limit:  # keep the figure in view, trimmed to the limit
        lo = max(lo, min(start - (limit - (end - start)) // 2, hi - limit))
        hi = min(hi, lo + limit)
    return text[lo:hi].strip()


def extract_figures(text: str) -> list[Figure]:
    """Every figure in the text, in order, with value scaled and unit made canonical."""
    figures: list[Figure] = []
    bare: tuple[int, int, float | None] | None = None  # a unit-less number: a range's first half
    labels: dict[int, str] = {}  # a table cell's figure start -> its row's first cell
    for m in FIGURE_RE.finditer(text):
        start, end = m.span()
        if _glued(m, text):
            continue
        if m["pct"]:
            value, unit = parse_number(m["pnum"]), "%" if m["pct"][0] == "百" else "‰"
        else:
            unit = _CANON[m["unit"]] if m["unit"] else ""
            value = parse_number(text[start : end - len(m["unit"] or "")])
            scaled = bool(m["escale"] or re.search("[万萬亿億千百]", m["tail"]))
            if m["ar"] and not unit and not scaled:
                cell = _cell_figure(text, start, end)
                if cell is None:
                    bare = (start, end, value)
                    continue
                value, unit, labels[start] = cell
            if not _is_quantity(m, unit, scaled, text):
                continue
        if value is None:
            continue
        if bare and unit and bare[2] is not None and _RANGE_SEP.fullmatch(text, bare[1], start):
            start, value = bare[0], bare[2]
        bare = None
        figures.append(Figure(value, unit, text[start:end], start, end, ""))
    for f in figures:
        f.context = clause_around(text, f.start, f.end)
        label = labels.get(f.start)  # a cell is named by its row's first cell too: 水泥; … 产量: 1022.88
        if label and label not in f.context:
            f.context = f"{label}; {f.context}"
    _mark_changes(text, figures)
    _mark_compounds(text, figures)
    return figures


# A table row as archive/tables.py writes it: `水泥; 单位: 万吨; 产量: 1022.88`, `教育; 绝对数（亿元）: 85.51`.
_CELL_HEADER = re.compile(r"(?:^|; )([^;:\n]{1,30})[:：] ?$", re.M)
_HEADER_UNIT = re.compile(r"[（(]([^（）()]{1,8})[）)]")
_ROW_UNIT = re.compile(r"(?:^|; )单位[:：] ?([^;\n]{1,8})(?=;|$)", re.M)


def _cell_figure(text: str, start: int, end: int) -> tuple[float, str, str] | None:
    """A bare number in a table cell, read in the unit its column header (绝对数（亿元）) or its
    row's 单位 cell gives: (value, unit, the row's first cell), or None when neither names a unit."""
    line_start = text.rfind("\n", 0, start) + 1
    header = _CELL_HEADER.search(text, line_start, start)
    if header is None or text[end : end + 1] not in ("", ";", "\n"):
        return None
    named = _HEADER_UNIT.search(header.group(1))
    line_end = text.find("\n", end)
    row = _ROW_UNIT.search(text[line_start : len(text) if line_end < 0 else line_end])
    for unit_text in (named.group(1) if named else None, row.group(1) if row else None):
        m = FIGURE_RE.fullmatch(text[start:end] + unit_text) if unit_text else None
        if m and m["unit"]:
            semicolon = text.find(";", line_start, start)
            label = text[line_start:semicolon] if semicolon >= 0 else ""
            return parse_number(text[start:end] + unit_text[: len(unit_text) - len(m["unit"])]), _CANON[m["unit"]], label
    return None


def _mark_changes(text: str, figures: list[Figure]) -> None:
    """由A提升至B, 从A增加到B, from A to B: A is where it started, B where it got to; and side by
    side, 从A、B分别提高到C、D: A and B started, C and D are where they got to."""
    for i, a in enumerate(figures):
        if a.role or not _FROM_BEFORE.search(text[max(0, a.start - 12) : a.start]):
            continue
        n = 1  # the starting figures: A, then each joined to it by 、 / 和 (46503元和16935元)
        while i + n < len(figures) and _LISTED.fullmatch(text, figures[i + n - 1].end, figures[i + n].start):
            n += 1
        ends = figures[i + n : i + 2 * n]
        if (len(ends) == n and _CHANGE_BETWEEN.fullmatch(text, figures[i + n - 1].end, ends[0].start)
                and all(_LISTED.fullmatch(text, x.end, y.start) for x, y in zip(ends, ends[1:], strict=False))):
            for start, end in zip(figures[i : i + n], ends, strict=True):
                start.role, end.role = "from", "to"


def _mark_compounds(text: str, figures: list[Figure]) -> None:
    """Back-to-back counts in different units (301户611人), and the two ends of a range (4.5%—5%),
    share the span of the whole."""
    groups: list[list[Figure]] = []
    for f in figures:
        last = groups[-1][-1] if groups else None
        between = text[last.end : f.start] if last is not None else None
        compound = (
            between in ("", " ")
            and last.unit and f.unit
            and f.unit not in {g.unit for g in groups[-1]}
            and not {last.unit, f.unit} & _RATES
        )
        a_range = (between is not None and len(groups[-1]) == 1 and bool(_RANGE_SEP.fullmatch(between))
                   and last.unit == f.unit and last.value < f.value
                   and not (last.role or f.role))  # 由21%至74% is a change, not a range
        if compound or a_range:
            groups[-1].append(f)
        else:
            groups.append([f])
    for group in groups:
        if len(group) > 1:
            for f in group:
                f.group_start, f.group_end = group[0].start, group[-1].end


def _glued(m: re.Match[str], text: str) -> bool:
    """Ordinals (第3), codes (G20, PM2.5) and digits inside Chinese year strings (二０一０)."""
    before = text[m.start() - 1] if m.start() else ""
    if before == "第" or (before.isascii() and before.isalpha()):
        return True
    return bool(m["ar"]) and before in CN_DIGITS


def _is_quantity(m: re.Match[str], unit: str, scaled: bool, text: str) -> bool:
    """Whether a matched number reads as a figure rather than a word, a year or a list number."""
    if m["cn"] and not (unit and _plausible_chinese(m["cn"])):
        return False
    if not unit:
        return scaled  # 人口1.4亿: a scaled number is a quantity even without a unit
    if unit == "年":
        return not _is_year(m, text)
    return True


def _is_year(m: re.Match[str], text: str) -> bool:
    """A number before 年 is a year (1998年, 90年代) unless it reads as a duration (8年之久)."""
    if text[m.end() : m.end() + 1] in set(_YEAR_FOLLOWERS):
        return True
    value = parse_number(m["ar"]) if m["ar"] else None
    return value is not None and value.is_integer() and 1000 <= value <= 2999 and not m["tail"]


def number_spans(text: str) -> list[tuple[int, int]]:
    """Every number-like run with its unit, figure or not (years, dates too): never cut these."""
    spans = [m.span() for m in FIGURE_RE.finditer(text)]
    return sorted(spans + [(f.start, f.end) for f in extract_figures(text)])
