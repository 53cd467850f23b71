"""Query understanding: years, places, issuers and kinds a question names, matched to the archive.

They become *soft* hints: a boost for the reports they point to, shown to the user, who can
switch them off. Many reports share near-identical sentences ("城镇新增就业…万人"), so the
report a question names is often the only thing that tells the right passage from the rest.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz

from archive.text import YEAR
from index.rerank import PLAN_NAME
from index.weights import SearchSettings

_YEAR = YEAR  # the one year pattern (archive/text.py)
# Any four-digit year a question may name, 3025 included: "3025年", "in 3025" (not 1256万人).
_ANY_YEAR = re.compile(r"(?<![\d.])([12]\d{3}|3\d{3})(?![\d.%％])(?=年|[^\u4e00-\u9fff]|$)")
# A year that names a report rather than a period: 2025年政府工作报告, "the 2020 government work report".
_REPORT_YEAR = re.compile(
    r"(\d{4})年(?:的)?[\u4e00-\u9fff]{0,16}?(?:政府工作报告|工作报告|统计公报|报告)"
    r"|(\d{4})\s+(?:[a-z]+\s+){0,5}(?:reports?|bulletin|communiqu[eé])\b"
    # the year a plan or statement was made: 1955年提出的一五计划, "presented in 1955"
    r"|(\d{4})年(?:提出|发布|公布|作出|通过)|\b(?:presented|proposed|published|released|delivered|adopted) in (\d{4})\b",
    re.I)
# The year a span starts: 1989年以来, "since 1989".
_SINCE = re.compile(r"(\d{4})年?以来|\bsince (\d{4})\b", re.I)
# A question about several years together: their sum or average answers it, not one year's result.
SPAN_WORDS = re.compile(
    r"[五十]年来|过去[五十]年|[五十]年间|累计|期间|\b(cumulative(ly)?|in total|altogether|combined)\b|"
    r"\b(over|in|during) the (past|previous|last|preceding) (\d+|two|three|four|five|ten) years\b|"
    r"\b(\d+|two|three|four|five|ten) years (up to|to|through|until|ending in|ended)\b", re.I)
# The year before the report's own, named by a report-year question ("the 2012 report ... last year").
PREVIOUS_YEAR = re.compile(r"去年|上年|上一年|\b(last year|the previous year|the year before|the preceding year)\b", re.I)
# What kind of figure a question about a year wants: a result, or a target set for it (预期寿命,
# life expectancy, is no target).
TARGET_WORDS = re.compile(
    r"目标|预期(?!寿命)|计划|打算|拟|安排|定为|定在|控制在|力争|年(?:要|将)(?![素求点近])|(?:要|将)(?:达到|实现)|\b(target(ed|s|ing)?|plan(ned|s|ning)?|goals?|"
    r"aim(s|ed|ing)?|set for|set\b(?! up\b)|expected to|budget(ed|s|ing)? for|budgeted|earmark(ed|s)?|slated|allocat(e|ed|es)|"
    r"lin(e|es|ed|ing) up|(set|lay|lays|laid|map|maps|mapped) out|(is|are|was|were) to be|(is|are|was|were) to (?!date)|"
    r"supposed to|meant to|"
    r"commit(s|ted|ting)?|intend(s|ed)?|projected|scheduled|will|call(s|ed)? for|seek(s|ing)? to|"
    r"pledg(e|es|ed|ing)|promis(e|es|ed|ing)|vow(s|ed)?|envisag(e|es|ed|ing))\b", re.I)
# A forecast asked for ("2024年高校毕业生预计有多少人", "how many graduates were expected"): the
# year's own report estimates it, the next one may too.
ESTIMATE_WORDS = re.compile(r"预计|估计|预测|\b(?:were|was|is|are) (?:expected|forecast|projected|estimated)\b(?! to)"
                            r"|\b(?:expected|forecast|projected|estimated) (?:number|total|figure)\b", re.I)
ACTUAL_WORDS = re.compile(r"实际|增长了|实现了|完成了|达到了|\b(actual(ly)?|grew|was|were|did)\b", re.I)
_ADMIN_UNIT = re.compile(r".+?(?:特别行政区|自治区|自治州|自治县|省|市|区|县|州|盟|旗)")
_ADMIN_SUFFIX = re.compile(
    r"(?:特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区|自治州|自治县|省|市|区|县|州|盟|旗)$"
)
_PARENS = re.compile(r"[（(]([^（）()]{2,12})[）)]\s*$")
_CONGRESS = re.compile(r"^([一二三四五六七八九十]+)大$")
_EN_WORD = re.compile(r"[a-z]+")

# Words that name a kind of report, in Chinese and English.
KIND_WORDS = {
    "gov_work_report": ("政府工作报告", "government work report", "work report"),
    "duty_report": ("述职", "duty report"),
    "statistical_bulletin": ("统计公报", "statistical bulletin", "statistical communique"),
}


# A place named only by its level: "the district", 全区, 区里 (自治区 say 全区 too), "the province".
LEVEL_WORDS = {
    ("区", "自治区"): re.compile(r"全区|区里|本区|我区|该区|副区长|区政府"),
    ("区",): re.compile(r"\b(?:the|this|that) district\b|\bdistrict(?:'s|-level| head| deputy)\b"
                        r"|\bdeputy district\b", re.I),
    ("自治区",): re.compile(r"\b(?:the|this|that) (?:autonomous )?region\b", re.I),
    ("省",): re.compile(r"全省|省里|本省|我省|该省|\b(?:the|this|that) province\b", re.I),
    ("县",): re.compile(r"全县|县里|本县|我县|该县|\b(?:the|this|that) county\b", re.I),
}


def issuer_level(issuer: str) -> str | None:
    """The level of the issuer's most specific unit: 区 for 呼伦贝尔市海拉尔区, 自治区, 省, 市, 县 …"""
    name = issuer.replace("人民政府", "")
    units = _ADMIN_UNIT.findall(name) or [name]  # 区人民政府: a district left unnamed
    suffix = _ADMIN_SUFFIX.search(units[-1])
    return suffix.group().removeprefix("壮族").removeprefix("回族").removeprefix("维吾尔") if suffix else None


