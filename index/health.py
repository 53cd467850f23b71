"""Is the archive whole and its index in step with it? `check` says what is wrong, `repair` fixes it.

The archive (SQLite) is the truth and the index is derived from it, so repair never invents
report data: it deletes what is only partly there, refills keyword rows from the chunks, and
brings the vectors back in step (embed the missing, drop the orphans, re-embed the stale, or
rebuild an index it cannot use). `check` only reads; `repair` holds the writer lock.
"""

from __future__ import annotations

import fcntl
import json
import random
import sqlite3
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from archive.home import Home
from archive.tokens import segment
from index.embedder import ModelError
from index.vectors import FIX, IndexMissing, VectorStore, ids_fingerprint

if TYPE_CHECKING:
    from index.library import Library, Progress

SAMPLE = 16  # chunks re-embedded by a check whose index claims to match the archive
SAMPLE_PER_REPORT_MAX = 2000  # reports verified one chunk each when the claim is off
TOLERANCE = 2e-6  # 1 - cosine above which a stored vector is not what the model makes now


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


@dataclass
class Examination:
    """What `examine` did and what is still wrong afterwards."""

    actions: list[str]
    problems: list[Problem]


@dataclass
class IndexState:
    """The index compared with the archive and the model."""

    unusable: str | None = None  # why it must be rebuilt: missing, corrupt, foreign
    missing: list[int] = field(default_factory=list)  # chunk ids without a vector
    extra: list[int] = field(default_factory=list)  # vector ids without a chunk
    stale: list[int] = field(default_factory=list)  # reports whose vectors the model disowns
    stamp: str | None = None  # the manifest misdescribes the archive or its own vectors
    leftovers: list[Path] = field(default_factory=list)  # temporary files of a killed save

    def __bool__(self) -> bool:
        return any(
            [self.unusable, self.missing, self.extra, self.stale, self.stamp, self.leftovers]
        )


def writer_active(home: Home) -> bool:
    """True while another process holds the writer lock (probed, never waited for)."""
    path = home.root / "write.lock"
    try:
        fd = open(path, "rb")  # noqa: SIM115 - closed below; flock needs the descriptor
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        fd.close()  # closing drops a shared lock the probe may have won
    return False


# -- check ------------------------------------------------------------------------------------


def check(library: Library, *, sample: int = SAMPLE) -> list[Problem]:
    """Every problem of the archive and its index, without changing anything."""
    problems = []
    busy = writer_active(library.home)
    if busy:
        problems.append(
            Problem("busy", "another process is writing; the rest may be its work", False)
        )
    damaged = database_problems(library.archive.db)
    problems += damaged
    if any(not p.fixable for p in damaged):
        return problems  # the rows cannot be trusted, so nothing derived from them can
    problems += report_problems(library.archive.db)
    # FTS5's own check is a write statement: never wait for a writer, nor try on a read-only home
    deep = not busy and not library.archive.read_only
    problems += keyword_problems(library.archive.db, deep=deep)
    problems += index_problems(library, sample=sample)
    return problems


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


FTS_MISSING = (
    "SELECT c.id FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM chunks_fts f WHERE f.rowid = c.id)"
)
FTS_EXTRA = "SELECT f.rowid FROM chunks_fts f WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = f.rowid)"


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
    missing = len(db.execute(FTS_MISSING).fetchall())
    extra = len(db.execute(FTS_EXTRA).fetchall())
    problems = []
    if deep and not fts_intact(db):
        problems.append(Problem("keywords", "the keyword-search index does not match its rows"))
    if missing:
        problems.append(Problem("keywords", f"{missing} chunk(s) have no keyword-search row"))
    if extra:
        problems.append(Problem("keywords", f"{extra} keyword-search row(s) belong to no chunk"))
    return problems


def index_problems(library: Library, *, sample: int = SAMPLE) -> list[Problem]:
    try:
        state = inspect_index(library, sample=sample)
    except ModelError as e:
        return [Problem("index", f"cannot load the embedding model: {e}", False)]
    return describe(state)


def describe(state: IndexState) -> list[Problem]:
    """One line per thing wrong with the index."""
    stale = ", ".join(map(str, state.stale[:10])) + (" …" if len(state.stale) > 10 else "")
    lines = [
        (state.unusable, f"{state.unusable} (repair rebuilds it)"),
        (
            state.missing,
            f"{len(state.missing)} chunk(s) have no vector (an add or edit was cut short)",
        ),
        (
            state.extra,
            f"{len(state.extra)} vector(s) of chunks no longer in the archive (a remove was cut short)",
        ),
        (
            state.stale,
            f"the vectors of report(s) {stale} are not what the model makes of their text and title",
        ),
        (state.stamp, state.stamp),
        (state.leftovers, f"{len(state.leftovers)} temporary file(s) left by an interrupted save"),
    ]
    return [Problem("index", message) for wrong, message in lines if wrong]


