"""The keyword-search rows of each chunk: `chunks_fts` (jieba tokens) and `chunks_en` (English).

The only code that writes them, for the archive's adds, edits and removes and for its repair:
a row is the chunk's text and, as context, its report title and section path.
"""

from __future__ import annotations

from collections.abc import Iterable

from archive.glosses import english, english_context
from archive.tokens import segment

TABLES = ("chunks_fts", "chunks_en")
MISSING = (
    "SELECT c.id FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM chunks_fts f WHERE f.rowid = c.id)"
)
EXTRA = "SELECT f.rowid FROM chunks_fts f WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = f.rowid)"


def context_of(title: str, section_path: Iterable[str]) -> str:
    """A chunk's context: what a keyword matches besides the passage itself."""
    return " ".join([title, *section_path])


def insert(db, chunk_id: int, text: str, context: str, segmented_context: str | None = None) -> None:
    """Both rows of a new chunk (`segmented_context`: segment(context), when already made)."""
    insert_keywords(db, chunk_id, text, context, segmented_context)
    db.execute(
        "INSERT INTO chunks_en(rowid, body, context) VALUES (?, ?, ?)",
        [chunk_id, english(text), english_context(context)],
    )


def insert_keywords(
    db, chunk_id: int, text: str, context: str, segmented_context: str | None = None
) -> None:
    db.execute(
        "INSERT INTO chunks_fts(rowid, body, context) VALUES (?, ?, ?)",
        [chunk_id, segment(text), segment(context) if segmented_context is None else segmented_context],
    )


def set_context(db, chunk_id: int, context: str) -> None:
    """A report's title changed: its chunks' context follows."""
    db.execute("UPDATE chunks_fts SET context = ? WHERE rowid = ?", [segment(context), chunk_id])
    db.execute("UPDATE chunks_en SET context = ? WHERE rowid = ?", [english(context), chunk_id])


def delete_report(db, report_id: int) -> None:
    """The rows of a report's chunks (before the chunks themselves go)."""
    for table in TABLES:
        db.execute(
            f"DELETE FROM {table} WHERE rowid IN (SELECT id FROM chunks WHERE report_id = ?)",
            [report_id],
        )


def replace_english(db, rows: Iterable[tuple[int, str, str]]) -> None:
    """Every English row anew from (chunk id, text, context): the gloss table changed."""
    db.execute("DELETE FROM chunks_en")
    db.conn.executemany(
        "INSERT INTO chunks_en(rowid, body, context) VALUES (?, ?, ?)",
        [(cid, english(text), english_context(context)) for cid, text, context in rows],
    )


def missing(db) -> list[int]:
    """Chunks without a keyword row."""
    return [r[0] for r in db.execute(MISSING).fetchall()]


def extra(db) -> list[int]:
    """Keyword rows of no chunk."""
    return [r[0] for r in db.execute(EXTRA).fetchall()]


def delete_rows(db, rowids: Iterable[int]) -> None:
    for rowid in rowids:
        db.execute("DELETE FROM chunks_fts WHERE rowid = ?", [rowid])


def rebuild_index(db) -> None:
    """FTS5 rebuilds its own index from its rows."""
    db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")