@dataclass(frozen=True)
class Hint:
    """One thing the question named, the reports it points to, and how strongly."""

    kind: str  # "year", "place", "kind"
    value: str
    label: str
    report_ids: frozenset[int]
    weight: float

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "value": self.value,
            "label": self.label,
            "reports": sorted(self.report_ids),
        }


@lru_cache(maxsize=1)
def english_place_names() -> dict[str, tuple[str, ...]]:
    """Chinese place or body -> its English names, from the bundled gazetteer."""
    with resources.files("index").joinpath("data/places.tsv").open(encoding="utf-8") as f:
        return {
            row["chinese"]: tuple(row["english"].split("|"))
            for row in csv.DictReader(f, delimiter="\t")
        }


def report_names(report: dict) -> tuple[set[str], set[str]]:
    """Chinese and English names a question may use for a report's issuer or body (shared sets:
    worked out once per issuer and title, not per question; do not change them)."""
    return _names(report.get("issuer") or "", report.get("title") or "")


def own_names(report: dict) -> set[str]:
    """The names a report goes by itself (十六大, "16th party congress"), not its issuer's place."""
    m = _PARENS.search(report.get("title") or "")
    if not m:
        return set()
    names = {m.group(1)}
    if congress := _CONGRESS.match(m.group(1)):
        names |= congress_names(_chinese_int(congress.group(1)))
    return names


