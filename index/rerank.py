"""Cheap evidence for re-ranking fused candidates: how much of the question a passage repeats,
and whether it holds a figure of the kind the question asks for.

RRF only sees ranks; these features look at the passage itself. A Chinese question often
repeats a phrase of its answer verbatim (城镇新增就业 … 多少人 → 城镇新增就业64.1万人), which
jieba may split differently in question and passage, so the phrase match is on characters.
"""

from __future__ import annotations

import unicodedata

_IGNORED = set("的了是在和与及或有为把被对从到中里上下年月日个多少几吗呢吧啊？?，,。！!、：:；; ")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def longest_shared_run(question: str, passage: str, *, cap: int = 8) -> int:
    """Length of the longest run of question characters (content only) found verbatim in the passage."""
    best = 0
    q = question
    for i in range(len(q)):
        if q[i] in _IGNORED:
            continue
        length = best + 1
        while i + length <= len(q) and length <= cap and q[i : i + length] in passage:
            best = length
            length += 1
    return min(best, cap)


def term_coverage(terms: list[tuple[str, float]], passage: str) -> float:
    """Weighted share of the terms the passage contains (longer terms weigh more)."""
    total = sum(w * len(t) for t, w in terms)
    if not total:
        return 0.0
    return sum(w * len(t) for t, w in terms if t in passage) / total
