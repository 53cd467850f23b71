"""The `baogao` command line: thin over the library, made for shell scripts and cron."""

from __future__ import annotations

import io
import json
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from archive.settings import MAX_FILE_MB
from ui.options import command_settings, home_option, json_option, resolve_settings

# Everything else is imported inside the command that needs it: `baogao --help`, `path` or
# `list` start in well under a second, and only the commands that embed load a model.
METHODS = ("keyword", "dense", "hybrid")  # index.search.METHODS (tests/test_cold_start.py)
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="baogao")
@click.option(
    "--vector-store",
    metavar="URI",
    help="faiss (default), milvus (Milvus Lite in the home), milvus:///abs/path/file.db "
    "or milvus://host:19530 (see docs/scale.md).",
)
@click.pass_context
def cli(ctx, vector_store):
    """baogao (报告): a searchable archive of reports with cited answers.

    \b
    Quick start:
      baogao add data/reports        # the bundled reports (manifest.tsv is read)
      baogao list
      baogao ask "how many shantytown households were rebuilt"
      baogao serve                   # the web page on http://localhost:8501
    """
    ctx.obj = resolve_settings(vector_store)  # once, here: every command and the page get them


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="TSV of file, title, issuer, year, kind, language (a folder's own manifest.tsv is read by default).")
@click.option("--title", help="Title for the added report(s).")
@click.option("--year", type=int, help="Year for the added report(s).")
@click.option("--issuer", help="Issuing body, e.g. 国务院.")
@click.option("--kind", help="Report kind, e.g. gov_work_report, duty_report.")
@click.option("--max-size", type=click.IntRange(min=1), default=None,
              help=f"Refuse files larger than this many MB.  [default: BAOGAO_MAX_UPLOAD_MB, else {MAX_FILE_MB}]")
@click.option("--no-index", is_flag=True, help="Store only; embed later with `baogao rebuild`.")
@click.option("-s", "--silent", is_flag=True, help="No progress bar.")
@json_option
@home_option
def add(paths, manifest, title, year, issuer, kind, max_size, no_index, silent, as_json, home):
    """Add report files or folders (.txt .md .docx .pdf .html .png .jpg) to the archive.

    Scanned PDF pages and images are read by OCR, with a line per page.

    \b
    Examples:
      baogao add report.docx --year 2024 --issuer 国务院
      baogao add reports/ --manifest reports/manifest.tsv
    """
    from archive import ocr
    from ui import output
    from ui.session import open_library

    flags = {"title": title, "year": year, "issuer": issuer, "kind": kind}
    pages = ocr.reporting(output.ocr_progress) if not (silent or as_json) else nullcontext()
    settings = command_settings(home)
    max_bytes = max_size * 2**20 if max_size else settings.max_bytes
    with open_library(settings) as library, pages:
        outcomes = library.add(
            paths,
            manifest=manifest,
            metadata={k: v for k, v in flags.items() if v is not None},
            max_bytes=max_bytes,
            index=not no_index,
            progress=None if silent or as_json else output.progress_factory(),
        )
    if as_json:
        click.echo(json.dumps([output.outcome_dict(o) for o in outcomes], ensure_ascii=False, indent=2))
    else:
        output.print_outcomes(outcomes)
    if any(o.status == "failed" for o in outcomes):
        sys.exit(1)


@cli.command("list")
@json_option
@home_option
def list_(as_json, home):
    """List the reports in the archive with their section, chunk and figure counts."""
    from ui import output
    from ui.session import open_library

    with open_library(command_settings(home)) as library:
        reports = library.archive.reports()
    if as_json:
        click.echo(json.dumps(reports, ensure_ascii=False, indent=2))
    elif not reports:
        click.echo("The archive is empty. Add reports with: baogao add PATH")
    else:
        output.print_reports(reports)


