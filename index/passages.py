"""What ranking reads from a passage that no question changes, worked out once per archive generation.

Every question re-ranks a couple of hundred candidates; their text normalised for matching, the
tense their section and wording give, and the units and places of their figures are the same for
every question until the archive changes (its generation counter moves on every write, its gloss
schema when the English field is re-glossed); so are the chunks whose glosses hold an English word.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from archive.store import Archive, StoredChunk
from archive.text import figure_clause, sentence_spans
from index.rerank import figure_leads, normalise, passage_tense

SENTENCE_END = re.compile(r"[。！？；!?;\n]")
DIGIT = re.compile(r"\d")
MAX_KEPT = 20_000  # passages kept per generation; beyond it the cache starts again (memory bound)
MAX_HELD = 500_000  # chunk ids kept for English words, all words together (a common word of a
# large archive is held by most of its chunks)


@dataclass(frozen=True)
class Passage:
    """A stored chunk with its question-independent evidence."""

    chunk: StoredChunk
    normalised: str  # NFKC, simplified, lower case (rerank.normalise)
    tense: int  # rerank.passage_tense: -1 review, +1 plans, 0 cannot tell
    figures: tuple[dict, ...]  # {"unit", "char_start"} of each figure it holds
    _leads: dict = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def sentences(self) -> list[tuple[bool, str]]:
        """(holds a digit, text) of each normalised sentence, split once."""
        return [(bool(DIGIT.search(part)), part)
                for part in SENTENCE_END.split(self.normalised) if part.strip()]

    @cached_property
    def figure_sentences(self) -> np.ndarray:
        """Per sentence of archive.text.sentence_spans: does it hold a stored figure?"""
        starts = [f["char_start"] - self.chunk.char_start for f in self.figures]
        return np.array([any(a <= x < b for x in starts) for a, b in sentence_spans(self.chunk.text)], dtype=bool)

    def leads(self, width: int) -> list[tuple[str, str]]:
        """(unit, the clause just before it) of each figure (rerank.figure_leads)."""
        if width not in self._leads:
            self._leads[width] = figure_leads(self.chunk, list(self.figures), width=width)
        return self._leads[width]


class Passages:
    """Passages by chunk id for one archive, dropped when its generation changes."""

    def __init__(self, archive: Archive):
        self.archive = archive
        self._generation: tuple | None = None  # the archive state the cache was read in
        self._glossed: int | None = None  # chunks with an English field
        self._kept: dict[int, Passage] = {}
        self._holders: dict[str, frozenset[int]] = {}  # English word -> chunks whose glosses hold it
        self._held = 0  # chunk ids in _holders
        self._clauses: dict[int, tuple[tuple[bool, frozenset[str]], ...]] = {}
        self._terms: dict[str, bool] = {}  # Chinese term -> some passage holds it
        self._sentences: dict[int, np.ndarray | None] = {}  # chunk id -> its sentence vectors
        self._sentences_model: str | None = None
        self._figure_clauses: dict[int, dict[int, np.ndarray]] = {}  # chunk id -> figure start -> vector

    def get(self, ids: list[int]) -> dict[int, Passage]:
        """The passages of these chunk ids that still exist, read from SQLite only when new."""
        self._same_generation()
        kept = self._kept  # one dict throughout, whatever another thread starts meanwhile
        missing = [i for i in ids if i not in kept]
        if missing:
            figures = self._figures(missing)
            for chunk in self.archive.chunks(missing):
                kept[chunk.id] = Passage(
                    chunk, normalise(chunk.text), passage_tense(chunk.section_path, chunk.text),
                    tuple(figures.get(chunk.id, ())))
        return {i: kept[i] for i in ids if i in kept}

    def english_holders(self, word: str) -> frozenset[int]:
        """The chunks whose glossed English holds the word (porter stems, as the English leg)."""
        self._same_generation()
        holders = self._holders  # one dict throughout, whatever another thread starts meanwhile
        if word in holders:
            return holders[word]
        held = frozenset(r[0] for r in self.archive.db.execute(
            "SELECT rowid FROM chunks_en WHERE chunks_en MATCH ?", ['"' + word.replace('"', '""') + '"']))
        if self._held + len(held) > MAX_HELD:
            holders.clear()
            self._held = 0
        holders[word] = held
        self._held += len(held)
        return held

    def holds(self, term: str) -> bool:
        """Does some passage hold every token of a Chinese term?"""
        self._same_generation()
        if term not in self._terms:
            from index.keyword import fts_query

            match = fts_query([term])
            self._terms[term] = bool(match) and self.archive.db.execute(
                "SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1", [match]).fetchone() is not None
        return self._terms[term]

    def sentence_sims(self, ids: list[int], vector: np.ndarray, model: str) -> dict[int, np.ndarray]:
        """Chunk id -> the cosine of the vector and each of its sentences (archive.text.sentence_spans
        order), for the chunks this model's sentence vectors exist for (index/sentence_vectors.py)."""
        from index.sentence_vectors import unpack

        self._same_generation()
        if model != self._sentences_model:
            self._sentences, self._sentences_model = {}, model
        kept = self._sentences
        missing = [i for i in ids if i not in kept]
        if missing:
            try:
                blobs = self.archive.sentence_vectors(missing, model)
            except sqlite3.OperationalError:  # an archive from before sentence vectors
                blobs = {}
            for cid in missing:
                kept[cid] = unpack(blobs[cid], len(vector)) if cid in blobs else None
        return {cid: kept[cid].astype(np.float32) @ vector for cid in ids if kept.get(cid) is not None}

    def sentence_cosines(self, ids: list[int], vector: np.ndarray, model: str) -> dict[int, tuple[float, float]]:
        """Chunk id -> (best cosine of its sentences, best of those holding a figure)."""
        passages = self.get(ids)
        out = {}
        for cid, sims in self.sentence_sims(ids, vector, model).items():
            p = passages.get(cid)
            if p is None or len(sims) != len(p.figure_sentences):
                continue  # removed meanwhile, or made from other text
            figured = sims[p.figure_sentences]
            out[cid] = (float(sims.max()), float(figured.max()) if len(figured) else 0.0)
        return out

    def figure_clause_sims(self, ids: list[int], vector: np.ndarray,
                           embed: Callable[[list[str]], np.ndarray] | None = None,
                           model: str | None = None) -> dict[tuple[int, int], float]:
        """(chunk id, figure start) -> the cosine of the vector and the clause holding that figure.

        A sentence often lists several figures (新增就业5万人，失业率3%): the clause says which one a
        question means. Read from the archive where this model stored them at index time (index/
        sentence_vectors.py), else embedded here when `embed` is given; kept per generation.
        """
        passages = self.get(ids)
        kept = self._figure_clauses  # one dict throughout, whatever another thread starts meanwhile
        missing = [cid for cid in ids if cid in passages and cid not in kept]
        spans = {cid: {f["char_start"]: figure_clause(passages[cid].chunk.text,
                                                      f["char_start"] - passages[cid].chunk.char_start)
                       for f in passages[cid].figures} for cid in missing}
        stored = self._stored_clauses(missing, model, len(vector)) if model and missing else {}
        for cid in missing:
            rows = stored.get(cid)
            distinct = sorted(set(spans[cid].values()))
            if rows is not None and len(rows) == len(distinct):
                row = dict(zip(distinct, rows, strict=True))
                kept[cid] = {start: row[span] for start, span in spans[cid].items()}
        unread = [cid for cid in missing if cid not in kept] if embed is not None else []
        texts = list(dict.fromkeys(passages[cid].chunk.text[a:b] for cid in unread for a, b in spans[cid].values()))
        row = dict(zip(texts, np.asarray(embed(texts), dtype=np.float16), strict=True)) if texts else {}
        for cid in unread:
            text = passages[cid].chunk.text
            kept[cid] = {start: row[text[a:b]] for start, (a, b) in spans[cid].items()}
        return {(cid, start): float(v.astype(np.float32) @ vector)
                for cid in ids for start, v in kept.get(cid, {}).items()}

    def figure_clause_cosines(self, ids: list[int], vector: np.ndarray, model: str) -> dict[int, float]:
        """Chunk id -> the best cosine of the clauses holding its figures, where they are stored."""
        best: dict[int, float] = {}
        for (cid, _), sim in self.figure_clause_sims(ids, vector, model=model).items():
            best[cid] = max(sim, best.get(cid, -1.0))
        return best

    def _stored_clauses(self, ids: list[int], model: str, dimension: int) -> dict[int, np.ndarray]:
        from index.sentence_vectors import unpack

        try:
            blobs = self.archive.sentence_vectors(ids, model, column="clauses")
        except sqlite3.OperationalError:  # an archive from before clause vectors
            return {}
        return {cid: unpack(blob, dimension) for cid, blob in blobs.items()}

    def english_clauses(self, ids: list[int]) -> dict[int, tuple[tuple[bool, frozenset[str]], ...]]:
        """Each chunk's glossed clauses as (holds a figure, lemmas of its gloss words)."""
        self._same_generation()
        kept = self._clauses  # one dict throughout, whatever another thread starts meanwhile
        missing = [i for i in ids if i not in kept]
        if missing:
            from archive.glosses import clauses
            from index.crosslingual import tables

            lemma = lru_cache(maxsize=None)(tables().lemma)  # report words repeat: each read once
            try:
                for start in range(0, len(missing), 500):
                    batch = missing[start : start + 500]
                    for cid, body in self.archive.db.execute(
                        f"SELECT rowid, body FROM chunks_en WHERE rowid IN ({','.join('?' * len(batch))})",
                        batch,
                    ):
                        kept[cid] = tuple((figure, frozenset(map(lemma, words)))
                                          for figure, words in clauses(body or ""))
            except sqlite3.OperationalError:  # an archive from before the English field
                pass
        return {i: kept.get(i, ()) for i in ids}

    def english_weights(self, words: list[str]) -> dict[str, float]:
        """keyword.english_weights from the kept chunk sets: each word's rarity in the glosses."""
        try:
            self._same_generation()
            if self._glossed is None:
                self._glossed = self.archive.db.execute("SELECT count(*) FROM chunks_en").fetchone()[0]
            total = self._glossed
            return {w: math.log((total + 1) / (len(self.english_holders(w)) + 1))
                    for w in dict.fromkeys(w for w in words if w.strip())}
        except sqlite3.OperationalError:  # an archive from before the English field
            return {}

    def _same_generation(self) -> None:
        """Forget everything when the archive has changed since it was read."""
        state = tuple(self.archive.db.execute(
            "SELECT key, value FROM state WHERE key IN ('generation', 'glosses') ORDER BY key").fetchall())
        kept = (self._kept, self._clauses, self._sentences, self._figure_clauses)
        if state != self._generation or max(map(len, kept)) > MAX_KEPT:
            self._generation, self._kept, self._holders, self._held = state, {}, {}, 0
            self._clauses, self._terms, self._sentences, self._figure_clauses = {}, {}, {}, {}
            self._glossed = None

    def _figures(self, chunk_ids: list[int]) -> dict[int, list[dict]]:
        out: dict[int, list[dict]] = {}
        for f in self.archive.figures(chunk_ids, columns="f.unit, f.char_start, f.period, f.mode"):
            out.setdefault(f.pop("chunk_id"), []).append(f)
        return out
