"""Facts: figures tied to the indicator they measure, so one indicator can be followed across reports.

A figure becomes a fact when its clause names an indicator from the vocabulary
(`archive/data/indicators.tsv`: 国内生产总值, 地区生产总值, 全市生产总值 … → one indicator) and
nothing but measure words stand between the two ("国内生产总值达到134.9万亿元、增长5%"). A clause
that is only a measure ("，增长5.2%") takes the indicator of the clause before it. Anything else
in between (占…比重 of another numerator, 对全球经济增长的贡献率, 城市副中心…地区生产总值) makes no
fact: a missing point is better than a wrong one. Ranges ("6%－6.5%") are one fact with a high
value; the qualifier after a figure (左右, 以上, 以内) stays in its text; a fall (下降0.1%) is a
negative value.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from archive.figures import FIGURE_RE

MEASURES = ("level", "count", "growth", "share", "change")
COUNT_UNITS = frozenset(
    "人 名 位 户 个 家 所 套 项 条 场 次 起 座 台 辆 件 种 批 支 艘 宗 例 篇 人次".split()
)
QUALIFIERS = re.compile(r"左右|以上|以内|以下|上下")
_RANGE = re.compile(r"\s?(?:[至到~～\-－–]|—{1,2})\s?")
_SENTENCE_END = "。！？!?\n"
_CLAUSE_END = "，；：,;:"
_GROWTH = re.compile(
    r"增长|增速|增幅|涨幅|上涨|下降|降低|降幅|回落|回升|减少|提高(?!到|至)|提升(?!到|至)|下调|上调"
)
_INCREMENT = re.compile(r"(?:增加|增长|减少|下降|新增)(?!到|至)")
# A growth or change written as a fall is negative: 居民消费价格下降0.1% -> -0.1 (回落到2.6% is no fall).
_FALL = re.compile(r"(?:下降|降低|减少|回落|下跌|下调|缩小|缩减)(?!到|至)|降幅|负增长")
_SHARE = re.compile(r"占|比重|占比|相当于|比例|比率|强度")
# What may stand before an indicator in its clause: time, the report's own whole area, verbs.
_PREFIX_WORDS = re.compile(
    r"(?:(?:1[89]|20)\d\d年|[０-９\d ]+年|全年|今年|去年|上年|年末|年底|全国|全省|全市|全区|全州|全县|全盟|"
    r"我国|我省|我市|我区|本市|本省|实现|完成|其中|预计|初步核算|初步统计|经初步核算|力争|确保|"
    r"主要预期目标是|预期目标是|主要目标是|目标是|发展主要预期目标是|的|和|是|为|将|要|使|把|让|\s)*"
)
# What may stand between an indicator and its figure: measure words only.
_BETWEEN_WORDS = re.compile(
    r"(?:按可比价格计算|比上年|较上年|同比|比去年|比(?:1[89]|20)\d\d年|比|实际|名义|总水平|整体|平均为|平均|年均|平均每年|年平均|"
    r"[五十三两]年|增长速度|增长|增速|增幅|涨幅|上涨|下降|降低|降幅|回落到|回落至|回落|回升到|回升|"
    r"减少到|减少|扩大到|扩大|提高到|提高至|提高|提升到|提升至|提升|增加到|增加至|增加|达到|达|突破|超过|"
    r"首次跃上|跃上|跃升至|跃升到|迈上|降至|降到|升至|调控目标|预期目标|目标|定为|控制在|保持在|稳定在|"
    r"拟按|按|为|是|由|从|不到|不足|低于|近|约|超|逾|在|首次|总量|规模|总额|预计|力争|争取|确保|"
    r"分别为|占比|强度|的|了|、|，|左右|以上|以内|以下|多|\s)*"
)
SENTENCE_WINDOW = 300
_MAX_HOPS = 2  # measure-only clauses a figure may reach back over to find its indicator


@dataclass(frozen=True)
class Indicator:
    """One thing reports measure, with the ways they write it in Chinese and English."""

    name: str
    english: str
    nature: (
        str  # "amount" (its % figures are growth or shares) or "rate" (its % figures are levels)
    )
    chinese: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass
class Fact:
    """A figure with its indicator, measure, place and exact span (periods live on the figure)."""

    figure_index: int  # position in the figures given to extract_facts
    indicator: str
    measure: str
    place: str | None
    figure: str  # text[start:end]: with a range's high end and its qualifier ("6%－6.5%", "5%左右")
    value: float
    value_high: float | None
    unit: str
    qualifier: str
    start: int
    end: int


@lru_cache(maxsize=1)
def indicators() -> tuple[Indicator, ...]:
    """The indicator vocabulary bundled with the archive."""
    with resources.files("archive").joinpath("data/indicators.tsv").open(encoding="utf-8") as f:
        return tuple(
            Indicator(
                r["indicator"],
                r["english"],
                r["nature"],
                tuple(r["chinese"].split("|")),
                tuple(a.lower() for a in r["aliases"].split("|")),
            )
            for r in csv.DictReader(f, delimiter="\t")
        )


@lru_cache(maxsize=1)
def _alias_index() -> tuple[re.Pattern[str], dict[str, Indicator]]:
    by_alias = {a: ind for ind in indicators() for a in ind.chinese}
    pattern = "|".join(re.escape(a) for a in sorted(by_alias, key=len, reverse=True))
    return re.compile(pattern), by_alias


def place_of(issuer: str | None) -> str | None:
    """The place a report speaks for: 北京市人民政府 -> 北京市; 国务院 -> 全国."""
    if not issuer:
        return None
    if any(w in issuer for w in ("国务院", "中央人民政府", "全国代表大会", "全国人民代表大会")):
        return "全国"
    place = re.sub(r"(?:人民)?政府$|委员会$", "", issuer.strip())
    return place or None


def _clauses(text: str, start: int) -> list[tuple[int, int]]:
    """The clause spans of the sentence holding `start`, up to `start`, last one first."""
    window = max(start - SENTENCE_WINDOW, 0)  # a text without stops (a hostile file) stays cheap
    sentence = max(max(text.rfind(c, window, start) for c in _SENTENCE_END) + 1, window)
    spans, end = [], start
    while end > sentence:
        begin = max(max(text.rfind(c, sentence, end) for c in _CLAUSE_END) + 1, sentence)
        spans.append((begin, end))
        end = begin - 1
    return spans or [(start, start)]


def _measure_only(text: str) -> bool:
    without_figures = FIGURE_RE.sub("", text)
    return _BETWEEN_WORDS.fullmatch(without_figures) is not None


def link(text: str, start: int) -> tuple[Indicator, str, str] | None:
    """The indicator a figure at `start` measures, as written, and the words between, or None."""
    pattern, by_alias = _alias_index()
    between = ""
    for hop, (lo, hi) in enumerate(_clauses(text, start)):
        clause = text[lo:hi]
        matches = list(pattern.finditer(clause))
        if matches:
            m = matches[-1]
            gap = clause[m.end() :] + ("，" + between if between else "")
            prefix = clause[: m.start()].rsplit("、", 1)[-1]  # 就业1361万人、调查失业率…: a list
            if _PREFIX_WORDS.fullmatch(prefix) is None or not _measure_only(gap):
                return None
            return by_alias[m[0]], m[0], gap
        if hop >= _MAX_HOPS or not _measure_only(clause):
            return None
        between = clause + ("，" + between if between else "")
    return None


def measure_of(indicator: Indicator, alias: str, words: str, unit: str) -> str | None:
    """level / count / growth / share / change, from the unit and the words before the figure."""
    if "分别" in words:
        return None
    words = re.split("[，、]", words)[-1]  # the figure's own words, not an earlier figure's
    if unit == "个百分点":
        return "change"
    if _SHARE.search(words):
        return "share" if unit == "%" else None
    if unit in ("%", "‰"):
        if _GROWTH.search(alias + words):  # 经济增长8%: the alias may say it
            return "growth"
        return "level" if indicator.nature == "rate" else None
    if unit in ("倍", "") or _INCREMENT.search(words):
        return None
    return "count" if unit in COUNT_UNITS else "level"


def extract_facts(text: str, figures: list, place: str | None) -> list[Fact]:
    """Facts from a report's figures (objects or rows with start/end/value/unit/raw), in order."""
    spans = [_span(f) for f in figures]
    facts: list[Fact] = []
    skip = False
    for i, (start, end, value, unit) in enumerate(spans):
        if skip:
            skip = False
            continue
        linked = link(text, start)
        if linked is None:
            continue
        indicator, alias, words = linked
        measure = measure_of(indicator, alias, words, unit)
        if measure is None:
            continue
        high, stop = None, end
        if i + 1 < len(spans):
            n_start, n_end, n_value, n_unit = spans[i + 1]
            if n_unit == unit and _RANGE.fullmatch(text, end, n_start):
                high, stop, skip = n_value, n_end, True
        if measure in ("growth", "change") and _FALL.search(re.split("[，、]", words)[-1]):
            value, high = -value, None if high is None else -high
        q = QUALIFIERS.match(text, stop)
        qualifier = q[0] if q else ""
        stop += len(qualifier)  # the span is the figure as shown: 5%左右, 6%－6.5%
        figure = text[start:stop]
        facts.append(
            Fact(
                i, indicator.name, measure, place, figure, value, high, unit, qualifier, start, stop
            )
        )
    return facts


