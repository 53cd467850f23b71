"""What a trend question asks for: an indicator, maybe places, a measure, modes and years.

"国务院 国内生产总值增长 预期目标", "China GDP growth target", "北京 上海 地区生产总值增长 2024-2025":
the indicator comes from the archive's indicator vocabulary (Chinese names or English aliases),
places from the places the archive's facts belong to (Chinese names, English names from the
gazetteer, pinyin), the rest from a few words for measures and modes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz

from archive.facts import Indicator, indicators
from archive.text import YEAR as _YEAR
from index.hints import english_place_names

NATIONAL = "全国"
NATIONAL_NAMES = (("全国", "国务院", "中国", "我国", "中华人民共和国", "国家"),
                  ("china", "chinese", "national", "nationwide", "state council", "prc", "country"))  # fmt: skip
_ADMIN_UNIT = re.compile(r".+?(?:特别行政区|自治区|自治州|自治县|省|市|区|县|州|盟|旗)")
# A place-like word left in a question once the archive's places are taken out: a place the
# archive holds no facts for (广州市, 海淀区), unless it is one of these common words.
_OTHER_PLACE = re.compile(r"[\u4e00-\u9fff]{1,6}?(?:特别行政区|自治区|自治州|省|市|区|县)")
_NOT_PLACES = frozenset(
    "地区 城区 社区 园区 山区 市区 新区 全市 全省 全区 全县 本市 本省 我市 我省 我区 各省 各市 城市 市场 省市".split()
)
_ADMIN_SUFFIX = re.compile(
    r"(?:特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区|省|市|区|县|州|盟|旗)$"
)
MODE_WORDS = {
    "target": (("目标", "预期", "计划", "力争", "任务"),
               ("target", "targets", "goal", "goals", "plan", "planned", "aim", "objective")),
    "actual": (("实际", "实现了", "完成情况", "实绩", "结果"),
               ("actual", "actuals", "achieved", "outcome", "outcomes", "result", "results")),
    "average": (("年均", "平均"), ("average", "averaged", "annual average", "per year on average")),
    "estimate": (("预计", "估计"), ("estimate", "estimated", "estimates", "preliminary")),
}  # fmt: skip
MEASURE_WORDS = {
    "growth": (("增长", "增速", "涨幅", "上涨", "增幅", "下降", "降低", "降幅", "增长率"),
               ("growth", "grow", "grew", "rise", "increase", "reduction", "decline", "inflation", "cut")),
    "share": (("比重", "占比", "比例"), ("share", "proportion", "ratio to")),
    "change": (("百分点",), ("percentage point", "percentage points")),
    "level": (("总量", "规模", "总额", "总值", "多少"), ("total", "size", "level", "amount", "how much", "value")),
}  # fmt: skip
DEFAULT_MODES = ("actual", "target", "estimate")
# Words that set a target against its result: both modes are wanted.
COMPARE_WORDS = (("完成", "达到", "对比", "相比", "差距", "实现"),
                 ("reach", "reached", "meet", "met", "hit", "miss", "missed", "against", "vs", "versus", "compared"))  # fmt: skip
_SINCE = re.compile(r"(?:since|from|after)\s*$|^\s*年?(?:以来|起|至今)", re.I)
_WORD = re.compile(r"[a-z][a-z&'.-]*")
_NOISE = re.compile(r"[\s\d,.;:!?，。；：！？、/\-–—~～()（）\"“”'‘’]+|的|和|与|及|年|是|多少|每年|历年|over the years|"
                    r"\b(?:and|the|of|in|for|vs|versus|by|year|years|what|how|to|from|since|show|me|per)\b", re.I)  # fmt: skip


@dataclass
class TrendQuestion:
    """The parts of a trend question; `unknown` is what was left when no indicator matched."""

    text: str
    indicator: Indicator | None = None
    measure: str | None = None
    modes: tuple[str, ...] = DEFAULT_MODES
    modes_named: bool = False
    places: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    unknown: str = ""
    other_places: list[str] = field(default_factory=list)  # named, but the archive has no facts


def parse_question(text: str, places: dict[str, list[str]]) -> TrendQuestion:
    """Read a trend question against the places the archive holds facts for."""
    q = TrendQuestion(text)
    rest = text.strip()
    lowered = rest.lower()
    q.indicator, alias = _indicator(rest, lowered)
    if alias:
        rest = _cut(rest, alias)
        lowered = rest.lower()
    q.places, rest = _places(rest, places)
    lowered = rest.lower()
    q.other_places = _other_places(rest, places)
    years = [int(y) for y in _YEAR.findall(rest)]
    if len(years) == 1:
        m = _YEAR.search(rest)
        since = _SINCE.search(rest[: m.start()]) or _SINCE.match(rest[m.end() :])
        q.year_from, q.year_to = years[0], None if since else years[0]
    elif years:
        q.year_from, q.year_to = min(years), max(years)
    named = [m for m, (zh, en) in MODE_WORDS.items() if _has(rest, lowered, zh, en)]
    if named:
        q.modes, q.modes_named = tuple(named), True
        if "target" in named and _has(rest, lowered, *COMPARE_WORDS):
            q.modes = tuple(dict.fromkeys(["actual", *named]))
    implied = None  # what the indicator's own name says: 经济增长 a growth, 经济总量 a level
    if alias.endswith(("增长", "增速", "增长速度")):
        implied = "growth"
    elif alias.endswith(("总量", "总额")):
        implied = "level"
    words = (m for m, (zh, en) in MEASURE_WORDS.items() if _has(rest, lowered, zh, en))
    q.measure = next(words, implied)
    if q.indicator is None:
        for zh, en in [*MODE_WORDS.values(), *MEASURE_WORDS.values()]:
            for w in (*zh, *en):
                rest = re.sub(
                    re.escape(w) if not w.isascii() else rf"\b{re.escape(w)}\b",
                    " ",
                    rest,
                    flags=re.I,
                )
        q.unknown = _NOISE.sub(" ", rest).strip()
    return q


def indicator_named(text: str) -> Indicator | None:
    """The indicator a question names (its longest name or alias), if any."""
    return _indicator(text, text.lower())[0]


def _indicator(text: str, lowered: str) -> tuple[Indicator | None, str]:
    """The indicator with the longest name or alias in the question."""
    best: tuple[int, Indicator | None, str] = (0, None, "")
    for ind in indicators():
        for name in ind.chinese:
            if name in text and len(name) > best[0]:
                best = (len(name), ind, name)
        for alias in ind.aliases:
            if len(alias) > best[0] and re.search(
                rf"(?<![a-z]){re.escape(alias)}(?![a-z])", lowered
            ):
                best = (len(alias), ind, alias)
    return best[1], best[2]


def _cut(text: str, word: str) -> str:
    i = text.lower().find(word.lower())
    return text if i < 0 else text[:i] + " " + text[i + len(word) :]


def place_names(place: str, issuers: list[str]) -> tuple[set[str], set[str]]:
    """Chinese and English names a question may use for a place."""
    if place == NATIONAL:
        return set(NATIONAL_NAMES[0]), set(NATIONAL_NAMES[1])
    zh = {place}
    units = _ADMIN_UNIT.findall(place)  # 呼伦贝尔市海拉尔区: 海拉尔区 and 海拉尔 name it too
    for unit in [place, *units[-1:]]:
        zh.add(unit)
        core = _ADMIN_SUFFIX.sub("", unit)
        if len(core) >= 2:
            zh.add(core)
    gazetteer = english_place_names()
    en: set[str] = set()
    for name in zh | set(issuers):
        en.update(n.lower() for n in gazetteer.get(name, ()))
    for name, english in gazetteer.items():
        if name in place:
            en.update(n.lower() for n in english)
    if not en and re.fullmatch(r"[\u4e00-\u9fff]{2,4}", core):
        en.add("".join(lazy_pinyin(core)))
    return zh, en


def _places(text: str, places: dict[str, list[str]]) -> tuple[list[str], str]:
    """The archive's places the question names, in the order named, and the text without them."""
    found: list[tuple[int, str, str]] = []
    for place, issuers in places.items():
        zh, en = place_names(place, issuers)
        lowered = text.lower()
        hits = [(text.find(n), n) for n in sorted(zh, key=len, reverse=True) if n in text]
        hits += [(lowered.find(n), n) for n in en if _english_match(n, lowered)]
        if hits:
            pos, name = min(hits)
            found.append((pos, place, name))
    found.sort()
    for _, _, name in found:
        text = _cut(text, name)
    return [p for _, p, _ in found], text


def _other_places(rest: str, places: dict[str, list[str]]) -> list[str]:
    """Places the question names that hold no facts in the archive (province names, 广州市)."""
    found = [m[0] for m in _OTHER_PLACE.finditer(rest) if m[0] not in _NOT_PLACES]
    known = set(places)
    lowered = rest.lower()
    for zh, english in english_place_names().items():
        if zh in ("国务院", "中华人民共和国") or any(zh in p for p in known):
            continue
        if zh in rest or any(_english_match(e.lower(), lowered) for e in english):
            found.append(zh)
    return list(dict.fromkeys(found))


def _english_match(name: str, lowered: str) -> bool:
    if re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", lowered):
        return True
    words = _WORD.findall(lowered)
    return (
        " " not in name
        and len(name) >= 5
        and any(fuzz.ratio(name, w) >= 85 for w in words if abs(len(w) - len(name)) <= 2)
    )


def _has(text: str, lowered: str, zh: tuple[str, ...], en: tuple[str, ...]) -> bool:
    if any(w in text for w in zh):
        return True
    return any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", lowered) for w in en)