@lru_cache(maxsize=4096)
def _names(full_issuer: str, title: str) -> tuple[set[str], set[str]]:
    zh: set[str] = set()
    issuer = full_issuer.replace("人民政府", "").replace("中华人民共和国", "")
    units = _ADMIN_UNIT.findall(issuer) or ([issuer] if issuer else [])
    for unit in units[-1:]:  # the most specific unit: 海拉尔区 of 呼伦贝尔市海拉尔区
        zh.add(unit)
        core = _ADMIN_SUFFIX.sub("", unit)
        if len(core) >= 2:
            zh.add(core)
    if m := _PARENS.search(title):
        zh.add(m.group(1))
    en: set[str] = set()
    gazetteer = english_place_names()
    for name in list(zh):
        en.update(n.lower() for n in gazetteer.get(name, ()))
        if m := _CONGRESS.match(name):
            en |= congress_names(_chinese_int(m.group(1)))
        elif name not in gazetteer and re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name):
            en.add("".join(lazy_pinyin(name)))  # 海拉尔 -> hailaer, fuzzy-matched to "Hailar"
    for zh_name, names in gazetteer.items():
        if zh_name in full_issuer or zh_name in title:
            zh.add(zh_name)
            en.update(n.lower() for n in names)
    return {z for z in zh if len(z) >= 2}, en


@dataclass(frozen=True)
class Asked:
    """The years a question asks about, a report year it names, and actual result or target."""

    years: tuple[int, ...]  # years the figures are about: 2017 of "2017年GDP增长了多少"
    report_year: int | None  # 2025 of "2025年政府工作报告里…"
    mode: str | None  # "actual", "target", "estimate"; None when no year is named (or only the
    # report's, and no target is asked for)
    span: bool = False  # several years at once (2013–2017, 过去五年): a cumulative figure answers


def asked(question: str) -> Asked:
    """Read the question the way a reader does: a named year is the year the figure is about."""
    report_year = None
    if m := _REPORT_YEAR.search(question):
        report_year = int(next(g for g in m.groups() if g))
    since = {int(m.group(1) or m.group(2)) for m in _SINCE.finditer(question)}  # no figure's year
    years = tuple(dict.fromkeys(
        int(m.group(1)) for m in _ANY_YEAR.finditer(question)
        if int(m.group(1)) not in since
        and (int(m.group(1)) != report_year or _ANY_YEAR.findall(question).count(m.group(1)) > 1)))
    span = (len(years) > 1 and max(years) - min(years) >= 2 or bool(since)
            or bool(SPAN_WORDS.search(question)))
    if not years and report_year is None:
        return Asked((), None, None, span)
    target = TARGET_WORDS.search(PLAN_NAME.sub(" ", question))
    if not years and PREVIOUS_YEAR.search(question):  # "the 2012 report ... the year before": 2011
        years = (report_year - 1,)
    elif not years:  # "海拉尔区2014年政府工作报告定的地区生产总值目标": the report's own targets
        return Asked((), report_year, "target" if target else None, span)
    mode = "estimate" if ESTIMATE_WORDS.search(question) else "target" if target else "actual"
    return Asked(years, report_year, mode, span)


def figure_modes(mode: str | None) -> tuple[str, ...]:
    """The stored figure modes that answer a question of this mode: a result is also an estimate;
    an estimate asked for ("1954年钢产量预计多少") is what was expected, not the next year's result."""
    return {"target": ("target",), "actual": ("actual", "estimate"),
            "estimate": ("estimate", "target")}.get(mode or "", ())


def year_covers(report: dict, year: int, mode: str | None) -> bool:
    """Does this report give figures for the year? A work report of Y reviews Y-1 and sets Y's targets
    (an estimate may be either: 今年高校毕业生预计1170万人, or last year's 预计全年增长5%)."""
    ry = report.get("year")
    if ry is None:
        return False
    work_report = report.get("kind") == "gov_work_report"
    if mode == "target":
        return ry == year
    if mode == "actual":
        return ry == year + 1 if work_report else ry == year
    return ry in (year, year + 1)


