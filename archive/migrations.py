"""The archive schema as numbered migrations, applied once each and recorded in `_migrations`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from archive.sqlite_lib import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_create_tables(db: sqlite_utils.Database) -> None:
    # AUTOINCREMENT: chunk ids are vector ids in the index, so an id is never reused.
    for statement in _statements(
        """
        CREATE TABLE reports (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            title TEXT NOT NULL,
            issuer TEXT,
            year INTEGER,
            kind TEXT,
            language TEXT,
            file_name TEXT,
            format TEXT,
            sha256 TEXT NOT NULL UNIQUE,
            chars INTEGER NOT NULL,
            added_at TEXT NOT NULL
        );
        CREATE TABLE texts (
            report_id INTEGER PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
            text TEXT NOT NULL
        );
        CREATE TABLE sections (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            level INTEGER NOT NULL,
            title TEXT NOT NULL,
            parent_id INTEGER REFERENCES sections(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            char_start INTEGER NOT NULL,
            body_start INTEGER NOT NULL,
            char_end INTEGER NOT NULL
        );
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            section_id INTEGER REFERENCES sections(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            section_path TEXT NOT NULL,
            text TEXT NOT NULL,
            char_start INTEGER NOT NULL,
            char_end INTEGER NOT NULL
        );
        CREATE TABLE figures (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            chunk_id INTEGER REFERENCES chunks(id) ON DELETE CASCADE,
            value REAL NOT NULL,
            unit TEXT NOT NULL,
            raw TEXT NOT NULL,
            char_start INTEGER NOT NULL,
            char_end INTEGER NOT NULL,
            context TEXT NOT NULL
        );
        CREATE INDEX sections_report ON sections(report_id, ordinal);
        CREATE INDEX chunks_report ON chunks(report_id, ordinal);
        CREATE INDEX chunks_section ON chunks(section_id);
        CREATE INDEX figures_report ON figures(report_id);
        CREATE INDEX figures_chunk ON figures(chunk_id);
        -- jieba-segmented chunk text (body) and its report title + section path (context);
        -- rowid = chunks.id. Filled by the archive, since FTS5 cannot segment Chinese itself.
        CREATE VIRTUAL TABLE chunks_fts USING fts5(body, context, tokenize = 'unicode61');
        -- A counter bumped by every write: the index manifest records the state it matches.
        CREATE TABLE state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO state VALUES ('generation', 0);
        """
    ):
        db.execute(statement)


def _statements(script: str) -> list[str]:
    """Split a script of plain statements; executescript would commit mid-migration."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def pending_migrations(db: sqlite_utils.Database) -> list[str]:
    """Names of migrations not yet applied (all of them for a database with no table yet)."""
    if "_migrations" not in db.table_names():
        return [name for name, _ in MIGRATIONS]
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    return [name for name, _ in MIGRATIONS if name not in done]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet applied; return their names."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    applied = []
    for name, fn in MIGRATIONS:
        if name in done:
            continue
        with db.atomic():
            fn(db)
            db.execute(
                "INSERT INTO _migrations VALUES (?, ?)", [name, datetime.now(UTC).isoformat()]
            )
        applied.append(name)
    return applied


@migration
def m010_figure_parts(db: sqlite_utils.Database) -> None:
    # A figure's role in a change (由21%提升至74%: from / to) and the span of the compound figure
    # it is part of (301户611人); figures already stored get both from their report's text.
    from archive.figures import extract_figures

    db.execute("ALTER TABLE figures ADD COLUMN role TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE figures ADD COLUMN group_start INTEGER")
    db.execute("ALTER TABLE figures ADD COLUMN group_end INTEGER")
    for report_id, text in db.execute("SELECT report_id, text FROM texts").fetchall():
        for f in extract_figures(text):
            if f.role or f.group_start is not None:
                db.execute(
                    "UPDATE figures SET role = ?, group_start = ?, group_end = ?"
                    " WHERE report_id = ? AND char_start = ? AND char_end = ?",
                    [f.role, f.group_start, f.group_end, report_id, f.start, f.end],
                )


@migration
def m010_traditional_fts(db: sqlite_utils.Database) -> None:
    # Keyword tokens are simplified since issue 10 (archive/tokens.py); re-segment the chunks
    # whose text or title was stored in traditional characters, so old archives match too.
    from archive.chinese_script import to_simplified
    from archive.tokens import segment

    rows = db.execute(
        "SELECT c.id, c.text, r.title, c.section_path FROM chunks c JOIN reports r ON r.id = c.report_id"
    ).fetchall()
    for chunk_id, text, title, path_json in rows:
        context = " ".join([title, *json.loads(path_json)])
        if to_simplified(text) != text or to_simplified(context) != context:
            db.execute("DELETE FROM chunks_fts WHERE rowid = ?", [chunk_id])
            db.execute(
                "INSERT INTO chunks_fts(rowid, body, context) VALUES (?, ?, ?)",
                [chunk_id, segment(text), segment(context)],
            )


@migration
def m015_periods(db: sqlite_utils.Database) -> None:
    """The period and mode of each section and figure (archive.periods), backfilled from stored text."""
    db.execute("ALTER TABLE sections ADD COLUMN period INTEGER")
    db.execute("ALTER TABLE sections ADD COLUMN mode TEXT")
    for column, kind in (("period", "INTEGER"), ("mode", "TEXT"), ("period_start", "INTEGER")):
        db.execute(f"ALTER TABLE figures ADD COLUMN {column} {kind}")
    db.execute("CREATE INDEX figures_period ON figures(period, mode)")
    for (report_id,) in db.execute("SELECT id FROM reports").fetchall():
        refresh_periods(db, report_id)


def refresh_periods(db: sqlite_utils.Database, report_id: int) -> None:
    """Recompute one stored report's section and figure periods (after a backfill or an edit)."""
    from archive.periods import figure_periods, section_periods

    year, kind, text = db.execute(
        "SELECT r.year, r.kind, t.text FROM reports r JOIN texts t ON t.report_id = r.id WHERE r.id = ?",
        [report_id],
    ).fetchone()
    rows = db.execute(
        "SELECT id, path, char_start, char_end, title FROM sections WHERE report_id = ? ORDER BY ordinal",
        [report_id],
    ).fetchall()
    periods = section_periods([r[1].split(" › ") for r in rows], year, kind)
    for row, p in zip(rows, periods, strict=True):
        db.execute(
            "UPDATE sections SET period = ?, mode = ? WHERE id = ?", [p.year, p.mode, row[0]]
        )
    figures = db.execute(
        "SELECT id, char_start, char_end FROM figures WHERE report_id = ?", [report_id]
    ).fetchall()
    spans = [(r[2], r[3]) for r in rows]
    titles = [r[4] for r in rows]
    found = figure_periods(
        text, spans, periods, [(f[1], f[2]) for f in figures], year, kind, titles
    )
    for f, p in zip(figures, found, strict=True):
        db.execute(
            "UPDATE figures SET period = ?, mode = ?, period_start = ? WHERE id = ?",
            [p.year, p.mode, p.first_year, f[0]],
        )


@migration
def m015_facts(db: sqlite_utils.Database) -> None:
    """Facts (archive.facts): figures with indicator, measure and place, and a view for plain SQL."""
    from archive.facts import store_facts

    for statement in _statements(
        """
        CREATE TABLE facts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            figure_id INTEGER NOT NULL REFERENCES figures(id) ON DELETE CASCADE,
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            indicator TEXT NOT NULL,
            measure TEXT NOT NULL,
            place TEXT,
            figure TEXT NOT NULL,
            value REAL NOT NULL,
            value_high REAL,
            unit TEXT NOT NULL,
            qualifier TEXT NOT NULL,
            char_start INTEGER NOT NULL,
            char_end INTEGER NOT NULL
        );
        CREATE INDEX facts_indicator ON facts(indicator, measure, place);
        CREATE INDEX facts_report ON facts(report_id);
        -- One row per fact with its period, mode, report and section path: the table to query.
        CREATE VIEW fact_view AS
        SELECT f.id, f.indicator, f.measure, f.place, g.period, g.mode, g.period_start,
               f.figure, f.value, f.value_high, f.unit, f.qualifier,
               r.id AS report_id, r.title, r.year AS report_year, r.issuer, r.kind, r.file_name,
               c.section_path, f.char_start, f.char_end, g.context
        FROM facts f
        JOIN figures g ON g.id = f.figure_id
        JOIN reports r ON r.id = f.report_id
        LEFT JOIN chunks c ON c.id = g.chunk_id
        """
    ):
        db.execute(statement)
    for (report_id,) in db.execute("SELECT id FROM reports").fetchall():
        store_facts(db, report_id)


@migration
def m016_pages(db: sqlite_utils.Database) -> None:
    # Pages of PDF and image reports: where each starts in the stored text and, for a page
    # read by OCR, its confidence; chunks know their first and last page (1-based).
    for statement in _statements(
        """
        CREATE TABLE pages (
            report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            char_start INTEGER NOT NULL,
            ocr_confidence REAL,
            PRIMARY KEY (report_id, number)
        );
        ALTER TABLE chunks ADD COLUMN page_start INTEGER;
        ALTER TABLE chunks ADD COLUMN page_end INTEGER
        """
    ):
        db.execute(statement)


@migration
def m011_english_fts(db: sqlite_utils.Database) -> None:
    # Document-side English (issue 11): CEDICT glosses of each chunk's words (body) and of its
    # title + section path (context), stemmed by FTS5's porter tokenizer; rowid = chunks.id.
    from archive.glosses import SCHEMA, english

    db.execute(
        "CREATE VIRTUAL TABLE chunks_en USING fts5(body, context, tokenize = 'porter unicode61')"
    )
    rows = db.execute(
        "SELECT c.id, c.text, r.title, c.section_path FROM chunks c JOIN reports r ON r.id = c.report_id"
    ).fetchall()
    for chunk_id, text, title, path in rows:  # existing homes: a few seconds per 10k chunks
        db.execute(
            "INSERT INTO chunks_en(rowid, body, context) VALUES (?, ?, ?)",
            [chunk_id, english(text), english(" ".join([title, *json.loads(path)]))],
        )
    db.execute("INSERT OR REPLACE INTO state VALUES ('glosses', ?)", [SCHEMA])


@migration
def m017_sentence_vectors(db: sqlite_utils.Database) -> None:
    # Each chunk's sentences embedded (index/sentence_vectors.py): one float16 matrix per chunk,
    # rows in archive.text.sentence_spans order, tagged with the model that made it. Existing
    # homes get them on their next `add` or `rebuild`; until then ranking does without.
    db.execute(
        """
        CREATE TABLE sentence_vectors (
            chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            vectors BLOB NOT NULL
        )
        """
    )


@migration
def m018_clause_vectors(db: sqlite_utils.Database) -> None:
    # Beside each chunk's sentence vectors, the clauses holding its figures (archive.text
    # figure_clauses order). Rows from before have none: the next `add`, `rebuild` or
    # `check --repair` embeds those chunks again.
    db.execute("ALTER TABLE sentence_vectors ADD COLUMN clauses BLOB")


@migration
def m019_clause_vectors_named(db: sqlite_utils.Database) -> None:
    # A figure is now embedded with its item of a list of figures (就业1256万人、失业率5.1%), and one led
    # only by words of change (同比增长10.1%) with the clause before it, which names it
    # (archive.text.figure_clause): clause vectors made before are dropped, and the next `add`,
    # `rebuild` or `check --repair` embeds them again.
    db.execute("UPDATE sentence_vectors SET clauses = NULL")
