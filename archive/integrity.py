"""Is the SQLite archive whole? Its part of `baogao check`, and of `check --repair`.

The archive is the truth the index is derived from, so repair never invents report data: it
deletes rows whose parent is gone and reports present only in part, and refills keyword rows
from the chunks (keyword_rows.py writes them).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass

from archive import keyword_rows


@dataclass(frozen=True)
class Problem:
    """One thing wrong, in one line; `fixable` says whether `repair` can fix it."""

    area: str  # busy | database | reports | keywords | index
    message: str
    fixable: bool = True

    def __str__(self) -> str:
        return f"{self.area}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


HALF_WRITTEN = {
    "has no text": """
        SELECT r.id FROM reports r WHERE NOT EXISTS (SELECT 1 FROM texts t WHERE t.report_id = r.id)
    """,
    # length() stops at a NUL character, so such texts are not compared
    "has a text of another length than recorded": """
        SELECT r.id FROM reports r JOIN texts t ON t.report_id = r.id
        WHERE instr(t.text, char(0)) = 0 AND length(t.text) != r.chars
    """,
    "has chunks outside its text": """
        SELECT DISTINCT c.report_id FROM chunks c JOIN reports r ON r.id = c.report_id
        WHERE c.char_start < 0 OR c.char_end < c.char_start OR c.char_end > r.chars
    """,
}


def problems(db, *, deep: bool = True) -> list[Problem]:
    """Page-level damage first (then nothing derived can be trusted), else partial reports and
    keyword rows; `deep` runs FTS5's own check too (a write statement: not on a read-only home)."""
    damaged = database_problems(db)
    if any(not p.fixable for p in damaged):
        return damaged
    return damaged + report_problems(db) + keyword_problems(db, deep=deep)


def database_problems(db) -> list[Problem]:
    """SQLite's own page-level check, then rows whose parent row is gone."""
    rows = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
    if rows != ["ok"]:
        return [
            Problem(
                "database", f"SQLite integrity check: {r}; restore archive.db from a backup", False
            )
            for r in rows[:5]
        ]
    orphans = Counter((r[0], r[2]) for r in db.execute("PRAGMA foreign_key_check").fetchall())
    return [
        Problem("database", f"{n} row(s) of {table} refer to missing {parent} rows")
        for (table, parent), n in sorted(orphans.items())
    ]


def half_written(db) -> dict[int, str]:
    """Reports present only in part: report id -> what is wrong with it."""
    found: dict[int, str] = {}
    for reason, sql in HALF_WRITTEN.items():
        for (report_id,) in db.execute(sql).fetchall():
            found.setdefault(report_id, reason)
    return found


def report_problems(db) -> list[Problem]:
    return [
        Problem("reports", f"report {rid} {reason}: it was written in part and will be deleted")
        for rid, reason in sorted(half_written(db).items())
    ]


def fts_intact(db) -> bool:
    """FTS5's own check of its index against its rows (a write statement that writes nothing)."""
    try:
        with db.atomic():
            db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('integrity-check')")
    except sqlite3.OperationalError:
        raise  # locked or busy: not damage
    except sqlite3.DatabaseError:
        return False
    return True


def keyword_problems(db, *, deep: bool = True) -> list[Problem]:
    """The FTS table holds exactly one row per chunk; `deep` also runs FTS5's own check."""
    missing, extra = len(keyword_rows.missing(db)), len(keyword_rows.extra(db))
    found = []
    if deep and not fts_intact(db):
        found.append(Problem("keywords", "the keyword-search index does not match its rows"))
    if missing:
        found.append(Problem("keywords", f"{missing} chunk(s) have no keyword-search row"))
    if extra:
        found.append(Problem("keywords", f"{extra} keyword-search row(s) belong to no chunk"))
    if stale_glosses(db):
        found.append(Problem("keywords", "the English field was glossed by an older version"
                                         " (English questions rank worse until it is re-glossed)"))
    return found


def stale_glosses(db) -> bool:
    """Chunks whose English field an older gloss table or format wrote (archive/glosses.py SCHEMA)."""
    from archive.glosses import SCHEMA

    row = db.execute("SELECT value FROM state WHERE key = 'glosses'").fetchone()
    return (row is None or row[0] != SCHEMA) and db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None


def repair_rows(db) -> list[str]:
    """Delete orphan rows and reports present only in part (inside the caller's transaction)."""
    actions = []
    for _ in range(10):  # deleting a parent can orphan its children's children
        orphans = db.execute("PRAGMA foreign_key_check").fetchall()
        if not orphans:
            break
        for (table, parent), n in Counter((r[0], r[2]) for r in orphans).items():
            actions.append(f"deleted {n} row(s) of {table} that referred to missing {parent} rows")
        for table, rowid, _, _ in orphans:
            db.execute(f"DELETE FROM [{table}] WHERE rowid = ?", [rowid])
    for report_id, reason in sorted(half_written(db).items()):
        row = db.execute("SELECT title, file_name FROM reports WHERE id = ?", [report_id]).fetchone()
        keyword_rows.delete_report(db, report_id)
        db.execute("DELETE FROM reports WHERE id = ?", [report_id])
        actions.append(
            f"deleted report {report_id} ({row[0]}, {row[1]}): it {reason}; add the file again"
        )
    return actions


def repair_keywords(db, rows_of) -> list[str]:
    """One keyword row per chunk, then FTS5's own consistency check (rebuilding its index if it
    fails). `rows_of(ids)`: (chunk id, text, title, section path) of those chunks."""
    actions = []
    with db.atomic():
        extra = keyword_rows.extra(db)
        keyword_rows.delete_rows(db, extra)
        missing = keyword_rows.missing(db)
        for chunk_id, text, title, path in rows_of(missing):
            keyword_rows.insert_keywords(db, chunk_id, text, keyword_rows.context_of(title, path))
        if extra:
            actions.append(f"deleted {len(extra)} keyword-search row(s) of no chunk")
        if missing:
            actions.append(f"wrote keyword-search rows for {len(missing)} chunk(s)")
    if not fts_intact(db):
        with db.atomic():
            keyword_rows.rebuild_index(db)
        actions.append("rebuilt the keyword-search index (FTS5 integrity check failed)")
    return actions
