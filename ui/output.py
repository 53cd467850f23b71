"""Terminal output for the CLI: tables, trees, outcome summaries and progress bars."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click

STATUS_STYLE = {"added": "green", "duplicate": "yellow", "failed": "red"}
# Report columns: key, header, header in a narrow terminal, justify.
REPORT_COLUMNS = [("id", "id", "id", "right"), ("title", "title", "title", "left"),
                  ("year", "year", "year", "right"), ("issuer", "issuer", "issuer", "left"),
                  ("kind", "kind", "kind", "left"), ("sections", "sections", "sec", "right"),
                  ("chunks", "chunks", "chunks", "right"), ("figures", "figures", "figs", "right")]
# Short of room, these give way in turn, each down to its floor (in terminal cells).
GIVE_WAY = [("title", 40), ("issuer", 12), ("kind", 11), ("title", 24), ("issuer", 6), ("kind", 6), ("title", 8)]

def console():
    """A rich console for the current stdout and terminal width (rich is imported only here)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def progress_factory():
    """A progress(label, total) callable for library calls, drawing click progress bars on stderr."""

    @contextmanager
    def progress(label: str, total: int):
        with click.progressbar(
            length=total, label=label, show_percent=True, show_pos=True, file=sys.stderr
        ) as bar:
            yield bar

    return progress


def ocr_progress(done: int, total: int, confidence: float | None) -> None:
    """One status line per scanned page on stderr: page n of m and OCR's confidence."""
    sure = "no text" if confidence is None else f"confidence {confidence:.2f}"
    end = "\n" if done == total else ""
    click.echo(f"\rOCR page {done}/{total} ({sure})   ", nl=False, err=True)
    if end:
        click.echo("", err=True)


def outcome_dict(outcome) -> dict:
    return {
        "path": str(outcome.path),
        "status": outcome.status,
        "report_id": outcome.report_id,
        "title": outcome.title,
        "message": outcome.message,
        **{k: (outcome.metadata or {}).get(k) for k in ("issuer", "year", "kind")},
    }


def read_metadata(outcome) -> str:
    """2012年海拉尔区政府工作报告 · 呼伦贝尔市海拉尔区人民政府 · 2012 · gov_work_report"""
    fields = outcome.metadata or {"title": outcome.title}
    return " · ".join(str(v) for v in fields.values() if v not in (None, ""))


def print_outcomes(outcomes) -> None:
    for o in outcomes:
        if o.status == "added":  # with what was read from the file, to check (baogao edit)
            click.echo(f"added {o.report_id}: {read_metadata(o)}")
            if o.message:  # what the reader left out (pages OCR could not read)
                click.echo(f"note: {o.path}: {o.message}", err=True)
        elif o.status == "failed":
            click.echo(f"failed: {o.path}: {o.message}", err=True)
        elif o.status == "duplicate":
            click.echo(f"duplicate: {o.path}: {o.message}", err=True)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("added", "duplicate", "failed")}
    click.echo(f"Added {counts['added']}, duplicate {counts['duplicate']}, failed {counts['failed']}.")


def print_reports(reports: list[dict]) -> None:
    """One report per line, or two when the title needs them; fits the terminal (80 columns too)."""
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    out = console()
    cells = [{k: "—" if r.get(k) is None else str(r[k]) for k, *_ in REPORT_COLUMNS} for r in reports]

    def widths_for(header: int) -> dict[str, int]:
        return {c[0]: max([cell_len(c[header]), *(cell_len(row[c[0]]) for row in cells)])
                for c in REPORT_COLUMNS}

    gaps = 2 * (len(REPORT_COLUMNS) - 1)
    header = 1
    widths = widths_for(header)
    if sum(widths.values()) + gaps > out.width:
        header = 2
        widths = widths_for(header)
    excess = sum(widths.values()) + gaps - out.width
    for key, floor in GIVE_WAY:
        give = max(0, min(widths[key] - floor, excess))
        widths[key] -= give
        excess -= give
    table = Table(box=None, pad_edge=False, padding=(0, 1), header_style="bold")
    for c in REPORT_COLUMNS:
        table.add_column(c[header], justify=c[3], width=widths[c[0]], no_wrap=True,
                         overflow="ellipsis")
    for row in cells:
        title = Text(row["title"]).wrap(out, widths["title"], overflow="fold")
        if len(title) > 2:  # two lines at most, the second cut with an ellipsis
            title[1].truncate(widths["title"] - 1)
            title[1].append("…")
        table.add_row(*(Text("\n").join(title[:2]) if k == "title" else Text(row[k])
                        for k, *_ in REPORT_COLUMNS))
    out.print(table)

def print_tree(report, sections: list[dict]) -> None:
    """The section tree, indented like a table of contents, with chunk counts."""
    click.echo(f"{report.title}  ({report.year or '—'} · {report.issuer or '—'} · {report.kind or '—'})")
    depth: dict[int, int] = {}
    for s in sections:
        d = depth[s["id"]] = depth.get(s["parent_id"], -1) + 1 if s["parent_id"] else 0
        click.echo(f"{'  ' * (d + 1)}{s['title']}  [{s['chunks']} chunks]")


def print_answer(result: dict) -> None:
    """The figure first, then the sentence and its citation, then the ranked passages."""
    answer = result.get("answer")
    if result.get("error"):
        click.echo(f"error: {result['error']}", err=True)
        return
    if answer:
        if answer["figure"]:
            click.secho(answer["figure"], bold=True)
        click.echo(answer["sentence"])
        click.secho(breadcrumb(answer["citation"]), dim=True)
    else:
        click.echo("Not found in the archive. The nearest passages:")
    if result.get("hints"):
        click.secho("Hints from the question: " + ", ".join(h["label"] for h in result["hints"])
                    + "  (--no-hints to ignore)", dim=True)
    for p in result["passages"]:
        click.echo(f"\n[{p['rank']}] {breadcrumb(p)}  (score {p['score']:.4f})")
        click.echo(p["text"])


def breadcrumb(citation: dict) -> str:
    head = " · ".join(str(x) for x in (citation["title"], citation.get("year"), citation.get("issuer")) if x)
    return " › ".join([head, *citation["section_path"]])


def print_eval(table: dict, verbose: bool) -> None:
    from rich.table import Table

    rows = Table()
    for name in ("method", "lang", "n", "hit@1", "hit@5", "mrr", "answer"):
        rows.add_column(name, justify="left" if name in ("method", "lang") else "right")
    for method, scores in table.items():
        for lang, score in sorted(scores.items()):
            d = score.as_dict()
            rows.add_row(method, lang, *(str(d[k]) for k in ("n", "hit@1", "hit@5", "mrr", "answer")))
    console().print(rows)
    if verbose:
        for method, scores in table.items():
            click.echo(f"{method} misses: {', '.join(scores['all'].misses) if 'all' in scores else '—'}")
