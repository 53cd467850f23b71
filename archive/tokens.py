"""Word segmentation for the keyword index: jieba splits Chinese so FTS5 can rank words, not characters."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

from archive.chinese_script import to_simplified
from archive.jieba_dict import SqliteFreq, open_lazy, write_cache

_WORD = re.compile(r"\w", re.UNICODE)
# jieba is superlinear on one long run of Latin letters or digits (2 MB of "a": ~80 s); no
# searchable word is that long, so such runs are cut before segmenting.
LONG_RUN = re.compile(r"[A-Za-z0-9]{64,}")


# Characters segmented over jieba's dictionary in SQLite before loading it whole: a few
# questions and their passages stay below (about 500 characters each); adding a report goes
# past it at once, having spent some 0.05 s on lookups.
LAZY_BUDGET = 5_000
_lazy_used = 0


@lru_cache(maxsize=1)
def _jieba():
    """jieba, imported on first use: commands that segment nothing skip it."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def ready_jieba(length: int):
    """jieba with a dictionary: read from SQLite as asked (archive/jieba_dict.py) while little
    text has been segmented, else loaded whole; both give the same cuts."""
    global _lazy_used
    jieba = _jieba()
    dt = jieba.dt
    lazy = isinstance(dt.FREQ, SqliteFreq)
    if dt.initialized and not lazy:
        return jieba
    if _lazy_used + length <= LAZY_BUDGET:
        if not dt.initialized and (freq := open_lazy()) is not None:
            dt.FREQ, dt.total, dt.initialized = freq, freq.total, True
        if dt.initialized:
            _lazy_used += length
            return jieba
    dt.initialized = False
    jieba.initialize()
    write_cache(dt.FREQ, dt.total)
    return jieba


def tokens(text: str) -> list[str]:
    """Search-mode jieba tokens (棚户区 also yields 棚户), punctuation and blanks dropped, lower-cased.

    NFKC first, so full-width digits (１９９６) match the ASCII digits a user types; then
    traditional characters become simplified (國務院 -> 国务院), so a question in either script
    finds a report in the other. Only tokens change: the stored text stays as written.
    """
    jieba = ready_jieba(len(text))
    text = to_simplified(unicodedata.normalize("NFKC", text))
    text = LONG_RUN.sub(lambda m: m.group()[:64], text)
    return [t.lower() for t in jieba.lcut_for_search(text) if _WORD.search(t)]


def segment(text: str) -> str:
    """Tokens joined by spaces: the form stored in the FTS5 table."""
    return " ".join(tokens(text))
