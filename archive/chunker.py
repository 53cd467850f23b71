"""Passages for search: paragraphs of one section body, long ones split at sentence ends.

A chunk is a span of the stored text, never reworded and never across a section boundary,
so every citation can point at exact characters. Figures (`2206户`, `1 9 9 3年`) are never
cut in two: their spans are no-cut zones, and so are runs of Latin letters and digits.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from archive.figures import number_spans
from archive.models import Chunk, Section

Span = tuple[int, int]

PARAGRAPH_END = re.compile("\n")
SENTENCE_END = re.compile(r"(?:[。！？；!?;]+|\.(?=\s))[”’」』》）)\"']*")
CLAUSE_END = re.compile(r"[，、,：:]")
_WORD = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]+(?:[.,'’-][0-9A-Za-z０-９]+)*")


def chunk_sections(
    text: str, sections: list[Section], *, max_chars: int = 300, overlap_sentences: int = 1
) -> list[Chunk]:
    """Cut each section's own body (and the preamble) into chunks of at most `max_chars`.

    Args:
        max_chars: upper bound on a chunk's length; only an unbreakable piece (a figure or
            a word longer than this) may exceed it.
        overlap_sentences: sentences repeated at the start of the next window of a long paragraph.
    """
    zones = _no_cut_zones(text)
    spans: list[tuple[int | None, int, int]] = []
    for section, (lo, hi) in own_bodies(text, sections):
        for start, end in _chunk_region(text, lo, hi, zones, max_chars, overlap_sentences):
            spans.append((section, start, end))
    spans.sort(key=lambda s: (s[1], s[2]))
    return [Chunk(i, sec, a, b, text[a:b]) for i, (sec, a, b) in enumerate(spans)]


def own_bodies(text: str, sections: list[Section]) -> Iterator[tuple[int | None, Span]]:
    """(section ordinal or None for the preamble, span of text that belongs to it alone)."""
    ordered = sorted(sections, key=lambda s: (s.start, s.ordinal))
    yield None, (0, ordered[0].start if ordered else len(text))
    first_child: dict[int, int] = {}
    for s in ordered:
        if s.parent is not None:
            first_child.setdefault(s.parent, s.start)
    for s in ordered:
        end = min(first_child.get(s.ordinal, s.end), s.end)
        yield s.ordinal, (s.body_start, max(end, s.body_start))


def _no_cut_zones(text: str) -> list[Span]:
    """Spans a cut must not fall inside: figures and Latin/digit words, merged and sorted."""
    raw = sorted(number_spans(text) + [m.span() for m in _WORD.finditer(text)])
    merged: list[list[int]] = []
    for start, end in raw:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _inside_zone(zones: list[Span], pos: int) -> Span | None:
    """The zone that a cut at `pos` would split, if any."""
    i = bisect.bisect_right(zones, pos, key=lambda z: z[0]) - 1
    if i >= 0 and zones[i][0] < pos < zones[i][1]:
        return zones[i]
    return None


def _strip(text: str, start: int, end: int) -> Span | None:
    """The span without surrounding whitespace, or None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _split(text: str, lo: int, hi: int, pattern: re.Pattern[str], zones: list[Span]) -> list[Span]:
    """Cut [lo, hi) after each match of `pattern` that is not inside a no-cut zone."""
    cuts = [m.end() for m in pattern.finditer(text, lo, hi) if not _inside_zone(zones, m.end())]
    bounds = [lo, *cuts, hi]
    return [s for a, b in zip(bounds, bounds[1:], strict=False) if (s := _strip(text, a, b))]


def _chunk_region(
    text: str, lo: int, hi: int, zones: list[Span], max_chars: int, overlap: int
) -> list[Span]:
    """Chunks of one own body: short paragraphs merged, long ones windowed over sentences."""
    out: list[Span] = []
    group: Span | None = None
    for para in _split(text, lo, hi, PARAGRAPH_END, zones):
        if para[1] - para[0] > max_chars:
            if group:
                out.append(group)
                group = None
            out.extend(_windows(_pieces(text, para, zones, max_chars), max_chars, overlap))
        elif group and para[1] - group[0] <= max_chars:
            group = (group[0], para[1])
        else:
            if group:
                out.append(group)
            group = para
    if group:
        out.append(group)
    return out


def _pieces(text: str, para: Span, zones: list[Span], max_chars: int) -> list[Span]:
    """Sentences of a paragraph; a sentence too long is packed from clauses, then hard-cut."""
    pieces: list[Span] = []
    for sentence in _split(text, *para, SENTENCE_END, zones):
        if sentence[1] - sentence[0] <= max_chars:
            pieces.append(sentence)
            continue
        clauses: list[Span] = []
        for clause in _split(text, *sentence, CLAUSE_END, zones):
            clauses.extend(_hard_cut(text, clause, zones, max_chars))
        pieces.extend(_pack(clauses, max_chars))
    return pieces


def _hard_cut(text: str, span: Span, zones: list[Span], max_chars: int) -> list[Span]:
    """Cut a span at `max_chars`, moving each cut out of any zone it would split."""
    out: list[Span] = []
    start, end = span
    while end - start > max_chars:
        cut = start + max_chars
        zone = _inside_zone(zones, cut)
        if zone:
            cut = zone[0] if zone[0] > start else zone[1]  # an oversized zone stays whole
        if piece := _strip(text, start, cut):
            out.append(piece)
        nxt = _strip(text, cut, end)
        if not nxt:
            return out
        start = nxt[0]
    out.append((start, end))
    return out


def _pack(pieces: list[Span], max_chars: int) -> list[Span]:
    """Join neighbouring pieces while the joined span stays within `max_chars`."""
    out: list[Span] = []
    for piece in pieces:
        if out and piece[1] - out[-1][0] <= max_chars:
            out[-1] = (out[-1][0], piece[1])
        else:
            out.append(piece)
    return out


def _windows(pieces: list[Span], max_chars: int, overlap: int) -> list[Span]:
    """Greedy windows over pieces; each next window repeats up to `overlap` pieces."""
    out: list[Span] = []
    i = 0
    while i < len(pieces):
        j = i + 1
        while j < len(pieces) and pieces[j][1] - pieces[i][0] <= max_chars:
            j += 1
        out.append((pieces[i][0], pieces[j - 1][1]))
        if j == len(pieces):
            break
        back = min(overlap, j - i - 1)
        while back and pieces[j][1] - pieces[j - back][0] > max_chars:
            back -= 1
        i = j - back
    return out
