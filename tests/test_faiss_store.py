"""What only the FAISS backend does: the approximate (IVF) index, its files on disk, their
checksums and crash safety. The interface both backends share: test_vector_stores.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from vector_data import DIM, MODEL, unit

from index.vectors.base import IndexCorrupt, IndexMissing
from index.vectors.factory import check
from index.vectors.faiss_store import VECTORS_FILE, FaissStore
from index.vectors.manifest import MANIFEST_FILE


def clustered(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """Vectors around 100 topics: closer to real embeddings than uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((100, dim)).astype(np.float32)
    x = centres[rng.integers(0, 100, n)] + 0.05 * rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def make_store(folder: Path, n: int, *, threshold: int = 200_000, dim: int = DIM) -> FaissStore:
    store = FaissStore.create(folder, dim, manifest=MODEL, approx_threshold=threshold)
    store.add(range(10, 10 + n), unit(n, dim))
    return store


def test_flat_index_turns_approximate_past_the_threshold_and_survives_reopening(tmp_path):
    store = make_store(tmp_path, 900, threshold=1000)
    assert store.describe()["index_type"] == "flat"
    store.add(range(5000, 5300), unit(300, seed=1))
    info = store.describe()
    assert info["index_type"] == "ivf" and store.count == 1200
    assert store.ids() == set(range(10, 910)) | set(range(5000, 5300))
    store.save()
    reopened = FaissStore.open(tmp_path)
    assert reopened.describe()["nprobe"] == info["nprobe"]
    # the index keeps growing: its cells are retrained once it is 4x the size they were fit to
    reopened.add(range(10_000, 14_000), unit(4000, seed=2))
    assert reopened.describe()["nlist"] > info["nlist"] and reopened.count == 5200
    assert reopened.search(unit(4000, seed=2)[17], 1)[1][0, 0] == 10_017


def test_approximate_index_finds_every_stored_vector_first(tmp_path):
    vectors = unit(5000, 512)
    store = FaissStore.create(tmp_path, 512, manifest=MODEL, approx_threshold=1000)
    store.add(range(5000), vectors)
    assert store.describe()["index_type"] == "ivf"
    _, ids = store.search(vectors, 1)
    assert (ids[:, 0] == np.arange(5000)).all()


def test_approximate_recall_at_10_on_clustered_vectors(tmp_path):
    vectors = clustered(5000, 128)
    queries = clustered(200, 128, seed=1)
    approx = FaissStore.create(tmp_path / "ivf", 128, manifest=MODEL, approx_threshold=1000)
    exact = FaissStore.create(tmp_path / "flat", 128, manifest=MODEL)
    for store in (approx, exact):
        store.add(range(5000), vectors)
    got, want = approx.search(queries, 10)[1], exact.search(queries, 10)[1]
    recall = np.mean([len(set(g) & set(w)) / 10 for g, w in zip(got, want, strict=True)])
    assert recall >= 0.9


def test_leftover_temporary_files_from_a_crash_do_not_break_open(tmp_path):
    make_store(tmp_path, 50).save()
    (tmp_path / f".{VECTORS_FILE}.4242.tmp").write_bytes(b"half a faiss file")
    (tmp_path / f".{MANIFEST_FILE}.4242.tmp").write_text("{")
    store = FaissStore.open(tmp_path)
    assert store.count == 50
    store.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST_FILE, VECTORS_FILE]


def test_vectors_replaced_but_manifest_not_is_reported_as_corrupt(tmp_path):
    # a crash between the two renames leaves the new vectors beside the old manifest
    make_store(tmp_path / "a", 50).save()
    make_store(tmp_path / "b", 60).save()
    (tmp_path / "a" / VECTORS_FILE).write_bytes((tmp_path / "b" / VECTORS_FILE).read_bytes())
    with pytest.raises(IndexCorrupt, match="interrupted.*baogao rebuild"):
        FaissStore.open(tmp_path / "a")


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.99])
def test_truncated_vectors_file_raises_index_corrupt(tmp_path, keep):
    make_store(tmp_path, 50).save()
    path = tmp_path / VECTORS_FILE
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(IndexCorrupt, match=r"vectors\.faiss.*baogao rebuild"):
        FaissStore.open(tmp_path)


def test_damaged_vectors_file_of_the_right_size_raises_index_corrupt(tmp_path):
    make_store(tmp_path, 50).save()
    path = tmp_path / VECTORS_FILE
    path.write_bytes(b"\x00" * path.stat().st_size)
    with pytest.raises(IndexCorrupt, match="checksum"):
        FaissStore.open(tmp_path)
    with pytest.raises(IndexCorrupt, match="unreadable"):
        FaissStore.open(tmp_path, verify=False)


def test_bytes_zeroed_inside_the_vectors_file_fail_its_checksum(tmp_path):
    """2 KB zeroed in the vectors (same size, FAISS still reads it): only the checksum tells."""
    make_store(tmp_path, 50).save()
    path = tmp_path / VECTORS_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 2048] = bytes(2048)
    path.write_bytes(bytes(data))
    assert FaissStore.open(tmp_path, verify=False).count == 50  # FAISS alone is fooled
    with pytest.raises(IndexCorrupt, match="checksum.*baogao rebuild"):
        FaissStore.open(tmp_path)


def test_a_manifest_without_a_checksum_still_opens(tmp_path):
    make_store(tmp_path, 5).save()
    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text())
    del manifest["vectors_sha256"]
    (tmp_path / MANIFEST_FILE).write_text(json.dumps(manifest))
    assert FaissStore.open(tmp_path, verify=True).count == 5


@pytest.mark.parametrize("content", ["{", "[]", '{"count": 50}'])
def test_unreadable_manifest_raises_index_corrupt(tmp_path, content):
    make_store(tmp_path, 50).save()
    (tmp_path / MANIFEST_FILE).write_text(content)
    with pytest.raises(IndexCorrupt, match="manifest.json"):
        FaissStore.open(tmp_path)


@pytest.mark.parametrize("remove", [[], [VECTORS_FILE], [MANIFEST_FILE]])
def test_missing_files(tmp_path, remove):
    make_store(tmp_path, 5).save()
    for name in remove or [VECTORS_FILE, MANIFEST_FILE]:
        (tmp_path / name).unlink()
    expected = IndexCorrupt if remove else IndexMissing
    with pytest.raises(expected, match="baogao rebuild"):
        FaissStore.open(tmp_path)


# The table of mismatches check() reports runs on every backend in test_vector_stores.py.
ARCHIVE = set(range(10, 60))


@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_check_reports_missing_and_unreadable_files(tmp_path, damage):
    if damage == "truncated":
        make_store(tmp_path, 50).save()
        path = tmp_path / VECTORS_FILE
        path.write_bytes(path.read_bytes()[:100])
    problems = check(tmp_path, ARCHIVE, dimension=DIM, **MODEL)
    assert len(problems) == 1 and "baogao rebuild" in problems[0]
    assert ("no vector index" if damage == "missing" else "bytes but its manifest") in problems[0]
