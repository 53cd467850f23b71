"""`check` finds each kind of damage a crash or a stray writer can leave, and `repair` fixes it."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import REPORTS

from index.embedder import ModelError
from index.health import Problem, check, examine, repair, writer_active
from index.library import IndexNotReady, Library

SMALL = [
    "district-deputy-duty-report.txt",
    "gwr_2014_hailaer_district.txt",
    "gwr_2012_hailaer_district.txt",
]
EXTRA = "gwr_2013_state_council.txt"


@pytest.fixture(scope="session")
def other_model_dir(tmp_path_factory) -> Path:
    """A second tiny model of the same dimension: its vectors fit the index but mean nothing."""
    from conftest import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("other-model") / "tiny-bert", seed=1)


@pytest.fixture(scope="module")
def pristine(indexed_home, tiny_model_dir) -> tuple[Path, object]:
    """Three small reports, indexed once; each test damages its own copy."""
    from index.embedder import Embedder

    return indexed_home(SMALL, manifest=False), Embedder(str(tiny_model_dir))


@pytest.fixture
def library(tmp_path, tiny_model_dir, pristine):
    root, embedder = pristine
    shutil.copytree(root, tmp_path / "home")
    lib = Library.open(tmp_path / "home", model=tiny_model_dir)
    lib.__dict__["embedder"] = embedder  # the same model, loaded once per module
    yield lib
    lib.close()


def titles(lib: Library) -> set[str]:
    return {r["file_name"] for r in lib.archive.reports()}


def drop_report_row_without_cascade(lib: Library) -> None:
    db = lib.archive.db
    db.execute("PRAGMA foreign_keys=OFF")
    db.execute("DELETE FROM reports WHERE id = 2")
    db.conn.commit()
    db.execute("PRAGMA foreign_keys=ON")


def sql(statement: str):
    def damage(lib: Library) -> None:
        lib.archive.db.execute(statement)
        lib.archive.db.conn.commit()

    return damage


def swap_in_vectors_of(model: Path):
    """A save killed between its two renames: new vectors beside the old manifest."""

    def damage(lib: Library) -> None:
        manifest = (lib.home.index_dir / "manifest.json").read_bytes()
        Library(lib.home, model).rebuild()
        (lib.home.index_dir / "manifest.json").write_bytes(manifest)

    return damage


def zero_inside_vectors(lib: Library) -> None:
    """2 KB zeroed in the middle of vectors.faiss, its size unchanged: a bad disk block."""
    path = lib.home.index_dir / "vectors.faiss"
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 2048] = bytes(2048)
    path.write_bytes(bytes(data))


DAMAGE = {
    "added without vectors": (
        lambda lib: lib.add([REPORTS / EXTRA], index=False),
        "have no vector",
    ),
    "removed from the archive only": (
        lambda lib: lib.archive.remove(1),
        "no longer in the archive",
    ),
    "title edited, vectors not": (
        lambda lib: lib.archive.edit(2, title="改名"),
        "not what the model makes",
    ),
    "year edited, manifest not": (
        lambda lib: lib.archive.edit(2, year=1999),
        "records archive state",
    ),
    "keyword rows lost": (
        sql("DELETE FROM chunks_fts WHERE rowid IN (SELECT id FROM chunks LIMIT 3)"),
        "no keyword-search row",
    ),
    "keyword row of no chunk": (
        sql("INSERT INTO chunks_fts(rowid, body, context) VALUES (99999, 'x', 'y')"),
        "belong to no chunk",
    ),
    "keyword index damaged": (
        sql("DELETE FROM chunks_fts_data WHERE id > 10"),
        "does not match its rows",
    ),
    "orphan rows": (drop_report_row_without_cascade, "refer to missing reports"),
    "report without text": (sql("DELETE FROM texts WHERE report_id = 2"), "has no text"),
    "chunk outside its text": (
        sql("UPDATE chunks SET char_end = 10000000 WHERE id = 5"),
        "outside its text",
    ),
    "vectors truncated": (
        lambda lib: (lib.home.index_dir / "vectors.faiss").write_bytes(b"x"),
        "cannot be opened",
    ),
    "vectors zeroed in place": (zero_inside_vectors, "checksum"),
    "manifest lost": (
        lambda lib: (lib.home.index_dir / "manifest.json").unlink(),
        "cannot be opened",
    ),
    "no index at all": (lambda lib: shutil.rmtree(lib.home.index_dir), "no index"),
    "leftover temporary file": (
        lambda lib: (lib.home.index_dir / ".vectors.faiss.1.tmp").write_bytes(b"x"),
        "temporary file",
    ),
}


def test_a_sound_archive_has_no_problems(library):
    assert check(library) == []
    assert repair(library) == []


@pytest.mark.parametrize("name", DAMAGE)
def test_check_finds_the_damage_and_repair_fixes_it(library, name):
    damage, expected = DAMAGE[name]
    before = titles(library)
    damage(library)
    problems = check(library)
    assert any(expected in str(p) for p in problems), problems
    assert all("\n" not in str(p) for p in problems)
    actions = repair(library)
    assert actions
    assert check(library) == []
    kept = titles(library)
    assert len(before - kept) <= 1  # only a report written in part (or removed above) goes
    result = library.ask("城市建设", top_k=3)
    assert result["passages"]


def test_vectors_of_another_model_under_the_old_manifest_are_caught(library, other_model_dir):
    """Same size, same ids, same stamp: the manifest's checksum tells the vectors apart."""
    swap_in_vectors_of(other_model_dir)(library)
    problems = check(library)
    assert any("checksum" in str(p) for p in problems), problems
    repair(library)
    assert check(library) == []