def inspect_index(library: Library, *, sample: int = SAMPLE, locked: bool = False) -> IndexState:
    """Compare the saved index with the archive's chunks and with what the model makes now.

    `locked`: the caller holds the writer lock, so temporary files are leftovers, not work.
    """
    folder = library.home.index_dir
    state = IndexState()
    if locked or not writer_active(library.home):
        state.leftovers = sorted(folder.glob(".*.tmp")) if folder.is_dir() else []
    chunk_ids = np.array(library.archive.chunk_ids(), dtype=np.int64)
    if library._store is not None:  # read what is on disk, not what the library holds
        library._store.close()
        library._store = None
    try:
        store = library._open_store(verify=True)
    except IndexMissing:
        if chunk_ids.size:
            state.unusable = f"there is no index for the archive's {chunk_ids.size} chunks"
        return state
    except Exception as e:  # noqa: BLE001 - any store that cannot open is rebuilt
        state.unusable = f"the index cannot be opened: {_one_line(e).removesuffix(': ' + FIX)}"
        return state
    identity = library.embedder.identity()
    built = {k: store.manifest.get(k) for k in identity}
    if built != identity or store.dimension != identity["dimension"]:
        state.unusable = (
            f"the index was built with model {built['model_name']!r} "
            f"({str(built['model_fingerprint'])[:12]}, {built['dimension']}-d), "
            f"not the current {identity['model_name']!r} "
            f"({identity['model_fingerprint'][:12]}, {identity['dimension']}-d)"
        )
        return state
    have = store.id_array()
    state.missing = np.setdiff1d(chunk_ids, have).tolist()
    state.extra = np.setdiff1d(have, chunk_ids).tolist()
    claimed = store.manifest.get("archive_generation")
    if store.manifest.get("ids_fingerprint", ids_fingerprint(have)) != ids_fingerprint(have):
        state.stamp = "the manifest's id fingerprint does not match the vectors it describes"
    elif claimed != library.archive.generation:
        state.stamp = (
            f"the manifest records archive state {claimed}, "
            f"the archive is at {library.archive.generation}"
        )
    per_report = state.stamp is not None or state.missing or state.extra
    state.stale = stale_reports(library, store, set(have.tolist()), per_report, sample)
    return state


def stale_reports(
    library: Library, store: VectorStore, indexed: set[int], per_report: bool, sample: int
) -> list[int]:
    """Reports whose stored vectors differ from a fresh embedding of the same chunks.

    When the manifest's claim is off, one chunk of every report is verified (an interrupted
    title edit leaves all of a report's vectors stale); otherwise a random sample.
    """
    db = library.archive.db
    if per_report:
        rows = db.execute(
            "SELECT min(id) FROM chunks GROUP BY report_id ORDER BY report_id LIMIT ?",
            [SAMPLE_PER_REPORT_MAX],
        ).fetchall()
        ids = [r[0] for r in rows if r[0] in indexed]
    else:
        pool = sorted(indexed)
        ids = random.sample(pool, min(sample, len(pool)))
    if not ids or not store.count:
        return []
    chunks = library.archive.chunks(ids)
    from index.library import embedding_text

    vectors = library.embedder.embed([embedding_text(c) for c in chunks])
    scores, found = store.search(vectors, min(store.count, 8))
    stale = set()
    for chunk, row_scores, row_ids in zip(chunks, scores, found, strict=True):
        own = [s for s, i in zip(row_scores, row_ids, strict=True) if i == chunk.id]
        if not own or 1.0 - float(own[0]) > TOLERANCE:
            stale.add(chunk.report_id)
    return sorted(stale)


# -- repair -----------------------------------------------------------------------------------


def repair(library: Library, progress: Progress | None = None) -> list[str]:
    """Fix what can be fixed, under the writer lock; return one line per thing done."""
    with library.writing("repaired"):
        db = library.archive.db
        if any(not p.fixable for p in database_problems(db)):
            return [
                "nothing repaired: the database file itself is damaged (restore it from a backup)"
            ]
        actions = repair_rows(library)
        actions += repair_keywords(library)
        try:
            actions += repair_index(library, progress)
        except ModelError as e:
            actions.append(f"index not repaired: cannot load the embedding model: {e}")
        return actions


