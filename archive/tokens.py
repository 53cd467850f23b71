"""Word segmentation for the keyword index: jieba splits Chinese so FTS5 can rank words, not characters."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

import jieba

from archive.chinese_script import to_simplified

jieba.setLogLevel(logging.WARNING)

_WORD = re.compile(r"\w", re.UNICODE)
# jieba is superlinear on one long run of Latin letters or digits (2 MB of "a": ~80 s); no
# searchable word is that long, so such runs are cut before segmenting.
_LONG_RUN = re.compile(r"[A-Za-z0-9]{64,}")


@lru_cache(maxsize=1)
def _ready() -> None:
    jieba.initialize()


def tokens(text: str) -> list[str]:
    """Search-mode jieba tokens (棚户区 also yields 棚户), punctuation and blanks dropped, lower-cased.

    NFKC first, so full-width digits (１９９６) match the ASCII digits a user types; then
    traditional characters become simplified (國務院 -> 国务院), so a question in either script
    finds a report in the other. Only tokens change: the stored text stays as written.
    """
    _ready()
    text = to_simplified(unicodedata.normalize("NFKC", text))
    text = _LONG_RUN.sub(lambda m: m.group()[:64], text)
    return [t.lower() for t in jieba.lcut_for_search(text) if _WORD.search(t)]


def segment(text: str) -> str:
    """Tokens joined by spaces: the form stored in the FTS5 table."""
    return " ".join(tokens(text))
