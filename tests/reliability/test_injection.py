"""SQL, FTS5 syntax, format strings and markup in questions, filters and metadata are data:
through the library and the command line they are stored, matched and printed as written,
and never change the archive. (The page's escaping is tested in the browser suite.)
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.keyword import Filters
from index.library import Library

SMALL = ["district-deputy-duty-report.txt", "gwr_2014_hailaer_district.txt"]
PAYLOADS = [
    "'; DROP TABLE chunks; --",
    '" OR 1=1 --',
    "' OR '1'='1",
    '"棚户区',
    '棚户区"',
    "NEAR(",
    "NEAR(棚户区 改造, 2)",
    "棚户区 AND OR NOT",
    "body:棚户区",
    "{body context}: 棚户区",
    "棚户*",
    "^棚户区",
    "- + ( ) *",
    "%_\\",
    "{0} %s %(x)s {__class__.__mro__} %n",
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[bold red]富文本[/] [/]",
    "\x1b[31m红\x1b[0m",
    "棚户区改造\x00多少户",
    "😀 棚户区 🏠",
    "chunks_fts MATCH 'x'",
]
# The CLI adds parsing and printing to the same library calls: one payload of each kind.
CLI_PAYLOADS = [PAYLOADS[i] for i in (0, 3, 6, 12, 14, 15, 17, 18, 19, 20)]


def schema(database: Path) -> list[tuple]:
    db = sqlite3.connect(database)
    try:
        return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    finally:
        db.close()


@pytest.fixture(scope="module")
def library(indexed_home, tmp_path_factory, tiny_model_dir):
    home = indexed_home(SMALL, manifest=False, copy_to=tmp_path_factory.mktemp("injection") / "home")
    lib = Library.open(home, model=tiny_model_dir)
    yield lib
    lib.close()


@pytest.fixture
def untouched(library):
    """Whatever the test does, the schema and the row counts stay as they were."""
    before = (schema(library.home.database), library.archive.counts(), library.archive.generation)
    yield
    after = (schema(library.home.database), library.archive.counts(), library.archive.generation)
    assert after == before


@pytest.mark.parametrize("method", ["keyword", "dense", "hybrid"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_question_is_data(library, untouched, payload, method):
    result = library.ask(payload, method=method, top_k=3)
    assert result["question"] == payload.strip()
    chunk_ids = set(library.archive.chunk_ids())
    assert all(p["chunk_id"] in chunk_ids for p in result["passages"])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_filter_is_data(library, untouched, payload):
    """An issuer filter matches the literal text: `%` and `_` are not wildcards."""
    result = library.ask("棚户区改造", filters=Filters(issuer=payload, kind=payload), top_k=3)
    assert result["passages"] == []
    result = library.ask("棚户区改造", filters=Filters(issuer=payload), method="keyword", top_k=3)
    assert result["passages"] == []


@pytest.fixture
def edited(library):
    """Report 1 with every metadata field set to a payload; restored afterwards."""
    original = library.archive.report(1)
    yield lambda payload: library.edit(1, title=payload, issuer=payload, kind=payload)
    library.edit(1, title=original.title, issuer=original.issuer, kind=original.kind)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_metadata_is_stored_and_matched_as_written(library, edited, payload):
    counts = library.archive.counts()
    edited(payload)
    report = library.archive.report(1)
    assert (report.title, report.issuer, report.kind) == (payload, payload, payload)
    assert library.archive.counts() == counts
    result = library.ask("城市建设", filters=Filters(issuer=payload, kind=payload), top_k=3)
    assert result["passages"] and {p["report_id"] for p in result["passages"]} == {1}
    assert all(p["title"] == payload and p["issuer"] == payload for p in result["passages"])


@pytest.fixture
def cli(library, tiny_model_dir, monkeypatch):
    from ui.cli import cli

    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))
    home = str(library.home.root)

    def run(*args, input=None):
        command, *rest = map(str, args)
        result = CliRunner().invoke(cli, [command, "--home", home, *rest], input=input)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result

    return run


@pytest.mark.parametrize("payload", CLI_PAYLOADS)
def test_the_cli_takes_questions_and_filters_as_data(cli, untouched, payload):
    result = cli("ask", "--json", "--", payload)  # `--`: a question may start with a dash
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["question"] == payload.strip()
    assert cli("ask", "--", payload).exit_code == 0
    filtered = cli("ask", "棚户区改造", "--issuer", payload, "--kind", payload, "--json")
    assert filtered.exit_code == 0 and json.loads(filtered.output)["passages"] == []


def test_the_cli_reads_hostile_questions_line_by_line(cli, untouched):
    lines = [p.replace("\x00", "") for p in PAYLOADS]
    result = cli("ask", "-", "--json", input="\n".join(lines) + "\n")
    assert result.exit_code == 0
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert [a["question"] for a in answers] == [line.strip() for line in lines if line.strip()]


@pytest.mark.parametrize("payload", CLI_PAYLOADS)
def test_the_cli_stores_and_prints_metadata_as_written(cli, edited, payload):
    if "\x00" in payload:
        pytest.skip("a NUL cannot be passed in a command-line argument")
    assert cli("edit", 1, "--title", payload, "--issuer", payload, "--kind", payload).exit_code == 0
    listed = {r["id"]: r for r in json.loads(cli("list", "--json").output)}
    assert (listed[1]["title"], listed[1]["issuer"], listed[1]["kind"]) == (payload,) * 3
    shown = json.loads(cli("show", 1, "--json").output)["report"]
    assert shown["title"] == payload
    assert cli("list").exit_code == 0
    tree = cli("show", 1)
    assert tree.exit_code == 0
    assert "\x1b" in payload or tree.output.startswith(payload)  # click.echo strips ANSI
    asked = json.loads(cli("ask", "城市建设", "--issuer", payload, "--json").output)
    assert asked["passages"] and all(p["issuer"] == payload for p in asked["passages"])
