"""The `VectorStore` interface, once for every backend: FAISS flat, FAISS IVF and Milvus Lite
must behave the same. What only one backend does is in test_faiss_store.py and
test_milvus_store.py; the library on both backends is at the end here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import REPORTS
from vector_data import DIM, MODEL, NEEDS_MILVUS, lite, unit

from index.keyword import Filters
from index.vectors.base import IndexMissing, ids_fingerprint
from index.vectors.factory import check, create_store, open_store, parse_setting
from index.vectors.faiss_store import FaissStore
from index.vectors.manifest import MANIFEST_FILE
from index.vectors.milvus_client import release_lite
from index.vectors.milvus_store import MilvusStore


@dataclass
class Backend:
    """One backend under test: its setting, and how an empty store of it is made."""

    name: str
    setting: str
    approx_threshold: int | None = None  # FAISS only: 100 makes 300 vectors an IVF index

    def create(self, folder: Path):
        if self.approx_threshold is not None:
            return FaissStore.create(folder, DIM, manifest=MODEL, approx_threshold=self.approx_threshold)
        return create_store(folder, DIM, manifest=MODEL, setting=self.setting)

    def make(self, folder: Path, n: int = 300):
        store = self.create(folder)
        store.add(range(10, 10 + n), unit(n))
        return store

    @property
    def index_type(self) -> str | None:
        """What describe() says of the index (Milvus: the index named in the setting)."""
        return {"faiss-flat": "flat", "faiss-ivf": "ivf"}.get(self.name, "HNSW")


@pytest.fixture(params=["faiss-flat", "faiss-ivf", pytest.param("milvus", marks=NEEDS_MILVUS)])
def backend(request, tmp_path):
    """Every backend; Milvus Lite's in-process server is stopped after the test."""
    if request.param == "faiss-flat":
        yield Backend("faiss-flat", "faiss", 200_000)
    elif request.param == "faiss-ivf":
        yield Backend("faiss-ivf", "faiss", 100)
    else:
        value = lite(tmp_path)
        yield Backend("milvus", value)
        release_lite(parse_setting(value, tmp_path).uri)


def test_add_search_remove_round_trip(tmp_path, backend):
    store = backend.make(tmp_path / "index")
    assert store.describe()["index_type"] == backend.index_type
    assert store.count == 300 and store.ids() == set(range(10, 310))
    scores, ids = store.search(unit(300)[[5, 42]], 3)
    assert ids[:, 0].tolist() == [15, 52]
    assert scores[:, 0] == pytest.approx([1.0, 1.0], abs=1e-5)
    assert store.remove([15, 16, 9999]) == 2
    assert store.count == 298 and 15 not in store.ids()
    assert store.search(unit(300)[5], 1)[1][0, 0] != 15


def test_add_replaces_an_existing_id(tmp_path, backend):
    store = backend.make(tmp_path / "index")
    new = unit(1, seed=7)
    store.add([20], new)
    assert store.count == 300
    assert store.search(new, 1)[1][0, 0] == 20
    assert store.search(unit(300)[10], 1)[1][0, 0] != 20


@pytest.mark.parametrize(
    "ids,vectors,message",
    [([1, 1], unit(2), "duplicate"), ([1], unit(1, 8), "dimension"), ([1, 2], unit(1), "2 ids")],
)
def test_add_rejects_bad_input(tmp_path, backend, ids, vectors, message):
    store = backend.create(tmp_path / "index")
    with pytest.raises(ValueError, match=message):
        store.add(ids, vectors)


def test_search_normalises_queries_and_pads_with_minus_one(tmp_path, backend):
    store = backend.make(tmp_path / "index", n=3)
    scores, ids = store.search(unit(3)[0] * 5.0, 5)
    assert scores.shape == ids.shape == (1, 5)
    assert scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert sorted(ids[0, :3].tolist()) == [10, 11, 12] and ids[0, 3:].tolist() == [-1, -1]


def test_save_and_open_give_the_same_results(tmp_path, backend):
    folder = tmp_path / "index"
    store = backend.make(folder)
    store.remove([11])
    store.save({"archive_generation": 7})
    before = store.search(unit(20, seed=3), 5)
    reopened = open_store(folder, backend.setting)
    after = reopened.search(unit(20, seed=3), 5)
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_allclose(before[0], after[0], atol=1e-5)
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    assert manifest["archive_generation"] == 7 and manifest["model_name"] == "tiny"
    assert manifest["count"] == 299 and manifest["dimension"] == DIM
    assert manifest["index_type"] == backend.index_type
    assert manifest["ids_fingerprint"] == ids_fingerprint(set(range(10, 310)) - {11})
    assert reopened.describe() == store.describe()


ARCHIVE = set(range(10, 60))


@pytest.mark.parametrize(
    "change,expected",
    [
        ({}, []),
        ({"expected_ids": ARCHIVE | {100, 101}}, ["2 chunk(s) not indexed, 0 indexed"]),
        ({"expected_ids": ARCHIVE - {10, 11, 12}}, ["0 chunk(s) not indexed, 3 indexed"]),
        ({"model_name": "use-multilingual-v3"}, ["built with model 'tiny'"]),
        ({"model_fingerprint": "0" * 64}, ["model 'tiny' has changed"]),
        ({"dimension": 512}, ["holds 32-d vectors but the model makes 512-d"]),
    ],
)
def test_check_reports_each_mismatch_with_its_fix(tmp_path, backend, change, expected):
    backend.make(tmp_path / "index", n=50).save()
    args = {"expected_ids": ARCHIVE, "dimension": DIM, **MODEL, **change}
    problems = check(tmp_path / "index", **args, setting=backend.setting)
    assert len(problems) == len(expected)
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem and "baogao rebuild" in problem


def test_opening_with_no_index_is_index_missing(tmp_path, backend):
    with pytest.raises(IndexMissing, match="baogao rebuild"):
        open_store(tmp_path / "index", backend.setting)


# -- the library on both backends ------------------------------------------------------------

SMALL = ["district-deputy-duty-report.txt", "gwr_2012_hailaer_district.txt"]


@NEEDS_MILVUS
def test_library_answers_the_same_on_both_backends(tmp_path, tiny_model_dir):
    from index.library import Library

    value = lite(tmp_path, options="?index=FLAT")
    results = {}
    for name, store in [("faiss", "faiss"), ("milvus", value)]:
        library = Library.open(tmp_path / name, tiny_model_dir, vector_store=store)
        library.add([REPORTS / n for n in SMALL], manifest=REPORTS / "manifest.tsv", index=False)
        library.rebuild()
        report_ids = [r["id"] for r in library.archive.reports()]
        library.remove(report_ids[0])
        library.add([REPORTS / "gwr_2014_hailaer_district.txt"], metadata={"year": 2014})
        library.edit(report_ids[1], year=1999)
        assert library.index_problems() == []
        searcher = library.searcher()
        found = [
            list(searcher.gather("城市建设 道路", method="dense", filters=f).dense)
            for f in (None, Filters(year_to=2000), Filters(year_from=2014), Filters(kind="x"))
        ]
        edited, added = (
            set(library.archive.chunk_ids(report_ids[1])),
            set(library.archive.chunk_ids(max(r["id"] for r in library.archive.reports()))),
        )
        assert found[0] and found[1] and found[2] and found[3] == []
        assert set(found[1]) <= edited and set(found[2]) <= added
        assert isinstance(library.vectors.store(), MilvusStore) == (name == "milvus")
        results[name] = found
        library.close()
    assert results["faiss"] == results["milvus"]
    release_lite(parse_setting(value, tmp_path).uri)
