"""The top of a report read as a person reads it: title line, date line, signature, who speaks."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import cn2an

from archive.chinese_script import to_simplified
from archive.places import Place, most_specific, places_in, places_in_file_name
from archive.text import YEAR as _YEAR

HEAD_LINES = 20
BODY_CHARS = 5000
KIND_WORDS = (  # first match wins: the kind a title's words point to
    ("政府工作报告", "gov_work_report"),
    ("government work report", "gov_work_report"),
    ("work of the government", "gov_work_report"),
    ("述职", "duty_report"),
    ("统计公报", "statistical_bulletin"),
    ("国民经济和社会发展", "statistical_bulletin"),
    ("工作总结", "work_summary"),
    ("annual report", "annual_report"),
)
_WEB_NOISE = re.compile(
    r"^(下载|打印|全屏|收藏|关闭|加大|还原|减小|】|【|字号|分享|来源|发布时间|浏览次数|当前位置|首页)"
)
_SENTENCE_END = re.compile(r"[。！？；，,.;!?:：]$")
_LIST_NUMBER = re.compile(r"^[（(]?[一二三四五六七八九十\d]+[、.．)）]")
_GENERIC_TITLE = re.compile(r"^(?:[\d年]*)(?:政府工作报告|工作报告|述职报告|述职述廉报告|统计公报|工作总结|报告)$")
_SPACED_HAN = re.compile(r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff](?: [\u4e00-\u9fff])+(?![\u4e00-\u9fff])")
_SPACE_IN_DIGITS = re.compile(r"(?<=\d) (?=\d)")
_YEAR_NIAN = re.compile(r"(?<!\d)((?:19|20)\d\d) ?年")
_REVIEW_HEADING = re.compile(r"(?:^|\n)[一1][、.]\s*((?:19|20)\d\d)年[^。\n]{0,8}回顾")
_CN_YEAR = re.compile(r"([一二三四五六七八九〇○零]{4})年")
_DATE_LINE = re.compile(r"((?:19|20)\d\d)年\d{1,2}月\d{1,2}日.{0,8}?在.{0,40}?(?:会议|大会)")
_DATED_TITLE = re.compile(r"[（(]((?:19|20)\d\d)年\d{1,2}月\d{1,2}日[）)]")
_ORDINAL = "[一二三四五六七八九十]+"
_NPC_SESSION = re.compile(rf"第({_ORDINAL})届全国人民代表大会第({_ORDINAL})次会议(?!以来)")
# A report given at a party congress: 在中国共产党第二十次全国代表大会上 / 代表第十五届中央委员会向大会
_CPC = re.compile(rf"在中国共产党第({_ORDINAL})次全国代表大会上|代表第({_ORDINAL})届中央委员会向")
_EN_DATE = re.compile(r"(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{1,2},\s+((?:19|20)\d\d)")
# The NPC's terms began in these years; sessions are yearly (the 2nd term's gaps aside).
NPC_TERMS = {1: 1954, 2: 1959, 3: 1964, 4: 1975, 5: 1978}
CPC_CONGRESSES = {8: 1956, 9: 1969, 10: 1973, 11: 1977}
_NATIONAL_GOV = re.compile(
    r"代表(?:中华人民共和国)?(?:国务院|中央人民政府)|国务院总理|在第.{1,4}届全国人民代表大会"
    r"|向第.{1,4}届全国人民代表大会|我们第.{1,4}届全国人民代表大会|State Council|Premier",
)
_CONGRESS_PLACE = re.compile(rf"在([\u4e00-\u9fff]{{2,20}}?)第{_ORDINAL}届\s*人民代表大会")
_SIGNATURE = re.compile(
    r"([\u4e00-\u9fff]{2,20}?)(?:人民政府)?(?:代理)?代?(?:省长|市长|区长|县长|州长|盟长|旗长|主席)"
)
_EN_PLACE_WORD = re.compile(
    r"\b(?:Province|Provincial|Municipal(?:ity)?|City|County|District|Autonomous Region|Prefecture)\b"
)
_SPEAKS_TO_CONGRESS = re.compile(
    r"代表(?:中华人民共和国)?(?:国务院|中央人民政府|[\u4e00-\u9fff]{0,16}?政府)[^。]{0,30}?(?:作|报告)"
)
_SALUTATION = re.compile(r"^(?:各位代表|同志们|各位委员|女士们|Fellow|Deputies)[^。]{0,12}[:：]?$")
_SPEAKS_FOR = re.compile(r"代表([\u4e00-\u9fff]{1,20}?)人民政府")
_GENERIC_GOV = re.compile(r"(?:代表|根据)?([省市区县州旗])(?:人民)?政府")
_ORGAN_LINE = re.compile(
    r"^([\u4e00-\u9fff]{2,30}?(?:统计局|常务委员会|委员会|人民政府|办公厅|办公室|调查队))(?:\s|$)"
)


@dataclass
class Head:
    """The first lines of a report, normalised for reading (simplified, NFKC, no letter spacing)."""

    lines: list[str]
    joined: str  # the lines without breaks: a date line wrapped over two lines reads whole
    body: str  # the first BODY_CHARS of the text, normalised the same way
    title: str | None
    title_is_generic: bool


def normalise(text: str) -> str:
    text = to_simplified(unicodedata.normalize("NFKC", text))
    text = _SPACED_HAN.sub(lambda m: m.group().replace(" ", ""), text)  # 政 府 工 作 报 告
    return _SPACE_IN_DIGITS.sub("", text)


@lru_cache(maxsize=8)
def read_head(text: str) -> Head:
    lines: list[str] = []
    for raw in text[: BODY_CHARS * 2].splitlines():
        line = normalise(raw).strip().lstrip("#").strip()
        if line and not _WEB_NOISE.match(line) and (len(line) > 1 or lines):
            lines.append(line)
        if len(lines) >= HEAD_LINES:
            break
    title = _title(lines)
    generic = bool(title and _GENERIC_TITLE.match(title))
    return Head(lines, "".join(lines), normalise(text[:BODY_CHARS]), title, generic)


def _title(lines: list[str]) -> str | None:
    """The first short heading-like line; 政府工作报 + 告 (a title wrapped by layout) is joined."""
    for i, line in enumerate(lines[:15]):
        if _SALUTATION.match(line):
            return None  # the speech begins: no title line above it
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if len(nxt) <= 2 and (line + nxt).endswith("报告"):
            line += nxt  # 政府工作报 / 告
        elif nxt and _only_places(line) and not _SENTENCE_END.search(nxt) and len(nxt) <= 40:
            line += nxt  # 黔东南苗族侗族自治州 / 2016年国民经济和社会发展统计公报
        if line.startswith(("——", "--", "—")) or _LIST_NUMBER.match(line):
            continue
        if 4 <= len(line) <= 60 and not _SENTENCE_END.search(line) and not _looks_like_table(line):
            return line
    return None


def is_organ(line: str) -> bool:
    """A line that is only the name of a body: 周口市统计局, 全国人民代表大会常务委员会."""
    return bool(_ORGAN_LINE.fullmatch(line))


def _only_places(line: str) -> bool:
    places = places_in(line)
    return bool(places) and len(line) - sum(len(p.name) for p in places) <= 1


def _looks_like_table(line: str) -> bool:
    """A table row flattened to text: several cells of numbers, pipes or tabs."""
    cells = re.split(r"\s*[|\t]\s*|\s{2,}", line)
    return len(cells) >= 3 and sum(bool(re.search(r"\d", c)) for c in cells) >= 2 or "|" in line


def infer_kind_from(head: Head, title: str) -> str:
    lowered = to_simplified(title).lower()
    for word, kind in KIND_WORDS:
        if word in lowered:
            return kind
    if _SPEAKS_TO_CONGRESS.search(head.joined[:800]):
        return "gov_work_report"
    if re.search(r"述职|履职情况", head.joined):
        return "duty_report"
    if "统计局" in head.joined[:200] and "国民经济和社会发展" in head.joined[:400]:
        return "statistical_bulletin"
    return "other"


def infer_year_from(head: Head, title: str, stem: str, kind: str, declared: str | None) -> int | None:
    """The year a report carries (a work report published in year Y carries Y), first clue wins.

    The date line under the title; the title's year (the later one when it names two: "2023年
    工作总结和2024年工作计划"); the file name's; the session of the NPC or CPC congress it was
    given at; for work reports the year their review covers plus one; the file's declared date.
    """
    if m := _DATE_LINE.search(head.joined) or _DATED_TITLE.search(head.joined[:300]):
        return int(m.group(1))
    for source in (normalise(title), normalise(stem)):
        years = [int(y) for y in _YEAR.findall(source)]
        if years:
            return max(years)
    if m := _EN_DATE.search(head.joined):
        return int(m.group(1))
    if year := _session_year(head.joined):
        return year
    if kind == "gov_work_report" and (m := _REVIEW_HEADING.search(head.body)):
        return int(m.group(1)) + 1  # 一、2018年工作回顾
    if kind in ("gov_work_report", "statistical_bulletin") and (reviewed := _reviewed_year(head.body)):
        return reviewed + (kind == "gov_work_report")
    if declared and declared.isdigit():
        return int(declared)
    return _reviewed_year(head.body[:1500])


def _cn_int(ordinal: str) -> int | None:
    try:
        return int(cn2an.cn2an(ordinal, "smart"))
    except (ValueError, KeyError):
        return None


def _session_year(text: str) -> int | None:
    """第十三届全国人民代表大会第四次会议 -> 2021; 中国共产党第十六次全国代表大会 -> 2002."""
    if m := _NPC_SESSION.search(text):
        term, session = _cn_int(m.group(1)), _cn_int(m.group(2))
        if term and session:
            start = NPC_TERMS.get(term, 1983 + 5 * (term - 6))
            return start + session - 1 if term != 2 and start > 1900 else None
    if m := _CPC.search(text):
        n = _cn_int(m.group(1)) if m.group(1) else (_cn_int(m.group(2)) or 0) + 1
        if n and n >= 8:
            return CPC_CONGRESSES.get(n, 1982 + 5 * (n - 12))
    return None


def congress_title(head: Head) -> str | None:
    """中国共产党第十六次全国代表大会报告, for a congress report whose speech has no title line."""
    m = _CPC.search(head.joined[:600])
    if not m:
        return None
    if m.group(1):
        return f"中国共产党第{m.group(1)}次全国代表大会报告"
    n = _cn_int(m.group(2))
    return f"中国共产党第{cn2an.an2cn(n + 1)}次全国代表大会报告" if n else None


def _reviewed_year(body: str) -> int | None:
    """The year named most often near the top (the later on a tie): the year a report reviews."""
    years = [int(y) for y in _YEAR_NIAN.findall(body)]
    for digits in _CN_YEAR.findall(body):
        try:
            years.append(int(cn2an.cn2an(digits.replace("○", "〇"), "smart")))
        except (ValueError, KeyError):
            continue
    if not years:
        return None
    counts = Counter(y for y in years if 1900 <= y <= 2100)
    if not counts:
        return None
    top = max(counts.values())
    return max(y for y, c in counts.items() if c == top)


def infer_issuer(
    head: Head, title: str, stem: str, kind: str, declared: str | None
) -> tuple[str | None, str | None]:
    """(issuer, place as titles write it): 北京市人民政府/北京市, 国务院/国务院, 海拉尔区人民政府…"""
    joined = head.joined
    if _CPC.search(joined[:600]):
        return "中国共产党全国代表大会", None
    organ = next((m.group(1) for line in head.lines[:6] if (m := _ORGAN_LINE.match(line))), None)
    place = _place(head, title, stem, declared)
    if organ and (kind == "statistical_bulletin" or kind == "other"):
        return organ, place.name if place else None
    if place is None and _NATIONAL_GOV.search(joined[:600]):
        return "国务院", "国务院"
    if place is not None:
        organ_word = "统计局" if kind == "statistical_bulletin" else "人民政府"
        return place.full + organ_word, place.name
    if organ:
        return organ, None
    if m := _GENERIC_GOV.search(joined[:400]):
        return f"{m.group(1)}人民政府", None
    return None, None


def _place(head: Head, title: str, stem: str, declared: str | None) -> Place | None:
    """The place the report is about, from the strongest clue that names one."""
    joined = head.joined[:600]
    sources = [
        normalise(title),
        " ".join(m.group(1) for m in _CONGRESS_PLACE.finditer(joined)),
        " ".join(m.group(1) for line in head.lines[:8] if len(line) <= 40
                 for m in _SIGNATURE.finditer(line)),
        " ".join(m.group(1) for m in _SPEAKS_FOR.finditer(joined)),
        " ".join(line for line in head.lines[:4] if _ORGAN_LINE.match(line)),
        normalise(declared or ""),
    ]
    for source in sources:
        if source and (found := places_in(source)):
            return most_specific(found)
    for line in head.lines[:8]:  # English: Guangdong Provincial People's Government
        if _EN_PLACE_WORD.search(line) and (found := places_in_file_name(line)):
            return most_specific(found)
    return most_specific(places_in_file_name(normalise(stem)))
