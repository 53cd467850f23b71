"""Terminal output for the CLI: tables, trees, outcome summaries and progress bars."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

console = Console(highlight=False, soft_wrap=False)
STATUS_STYLE = {"added": "green", "duplicate": "yellow", "failed": "red"}


def progress_factory():
    """A progress(label, total) callable for library calls, drawing click progress bars on stderr."""

    @contextmanager
    def progress(label: str, total: int):
        with click.progressbar(
            length=total, label=label, show_percent=True, show_pos=True, file=sys.stderr
        ) as bar:
            yield bar

    return progress


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
        elif o.status == "failed":
            click.echo(f"failed: {o.path}: {o.message}", err=True)
        elif o.status == "duplicate":
            click.echo(f"duplicate: {o.path}: {o.message}", err=True)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("added", "duplicate", "failed")}
    click.echo(f"Added {counts['added']}, duplicate {counts['duplicate']}, failed {counts['failed']}.")


def print_reports(reports: list[dict]) -> None:
    table = Table(show_lines=False)
    for name, justify in [("id", "right"), ("title", "left"), ("year", "right"), ("issuer", "left"),
                          ("kind", "left"), ("sections", "right"), ("chunks", "right"), ("figures", "right")]:
        table.add_column(name, justify=justify, overflow="fold")
    for r in reports:
        table.add_row(*(escape(str(r[c])) if r[c] is not None else "—" for c in
                        ("id", "title", "year", "issuer", "kind", "sections", "chunks", "figures")))
    console.print(table)


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
    rows = Table()
    for name in ("method", "lang", "n", "hit@1", "hit@5", "mrr", "answer"):
        rows.add_column(name, justify="left" if name in ("method", "lang") else "right")
    for method, scores in table.items():
        for lang, score in sorted(scores.items()):
            d = score.as_dict()
            rows.add_row(method, lang, *(str(d[k]) for k in ("n", "hit@1", "hit@5", "mrr", "answer")))
    console.print(rows)
    if verbose:
        for method, scores in table.items():
            click.echo(f"{method} misses: {', '.join(scores['all'].misses) if 'all' in scores else '—'}")
