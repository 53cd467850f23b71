"""What of a question the encoder should see: what it asks about, not the report it names.

"北京市2026年政府工作报告计划今年新建多少个充电桩？" shares its place, year and report name with every
passage of that report and of its neighbours; embedded whole, it sits nearest the passages that
name a report (titles, openings), not the one about charging piles. The hints (index/hints.py)
already point at the report, so the dense side embeds "计划今年新建多少个充电桩". Within the right
report, the passage nearest the question is the one that answers 35% of the time with the whole
question and 51% with this (861 Chinese tuning questions; benchmarks/fit_ranker.py for the folds).
"""

from __future__ import annotations

import re

from archive.text import YEAR
from index.crosslingual import framing, words

# The source a Chinese question names: a year and report kind, and the verb that quotes it
# (2026年政府工作报告提到, 述职报告里说, 十六大报告中).
_ZH_SOURCE = re.compile(
    r"(?:根据|按照|据)?(?:(?:\d{4}|[〇零一二三四五六七八九]{4})年(?:的|度)?)?"
    r"(?:政府工作报告|工作报告|统计公报|述职述廉报告|述职报告|公报|报告)"
    r"(?:里|中|上)?(?:提到|提出|说|显示|称|指出|回顾|讲|写道|列出)?(?:的)?"
)
_YEAR = re.compile(YEAR.pattern + "年?")  # the one year pattern, with its 年
_EN_SOURCE = re.compile(
    r"\b(?:according to|in|from|per)?\s*(?:the|its)?\s*(?:\d{4}\s+)?"
    r"(?:government work|work|duty|statistical|congress)?\s*(?:report|bulletin|communiqu[eé])\b(?:\s*(?:says|said|states|mentions|notes))?",
    re.I,
)
_GAP = re.compile(r"[\s，,：:]*\s[\s，,：:]*")  # where words were taken out, with their commas


def subject_text(question: str, places: list[str] = (), *, years: bool = True) -> str:
    """The question without the places it names, its report's name and (by default) its years;
    the whole question when nothing is left."""
    text = question
    for place in sorted(places, key=len, reverse=True):
        text = re.sub(re.escape(place), " ", text, flags=re.I)
    text = _ZH_SOURCE.sub(" ", text)
    if text.isascii():
        text = _EN_SOURCE.sub(" ", text)
        muted = framing(text)
        if muted:
            kept = [w for i, w in enumerate(words(text)) if i not in muted]
            text = " ".join(kept)
    if years:
        text = _YEAR.sub(" ", text)
    text = _GAP.sub(" ", text).strip(" ，,：:")
    return text if re.search(r"[\w\u4e00-\u9fff]", text) else question
