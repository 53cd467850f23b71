"""Traditional and simplified characters find each other; the stored text stays as written."""

from __future__ import annotations

import jieba
import pytest
from conftest import REPORTS

from archive.ingest import add_file
from archive.store import Archive
from archive.tokens import segment, tokens
from index.search import Searcher

NAMES = (
    "gwr_1954_state_council.txt",  # written in traditional characters
    "gwr_1955_state_council.txt",
    "gwr_2024_state_council.txt",
    "district-deputy-duty-report.txt",
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    archive = Archive(tmp_path_factory.mktemp("trad") / "archive.db")
    ids = {name: add_file(archive, REPORTS / name).report_id for name in NAMES}
    yield archive, ids
    archive.close()


def test_tokens_are_the_same_in_either_script():
    assert tokens("國務院政府工作報告") == tokens("国务院政府工作报告")
    assert tokens("鋼產量二百十七萬噸") == tokens("钢产量二百十七万吨")
    assert segment("棚戶區改造") == segment("棚户区改造")


def test_the_stored_text_keeps_its_traditional_characters(archive):
    store, ids = archive
    text = store.text(ids["gwr_1954_state_council.txt"])
    assert "全國人民代表大會" in text and "全国人民代表大会" not in text


@pytest.mark.parametrize(
    "question",
    ["关于宪法草案的报告", "我代表中央人民政府作工作报告", "第一届全国人民代表大会第一次会议"],
)
def test_a_simplified_question_finds_the_1954_report(archive, question):
    store, ids = archive
    result = Searcher(store).search(question, method="keyword", use_hints=False)
    assert result.hits and result.hits[0].chunk.report_id == ids["gwr_1954_state_council.txt"]


def test_a_traditional_question_finds_simplified_reports(archive):
    store, ids = archive
    result = Searcher(store).search("實施棚戶區、城中村改造項目", method="keyword", use_hints=False)
    assert result.hits and result.hits[0].chunk.report_id == ids["district-deputy-duty-report.txt"]


def test_migration_resegments_archives_built_before(tmp_path):
    db_path = tmp_path / "archive.db"
    archive = Archive(db_path)
    report_id = add_file(archive, REPORTS / "gwr_1954_state_council.txt").report_id
    old = lambda s: " ".join(t for t in jieba.lcut_for_search(s) if t.strip())  # noqa: E731
    with archive.db.atomic():  # what the keyword index held before tokens were simplified
        for row in archive.db.execute("SELECT id, text FROM chunks").fetchall():
            archive.db.execute("UPDATE chunks_fts SET body = ? WHERE rowid = ?", [old(row[1]), row[0]])
        archive.db.execute("DELETE FROM _migrations WHERE name = 'm010_traditional_fts'")
    match = "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'body:宪法'"
    assert archive.db.execute(match).fetchone()[0] == 0
    archive.close()
    reopened = Archive(db_path)  # migrations run on open
    assert reopened.db.execute(match).fetchone()[0] > 0
    hits = Searcher(reopened).search("关于宪法草案的报告", method="keyword", use_hints=False).hits
    assert hits and hits[0].chunk.report_id == report_id
    reopened.close()
