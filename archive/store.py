"""The SQLite archive: the one source of truth for reports, sections, chunks and figures."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from archive import integrity, keyword_rows
from archive.connection import read_only_connection, writable_database
from archive.disk import (
    DAMAGED_FIX,
    ArchiveDamaged,
    ArchiveReadOnly,
    DiskFull,
    disk_full_message,
    is_disk_full,
    read_only_message,
    writable,
)
from archive.facts import store_facts
from archive.figures import extract_figures
from archive.glosses import SCHEMA as GLOSS_SCHEMA
from archive.integrity import Problem
from archive.migrations import pending_migrations, refresh_periods
from archive.models import Figure, Page, Parsed, Report, Section, StoredChunk
from archive.sqlite_lib import sqlite_utils
from archive.tokens import segment

PATH_SEPARATOR = " › "
EDITABLE_FIELDS = ("title", "issuer", "year", "kind", "language")


class ReportNotFound(LookupError):
    """No report has this id."""


def section_paths(sections: list[Section]) -> list[list[str]]:
    """Each section's titles from the top of the tree down to itself."""
    paths: list[list[str]] = []
    for s in sections:
        parent = paths[s.parent] if s.parent is not None else []
        paths.append([*parent, s.title])
    return paths


class Archive:
    """One SQLite file: WAL so readers never wait for a writer, foreign keys on."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        folder = self.path.parent
        # Why this archive can only be read (a read-only mount, a full disk), or None.
        self.unwritable: RuntimeError | None = (
            None if writable(folder) else ArchiveReadOnly(read_only_message(folder))
        )
        if self.unwritable is None:
            try:
                self.db = writable_database(self.path)
                return
            except sqlite3.OperationalError as e:
                if not is_disk_full(e, folder):
                    raise
                self.unwritable = DiskFull(disk_full_message(folder))
        self.db = sqlite_utils.Database(read_only_connection(self.path, self.unwritable))
        if pending_migrations(self.db):
            raise ArchiveReadOnly(f"{self.unwritable}; the archive needs an upgrade first")

    @property
    def read_only(self) -> bool:
        return self.unwritable is not None

    def assert_writable(self) -> None:
        """Before a write: refuse a read-only home or a damaged file, having written nothing."""
        if self.unwritable is not None:
            raise self.unwritable
        try:
            problems = [r[0] for r in self.db.execute("PRAGMA quick_check(3)").fetchall()]
        except sqlite3.DatabaseError as e:  # damage can stop the check itself
            problems = [str(e)]
        if problems != ["ok"]:
            raise ArchiveDamaged(
                f"{self.path} is damaged (SQLite: {problems[0][:160]}): {DAMAGED_FIX}"
            )

    def close(self) -> None:
        self.db.conn.close()

    # -- writes -----------------------------------------------------------------------------

    def find_duplicate(self, sha256: str) -> int | None:
        row = self.db.execute("SELECT id FROM reports WHERE sha256 = ?", [sha256]).fetchone()
        return row[0] if row else None

    def add(self, parsed: Parsed) -> int:
        """Store a parsed report and everything under it in one transaction; return its id."""
        report = parsed.report
        report.added_at = report.added_at or datetime.now(UTC).isoformat(timespec="seconds")
        report.chars = len(parsed.text)
        fields = {k: v for k, v in asdict(report).items() if k != "id"}
        with self.db.atomic():
            report_id = self.db["reports"].insert(fields).last_pk
            self.db["texts"].insert({"report_id": report_id, "text": parsed.text})
            paths = section_paths(parsed.sections)
            section_ids: list[int] = []
            for s, path in zip(parsed.sections, paths, strict=True):
                parent_id = section_ids[s.parent] if s.parent is not None else None
                section_ids.append(
                    self.db["sections"]
                    .insert(
                        {
                            "report_id": report_id,
                            "ordinal": s.ordinal,
                            "level": s.level,
                            "title": s.title,
                            "parent_id": parent_id,
                            "path": PATH_SEPARATOR.join(path),
                            "char_start": s.start,
                            "body_start": s.body_start,
                            "char_end": s.end,
                            "period": s.period,
                            "mode": s.mode,
                        }
                    )
                    .last_pk
                )
            chunk_ids: list[int] = []
            context: dict[int | None, str] = {}  # one segmentation per section, not per chunk
            for c in parsed.chunks:
                path = paths[c.section] if c.section is not None else []
                chunk_id = (
                    self.db["chunks"]
                    .insert(
                        {
                            "report_id": report_id,
                            "section_id": section_ids[c.section] if c.section is not None else None,
                            "ordinal": c.ordinal,
                            "section_path": json.dumps(path, ensure_ascii=False),
                            "text": c.text,
                            "char_start": c.start,
                            "char_end": c.end,
                            "page_start": page_at(parsed.pages, c.start),
                            "page_end": page_at(parsed.pages, max(c.start, c.end - 1)),
                        }
                    )
                    .last_pk
                )
                chunk_ids.append(chunk_id)
                joined = keyword_rows.context_of(report.title, path)
                if c.section not in context:
                    context[c.section] = segment(joined)
                keyword_rows.insert(self.db, chunk_id, c.text, joined, context[c.section])
            spans = [(c.start, c.end) for c in parsed.chunks]
            self.db["figures"].insert_all(_figure_rows(report_id, parsed.figures, spans, chunk_ids))
            self.db["pages"].insert_all(
                {"report_id": report_id, "number": p.number, "char_start": p.char_start,
                 "ocr_confidence": p.ocr_confidence}
                for p in parsed.pages
            )
            store_facts(self.db, report_id)
            self._bump()
        return report_id

    def remove(self, report_id: int) -> list[int]:
        """Delete a report and everything under it in one transaction; return its chunk ids."""
        self.report(report_id)
        with self.db.atomic():
            ids = self.chunk_ids(report_id)
            keyword_rows.delete_report(self.db, report_id)
            self.db.execute("DELETE FROM reports WHERE id = ?", [report_id])
            self._bump()
        return ids

    def edit(self, report_id: int, **fields) -> Report:
        """Change metadata; the title also feeds the keyword context, so that is refreshed too."""
        unknown = set(fields) - set(EDITABLE_FIELDS)
        if unknown:
            raise ValueError(f"cannot edit {', '.join(sorted(unknown))}")
        self.report(report_id)
        with self.db.atomic():
            self.db["reports"].update(report_id, fields)
            if "title" in fields:
                rows = self.db.execute(
                    "SELECT id, section_path FROM chunks WHERE report_id = ?", [report_id]
                ).fetchall()
                for chunk_id, path in rows:
                    context = keyword_rows.context_of(fields["title"], json.loads(path))
                    keyword_rows.set_context(self.db, chunk_id, context)
            if "year" in fields or "kind" in fields:  # periods are read relative to both
                refresh_periods(self.db, report_id)
            if "issuer" in fields:  # the place of every fact
                store_facts(self.db, report_id)
            self._bump()
        return self.report(report_id)

    def ensure_english(self) -> int:
        """Re-gloss the English field when the gloss table changed since it was written."""
        row = self.db.execute("SELECT value FROM state WHERE key = 'glosses'").fetchone()
        if row and row[0] == GLOSS_SCHEMA:
            return 0
        return self.refresh_english()

    def refresh_derived(self) -> int:
        """Re-read every report's figures, periods and facts from its stored text (after the units,
        period rules or indicator vocabulary changed); return the number of facts.

        Not a content change, so the generation stays: the vector index still matches.
        """
        total = 0
        with self.db.atomic():
            for (report_id,) in self.db.execute("SELECT id FROM reports").fetchall():
                self._refresh_figures(report_id)
                refresh_periods(self.db, report_id)
                total += store_facts(self.db, report_id)
        return total

    def _refresh_figures(self, report_id: int) -> None:
        """Replace one report's figures with those today's rules read in its stored text."""
        (text,) = self.db.execute("SELECT text FROM texts WHERE report_id = ?", [report_id]).fetchone()
        chunks = self.db.execute(
            "SELECT id, char_start, char_end FROM chunks WHERE report_id = ? ORDER BY char_start",
            [report_id],
        ).fetchall()
        self.db.execute("DELETE FROM figures WHERE report_id = ?", [report_id])
        self.db["figures"].insert_all(_figure_rows(
            report_id, extract_figures(text), [(c[1], c[2]) for c in chunks], [c[0] for c in chunks]))

    def refresh_english(self) -> int:
        """Re-gloss every chunk's English field (after the gloss table changed); return the count.

        Not a content change, so the generation stays: the vector index still matches.
        """
        rows = self.db.execute(
            "SELECT c.id, c.text, r.title, c.section_path FROM chunks c"
            " JOIN reports r ON r.id = c.report_id"
        ).fetchall()
        with self.db.atomic():
            keyword_rows.replace_english(
                self.db,
                ((cid, text, keyword_rows.context_of(title, json.loads(path)))
                 for cid, text, title, path in rows),
            )
            self.db.execute("INSERT OR REPLACE INTO state VALUES ('glosses', ?)", [GLOSS_SCHEMA])
        return len(rows)

    def _bump(self) -> None:
        self.db.execute("UPDATE state SET value = value + 1 WHERE key = 'generation'")

    # -- integrity (archive/integrity.py) ---------------------------------------------------

    def problems(self, *, deep: bool = True) -> list[Problem]:
        """What is wrong with the archive's rows; `deep` runs FTS5's own check (a write)."""
        return integrity.problems(self.db, deep=deep)

    def repair(self) -> list[str]:
        """Delete orphan rows and partial reports, refill keyword rows; one line per thing done."""
        with self.db.atomic():
            actions = integrity.repair_rows(self.db)
            if actions:
                self._bump()
        actions += integrity.repair_keywords(self.db, self._keyword_sources)
        glossed = self.ensure_english()
        return actions + ([f"re-glossed the English field of {glossed} chunk(s)"] if glossed else [])

    def _keyword_sources(self, ids: list[int]) -> list[tuple]:
        return [(c.id, c.text, c.title, c.section_path) for c in self.chunks(ids)]

    # -- reads ------------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        return self.db.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()[0]

    def report(self, report_id: int) -> Report:
        rows = list(self.db["reports"].rows_where("id = ?", [report_id]))
        if not rows:
            raise ReportNotFound(f"no report with id {report_id}")
        return Report(**rows[0])

    def reports(self) -> list[dict]:
        """Every report with its section, chunk and figure counts, for listings."""
        return list(
            self.db.query(
                """
                SELECT r.*,
                  (SELECT count(*) FROM sections s WHERE s.report_id = r.id) AS sections,
                  (SELECT count(*) FROM chunks c WHERE c.report_id = r.id) AS chunks,
                  (SELECT count(*) FROM figures f WHERE f.report_id = r.id) AS figures
                FROM reports r ORDER BY r.id
                """
            )
        )

    def text(self, report_id: int) -> str:
        row = self.db.execute("SELECT text FROM texts WHERE report_id = ?", [report_id]).fetchone()
        if row is None:
            raise ReportNotFound(f"no report with id {report_id}")
        return row[0]

    def sections(self, report_id: int) -> list[dict]:
        """Sections in document order, each with its chunk count."""
        return list(
            self.db.query(
                """
                SELECT s.*, (SELECT count(*) FROM chunks c WHERE c.section_id = s.id) AS chunks
                FROM sections s WHERE s.report_id = ? ORDER BY s.ordinal
                """,
                [report_id],
            )
        )

    def chunk_ids(self, report_id: int | None = None) -> list[int]:
        if report_id is None:
            rows = self.db.execute("SELECT id FROM chunks ORDER BY id")
        else:
            rows = self.db.execute(
                "SELECT id FROM chunks WHERE report_id = ? ORDER BY id", [report_id]
            )
        return [r[0] for r in rows.fetchall()]

    def chunks(self, ids: Iterable[int] | None = None) -> list[StoredChunk]:
        """Chunks with their report metadata, in the order of `ids` (all chunks if None)."""
        sql = """
            SELECT c.id, c.report_id, c.section_id, c.section_path, c.text, c.char_start,
                   c.char_end, r.title, r.year, r.issuer, r.kind, r.file_name,
                   c.page_start, c.page_end
            FROM chunks c JOIN reports r ON r.id = c.report_id
        """
        if ids is None:
            rows = self.db.execute(sql + " ORDER BY c.id").fetchall()
        else:
            ids = list(ids)
            rows = []
            for batch in _batches(ids, 500):
                marks = ",".join("?" * len(batch))
                rows += self.db.execute(sql + f" WHERE c.id IN ({marks})", batch).fetchall()
            order = {chunk_id: i for i, chunk_id in enumerate(ids)}
            rows.sort(key=lambda r: order[r[0]])
        return [StoredChunk(r[0], r[1], r[2], json.loads(r[3]), *r[4:]) for r in rows]

    def chunks_without_sentence_vectors(self, model: str) -> list[int]:
        """Chunks whose sentences this model has not embedded (new, or embedded by another)."""
        return [r[0] for r in self.db.execute(
            "SELECT c.id FROM chunks c LEFT JOIN sentence_vectors v ON v.chunk_id = c.id"
            " AND v.model = ? WHERE v.chunk_id IS NULL OR v.clauses IS NULL ORDER BY c.id", [model])]

    def put_sentence_vectors(self, model: str, rows: Iterable[tuple[int, bytes, bytes]]) -> None:
        """Store (chunk id, packed sentence vectors, packed figure-clause vectors) made by this
        model, replacing any older ones."""
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO sentence_vectors (chunk_id, model, vectors, clauses) VALUES (?, ?, ?, ?)",
            [(cid, model, sentences, clauses) for cid, sentences, clauses in rows])

    def sentence_vectors(self, chunk_ids: Iterable[int], model: str, column: str = "vectors") -> dict[int, bytes]:
        """Packed sentence vectors of these chunks, where this model made them (column "clauses":
        the vectors of the clauses holding their figures)."""
        if column not in ("vectors", "clauses"):
            raise ValueError(column)
        out: dict[int, bytes] = {}
        for batch in _batches(list(chunk_ids), 500):
            out.update(self.db.execute(
                f"SELECT chunk_id, {column} FROM sentence_vectors WHERE model = ? AND {column} IS NOT NULL"
                f" AND chunk_id IN ({','.join('?' * len(batch))})", [model, *batch]).fetchall())
        return out

    def figures(self, chunk_ids: Iterable[int], columns: str = "f.*") -> list[dict]:
        """The figures inside each chunk's span, under that chunk's id. A figure is stored once,
        under one chunk, but the sentence two overlapping windows share holds it for both."""
        out: list[dict] = []
        for batch in _batches(list(chunk_ids), 500):
            marks = ",".join("?" * len(batch))
            for row in self.db.query(
                f"SELECT {columns}, c.id AS passage_id FROM chunks c JOIN figures f"
                " ON f.report_id = c.report_id AND f.char_start >= c.char_start"
                " AND f.char_end <= c.char_end"
                f" WHERE c.id IN ({marks}) ORDER BY c.id, f.char_start",
                batch,
            ):
                row["chunk_id"] = row.pop("passage_id")
                out.append(row)
        return out

    def pages(self, report_id: int) -> list[dict]:
        """Pages of a PDF or image report (number, char_start, ocr_confidence); [] otherwise."""
        return list(self.db.query(
            "SELECT number, char_start, ocr_confidence FROM pages WHERE report_id = ? ORDER BY number",
            [report_id],
        ))

    def page_of(self, report_id: int, offset: int) -> int | None:
        """The 1-based page holding a character of the report's text, None if it has no pages."""
        row = self.db.execute(
            "SELECT max(number) FROM pages WHERE report_id = ? AND char_start <= ?",
            [report_id, offset],
        ).fetchone()
        return row[0] if row else None

    def counts(self) -> dict[str, int]:
        return {
            t: self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("reports", "sections", "chunks", "figures", "chunks_fts")
        }


def page_at(pages: list[Page], offset: int) -> int | None:
    """The last page starting at or before `offset` (pages with no text share a start)."""
    number = None
    for page in pages:
        if page.char_start > offset:
            break
        number = page.number
    return number


def _figure_rows(report_id: int, figures: list[Figure], spans: list[tuple[int, int]],
                 chunk_ids: list[int]) -> Iterator[dict]:
    """The stored rows of a report's figures, each under the first chunk that holds it whole."""
    for f in figures:
        yield {
            "report_id": report_id,
            "chunk_id": next((cid for (start, end), cid in zip(spans, chunk_ids, strict=True)
                              if start <= f.start and f.end <= end), None),
            "value": f.value, "unit": f.unit, "raw": f.raw,
            "char_start": f.start, "char_end": f.end, "context": f.context,
            "period": f.period, "mode": f.mode, "period_start": f.period_start,
            "role": f.role, "group_start": f.group_start, "group_end": f.group_end,
        }


def _batches(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