def test_an_index_of_another_model_is_rebuilt(library, other_model_dir):
    Library(library.home, other_model_dir).rebuild()
    problems = check(library)
    assert any("built with model" in str(p) for p in problems), problems
    assert any(a.startswith("rebuilt the index") for a in repair(library))
    assert check(library) == []


def test_ask_refuses_a_stale_index_and_says_how_to_fix_it(library):
    library.add([REPORTS / EXTRA], index=False)
    with pytest.raises(IndexNotReady, match="rebuild"):
        library.searcher()


def test_a_reader_during_a_write_serves_the_current_index(library):
    library.archive.remove(1)  # the index is a step behind, as in the middle of a remove
    with library.home.writing():
        assert writer_active(library.home)
        assert any(p.area == "busy" for p in check(library))
        result = library.ask("城市建设", top_k=5)
    assert all(p["report_id"] != 1 for p in result["passages"])
    assert not writer_active(library.home)


def test_a_long_lived_reader_sees_another_process_save(library, tiny_model_dir):
    reader = Library(library.home, tiny_model_dir)
    before = reader.searcher().store.count
    library.add([REPORTS / EXTRA])
    assert reader.searcher().store.count > before
    reader.close()


def test_add_with_a_broken_model_writes_nothing(library, tmp_path):
    counts = library.archive.counts()
    broken = Library(library.home, tmp_path / "no-such-model")
    with pytest.raises(ModelError):
        broken.add([REPORTS / EXTRA])
    assert broken.archive.counts() == counts
    broken.close()


def test_a_damaged_database_file_is_reported_not_repaired(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "archive.db").write_bytes(b"this is not a database " * 200)
    result = examine(home, fix=True)
    assert result.actions == []
    assert [p.area for p in result.problems] == ["database"]
    assert not result.problems[0].fixable


@pytest.fixture
def run(tiny_model_dir, monkeypatch):
    from ui.cli import cli

    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))
    return lambda *args: CliRunner().invoke(cli, [str(a) for a in args])


def test_cli_check_lines_repair_and_exit_status(run, library):
    home = library.home.root
    assert run("check", "--home", home).exit_code == 0
    library.add([REPORTS / EXTRA], index=False)
    sql("DELETE FROM chunks_fts WHERE rowid = 3")(library)
    found = run("check", "--home", home)
    assert found.exit_code == 1
    lines = found.output.strip().splitlines()
    assert len(lines) == 3 and all(line.split(":")[0] in ("index", "keywords") for line in lines)
    fixed = run("check", "--repair", "--json", "--home", home)
    assert fixed.exit_code == 0, fixed.output
    report = json.loads(fixed.output)
    assert report["ok"] and report["problems"] == [] and len(report["actions"]) >= 2


def test_cli_check_of_a_damaged_database_is_one_line(run, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "archive.db").write_bytes(b"garbage" * 1000)
    result = run("check", "--home", home)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and result.output.startswith("database: ")


def test_check_reads_only(library):
    """A check holds no lock and leaves no transaction open behind it."""
    library.archive.edit(2, title="改名")
    check(library)
    assert not library.archive.db.conn.in_transaction
    other = sqlite3.connect(library.home.database, timeout=0.1)
    other.execute("BEGIN IMMEDIATE")  # would fail if check had kept a write lock
    other.rollback()
    other.close()


def test_check_and_repair_over_every_bundled_report_are_deterministic(indexed_home, tmp_path, tiny_model_dir):
    """Every report's first vector swapped for another report's (sizes, ids and manifest all
    intact): check names every report, the same way each run, and repair makes it whole."""
    names = sorted(p.name for p in REPORTS.iterdir() if p.name != "manifest.tsv")
    lib = Library.open(indexed_home(names, copy_to=tmp_path / "home"), model=tiny_model_dir)
    reports = [r["id"] for r in lib.archive.reports()]
    firsts = [lib.archive.chunk_ids(r)[0] for r in reports]
    store = lib.vectors.store()
    vectors = lib.vectors.fresh_vectors(lib.archive.chunks(firsts))
    store.add(firsts, np.roll(vectors, 1, axis=0))  # report n gets report n-1's first vector
    store.save(lib.vectors.state())
    first, second = check(lib), check(lib)
    assert first == second == [Problem("index", first[0].message)]
    assert f"report(s) {', '.join(map(str, reports[:10]))} …" in first[0].message
    assert any(a.startswith(f"embedded {len(lib.archive.chunk_ids())} chunk(s)") for a in repair(lib))
    assert check(lib) == []
    lib.close()
