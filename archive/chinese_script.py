"""Traditional and simplified characters meet in one form for matching; stored text keeps its own."""

from __future__ import annotations

from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """OpenCC's traditional-to-simplified tables (phrases first): 全國人民代表大會 -> 全国人民代表大会."""
    return _converter().convert(text) if text else text
