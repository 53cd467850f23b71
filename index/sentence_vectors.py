"""Each passage's sentences as vectors, made when it is indexed, so ranking can ask how near the
question the passage's nearest sentence is: a whole section's vector blurs the one line that
answers, and an English question meets a Chinese sentence best one sentence at a time.

Beside them, the clauses holding the passage's figures (archive.text.figure_clauses): which figure
of a sentence a question means is a clause's business (新增就业5万人，失业率3%).

Stored in the archive (`sentence_vectors`: `vectors` in archive.text.sentence_spans order, `clauses`
in figure_clauses order, float16) under the model that made them, so another model's rows are
ignored, never mixed in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from archive.text import figure_clauses, sentence_spans
from index.vectors.vector_index import Progress, bar

if TYPE_CHECKING:
    from archive.store import Archive
    from index.embedder import Embedder

CHUNKS_PER_BATCH = 200  # chunks read, embedded and written at a time


def model_key(embedder: Embedder) -> str:
    """The model a row was made by: its name and the fingerprint of its files."""
    return f"{embedder.name}:{embedder.fingerprint}"


def pack(vectors: np.ndarray) -> bytes:
    return np.asarray(vectors, dtype=np.float16).tobytes()


def unpack(blob: bytes, dimension: int) -> np.ndarray:
    """The float16 rows as stored (half the memory of float32 in a long-lived cache)."""
    return np.frombuffer(blob, dtype=np.float16).reshape(-1, dimension)


def fill(archive: Archive, embedder: Embedder, progress: Progress | None = None) -> int:
    """Embed the sentences of every chunk this model has not embedded; return how many chunks.

    Runs inside the caller's write transaction, before the vector index is saved."""
    model = model_key(embedder)
    ids = archive.chunks_without_sentence_vectors(model)
    with bar(progress, "Embedding sentences", len(ids)) as shown:
        for start in range(0, len(ids), CHUNKS_PER_BATCH):
            chunks = archive.chunks(ids[start : start + CHUNKS_PER_BATCH])
            starts: dict[int, list[int]] = {}
            for f in archive.figures([c.id for c in chunks], columns="f.char_start"):
                starts.setdefault(f["chunk_id"], []).append(f["char_start"])
            # each chunk's sentences, then the clauses holding its figures, in one encoder call
            sentences = [sentence_spans(c.text) for c in chunks]
            spans = [s + clause_spans(c, starts.get(c.id, ())) for c, s in zip(chunks, sentences, strict=True)]
            vectors = embedder.embed([c.text[a:b] for c, s in zip(chunks, spans, strict=True) for a, b in s],
                                     batch_size=256)
            rows, at = [], 0
            for c, sent, s in zip(chunks, sentences, spans, strict=True):
                n = len(sent)
                rows.append((c.id, pack(vectors[at : at + n]), pack(vectors[at + n : at + len(s)])))
                at += len(s)
            archive.put_sentence_vectors(model, rows)
            shown.update(len(chunks))
    return len(ids)


def clause_spans(chunk, figure_starts) -> list[tuple[int, int]]:
    """The clauses of a chunk holding its figures (archive.text.figure_clauses), chunk-relative."""
    return figure_clauses(chunk.text, [at - chunk.char_start for at in figure_starts])
