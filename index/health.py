"""Is the archive whole and its index in step with it? `check` says what is wrong, `repair` fixes it.

Only the order of things is decided here: the archive checks and repairs its own rows
(archive/integrity.py), the vector index its vectors (index/vectors/upkeep.py). The archive is
the truth and the index is derived from it, so the archive goes first. `check` only reads;
`repair` holds the writer lock.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from archive.home import Home
from archive.integrity import Problem
from archive.settings import Settings
from index import sentence_vectors
from index.embedder import ModelError
from index.library import Library, Progress
from index.vectors import upkeep


@dataclass
class Examination:
    """What `examine` did and what is still wrong afterwards."""

    actions: list[str]
    problems: list[Problem]


def writer_active(home: Home) -> bool:
    """True while another process holds the writer lock (probed, never waited for)."""
    return home.writer_active()


def check(library: Library, *, sample: int = upkeep.SAMPLE) -> list[Problem]:
    """Every problem of the archive and its index, without changing anything."""
    problems = []
    busy = library.home.writer_active()
    if busy:
        problems.append(
            Problem("busy", "another process is writing; the rest may be its work", False)
        )
    # FTS5's own check is a write statement: never wait for a writer, nor try on a read-only home
    found = library.archive.problems(deep=not busy and not library.archive.read_only)
    problems += found
    if any(not p.fixable for p in found):
        return problems  # the rows cannot be trusted, so nothing derived from them can
    try:
        state = upkeep.inspect(library.vectors, sample=sample, leftovers=not busy)
    except ModelError as e:
        return [*problems, Problem("index", f"cannot load the embedding model: {e}", False)]
    problems += [Problem("index", line) for line in state.lines()]
    if not state:
        try:
            unembedded = library.archive.chunks_without_sentence_vectors(
                sentence_vectors.model_key(library.embedder))
        except sqlite3.OperationalError:  # a read-only archive from before sentence vectors
            unembedded = library.archive.chunk_ids()
        if unembedded:
            problems.append(Problem("index", f"{len(unembedded)} chunk(s) have no sentence or clause vectors "
                                             "(added before them, or by another model): repair embeds them"))
    return problems


def repair(library: Library, progress: Progress | None = None) -> list[str]:
    """Fix what can be fixed, under the writer lock; return one line per thing done."""
    with library.writing("repaired"):
        if any(not p.fixable for p in library.archive.problems(deep=False)):
            return [
                "nothing repaired: the database file itself is damaged (restore it from a backup)"
            ]
        actions = library.archive.repair()
        try:
            actions += library.repair_index(progress)
        except ModelError as e:
            actions.append(f"index not repaired: cannot load the embedding model: {e}")
        return actions


def examine(
    root: Path | str | None = None, *, fix: bool = False, model: str | None = None,
    settings: Settings | None = None,
) -> Examination:
    """Open a home, optionally repair it, and check it; a file SQLite cannot open is reported.

    `settings` (resolved by the caller) wins; else `root` and `model` over the environment."""
    settings = settings or Settings.resolve(home=root, model=model)
    home = Home.resolve(settings.home)
    damaged = f"cannot read {home.database}: restore it from a backup"
    try:
        library = Library.from_settings(settings)
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