def repair_rows(library: Library) -> list[str]:
    """Delete orphan rows and reports present only in part, in one transaction."""
    archive, actions = library.archive, []
    db = archive.db
    with db.atomic():
        for _ in range(10):  # deleting a parent can orphan its children's children
            orphans = db.execute("PRAGMA foreign_key_check").fetchall()
            if not orphans:
                break
            for (table, parent), n in Counter((r[0], r[2]) for r in orphans).items():
                actions.append(
                    f"deleted {n} row(s) of {table} that referred to missing {parent} rows"
                )
            for table, rowid, _, _ in orphans:
                db.execute(f"DELETE FROM [{table}] WHERE rowid = ?", [rowid])
        for report_id, reason in sorted(half_written(db).items()):
            row = db.execute(
                "SELECT title, file_name FROM reports WHERE id = ?", [report_id]
            ).fetchone()
            db.execute(
                "DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks WHERE report_id = ?)",
                [report_id],
            )
            db.execute("DELETE FROM reports WHERE id = ?", [report_id])
            actions.append(
                f"deleted report {report_id} ({row[0]}, {row[1]}): it {reason}; add the file again"
            )
        if actions:
            archive._bump()
    return actions


def repair_keywords(library: Library) -> list[str]:
    """One FTS row per chunk, then FTS5's own consistency check (rebuilding its index if it fails)."""
    archive, actions = library.archive, []
    db = archive.db
    with db.atomic():
        extra = [r[0] for r in db.execute(FTS_EXTRA).fetchall()]
        for rowid in extra:
            db.execute("DELETE FROM chunks_fts WHERE rowid = ?", [rowid])
        missing = [r[0] for r in db.execute(FTS_MISSING).fetchall()]
        for chunk in archive.chunks(missing):
            # the same row Archive.add writes: segmented text, and title + path as context
            context = " ".join([chunk.title, *chunk.section_path])
            db.execute(
                "INSERT INTO chunks_fts(rowid, body, context) VALUES (?, ?, ?)",
                [chunk.id, segment(chunk.text), segment(context)],
            )
        if extra:
            actions.append(f"deleted {len(extra)} keyword-search row(s) of no chunk")
        if missing:
            actions.append(f"wrote keyword-search rows for {len(missing)} chunk(s)")
    if not fts_intact(db):
        with db.atomic():
            db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")
        actions.append("rebuilt the keyword-search index (FTS5 integrity check failed)")
    return actions


def repair_index(library: Library, progress: Progress | None = None) -> list[str]:
    """Bring the vectors in step with the archive; rebuild an index that cannot be used."""
    state = inspect_index(library, locked=True)
    if not state:
        return []
    actions = []
    for leftover in state.leftovers:
        leftover.unlink(missing_ok=True)
    if state.leftovers:
        actions.append(f"removed {len(state.leftovers)} temporary file(s)")
    if state.unusable:
        store = library._rebuild_locked(progress)  # also closes the foreign store inspect_index opened
        return [*actions, f"rebuilt the index ({store.count} chunks): {state.unusable}"]
    store = library._open_store()
    if state.extra:
        store.remove(state.extra)
        actions.append(f"dropped {len(state.extra)} vector(s) of chunks no longer in the archive")
    redo = set(state.missing)
    for report_id in state.stale:
        redo.update(library.archive.chunk_ids(report_id))
    if redo:
        store.remove(sorted(redo))
        library._embed(store, sorted(redo), progress)
        actions.append(
            f"embedded {len(redo)} chunk(s)"
            + (f" ({len(state.missing)} had no vector)" if state.missing else "")
            + (f", re-embedded report(s) {', '.join(map(str, state.stale))}" if state.stale else "")
        )
    if state.extra or redo or state.stamp:
        store.save(library._manifest_state())
        if state.stamp and not (state.extra or redo):
            actions.append("re-stamped the manifest with the archive's state")
    return actions


# -- one call for the command line and the page ------------------------------------------------


def examine(
    root: Path | str | None = None, *, fix: bool = False, model: str | None = None
) -> Examination:
    """Open a home, optionally repair it, and check it; a file SQLite cannot open is reported."""
    from index.library import Library

    home = Home.resolve(root)
    damaged = f"cannot read {home.database}: restore it from a backup"
    try:
        library = Library(home, model)
    except sqlite3.OperationalError:
        raise  # locked, read-only, no space: not damage
    except sqlite3.DatabaseError as e:
        return Examination([], [Problem("database", f"{damaged} ({e})", False)])
    actions: list[str] = []
    try:
        actions = repair(library) if fix else []
        return Examination(actions, check(library))
    except sqlite3.OperationalError:
        raise
    except sqlite3.DatabaseError as e:
        return Examination(actions, [Problem("database", f"{damaged} ({e})", False)])
    finally:
        library.close()


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def dumps(examination: Examination) -> str:
    """The documented `check --json` shape."""
    return json.dumps(
        {
            "ok": not examination.problems,
            "actions": examination.actions,
            "problems": [p.as_dict() for p in examination.problems],
        },
        ensure_ascii=False,
        indent=2,
    )


__all__ = [
    "Examination",
    "Problem",
    "check",
    "examine",
    "repair",
    "writer_active",
]
