"""What only the Milvus backend does: its setting, collections, one process per Lite file,
filters as scalar fields. The interface both backends share: test_vector_stores.py."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from vector_data import DIM, MODEL, NEEDS_MILVUS, lite, unit

from archive.settings import Settings
from index.keyword import Filters
from index.vectors.base import IndexCorrupt, VectorStoreError
from index.vectors.factory import check, create_store, open_store, parse_setting, store_filter
from index.vectors.manifest import MANIFEST_FILE
from index.vectors.milvus_client import connect, release_lite
from index.vectors.milvus_store import where_expression


def make_store(folder: Path, setting: str, n: int = 300):
    store = create_store(folder, DIM, manifest=MODEL, setting=setting)
    store.add(range(10, 10 + n), unit(n))
    return store


ARCHIVE = set(range(10, 60))


@NEEDS_MILVUS
@pytest.mark.parametrize("built_with", ["faiss", "milvus"])
def test_an_index_built_by_the_other_backend_is_refused(tmp_path, built_with):
    milvus = lite(tmp_path)
    settings = {"faiss": "faiss", "milvus": milvus}
    make_store(tmp_path / "index", settings[built_with], n=50).save()
    other = settings["milvus" if built_with == "faiss" else "faiss"]
    with pytest.raises(VectorStoreError, match=f"built with {built_with}.*baogao rebuild"):
        open_store(tmp_path / "index", other)
    problems = check(tmp_path / "index", ARCHIVE, dimension=DIM, **MODEL, setting=other)
    assert len(problems) == 1 and "baogao rebuild" in problems[0]
    release_lite(parse_setting(milvus, tmp_path).uri)


@NEEDS_MILVUS
def test_milvus_refuses_a_moved_uri_and_a_dropped_collection(tmp_path):
    folder, first, second = tmp_path / "index", lite(tmp_path), lite(tmp_path, "other.db")
    store = make_store(folder, first, n=20)
    store.save()
    with pytest.raises(VectorStoreError, match="built in Milvus at .*vectors.db.*other.db"):
        open_store(folder, second)
    store.client.drop_collection(store.collection)
    with pytest.raises(IndexCorrupt, match="missing from Milvus"):
        open_store(folder, first)
    for value in (first, second):
        release_lite(parse_setting(value, tmp_path).uri)


@NEEDS_MILVUS
def test_milvus_rebuild_swaps_collections_and_drops_leftovers(tmp_path):
    folder, value = tmp_path / "index", lite(tmp_path)
    first = make_store(folder, value, n=20)
    first.save()
    interrupted = create_store(folder, DIM, manifest=MODEL, setting=value)  # never saved
    assert open_store(folder, value).collection == first.collection  # the old one still serves
    second = make_store(folder, value, n=30)
    names = set(second.client.list_collections())
    assert interrupted.collection not in names and first.collection in names
    second.save()
    assert set(second.client.list_collections()) == {second.collection}
    assert open_store(folder, value).count == 30
    release_lite(parse_setting(value, tmp_path).uri)


@NEEDS_MILVUS
def test_a_reader_follows_a_rebuild_by_another_writer(tmp_path):
    folder, value = tmp_path / "index", lite(tmp_path)
    make_store(folder, value, n=20).save()
    reader = open_store(folder, value)
    make_store(folder, value, n=30).save()  # drops the collection the reader has open
    assert reader.count == 30
    assert reader.search(unit(30)[25], 1)[1][0, 0] == 35
    release_lite(parse_setting(value, tmp_path).uri)


@NEEDS_MILVUS
def test_a_milvus_lite_file_open_in_another_process_is_refused_clearly(tmp_path):
    uri = str(tmp_path / "held.db")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, uri],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(VectorStoreError, match="open in another process"):
            connect(uri)
    finally:
        holder.communicate("")


HOLD = """import sys
from index.vectors.milvus_client import connect
connect(sys.argv[1])
print("open", flush=True)
sys.stdin.read()
"""


@NEEDS_MILVUS
def test_milvus_replaces_a_faiss_index_file(tmp_path):
    folder = tmp_path / "index"
    make_store(folder, "faiss", n=10).save()
    assert (folder / "vectors.faiss").exists()
    make_store(folder, lite(tmp_path), n=10).save()
    assert sorted(p.name for p in folder.iterdir()) == [MANIFEST_FILE]
    release_lite(parse_setting(lite(tmp_path), tmp_path).uri)


# -- filters: Milvus scalar fields must select exactly what the archive's SQL selects --------

ISSUERS = ["北京市人民政府", "国务院", "Hailar District", "hailar district", '50%_off\\"', None]
FILTERS = [
    Filters(year_from=2014),
    Filters(year_to=2014),
    Filters(year_from=2013, year_to=2015),
    Filters(issuer="人民政府"),
    Filters(issuer="HAILAR"),
    Filters(issuer="%_"),
    Filters(issuer='\\"'),
    Filters(kind="duty_report"),
    Filters(report_ids=(2, 5)),
    Filters(year_from=2012, issuer="district", kind="gov_work_report"),
    Filters(year_from=3000),
]


def _reports(n: int = 12) -> list[dict]:
    return [
        {
            "id": r,
            "year": None if r % 5 == 0 else 2010 + r % 7,
            "issuer": ISSUERS[r % len(ISSUERS)],
            "kind": "duty_report" if r % 3 == 0 else "gov_work_report",
        }
        for r in range(n)
    ]


@NEEDS_MILVUS
@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_milvus_filters_select_what_sqlite_selects(tmp_path, filters):
    reports = _reports()
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE reports (id, year, issuer, kind)")
    db.executemany("INSERT INTO reports VALUES (:id, :year, :issuer, :kind)", reports)
    clause, values = filters.sql()
    allowed = {row[0] for row in db.execute(f"SELECT r.id FROM reports r WHERE {clause}", values)}
    where = store_filter(SimpleNamespace(db=db), filters)
    n = 240
    metadata = [{"report_id": reports[i % 12]["id"], **reports[i % 12]} for i in range(n)]
    value = lite(tmp_path, options="?index=FLAT")
    store = create_store(tmp_path / "index", DIM, manifest=MODEL, setting=value)
    store.add(range(n), unit(n), metadata=metadata)
    query = unit(1, seed=9)
    _, got = store.search(query, 50, where=where)
    scores = unit(n) @ query[0]
    wanted = [i for i in np.argsort(-scores) if metadata[i]["report_id"] in allowed][:50]
    assert [i for i in got[0] if i >= 0] == wanted
    release_lite(parse_setting(value, tmp_path).uri)


@pytest.mark.parametrize(
    "where,expression",
    [
        (None, ""),
        ({"year_from": 2014, "year_to": None}, "year >= 2014"),
        ({"issuers": ['A"b', "c\\"]}, 'issuer in ["A\\"b", "c\\\\"]'),
        ({"kind": "k", "report_ids": (3, 4)}, 'kind == "k" and report_id in [3, 4]'),
    ],
)
def test_where_expression(where, expression):
    assert where_expression(where) == expression


# -- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,backend,uri,index_type",
    [
        (None, "faiss", "", "HNSW"),
        ("faiss", "faiss", "", "HNSW"),
        ("milvus", "milvus", "/h/index/milvus.db", "HNSW"),
        ("milvus:///data/a.db", "milvus", "/data/a.db", "HNSW"),
        ("milvus:///data/a.db?index=flat", "milvus", "/data/a.db", "FLAT"),
        ("milvus://m1:19530", "milvus", "http://m1:19530", "HNSW"),
        ("milvus+https://u:p@cloud:443/db1/", "milvus", "https://cloud:443/db1", "HNSW"),
    ],
)
def test_parse_setting(monkeypatch, value, backend, uri, index_type):
    monkeypatch.delenv("BAOGAO_VECTOR_STORE", raising=False)
    s = parse_setting(value, Path("/h/index"))
    assert (s.backend, s.uri, s.index_type) == (backend, uri, index_type)


def test_parse_setting_reads_the_environment_and_keeps_the_token_out_of_the_uri(monkeypatch):
    monkeypatch.setenv("BAOGAO_VECTOR_STORE", "milvus://user:secret@m1:19530")
    settings = Settings.resolve()  # what the CLI group and the page do, once
    s = parse_setting(settings.vector_store, Path("/h"), settings.milvus_token)
    assert s.uri == "http://m1:19530" and s.token == "user:secret"
    monkeypatch.setenv("BAOGAO_MILVUS_TOKEN", "api-key")
    settings = Settings.resolve()
    assert "api-key" not in repr(settings)
    assert parse_setting(settings.vector_store, Path("/h"), settings.milvus_token).token == "api-key"


@pytest.mark.parametrize(
    "value", ["qdrant://x", "milvus://relative.db", "milvus:///a.txt", "milvus:///a.db?nprobe=3"]
)
def test_parse_setting_rejects_unknown_values(value):
    with pytest.raises(ValueError):
        parse_setting(value, Path("/h"))