@cli.command()
@click.argument("report_id", type=int)
@click.option("--section", help="Print the text of the section whose title contains this.")
@json_option
@home_option
def show(report_id, section, as_json, home):
    """Show a report's section tree with chunk counts, or one section's text."""
    from ui import output
    from ui.session import open_library

    with open_library(command_settings(home)) as library:
        report = library.archive.report(report_id)
        sections = library.archive.sections(report_id)
        text = library.archive.text(report_id)
    if section:
        matches = [s for s in sections if section.strip() in s["title"]]
        if not matches:
            raise click.ClickException(f"report {report_id} has no section titled like {section!r}")
        chosen = matches[0]
        body = text[chosen["char_start"] : chosen["char_end"]]
        if as_json:
            click.echo(json.dumps({**chosen, "text": body}, ensure_ascii=False, indent=2))
        else:
            click.echo(body)
        return
    if as_json:
        click.echo(json.dumps({"report": report.__dict__, "sections": sections}, ensure_ascii=False, indent=2))
    else:
        output.print_tree(report, sections)


@cli.command()
@click.argument("report_id", type=int)
@click.option("--title")
@click.option("--year", type=int)
@click.option("--issuer")
@click.option("--kind")
@click.option("--language")
@home_option
def edit(report_id, home, **fields):
    """Correct a report's metadata (title, year, issuer, kind, language)."""
    changes = {k: v for k, v in fields.items() if v is not None}
    if not changes:
        raise click.UsageError("nothing to change: give --title, --year, --issuer, --kind or --language")
    from ui.session import open_library

    with open_library(command_settings(home)) as library:
        report = library.edit(report_id, **changes)
    click.echo(f"Updated report {report.id}: {report.title} ({report.year or '—'})")


@cli.command()
@click.argument("report_ids", nargs=-1, type=int, required=True)
@home_option
def remove(report_ids, home):
    """Remove reports and everything under them (sections, chunks, figures, vectors)."""
    from ui.session import open_library

    with open_library(command_settings(home)) as library:
        for report_id in report_ids:
            report = library.archive.report(report_id)
            library.remove(report_id)
            click.echo(f"Removed report {report_id}: {report.title}")


def filter_options(fn):
    for option in reversed([
        click.option("--year", type=int, help="Only reports of this year."),
        click.option("--year-from", type=int, help="Only reports from this year on."),
        click.option("--year-to", type=int, help="Only reports up to this year."),
        click.option("--issuer", help="Only reports whose issuer contains this."),
        click.option("--kind", help="Only reports of this kind (e.g. gov_work_report)."),
        click.option("--report", "report_ids", type=int, multiple=True, help="Only this report id (repeatable)."),
    ]):
        fn = option(fn)
    return fn


def make_filters(year, year_from, year_to, issuer, kind, report_ids):
    from index.keyword import Filters

    return Filters(
        year_from=year if year is not None else year_from,
        year_to=year if year is not None else year_to,
        issuer=issuer, kind=kind, report_ids=tuple(report_ids),
    )


@cli.command()
@click.option("-s", "--silent", is_flag=True, help="No progress bar.")
@home_option
def rebuild(silent, home):
    """Embed every chunk and write a fresh vector index (atomic: the old one serves until done)."""
    from ui import output
    from ui.session import open_library

    with open_library(command_settings(home)) as library:
        manifest = library.rebuild(progress=None if silent else output.progress_factory())
    click.echo(f"Indexed {manifest['count']} chunks with {manifest['model_name']} ({manifest['dimension']}-d).")


@cli.command()
@click.argument("question")
@click.option("-k", "--top-k", type=click.IntRange(1, 100), default=5, show_default=True,
              help="Passages to show.")
@filter_options
@click.option("--method", type=click.Choice(METHODS), default="hybrid", show_default=True,
              help="Which legs to use.")
@click.option("--no-hints", is_flag=True, help="Ignore years and places named in the question.")
@json_option
@home_option
def ask(question, top_k, year, year_from, year_to, issuer, kind, report_ids, method, no_hints, as_json, home):
    """Ask a question in Chinese or English; print the answer and cited passages.

    \b
    Examples:
      baogao ask "how many shantytown households were rebuilt"
      baogao ask "2024年政府工作报告的经济增长目标是多少" --year 2024 --json
      printf 'q1\\nq2\\n' | baogao ask - --json     # one JSON object per line
    """
    from ui import output
    from ui.session import open_library

    filters = make_filters(year, year_from, year_to, issuer, kind, report_ids)
    options = {"filters": filters, "top_k": top_k, "method": method, "use_hints": not no_hints}
    with open_library(command_settings(home)) as library:
        searcher = library.searcher(method)
        questions = stdin_lines() if question == "-" else [question]
        for q in questions:
            if not q and question == "-":
                continue
            try:
                result = library.ask(q, searcher=searcher, **options)
            except ValueError as e:
                if question != "-":
                    raise
                result = {"question": q, "error": str(e)}
            if as_json:
                click.echo(json.dumps(result, ensure_ascii=False, indent=None if question == "-" else 2))
            else:
                output.print_answer(result)