def _span(f) -> tuple[int, int, float, str]:
    if isinstance(f, dict):
        return f["char_start"], f["char_end"], f["value"], f["unit"]
    return f.start, f.end, f.value, f.unit


FACT_COLUMNS = (
    "figure_id", "report_id", "indicator", "measure", "place", "figure", "value", "value_high",
    "unit", "qualifier", "char_start", "char_end",
)  # fmt: skip


def store_facts(db, report_id: int) -> int:
    """Replace one stored report's facts, derived from its stored text, figures and issuer."""
    row = db.execute(
        "SELECT r.issuer, t.text FROM reports r JOIN texts t ON t.report_id = r.id WHERE r.id = ?",
        [report_id],
    ).fetchone()
    if row is None:
        return 0
    issuer, text = row
    figures = [
        dict(zip(("id", "char_start", "char_end", "value", "unit"), r, strict=True))
        for r in db.execute(
            "SELECT id, char_start, char_end, value, unit FROM figures WHERE report_id = ?"
            " ORDER BY char_start",
            [report_id],
        ).fetchall()
    ]
    facts = extract_facts(text, figures, place_of(issuer))
    db.execute("DELETE FROM facts WHERE report_id = ?", [report_id])
    marks = ",".join("?" * len(FACT_COLUMNS))
    db.conn.executemany(
        f"INSERT INTO facts ({', '.join(FACT_COLUMNS)}) VALUES ({marks})",
        [
            (figures[f.figure_index]["id"], report_id, f.indicator, f.measure, f.place, f.figure,
             f.value, f.value_high, f.unit, f.qualifier, f.start, f.end)
            for f in facts
        ],
    )  # fmt: skip
    return len(facts)


