"""The Milvus backend: the `VectorStore` interface over pymilvus `MilvusClient`.

A collection row is a chunk id, its unit vector and the report fields filters use (report_id,
year, issuer, kind), so a filtered search is one Milvus query instead of an over-fetch. The
manifest stays in `<home>/index/manifest.json` with the FAISS keys plus the URI and collection
name: a rebuild fills a new collection, the manifest swap makes it current, and only then is
the old collection dropped.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.vectors import manifest as manifests
from index.vectors.base import (
    FIX,
    IndexCorrupt,
    VectorStore,
    VectorStoreError,
    as_ids,
    as_vectors,
    ids_fingerprint,
    new_manifest,
    now,
    validated,
)
from index.vectors.faiss_store import VECTORS_FILE
from index.vectors.milvus_client import (
    DEFAULT_INDEX,
    INDEXES,
    METRIC,
    TEXT_MAX,
    connect,
    create_collection,
    is_lite,
)

if TYPE_CHECKING:
    from pymilvus import MilvusClient

MAX_TOPK = 16_384  # Milvus refuses a larger limit per query
BATCH = 2_000  # rows per upsert (about 4 MB of 512-d vectors, well under gRPC's 64 MB)
ID_BATCH = 16_384
FINGERPRINT_MAX = 200_000  # ids scanned per save for the manifest: Milvus Lite lists ~15k/s


def where_expression(where: Mapping | None) -> str:
    """A Milvus boolean expression for a `where` (see `stores.store_filter`); as in SQL, a
    report without a year never passes a year bound."""
    if not where:
        return ""
    clauses = []
    if where.get("year_from") is not None:
        clauses.append(f"year >= {int(where['year_from'])}")
    if where.get("year_to") is not None:
        clauses.append(f"year <= {int(where['year_to'])}")
    if where.get("issuers") is not None:
        names = ", ".join(_literal(i[:TEXT_MAX]) for i in where["issuers"])
        clauses.append(f"issuer in [{names}]")
    if where.get("kind"):
        clauses.append(f"kind == {_literal(where['kind'])}")
    if where.get("report_ids"):
        clauses.append(f"report_id in [{', '.join(str(int(r)) for r in where['report_ids'])}]")
    return " and ".join(clauses)


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _field(item, name: str):
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def _scalars(item) -> dict:
    if item is None:
        return {"report_id": None, "year": None, "issuer": "", "kind": ""}
    year, report_id = _field(item, "year"), _field(item, "report_id")
    return {
        "report_id": None if report_id is None else int(report_id),
        "year": None if year is None else int(year),
        "issuer": (_field(item, "issuer") or "")[:TEXT_MAX],
        "kind": (_field(item, "kind") or "")[:TEXT_MAX],
    }


def read_manifest(folder: Path) -> dict:
    """The manifest of a Milvus index: it must name the collection and where it lives."""
    manifest = manifests.read(folder)
    missing = {"collection", "milvus_uri", "dimension"} - set(manifest)
    if missing:
        raise IndexCorrupt(f"{manifests.path(folder)} lacks {', '.join(sorted(missing))}: {FIX}")
    return manifest


class MilvusStore(VectorStore):
    """A Milvus collection whose primary keys are chunk ids, with its manifest in `folder`."""

    applies_where = True

    def __init__(self, folder: Path, client: MilvusClient, manifest: dict):
        self.folder = Path(folder)
        self.client = client
        self.manifest = manifest
        self.collection: str = manifest["collection"]
        self.uri: str = manifest["milvus_uri"]
        self.dimension = int(manifest["dimension"])
        self.index_type: str = manifest.get("index_type", DEFAULT_INDEX)

    @classmethod
    def create(
        cls,
        folder: Path,
        dimension: int,
        *,
        manifest: dict,
        uri: str,
        token: str = "",
        index_type: str = DEFAULT_INDEX,
    ) -> MilvusStore:
        """A new, empty collection; the current one (if any) serves until `save()`."""
        if index_type not in INDEXES:
            raise ValueError(
                f"unknown Milvus index {index_type!r} (choose from {', '.join(INDEXES)})"
            )
        client = connect(uri, token)
        try:
            previous = read_manifest(folder)
        except VectorStoreError:
            previous = {}
        same_place = previous.get("milvus_uri") == uri
        home_key = previous.get("home_key") if same_place else None
        home_key = home_key or secrets.token_hex(4)
        prefix = f"baogao_{home_key}_"
        for name in client.list_collections():  # leftovers of an interrupted rebuild
            if name.startswith(prefix) and name != previous.get("collection"):
                client.drop_collection(name)
        collection = prefix + secrets.token_hex(4)
        create_collection(client, collection, dimension, index_type)
        manifest = new_manifest(
            manifest, dimension, backend="milvus", milvus_uri=uri, collection=collection,
            home_key=home_key, metric=METRIC, index_type=index_type,
        )  # fmt: skip
        return cls(folder, client, manifest)

    @classmethod
    def open(cls, folder: Path, uri: str, token: str = "") -> MilvusStore:
        """Reconnect to the collection the manifest names, refusing one that is gone or foreign."""
        manifest = read_manifest(folder)
        if manifest["milvus_uri"] != uri:
            raise VectorStoreError(
                f"the index was built in Milvus at {manifest['milvus_uri']}, but the vector store "
                f"setting names {uri}: {FIX}"
            )
        client = connect(uri, token)
        name = manifest["collection"]
        if not client.has_collection(name):
            client.close()
            raise IndexCorrupt(f"collection {name} is missing from Milvus at {uri}: {FIX}")
        field = next(f for f in client.describe_collection(name)["fields"] if f["name"] == "vector")
        if int(field["params"]["dim"]) != manifest.get("dimension"):
            client.close()
            raise IndexCorrupt(
                f"collection {name} holds {field['params']['dim']}-d vectors, its manifest says "
                f"{manifest.get('dimension')}: {FIX}"
            )
        client.load_collection(name)
        return cls(folder, client, manifest)

    def _read(self, method, *args, **kwargs):
        """A read on the current collection; after another process's rebuild dropped it,
        follow the manifest to its successor (a FAISS reader keeps its old copy instead)."""
        from pymilvus import MilvusException

        try:
            return method(self.collection, *args, **kwargs)
        except MilvusException:
            try:
                manifest = read_manifest(self.folder)
            except VectorStoreError:
                manifest = {}
            if manifest.get("milvus_uri") != self.uri or manifest["collection"] == self.collection:
                raise
            self.manifest, self.collection = manifest, manifest["collection"]
            self.index_type = manifest.get("index_type", DEFAULT_INDEX)
            return method(self.collection, *args, **kwargs)

    @property
    def count(self) -> int:
        rows = self._read(self.client.query, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"])

    def id_array(self) -> np.ndarray:
        iterator = self.client.query_iterator(
            self.collection, batch_size=ID_BATCH, filter="", output_fields=["id"]
        )
        parts = []
        while batch := iterator.next():
            parts.append(np.fromiter((r["id"] for r in batch), dtype=np.int64, count=len(batch)))
        iterator.close()
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def ids(self) -> set[int]:
        return set(self.id_array().tolist())

    def add(
        self, ids: Iterable[int], vectors: np.ndarray, metadata: Sequence | None = None
    ) -> None:
        ids, vectors = validated(ids, vectors, self.dimension, metadata)
        for start in range(0, len(ids), BATCH):
            stop = min(start + BATCH, len(ids))
            rows = [
                {
                    "id": int(ids[i]),
                    "vector": vectors[i],
                    **_scalars(None if metadata is None else metadata[i]),
                }
                for i in range(start, stop)
            ]
            self.client.upsert(self.collection, rows)

    def set_metadata(self, ids: Iterable[int], metadata: Sequence) -> None:
        """Rewrite the filter fields of stored ids (a report's year or issuer was edited)."""
        ids = as_ids(ids)
        by_id = dict(zip(ids.tolist(), metadata, strict=True))
        for start in range(0, len(ids), BATCH):
            rows = self.client.get(
                self.collection, ids=ids[start : start + BATCH].tolist(), output_fields=["vector"]
            )
            if rows:
                self.client.upsert(
                    self.collection,
                    [
                        {"id": r["id"], "vector": r["vector"], **_scalars(by_id[r["id"]])}
                        for r in rows
                    ],
                )

    def remove(self, ids: Iterable[int]) -> int:
        ids = np.unique(as_ids(ids))
        removed = 0
        for start in range(0, len(ids), ID_BATCH):
            batch = ids[start : start + ID_BATCH].tolist()
            present = [
                r["id"] for r in self.client.get(self.collection, ids=batch, output_fields=["id"])
            ]
            if present:
                self.client.delete(self.collection, ids=present)
                removed += len(present)
        return removed

    def search(
        self, vectors: np.ndarray, k: int, *, where: dict | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        if k < 1:
            raise ValueError("k must be at least 1")
        queries = as_vectors(vectors, self.dimension)
        scores = np.full((len(queries), k), -np.finfo(np.float32).max, dtype=np.float32)
        found = np.full((len(queries), k), -1, dtype=np.int64)
        if not len(queries) or (where and where.get("issuers") == []):
            return scores, found  # no issuer matched: Milvus has no empty `in [...]`
        limit = min(k, MAX_TOPK)
        results = self._read(
            self.client.search,
            data=list(queries),
            limit=limit,
            filter=where_expression(where),
            output_fields=["id"],
            search_params={"metric_type": METRIC, "params": INDEXES[self.index_type][1](limit)},
        )
        for row, hits in enumerate(results):
            for col, hit in enumerate(hits):
                found[row, col], scores[row, col] = hit["id"], hit["distance"]
        return scores, found

    def describe(self) -> dict:
        return {
            "backend": "milvus",
            "pymilvus_version": version("pymilvus"),
            "milvus_uri": self.uri,
            "lite": is_lite(self.uri),
            "collection": self.collection,
            "index_type": self.index_type,
            "metric": METRIC,
            "count": self.count,
            "dimension": self.dimension,
        }

    def save(self, manifest_updates: dict | None = None) -> None:
        """Flush the collection, swap the manifest in atomically, then drop what it replaced."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.client.flush(self.collection)
        try:
            previous = read_manifest(self.folder)
        except VectorStoreError:
            previous = {}
        count = self.count
        manifest = {**self.manifest, **(manifest_updates or {})}
        manifest.update(
            count=count,
            ids_fingerprint=ids_fingerprint(self.id_array()) if count <= FINGERPRINT_MAX else None,
            index_type=self.index_type,
            dimension=self.dimension,
            updated=now(),
        )
        manifests.commit(self.folder, manifest)
        self.manifest = manifest
        old = previous.get("collection")
        if old and old != self.collection and previous.get("milvus_uri") == self.uri:
            if self.client.has_collection(old):
                self.client.drop_collection(old)
        (self.folder / VECTORS_FILE).unlink(missing_ok=True)  # a FAISS index this one replaced

    def close(self) -> None:
        self.client.close()


