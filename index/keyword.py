"""Keyword leg: SQLite FTS5 BM25 over jieba tokens, with the filters as SQL."""

from __future__ import annotations

import math
import re
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from archive.store import Archive
from archive.tokens import tokens
from index.weights import SearchSettings

# Words that carry no topic in a question: left out of the FTS query so they do not
# drown the rare words (多少 is in every quantity question, 的 in every sentence).
STOP_WORDS = frozenset(
    """
    的 了 是 在 和 与 及 或 有 为 把 被 对 从 到 中 里 上 下 年 月 日 个 多少 几 几个 哪些 哪个 什么
    怎么 怎样 如何 吗 呢 吧 啊 说 提到 提出 报告 工作 政府 政府工作报告 根据 按照 一共 总共 共 达到
    达 多 少 大 这 那 这些 那些 其 之 所 于 以 而 并 也 都 就 还 又 再 已 已经 今年 去年 上一年 全年
    """.split()
)


@dataclass(frozen=True)
class Filters:
    """Hard filters the user chose (as opposed to the soft hints read from the question)."""

    year_from: int | None = None
    year_to: int | None = None
    issuer: str | None = None
    kind: str | None = None
    report_ids: tuple[int, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return any([self.year_from, self.year_to, self.issuer, self.kind, self.report_ids])

    def sql(self, alias: str = "r") -> tuple[str, list]:
        """A WHERE fragment over the reports table (always parameterised) and its values."""
        clauses, values = [], []
        if self.year_from is not None:
            clauses.append(f"{alias}.year >= ?")
            values.append(self.year_from)
        if self.year_to is not None:
            clauses.append(f"{alias}.year <= ?")
            values.append(self.year_to)
        if self.issuer:
            clauses.append(f"{alias}.issuer LIKE ? ESCAPE '\\'")
            values.append("%" + _like_escape(self.issuer) + "%")
        if self.kind:
            clauses.append(f"{alias}.kind = ?")
            values.append(self.kind)
        if self.report_ids:
            clauses.append(f"{alias}.id IN ({','.join('?' * len(self.report_ids))})")
            values.extend(self.report_ids)
        return (" AND ".join(clauses) or "1"), values


def query_terms(question: str) -> list[str]:
    """Distinct content tokens of a question, in order, each followed by the words reports use for it."""
    seen: dict[str, None] = {}
    table = synonyms()
    for t in tokens(question):
        if t not in STOP_WORDS:
            seen.setdefault(t, None)
    for word, alternatives in table.items():
        if word.lower() in question.lower():
            for alternative in alternatives:
                seen.setdefault(alternative.lower(), None)
    return list(seen)


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    """Question word -> report words, from the bundled table."""
    with resources.files("index").joinpath("data/synonyms.tsv").open(encoding="utf-8") as f:
        rows = (line.rstrip("\n").split("\t") for line in f if line.strip() and not line.startswith("#"))
        return {word: tuple(alternatives.split("|")) for word, alternatives in rows}


def fts_query(terms: list[str]) -> str:
    """An FTS5 OR-query of terms; each token is a quoted string, so no input is FTS syntax.

    A term that jieba splits (城镇新增就业 -> 城镇 新增 就业) needs all its tokens.
    """
    groups = []
    for term in terms:
        parts = ['"' + t.replace('"', '""') + '"' for t in dict.fromkeys(tokens(term))]
        if parts:
            groups.append(parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")")
    return " OR ".join(dict.fromkeys(groups))


def keyword_search(
    archive: Archive,
    terms: list[str],
    *,
    filters: Filters | None = None,
    limit: int = 50,
    context_weight: float = SearchSettings.keyword_context_weight,
) -> list[tuple[int, float]]:
    """(chunk id, BM25 score) best first; higher is better. Body matches count more than title/path."""
    match = fts_query(terms)
    if not match:
        return []
    where, values = (filters or Filters()).sql()
    rows = archive.db.execute(
        f"""
        SELECT f.rowid, -bm25(chunks_fts, 1.0, ?) AS score
        FROM chunks_fts f
        JOIN chunks c ON c.id = f.rowid
        JOIN reports r ON r.id = c.report_id
        WHERE chunks_fts MATCH ? AND {where}
        ORDER BY score DESC
        LIMIT ?
        """,
        [context_weight, match, *values, limit],
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def english_search(
    archive: Archive,
    words: list[str],
    *,
    filters: Filters | None = None,
    limit: int = 50,
    context_weight: float = SearchSettings.english_context_weight,
) -> list[tuple[int, float]]:
    """(chunk id, BM25 score) over the chunks' glossed English (porter-stemmed), best first."""
    match = " OR ".join(dict.fromkeys('"' + w.replace('"', '""') + '"' for w in words if w.strip()))
    if not match:
        return []
    where, values = (filters or Filters()).sql()
    rows = archive.db.execute(
        f"""
        SELECT f.rowid, -bm25(chunks_en, 1.0, ?) AS score
        FROM chunks_en f
        JOIN chunks c ON c.id = f.rowid
        JOIN reports r ON r.id = c.report_id
        WHERE chunks_en MATCH ? AND {where}
        ORDER BY score DESC
        LIMIT ?
        """,
        [context_weight, match, *values, limit],
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def name_words(name: str) -> list[str]:
    """The words of a name as the English field holds them (Eiffel Tower: eiffel, tower)."""
    return re.findall(r"[a-z]+", name.lower())


def english_mentions(archive: Archive, name: str) -> bool:
    """Do the glosses of some passage hold every word of a name (Eiffel Tower: eiffel and tower)?
    True when there is no English field to ask (an archive from before it)."""
    match = " ".join(f'"{w}"' for w in name_words(name))
    try:
        if not match or archive.db.execute("SELECT 1 FROM chunks_en LIMIT 1").fetchone() is None:
            return True
        return archive.db.execute(
            "SELECT 1 FROM chunks_en WHERE chunks_en MATCH ? LIMIT 1", [match]).fetchone() is not None
    except sqlite3.OperationalError:
        return True


def english_weights(archive: Archive, words: list[str]) -> dict[str, float]:
    """Each English word's inverse document frequency in the glosses: "garbage" says more than "total"."""
    try:
        total = archive.db.execute("SELECT count(*) FROM chunks_en").fetchone()[0]
        return {w: math.log((total + 1) / (archive.db.execute(
                    "SELECT count(*) FROM chunks_en WHERE chunks_en MATCH ?", ['"' + w.replace('"', '""') + '"']
                ).fetchone()[0] + 1))
                for w in dict.fromkeys(w for w in words if w.strip())}
    except sqlite3.OperationalError:  # an archive from before the English field
        return {}


def english_coverage(archive: Archive, words: list[str], chunk_ids: list[int],
                     holders=None) -> dict[int, float]:
    """Share of the English words each chunk's glosses hold (porter stems, as in english_search).

    `holders(word)` may give the chunk ids holding a word from a cache (index/passages.py)."""
    words = list(dict.fromkeys(w for w in words if w.strip()))
    if not words or not chunk_ids:
        return {}
    held: dict[int, int] = {}
    wanted = set(chunk_ids)
    for w in words:  # one posting list per word; `rowid IN (...)` would re-run MATCH per id
        if holders is not None:
            rows = [(cid,) for cid in holders(w)]
        else:
            rows = archive.db.execute(
                "SELECT rowid FROM chunks_en WHERE chunks_en MATCH ?", ['"' + w.replace('"', '""') + '"']
            ).fetchall()
        for (cid,) in rows:
            if cid in wanted:
                held[cid] = held.get(cid, 0) + 1
    return {cid: n / len(words) for cid, n in held.items()}


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
