"""The period a passage is about: the year a section or figure describes, and whether it is a
result, a target, a multi-year average or an estimate.

A government work report published in year Y reviews Y-1 (actual results, sometimes 预计
estimates) and sets targets for Y (预期目标, 左右, ranges). A section's headings say which part
it is ("2025年工作回顾", "2026年主要预期目标", "过去五年"); inside a paragraph the nearest time
cue before a figure ("2017年", "去年", "今年", "十三五时期") overrides its section, and the clause
around the figure sets the mode ("预计" estimate, "年均" average, "力争"/"目标" target).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

MODES = ("actual", "target", "average", "estimate")
GOV_WORK_REPORT = "gov_work_report"


@dataclass(frozen=True)
class Period:
    """The year described (the last year of a span), its mode, and a span's first year."""

    year: int | None
    mode: str | None
    first_year: int | None = None


UNKNOWN = Period(None, None)

_CN_DIGIT = dict(zip("〇零一二三四五六七八九", (0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_CN_YEAR = re.compile(r"([〇零一二三四五六七八九]{4})年")
_YEAR = re.compile(r"(?<![0-9])((?:1[89]|20)[0-9]{2})年(?!代|度|以来|来|前|底前)")
_RELATIVE = {  # word -> (offset from the report year, mode)
    "前年": (-2, "actual"),
    "去年": (-1, "actual"),
    "一年来": (-1, "actual"),
    "上年": (-1, "actual"),
    "过去一年": (-1, "actual"),
    "过去的一年": (-1, "actual"),
    "刚刚过去的一年": (-1, "actual"),
    "今年": (0, "target"),
    "本年": (0, "target"),
    "明年": (1, "target"),
}
_RELATIVE_RE = re.compile("|".join(sorted(_RELATIVE, key=len, reverse=True)))
_SPAN_YEARS = {"五": 5, "十": 10, "三": 3, "两": 2, "二": 2}
_SPAN = re.compile(r"(?:过去|近|这|最近)([五十三两二])年|([五十三两二])年(?:来|间|累计|共|中)")
_AHEAD = re.compile(r"(?:今后|未来|后)([五十三两二])年")
_PLAN = re.compile(
    r"[“\"]?(十[一二三四五六七八九]?|[一二三四五六七八九])五[”\"](?:时期|期间|规划|计划)?"
    r"|(十[一二三四五六七八九]?|[一二三四五六七八九])五(?:时期|期间|规划|计划)"
    r"|第([一二三四五六七八九十]+)个五年(?:计划|规划)"
)
_BASE_BEFORE = ("比", "较", "同比", "相比", "与", "于", "以来")  # 比2002年: a base, not the period
_ACTUAL_WORDS = ("回顾", "成绩", "成就", "总结", "进展", "完成情况", "执行情况", "工作情况")
_TARGET_WORDS = (
    "任务",
    "目标",
    "安排",
    "要求",
    "建议",
    "计划",
    "重点工作",
    "部署",
    "打算",
    "取向",
    "预算草案",
)
_AVERAGE_CUE = re.compile(r"年均|年平均|平均每年|每年平均|年均分别")
# 细颗粒物年均浓度27微克/立方米 is one year's annual mean, not a several years' average like 年均增长6.1%
_ANNUAL_MEAN = re.compile(r"(?:年均|年平均)(?![增降减新提递实分])")
_ESTIMATE_CUE = re.compile(r"预计|估计|预测")
_TARGET_CUE = re.compile(
    r"目标|力争|争取|确保|计划|预期(?!寿命)|拟|控制在|规划|要达到|将达到|要实现|以上的?增长"
)
_TARGET_AFTER = re.compile(r"^(?:[^，。；：,;]{0,2})(?:左右|以上|以内|以下|上下)")
_ENDPOINT_BEFORE = re.compile(
    r"(?:增加|提高|提升|上升|下降|降|扩大|缩小|减少|增长|达)(?:到|至)的?$|达到$|突破$|超过$"
)
_STARTPOINT_BEFORE = re.compile(r"[从由](?:不到|不足|近|超过)?$")
_END_MARK = re.compile(r"[到至]")  # after a change's starting year: the figure is where it got to
WINDOW = 1500  # characters of a paragraph before a sentence whose openings may set its period
SENTENCE_WINDOW = 400  # characters of its sentence before a figure that may hold its cues
TOPIC_OPENING = 5  # a paragraph whose first words name a period sets it for what follows
TOPIC_CHARS = 12  # an opening clause this short that names a period sets the topic
_CLAUSE_BREAK = "，；：,;:"
_SENTENCE_BREAK = "。！？!?\n"


def normalise(text: str) -> str:
    """Full-width digits to ASCII, spaced digits closed up (1 9 9 8 年), Chinese years in digits."""
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"(?<=\d) (?=\d|年)", "", s)
    return _CN_YEAR.sub(lambda m: "".join(str(_CN_DIGIT[c]) for c in m[1]) + "年", s)


def plan_span(number: int) -> tuple[int, int]:
    """The years of the n-th five-year plan: 1953-57, 1958-62, then 1966-70 onwards."""
    start = 1953 + 5 * (number - 1) if number <= 2 else 1966 + 5 * (number - 3)
    return start, start + 4


def _cn_number(s: str) -> int:
    """十四 -> 14, 九 -> 9, 十 -> 10: the ordinal of a plan."""
    if s.startswith("十"):
        return 10 + (_CN_DIGIT[s[1]] if len(s) > 1 else 0)
    if "十" in s:
        head, _, tail = s.partition("十")
        return _CN_DIGIT[head] * 10 + (_CN_DIGIT[tail] if tail else 0)
    return _CN_DIGIT[s]


def _span_mode(first: int, last: int, year: int | None) -> str | None:
    """A span already over is a multi-year result; one still to come is a target."""
    if year is None:
        return None
    if last < year:
        return "average"
    if first >= year:
        return "target"
    return None


def _year_mode(described: int, year: int | None, kind: str | None) -> str | None:
    """Before the report year: a result; after: a plan; the report year itself: a GWR's target."""
    if year is None:
        return None
    if described < year:
        return "actual"
    if described > year:
        return "target"
    return "target" if kind == GOV_WORK_REPORT else None


def cues(text: str, year: int | None, kind: str | None) -> list[tuple[int, Period]]:
    """Every time cue in normalised `text`, as (start offset, period), in order."""
    found: list[tuple[int, Period]] = []
    for m in _YEAR.finditer(text):
        if text[: m.start()].endswith(_BASE_BEFORE):
            continue
        described = int(m[1])
        found.append((m.start(), Period(described, _year_mode(described, year, kind))))
    for m in _RELATIVE_RE.finditer(text):
        if year is None or text[: m.start()].endswith(_BASE_BEFORE):
            continue
        if m[0] == "上年" and not _at_clause_start(text, m.start()):
            continue
        offset, mode = _RELATIVE[m[0]]
        found.append((m.start(), Period(year + offset, mode)))
    for m in _SPAN.finditer(text):
        if year is not None:
            n = _SPAN_YEARS[m[1] or m[2]]
            found.append((m.start(), Period(year - 1, "average", year - n)))
    for m in _AHEAD.finditer(text):
        if year is not None:
            n = _SPAN_YEARS[m[1]]
            found.append((m.start(), Period(year + n - 1, "target", year)))
    for m in _PLAN.finditer(text):
        first, last = plan_span(_cn_number(m[1] or m[2] or m[3]))
        found.append((m.start(), Period(last, _span_mode(first, last, year), first)))
    return sorted(found, key=lambda c: c[0])


def _at_clause_start(text: str, pos: int) -> bool:
    """上年 names a period only where a clause starts (上年，…), not in 比上年/较上年."""
    return pos == 0 or text[pos - 1] in _CLAUSE_BREAK + _SENTENCE_BREAK + "在"


def heading_period(title: str, year: int | None, kind: str | None) -> Period | None:
    """The period one heading names, or None when it names none (or two that disagree)."""
    s = normalise(title)
    found = {p for _, p in cues(s, year, kind)}
    if not found:
        if kind == GOV_WORK_REPORT and year is not None and any(w in s for w in _TARGET_WORDS):
            return Period(year, "target") if "政府工作" in s or "任务" in s else None
        return None
    past = {p for p in found if p.mode in ("actual", "average")}
    singles = {p for p in past if p.first_year is None}
    if len(found) > 1 and past == found and len(singles) == 1:
        found = singles  # "2025年和“十四五”时期工作回顾": the year; spans come with their own cue
    if len(found) > 1:
        return UNKNOWN
    period = found.pop()
    if any(w in s for w in _ACTUAL_WORDS) and period.first_year is None and period.year is not None:
        if year is None or period.year < year:
            return Period(period.year, "actual")
    if any(w in s for w in _TARGET_WORDS) and period.first_year is None and period.mode is None:
        return Period(period.year, "target")
    return period


def section_period(path: Sequence[str], year: int | None, kind: str | None) -> Period:
    """The period of a section: its deepest heading that names one, else UNKNOWN. A heading that
    says only 任务 (聚力落实国家重大战略任务) is a plan where no heading above names a period,
    but under "2025年工作回顾" it is that year's work."""
    plan = None
    for title in reversed(path):
        period = heading_period(title, year, kind)
        if period is not None and cues(normalise(title), year, kind):
            return period
        plan = plan or period
    return plan or UNKNOWN


def _several_years_average(clause: str) -> bool:
    return bool(_AVERAGE_CUE.search(_ANNUAL_MEAN.sub("", clause)))


def _clause_start(text: str, pos: int) -> int:
    return max(text.rfind(c, 0, pos) for c in _CLAUSE_BREAK + _SENTENCE_BREAK) + 1


def _sentence_start(text: str, pos: int) -> int:
    return max(text.rfind(c, 0, pos) for c in _SENTENCE_BREAK) + 1


def figure_period(
    text: str,
    start: int,
    end: int,
    section: Period,
    year: int | None,
    kind: str | None,
    context: Period | None = None,
) -> Period:
    """The period of the figure at text[start:end]: cues before it in its sentence, else the topic
    its paragraph set (`context`, read here when not given), else its section."""
    window = max(start - SENTENCE_WINDOW, 0)  # a text without stops (a hostile file) stays cheap
    sentence_start = max(max(text.rfind(c, window, start) for c in _SENTENCE_BREAK) + 1, window)
    if context is None:
        context = _paragraph_context(text, sentence_start, section, year, kind)
    before = normalise(text[sentence_start:start])
    after = text[end : end + 8]
    found = cues(before, year, kind)
    if found and _STARTPOINT_BEFORE.search(before[: found[-1][0]]) and _END_MARK.search(before, found[-1][0]):
        found = found[:-1]  # 从2021年的46503元提高到58794元: 2021 is where it started, not 58794元's year
    base = found[-1][1] if found else context
    clause = before[_clause_start(before, len(before)) :]
    sentence = before
    first = base.first_year
    if base.first_year is not None and base.mode == "average":
        if _ENDPOINT_BEFORE.search(clause):  # 从54万亿元增加到82.7万亿元: the span's last year
            return Period(base.year, "actual")
        if _STARTPOINT_BEFORE.search(clause):  # a work report's span starts after the year
            return Period(first - 1, "actual") if kind == GOV_WORK_REPORT else UNKNOWN
    elif _STARTPOINT_BEFORE.search(clause):  # 从11.37万亿元提高到…: the start of an unnamed span
        return UNKNOWN
    since = re.findall(r"比((?:1[89]|20)\d\d)年", clause)
    if (
        since
        and base.year is not None
        and int(since[-1]) < base.year - 1
        and not _several_years_average(clause)
    ):
        return UNKNOWN  # 比2002年增长65.5%: a change over several years, no one year's figure
    if _several_years_average(clause):
        since = re.findall(r"比((?:1[89]|20)\d\d)年", sentence)
        span = re.search(r"([五十三两二])年[^年]*?(?:年均|年平均|平均每年)", clause)
        if since and base.year is not None:
            first = int(since[-1]) + 1
        elif span and base.year is not None:  # 五年年均增长5.2%, 十年增加…、年均增长6.2%
            first = base.year - _SPAN_YEARS[span[1]] + 1
        return Period(base.year, "average", first if first != base.year else None)
    if _ESTIMATE_CUE.search(sentence):
        return Period(base.year, "estimate", base.first_year)
    mode = base.mode
    bound_after = mode in (None, "target") and _TARGET_AFTER.match(after)
    if mode != "actual" and (_TARGET_CUE.search(clause) or bound_after):
        if base.year is None and kind == GOV_WORK_REPORT and year is not None:
            return Period(year, "target")
        mode = "target" if base.year is not None else mode
    elif mode == "actual" and re.search(r"目标是|预期目标|力争|计划", clause):
        mode = "target"
    return Period(base.year, mode, base.first_year)


_OPENING = re.compile(
    rf"(?:^|(?<=[{_SENTENCE_BREAK}]))[ \t\u3000]*([^{_CLAUSE_BREAK}{_SENTENCE_BREAK}]{{1,{TOPIC_CHARS}}})"
    rf"(?=[{_CLAUSE_BREAK}{_SENTENCE_BREAK}])"
)


def _topic_sentences(text: str, year: int | None, kind: str | None) -> list[tuple[int, Period]]:
    """(start, period) of each sentence whose short opening clause names a period (刚刚过去的
    2017年，…): it sets the period of the sentences after it in its paragraph."""
    out = []
    for m in _OPENING.finditer(text):
        found = cues(normalise(m[1]), year, kind)
        if found:
            out.append((m.start(), found[-1][1]))
    return out


def _paragraph_context(
    text: str, sentence_start: int, section: Period, year: int | None, kind: str | None
) -> Period:
    """The period an earlier sentence of the paragraph set, else the section's."""
    window = max(sentence_start - WINDOW, 0)
    para_start = text.rfind("\n", window, sentence_start) + 1 or window
    topics = _topic_sentences(text[para_start:sentence_start], year, kind)
    return topics[-1][1] if topics else section


def section_periods(
    paths: Sequence[Sequence[str]], year: int | None, kind: str | None
) -> list[Period]:
    """The period of each section, given each one's heading path."""
    return [section_period(path, year, kind) for path in paths]


def containing_section(spans: Sequence[tuple[int, int]], pos: int) -> int | None:
    """Index of the deepest section whose span holds `pos` (children follow their parents)."""
    found = None
    for i, (start, end) in enumerate(spans):
        if start > pos:
            break
        if pos < end:
            found = i
    return found


def figure_periods(
    text: str,
    spans: Sequence[tuple[int, int]],
    periods: Sequence[Period],
    figures: Sequence[tuple[int, int]],
    year: int | None,
    kind: str | None,
    titles: Sequence[str] | None = None,
) -> list[Period]:
    """The period of each figure (start, end), given the sections' spans, periods and titles.

    A paragraph that opens with a period ("过去五年极不寻常…", "2012年，…") sets the period of
    the paragraphs after it, up to the next such paragraph, within the part of the report whose
    headings name no period of their own.
    """
    topics = _topic_paragraphs(text, year, kind)
    topic_starts = [pos for pos, _ in topics]
    sentences = _topic_sentences(text, year, kind)
    sentence_starts = [pos for pos, _ in sentences]
    breaks = [-1, *(m.start() for m in re.finditer("\n", text))]
    if titles is None:
        named = [True] * len(spans)
    else:
        named = [heading_period(t, year, kind) is not None for t in titles]
    out = []
    for start, end in figures:
        i = containing_section(spans, start)
        section = periods[i] if i is not None else UNKNOWN
        anchor = _anchor(spans, named, i)
        para_start = breaks[bisect.bisect_left(breaks, start) - 1] + 1
        # the topic of an earlier paragraph, or the opening of this one (its cues may lie
        # further back than the window figure_period reads)
        earlier = topics[
            bisect.bisect_left(topic_starts, anchor) : bisect.bisect_right(topic_starts, para_start)
        ]
        if earlier and earlier[-1][1] != UNKNOWN:
            section = earlier[-1][1]
        window = max(start - SENTENCE_WINDOW, 0)
        sentence_start = max(max(text.rfind(c, window, start) for c in _SENTENCE_BREAK) + 1, window)
        lo = bisect.bisect_left(sentence_starts, para_start)
        hi = bisect.bisect_left(sentence_starts, sentence_start)
        context = sentences[hi - 1][1] if hi > lo else section
        out.append(figure_period(text, start, end, section, year, kind, context))
    return out


def _anchor(spans: Sequence[tuple[int, int]], named: list[bool], i: int | None) -> int:
    """Where the nearest section (itself or an ancestor) whose heading names a period starts."""
    if i is None:
        return 0
    chain = [j for j in range(i + 1) if spans[j][0] <= spans[i][0] < spans[j][1]]
    for j in reversed(chain):
        if named[j]:
            return spans[j][0]
    return spans[chain[0]][0]


def _topic_paragraphs(text: str, year: int | None, kind: str | None) -> list[tuple[int, Period]]:
    """(start, period) of each paragraph that opens with a period cue."""
    out = []
    for m in re.finditer(r"^[ \t\u3000]*(.{0,30})", text, re.M):
        head = normalise(m[1])
        found = [p for pos, p in cues(head, year, kind) if pos <= TOPIC_OPENING]
        if found:
            out.append((m.start(), found[0]))
    return out


def assign_periods(
    text: str, sections: list, figures: list, year: int | None, kind: str | None
) -> None:
    """Set `period`/`mode` on parsed sections and `period`/`mode`/`period_start` on figures."""
    paths: list[list[str]] = []
    for s in sections:
        paths.append([*(paths[s.parent] if s.parent is not None else []), s.title])
    periods = section_periods(paths, year, kind)
    for s, p in zip(sections, periods, strict=True):
        s.period, s.mode = p.year, p.mode
    spans = [(s.start, s.end) for s in sections]
    figure_spans = [(f.start, f.end) for f in figures]
    titles = [s.title for s in sections]
    found = figure_periods(text, spans, periods, figure_spans, year, kind, titles)
    for f, p in zip(figures, found, strict=True):
        f.period, f.mode, f.period_start = p.year, p.mode, p.first_year