def select_facts(
    db,
    indicator: str,
    *,
    measure: str | None = None,
    places: list[str] | None = None,
    modes: list[str] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
) -> list[dict]:
    """Rows of `fact_view` for one indicator, filtered; only facts whose period is known."""
    where, args = ["indicator = ?", "period IS NOT NULL", "mode IS NOT NULL"], [indicator]
    for column, values in (
        ("measure", [measure] if measure else None),
        ("place", places),
        ("mode", modes),
    ):
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            args += values
    if year_from is not None:
        where.append("period >= ?")
        args.append(year_from)
    if year_to is not None:
        where.append("period <= ?")
        args.append(year_to)
    sql = f"SELECT * FROM fact_view WHERE {' AND '.join(where)} ORDER BY place, period, report_id, char_start"
    cursor = db.execute(sql, args)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def fact_places(db) -> dict[str, list[str]]:
    """Each place that has facts, with the issuers of its reports."""
    rows = db.execute(
        "SELECT DISTINCT f.place, r.issuer FROM facts f JOIN reports r ON r.id = f.report_id"
        " WHERE f.place IS NOT NULL"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for place, issuer in rows:
        out.setdefault(place, []).append(issuer)
    return out


def measure_counts(db, indicator: str) -> dict[str, int]:
    """How many facts of each measure an indicator has: the default measure is the commonest."""
    rows = db.execute(
        "SELECT measure, count(*) FROM facts WHERE indicator = ? GROUP BY measure", [indicator]
    ).fetchall()
    return dict(rows)


def level_units(db, indicator: str, limit: int = 2) -> list[str]:
    """The units of an indicator's stored levels and counts, commonest first (粮食产量: 斤, 吨):
    what a question naming it, but no unit, asks its figure in."""
    rows = db.execute(
        "SELECT unit FROM facts WHERE indicator = ? AND measure IN ('level', 'count') AND unit != ''"
        " GROUP BY unit ORDER BY count(*) DESC, unit LIMIT ?", [indicator, limit]).fetchall()
    return [u for (u,) in rows]
