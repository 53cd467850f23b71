"""The SQLite archive: schema, one-transaction writes, duplicates, cascading removal."""

import sqlite3

import pytest

from archive.migrations import MIGRATIONS, migrate
from archive.models import Chunk, Figure, Report, Section
from archive.store import Archive, Parsed, ReportNotFound, section_paths

TEXT = "一、城市建设\n（一）道路\n新建城市道路5条，增加停车位2318个。\n二、民政\n发放保障金6359万元。"


def parsed(sha="abc", title="测试报告") -> Parsed:
    sections = [
        Section(0, 1, "一、城市建设", None, 0, 6, 34),
        Section(1, 2, "（一）道路", 0, 6, 12, 34),
        Section(2, 1, "二、民政", None, 34, 39, len(TEXT)),
    ]
    chunks = [
        Chunk(0, 1, 12, 33, TEXT[12:33]),
        Chunk(1, 2, 39, len(TEXT), TEXT[39:]),
    ]
    start = TEXT.index("2318个")
    figures = [Figure(2318, "个", "2318个", start, start + 5, "增加停车位2318个")]
    report = Report(id=None, title=title, year=2024, sha256=sha, file_name="a.txt", format="txt")
    return Parsed(report, TEXT, sections, chunks, figures)


@pytest.fixture
def archive(tmp_path):
    a = Archive(tmp_path / "archive.db")
    yield a
    a.close()


def test_add_stores_tree_chunks_figures_and_fts(archive):
    report_id = archive.add(parsed())
    assert archive.counts() == {"reports": 1, "sections": 3, "chunks": 2, "figures": 1, "chunks_fts": 2}
    sections = archive.sections(report_id)
    assert sections[1]["parent_id"] == sections[0]["id"]
    assert sections[1]["path"] == "一、城市建设 › （一）道路"
    chunk = archive.chunks()[0]
    assert chunk.section_path == ["一、城市建设", "（一）道路"]
    assert archive.text(report_id)[chunk.char_start : chunk.char_end] == chunk.text
    figure = archive.figures([chunk.id])[0]
    assert (figure["value"], figure["unit"], figure["chunk_id"]) == (2318, "个", chunk.id)
    hits = archive.db.execute("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH '停车位'").fetchall()
    assert hits == [(chunk.id,)]


def test_pragmas_wal_and_foreign_keys(archive):
    assert archive.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert archive.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_duplicate_content_is_found_and_unique(archive):
    archive.add(parsed(sha="same"))
    assert archive.find_duplicate("same") is not None
    with pytest.raises(sqlite3.IntegrityError):
        archive.add(parsed(sha="same"))
    assert archive.counts()["reports"] == 1
    assert archive.counts()["chunks"] == 2  # the failed transaction left nothing behind


def test_remove_deletes_everything_and_never_reuses_chunk_ids(archive):
    first = archive.add(parsed(sha="1"))
    old_ids = archive.chunk_ids(first)
    assert archive.remove(first) == old_ids
    assert archive.counts() == {"reports": 0, "sections": 0, "chunks": 0, "figures": 0, "chunks_fts": 0}
    second = archive.add(parsed(sha="2"))
    assert min(archive.chunk_ids(second)) > max(old_ids)


def test_remove_unknown_report_raises(archive):
    with pytest.raises(ReportNotFound):
        archive.remove(42)


def test_edit_changes_metadata_and_keyword_context(archive):
    report_id = archive.add(parsed())
    archive.edit(report_id, title="海拉尔区报告", year=2013)
    assert (archive.report(report_id).title, archive.report(report_id).year) == ("海拉尔区报告", 2013)
    hits = archive.db.execute("SELECT count(*) FROM chunks_fts WHERE context MATCH '海拉尔'").fetchone()
    assert hits[0] == 2
    with pytest.raises(ValueError, match="cannot edit sha256"):
        archive.edit(report_id, sha256="x")


def test_every_write_bumps_the_generation(archive):
    g0 = archive.generation
    report_id = archive.add(parsed())
    archive.edit(report_id, year=2020)
    archive.remove(report_id)
    assert archive.generation == g0 + 3


def test_migrations_apply_once(archive):
    assert migrate(archive.db) == []
    names = [r[0] for r in archive.db.execute("SELECT name FROM _migrations")]
    assert sorted(names) == sorted(name for name, _ in MIGRATIONS)


def test_section_paths_follow_parents():
    sections = parsed().sections
    assert section_paths(sections) == [["一、城市建设"], ["一、城市建设", "（一）道路"], ["二、民政"]]


def test_a_failure_mid_add_leaves_nothing_behind(archive):
    broken = parsed()
    broken.chunks.append(Chunk(2, 7, 0, 1, "一"))  # section 7 does not exist: fails after inserts
    with pytest.raises(IndexError):
        archive.add(broken)
    assert archive.counts() == {"reports": 0, "sections": 0, "chunks": 0, "figures": 0, "chunks_fts": 0}
    assert archive.generation == 0