def find_hints(question: str, reports: list[dict], *, asks: Asked | None = None,
               settings: SearchSettings | None = None) -> list[Hint]:
    """Years, places/bodies and report kinds named in the question, each with the reports it fits.

    `asks` is `asked(question)` when the caller has read it already; the weights come from settings.
    """
    s = settings or SearchSettings()
    hints: list[Hint] = []
    lowered = question.lower()
    words = _EN_WORD.findall(lowered)
    question_asks = asks if asks is not None else asked(question)
    if question_asks.report_year is not None:
        year = question_asks.report_year
        named = frozenset(r["id"] for r in reports if r.get("year") == year)
        if named:
            hints.append(Hint("year", str(year), f"year {year}", named, s.year_hint))
    for year in question_asks.years:
        covering = [r for r in reports if year_covers(r, year, question_asks.mode)]
        by_report_year: dict[int, set[int]] = {}
        for r in covering:
            by_report_year.setdefault(r["year"], set()).add(r["id"])
        for ry, ids in sorted(by_report_year.items()):
            # "GDP in 2011" lives in the 2012 report's review
            label = f"year {ry} (reviews {year})" if ry == year + 1 else f"year {ry}"
            hints.append(Hint("year", str(ry), label, frozenset(ids), s.year_hint))
        if not covering:  # shown all the same: it is why the answer is refused, and switching it
            hints.append(Hint("year", str(year), f"year {year}", frozenset(), s.year_hint))  # off asks without it
    best: dict[int, str] = {}  # report id -> the longest of its names the question holds
    for r in reports:
        zh, en = report_names(r)
        matched = [n for n in zh if n in question]
        matched += [n for n in en if _english_match(n, lowered, words)]
        if matched:
            best[r["id"]] = max(matched, key=len)
    places: dict[str, set[int]] = {}
    for rid, name in best.items():
        # "party congress" inside "the 20th party congress" names the 20th, not every congress
        if not any(name != other and name in other for other in best.values()):
            places.setdefault(name, set()).add(rid)
    for name, ids in places.items():
        hints.append(Hint("place", name, name, frozenset(ids), s.place_hint))
    if not places:  # "the district" with no name: a weak pull towards district reports
        for level, pattern in LEVEL_WORDS.items():
            if pattern.search(question):
                ids = frozenset(r["id"] for r in reports if issuer_level(r.get("issuer") or "") in level)
                if ids:
                    hints.append(Hint("level", level[0], f"{level[0]} level", ids, s.level_hint))
    for kind, phrases in KIND_WORDS.items():
        if any(p in lowered for p in phrases):
            ids = frozenset(r["id"] for r in reports if r.get("kind") == kind)
            if ids:
                hints.append(Hint("kind", kind, kind.replace("_", " "), ids, s.kind_hint))
    if not any(h.kind in ("year", "place") for h in hints):
        # no year or place named: a report of the archive's many years would be asked about with
        # its year or place, so the silence points at the reports that name neither (a duty
        # report) as surely as a year named points at that year's; "the district" is no year
        undated = frozenset(r["id"] for r in reports if r.get("year") is None)
        if undated and len(undated) < len(reports):
            hints.append(Hint("undated", "undated", "reports with no year (none named)", undated, s.undated_hint))
    return hints


def _english_match(name: str, lowered: str, words: list[str]) -> bool:
    if " " in name or not name.isalpha():
        return name in lowered
    if len(name) < 5:
        return name in words
    return any(fuzz.ratio(name, w) >= 85 for w in words if abs(len(w) - len(name)) <= 2)


def congress_names(n: int) -> set[str]:
    """English names of the nth party congress: "the 20th Party Congress", "the 20th CPC National
    Congress", "the CPC's 20th National Congress"."""
    ordinal = _ordinal(n)
    return {f"{ordinal} party congress", f"{ordinal} national congress", f"{ordinal} cpc national congress",
            f"{ordinal} cpc congress"}


def _chinese_int(numeral: str) -> int:
    digits = "一二三四五六七八九"
    if numeral == "十":
        return 10
    if "十" in numeral:
        tens, _, ones = numeral.partition("十")
        return (digits.index(tens) + 1 if tens else 1) * 10 + (
            digits.index(ones) + 1 if ones else 0
        )
    return digits.index(numeral) + 1


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
