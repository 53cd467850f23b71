"""A lexicon mined from the archive: English question words -> the archive's own Chinese words.

The multilingual encoder puts 生猪 next to "pigs" and 水库 next to "reservoir", where a general
dictionary says 猪 or nothing. At index time (rebuild, add) the archive's frequent words (from
the FTS vocabulary, so no re-segmenting) are embedded in batches and stored in the home; new
reports bring their own words. At question time the English content words are embedded with the
question (one encoder call) and each keeps its nearest archive words above a similarity floor.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archive.store import Archive
from archive.tokens import tokens
from index.crosslingual import _QUIET, IRREGULAR, framing, tables, words
from index.keyword import STOP_WORDS
from index.weights import SearchSettings

FILE = "lexicon.npz"
MAX_TERMS = 8000  # the most frequent archive words (by chunks holding them): bounded cost
MIN_CHUNKS = 2  # a word in one chunk only is no vocabulary
# Question-time numbers live in the ranking table (index/weights.py), so a sweep reaches them.
SIMILARITY = SearchSettings.lexicon_similarity  # cosine floor for a question word -> archive word
MARGIN = SearchSettings.lexicon_margin  # keep the runners-up within this of the best match
PER_WORD = SearchSettings.lexicon_per_word  # archive words kept per question word
_HAN = re.compile(r"^[\u4e00-\u9fff]{2,8}$")

Embed = Callable[[list[str]], np.ndarray]


def frequent_terms(archive: Archive, limit: int = MAX_TERMS) -> list[str]:
    """The archive's Chinese words held by most chunks, from FTS5's own vocabulary table."""
    archive.db.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_words USING fts5vocab(main, chunks_fts, 'row')"
    )
    rows = archive.db.execute(
        "SELECT term, doc FROM temp.fts_words WHERE doc >= ? ORDER BY doc DESC", [MIN_CHUNKS]
    ).fetchall()
    kept = [t for t, _ in rows if _HAN.match(t) and t not in STOP_WORDS]
    return kept[:limit]


@dataclass
class Lexicon:
    """Archive words and their unit vectors (float16 on disk, float32 in memory)."""

    terms: list[str]
    vectors: np.ndarray  # (len(terms), dimension)
    model: str
    units: dict[str, list[str]]  # archive word -> the units its figures carry (公厕 -> 座)

    @classmethod
    def build(cls, archive: Archive, embed: Embed, model: str,
              previous: Lexicon | None = None) -> Lexicon:
        """Embed the frequent words, reusing the vectors of a previous lexicon of the same model."""
        terms = frequent_terms(archive)
        known = {}
        if previous is not None and previous.model == model:
            known = {t: v for t, v in zip(previous.terms, previous.vectors, strict=True)}
        fresh = [t for t in terms if t not in known]
        if fresh:
            known.update(zip(fresh, embed(fresh), strict=True))
        dim = len(next(iter(known.values()))) if known else 1
        vectors = np.array([known[t] for t in terms], dtype=np.float32).reshape(len(terms), dim)
        return cls(terms, vectors, model, measure_words(archive))

    def save(self, home_root: Path) -> None:
        """Written beside the old file and renamed into place."""
        path = Path(home_root) / FILE
        tmp = path.with_name(f"lexicon.{os.getpid()}.tmp.npz")
        np.savez(tmp, terms=np.array(self.terms, dtype=str),
                 vectors=self.vectors.astype(np.float16), model=np.array(self.model),
                 units=np.array(json.dumps(self.units, ensure_ascii=False)))
        os.replace(tmp, path)

    @classmethod
    def load(cls, home_root: Path) -> Lexicon | None:
        """The stored lexicon, or None when there is none (or it is unreadable)."""
        try:
            with np.load(Path(home_root) / FILE) as data:
                return cls([str(t) for t in data["terms"]], data["vectors"].astype(np.float32),
                           str(data["model"]), json.loads(str(data["units"])))
        except (OSError, ValueError, KeyError):
            return None

    def match(self, word_vectors: np.ndarray, *, floor: float = SIMILARITY, margin: float = MARGIN,
              per_word: int = PER_WORD) -> list[list[tuple[str, float]]]:
        """For each word vector, the archive words above the floor and near the best, with cosines."""
        if not self.terms or not len(word_vectors):
            return [[] for _ in range(len(word_vectors))]
        sims = np.asarray(word_vectors, dtype=np.float32) @ self.vectors.T
        out = []
        for row in sims:
            best = np.argsort(-row)[:per_word]
            top = float(row[best[0]])
            out.append([(self.terms[i], round(float(row[i]), 3)) for i in best
                        if row[i] >= floor and row[i] >= top - margin])
        return out


def measure_words(archive: Archive, *, lead: int = 10) -> dict[str, list[str]]:
    """Archive word -> the units of the figures it leads (新改建公厕20座: 公厕 -> 座), most common first.

    Reports write what is counted just before the count, so an English question that names the
    thing (toilets -> 公厕) gets the report's own measure word without a list of English units.
    """
    pairs: Counter = Counter()
    totals: Counter = Counter()
    for raw, unit, context in archive.db.execute("SELECT raw, unit, context FROM figures WHERE unit != ''"):
        at = context.find(raw)
        if at <= 0:
            continue
        before = re.split(r"[，,；;。：:、]", context[:at])[-1][-lead:]
        for word in set(tokens(before)):
            if _HAN.match(word):
                pairs[word, unit] += 1
                totals[word] += 1
    units: dict[str, list[str]] = {}
    for (word, unit), n in pairs.most_common():
        if n >= 2 and n >= 0.3 * totals[word] and len(units.setdefault(word, [])) < 2:
            units[word].append(unit)
    return {w: u for w, u in units.items() if u}


def content_words(question: str) -> list[str]:
    """The English words of a question worth looking up: no stop words, numbers or vague words."""
    lemma = tables().lemma
    out = []
    muted = framing(question)
    for i, w in enumerate(words(question)):
        if i not in muted and w.isalpha() and len(w) > 2 and w not in _QUIET and lemma(w) not in _QUIET:
            out.append(IRREGULAR.get(w, w))  # built -> build: the stemmer knows no irregular verbs
    return list(dict.fromkeys(out))


def lexicon_groups(words_: list[str], word_vectors: np.ndarray, lexicon: Lexicon | None,
                   *, settings: SearchSettings | None = None) -> list[list[tuple[str, float]]]:
    """Weighted Chinese keywords for each question word (cosine above the floor scales the weight),
    one list per word: a word is matched once, by any of its terms (crosslingual.best_first merges them)."""
    s = settings or SearchSettings()
    if lexicon is None or not words_:
        return []
    return [[(term, round(s.lexicon_weight * min(1.0, (cosine - s.lexicon_similarity) / s.lexicon_ramp + 0.5), 3))
             for term, cosine in matches]
            for matches in lexicon.match(word_vectors, floor=s.lexicon_similarity, margin=s.lexicon_margin,
                                         per_word=s.lexicon_per_word) if matches]
