"""HTML for the page, built only from escaped segments: report text is never trusted as markup."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from html import escape

SEPARATOR = '<span class="bg-sep">›</span>'
# Characters that Streamlit's markdown (labels, captions) would read as syntax.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
_CONTEXT_CHARS = 6000  # a long section is cut around the passage so the page stays light


def md_escape(text: str) -> str:
    """Text for a Streamlit label or caption that shows exactly as written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark_spans(text: str, spans: Iterable[tuple[int, int]], css_class: str = "bg-hl") -> str:
    """Escaped text with each span wrapped in <mark>; overlapping spans are merged."""
    out, pos = [], 0
    clamped = ((max(0, s), min(len(text), e)) for s, e in spans)  # a span may lie partly outside
    for start, end in _merge((s, e) for s, e in clamped if e > s):
        out += [escape(text[pos:start]), f'<mark class="{css_class}">', escape(text[start:end])]
        out.append("</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def term_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Where any of the terms occurs (case-insensitive); overlaps are merged when marked."""
    spans: list[tuple[int, int]] = []
    for word in {t.strip() for t in terms if t and t.strip()}:
        spans += [m.span() for m in re.finditer(re.escape(word), text, re.IGNORECASE)]
    return spans


def meaningful_terms(terms: Iterable[str]) -> list[str]:
    """The terms worth marking: a lone character (户, 年, a) occurs everywhere and marks noise."""
    return sorted({t.strip() for t in terms if t and len(t.strip()) >= 2})


def highlight(text: str, terms: Iterable[str], css_class: str = "bg-hl") -> str:
    """Escaped text with the matched words marked."""
    return mark_spans(text, term_spans(text, terms), css_class)


def breadcrumb(parts: Iterable[str]) -> str:
    """Escaped path parts joined with › separators."""
    items = [f'<span class="bg-crumb">{escape(str(p))}</span>' for p in parts if p]
    return f'<div class="bg-breadcrumb">{SEPARATOR.join(items)}</div>'


def citation_head(citation: dict) -> str:
    """Report title · year · issuer, as plain text."""
    fields = (citation.get("title"), citation.get("year"), citation.get("issuer"))
    return " · ".join(str(x) for x in fields if x not in (None, ""))


def answer_card(answer: dict) -> str:
    """The figure large, the sentence with the figure marked, the citation and its breadcrumb."""
    figure, sentence, citation = answer.get("figure"), answer["sentence"], answer["citation"]
    spans = sorted(term_spans(sentence, [figure] if figure else []))
    figure_html = f'<div class="bg-figure">{escape(figure)}</div>' if figure else ""
    return (
        '<div class="bg-answer">'
        f"{figure_html}"
        f'<div class="bg-sentence">{mark_spans(sentence, spans[:1], "bg-fig")}</div>'
        f'<div class="bg-cite">{escape(citation_head(citation))}</div>'
        f"{breadcrumb(citation.get('section_path') or [])}"
        "</div>"
    )


def passage_card(passage: dict, terms: Iterable[str]) -> str:
    """One ranked passage: rank, citation, breadcrumb, score and the text with terms marked."""
    return (
        '<div class="bg-passage">'
        f'<div class="bg-passage-head"><span class="bg-rank">{int(passage["rank"])}</span>'
        f'<span class="bg-cite">{escape(citation_head(passage))}</span>'
        f'<span class="bg-score">score {float(passage["score"]):.3f}</span></div>'
        f"{breadcrumb(passage.get('section_path') or [])}"
        f'<div class="bg-text">{highlight(passage["text"], meaningful_terms(terms))}</div>'
        "</div>"
    )


def notice(text: str, css_class: str = "bg-notice") -> str:
    return f'<div class="{css_class}">{escape(text)}</div>'


def innermost_section(sections: list[dict], start: int, end: int) -> dict | None:
    """The smallest section whose span holds [start, end)."""
    holding = [s for s in sections if s["char_start"] <= start and end <= s["char_end"]]
    return min(holding, key=lambda s: s["char_end"] - s["char_start"], default=None)


def context_section(sections: list[dict], start: int, end: int) -> dict | None:
    """The passage's section, or its parent when the passage is nearly all of it."""
    section = innermost_section(sections, start, end)
    by_id = {s["id"]: s for s in sections}
    while (
        section is not None
        and section.get("parent_id") in by_id
        and section["char_end"] - section["char_start"] < max(2 * (end - start), 600)
    ):
        section = by_id[section["parent_id"]]
    return section


def figure_span(text: str, answer: dict | None) -> tuple[int, int] | None:
    """Where the answer's figure sits in the report's text (inside its cited sentence)."""
    if not answer or not answer.get("figure"):
        return None
    citation = answer["citation"]
    at = text.find(answer["figure"], citation["char_start"], citation["char_end"])
    return (at, at + len(answer["figure"])) if at >= 0 else None


def context_html(
    text: str, sections: list[dict], start: int, end: int, figure: tuple[int, int] | None = None
) -> str:
    """The passage's whole section (cut around it when very long): the passage set apart from
    the text around it (muted), the answer's figure picked out when it lies in the passage."""
    section = context_section(sections, start, end)
    lo, hi = (section["char_start"], section["char_end"]) if section else (0, len(text))
    if hi - lo > _CONTEXT_CHARS:
        lo = max(lo, start - _CONTEXT_CHARS // 2)
        hi = min(hi, max(end, lo + _CONTEXT_CHARS))
    before = "… " if lo > (section["char_start"] if section else 0) else ""
    after = " …" if hi < (section["char_end"] if section else len(text)) else ""
    marks = [(figure[0] - start, figure[1] - start)] if figure and start <= figure[0] < end else []
    parts = [
        _around(before + text[lo:start].strip("\n")),
        f'<div class="bg-text bg-here">{mark_spans(text[start:end], marks, "bg-fig")}</div>',
        _around(text[end:hi].strip("\n") + after),
    ]
    path = (section or {}).get("path", "")
    crumbs = breadcrumb(path.split(" › ")) if path else ""
    return f'<div class="bg-context">{crumbs}{"".join(parts)}</div>'


def _around(segment: str) -> str:
    return f'<div class="bg-text bg-around">{escape(segment)}</div>' if segment.strip() else ""


def _depths(sections: list[dict]) -> dict[int, int]:
    depth: dict[int, int] = {}
    for s in sections:
        depth[s["id"]] = depth.get(s["parent_id"], -1) + 1 if s["parent_id"] else 0
    return depth


def section_anchor(section: dict) -> str:
    return f"bg-sec-{int(section['id'])}"


def toc_html(sections: list[dict]) -> str:
    """The section tree as an indented table of contents with chunk counts; a title jumps to
    its section in the report beside it."""
    depth = _depths(sections)
    rows = [
        f'<a class="bg-toc-row" href="#{section_anchor(s)}" '
        f'style="padding-left:{1.2 * depth[s["id"]]:.1f}em">'
        f'{escape(s["title"])} <span class="bg-count">{int(s.get("chunks") or 0)}</span></a>'
        for s in sections
    ]
    return f'<div class="bg-toc">{"".join(rows)}</div>'


def report_html(text: str, sections: list[dict]) -> str:
    """The whole report in reading order: each heading indented by depth, then its body."""
    depth = _depths(sections)
    out, pos, level = [], 0, 0
    for s in sections:
        if s["char_start"] > pos:
            out.append(_body(text[pos : s["char_start"]], level))
        level = depth[s["id"]]
        heading = text[s["char_start"] : s["body_start"]].strip() or s["title"]
        out.append(
            f'<div class="bg-h bg-h{min(level, 4)}" id="{section_anchor(s)}" '
            f'style="margin-left:{1.2 * level:.1f}em">'
            f"{escape(heading)}</div>"
        )
        pos = max(pos, s["body_start"])
    out.append(_body(text[pos:], level))
    return f'<div class="bg-report">{"".join(out)}</div>'


def _body(segment: str, level: int) -> str:
    if not segment.strip():
        return ""
    style = f"margin-left:{1.2 * level:.1f}em"
    return f'<div class="bg-text" style="{style}">{escape(segment.strip())}</div>'


def human_time(iso: str | None, now: datetime | None = None) -> str:
    """A stored ISO timestamp as people read it: '2 Dec 2026, 16:37 UTC (5 minutes ago)'."""
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return "—"
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC ({_ago(seconds)})"


def _ago(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n > 1 else ''} ago"
    return "just now"


def hint_chip(hint: dict) -> tuple[str, str]:
    """A hint read from the question as a chip label and its tooltip, in words a reader follows."""
    kind, value, count = hint.get("kind"), str(hint.get("value")), len(hint.get("reports") or ())
    reports = f"({count} report{'s' if count != 1 else ''})"
    if kind == "year" and (looks_back := re.search(r"reviews (\d{4})", hint.get("label", ""))):
        back = looks_back.group(1)
        return (f"{value} reports, looking back on {back}",
                f"A report of {value} reviews {back}: reports of {value} are ranked higher too {reports}.")
    if kind == "year":
        return (f"{value} reports", f"The question names {value}: its reports are ranked higher {reports}.")
    if kind == "place":
        return (f"reports of {value}", f"The question names {value}: its reports are ranked higher {reports}.")
    if kind == "kind":
        return (f"{value.replace('_', ' ')}s", f"The question names this kind: such reports are ranked higher {reports}.")
    return (str(hint.get("label") or value), f"Ranked higher {reports}.")