@cli.command()
@click.argument("question")
@json_option
@home_option
def trend(question, as_json, home):
    """Follow one indicator across reports: each year's target and result, cited, place by place.

    \b
    Examples:
      baogao trend "国务院 国内生产总值增长 预期目标"
      baogao trend "北京 上海 地区生产总值增长 2024-2025" --json
    """
    from index.trend import NoIndicator
    from index.trend import trend as follow
    from ui.session import open_library
    from ui.trend_table import print_trend

    with open_library(command_settings(home)) as library:
        try:
            result = follow(library.archive, question).as_dict()
        except NoIndicator as e:
            raise click.ClickException(str(e)) from e
    click.echo(json.dumps(result, ensure_ascii=False, indent=2)) if as_json else print_trend(result)


@cli.command("eval")
@click.argument("qa_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--method", type=click.Choice([*METHODS, "all"]), default="all", show_default=True)
@click.option("--no-hints", is_flag=True, help="Ignore years and places named in the questions.")
@click.option("-v", "--verbose", is_flag=True, help="List the questions missed.")
@json_option
@home_option
def eval_(qa_file, method, no_hints, verbose, as_json, home):
    """Score retrieval (hit@1, hit@5, MRR) and answers per language on a QA .jsonl file."""
    from index.evaluate import evaluate, load_questions
    from ui import output
    from ui.session import open_library

    methods = METHODS if method == "all" else (method,)
    with open_library(command_settings(home)) as library:
        questions = load_questions(qa_file)
        searcher = library.searcher("keyword" if methods == ("keyword",) else "hybrid")
        table = {
            m: evaluate(questions, lambda q, m=m: library.ask(
                q, searcher=searcher, method=m, top_k=5, use_hints=not no_hints))
            for m in methods
        }
    if as_json:
        click.echo(json.dumps({m: {lang: s.as_dict() for lang, s in scores.items()}
                               for m, scores in table.items()}, indent=2))
    else:
        output.print_eval(table, verbose)


@cli.command()
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--host", default="localhost", show_default=True)
@home_option
def serve(port, host, home):
    """Start the web page (Streamlit); loads the bundled reports on first run."""
    from ui.exposure import ExposureError
    from ui.server import run_server

    try:
        sys.exit(run_server(command_settings(home), port=port, host=host))
    except ExposureError as e:
        raise click.ClickException(str(e)) from e


@cli.command()
@home_option
def path(home):
    """Print the archive home folder."""
    from archive.home import Home

    try:
        click.echo(Home.resolve(command_settings(home).home).root)
    except OSError as e:
        raise click.ClickException(f"cannot use {home or 'the archive home'}: {e}") from e


@cli.command("check")
@click.option(
    "--repair",
    "fix",
    is_flag=True,
    help="Fix what can be fixed (waits for the writer lock) and say what was done.",
)
@json_option
@home_option
def check_(fix, as_json, home):
    """Verify the archive and its index: one line per problem, exit 1 while any remain.

    \b
    Checked: SQLite integrity and foreign keys, reports present only in part, one
    keyword row per chunk, one vector per chunk and none other, vectors and manifest
    against the model and the archive. --repair deletes partial reports, refills
    keyword rows, embeds missing chunks, drops orphan vectors, rebuilds a foreign index.
    """
    from index.health import dumps, examine
    from index.library import USER_ERRORS

    try:
        result = examine(fix=fix, settings=command_settings(home))
    except USER_ERRORS as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(dumps(result))
    else:
        for action in result.actions:
            click.echo(f"repaired: {action}")
        for problem in result.problems:
            click.echo(str(problem))
        if not result.problems:
            click.echo("OK: the archive and its index are consistent.")
    if result.problems:
        sys.exit(1)


def stdin_lines():
    """Questions from standard input, one a line; bytes that are not UTF-8 become U+FFFD, so
    what is echoed back (and printed as JSON) is always valid UTF-8."""
    stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    return (line.strip() for line in stream)


def main():
    cli()
