"""Connecting to Milvus (Lite in this process, or a server) and creating a collection.

One `MilvusClient` talks to Milvus Lite (a local `.db` folder) and to a Milvus server or cluster
(`http://host:19530`); Lite serves one process per file, which is said in one line here.
"""

from __future__ import annotations

import fcntl
import logging
import os
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from index.vectors.base import VectorStoreError

if TYPE_CHECKING:
    from pymilvus import MilvusClient

# the optional extra (pip install 'baogao[milvus]'), imported on first use: FAISS users never
# pay pymilvus' half-second import
MILVUS = find_spec("pymilvus") is not None
MILVUS_LITE = MILVUS and find_spec("milvus_lite") is not None

TEXT_MAX = 4_096  # characters kept of an issuer or kind
METRIC = "IP"  # vectors are unit length, so inner product is cosine, as in FAISS
# index type -> (build params, search params for top-k)
INDEXES = {
    "HNSW": ({"M": 16, "efConstruction": 200}, lambda k: {"ef": max(k, 128)}),
    "FLAT": ({}, lambda k: {}),
    "IVF_FLAT": ({"nlist": 1024}, lambda k: {"nprobe": 32}),
    "AUTOINDEX": ({}, lambda k: {}),
}
DEFAULT_INDEX = "HNSW"


class _NoMvccWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "mvccTs" not in record.getMessage()  # Milvus Lite has no server timestamps


logging.getLogger("pymilvus.client.iterator.query_iterator").addFilter(_NoMvccWarning())


def _require_milvus() -> None:
    if not MILVUS:
        raise ImportError("the Milvus vector store needs pymilvus: pip install 'baogao[milvus]'")


def is_lite(uri: str) -> bool:
    return uri.endswith(".db")


def connect(uri: str, token: str = "") -> MilvusClient:
    """A client for a Milvus Lite folder (`/abs/x.db`) or a server URL, with a clear failure."""
    _require_milvus()
    from pymilvus import MilvusClient, MilvusException

    if is_lite(uri):
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
        _refuse_if_locked(uri)
    try:
        return MilvusClient(uri=uri, token=token)
    except MilvusException as e:
        raise VectorStoreError(f"cannot connect to Milvus at {uri}: {e.message}") from e


def _refuse_if_locked(uri: str) -> None:
    """Milvus Lite serves one process per file: say so instead of a connection traceback."""
    from milvus_lite.server_manager import server_manager_instance

    served = getattr(server_manager_instance, "_servers", None)
    lock = Path(uri) / "LOCK"
    if served is None or os.path.abspath(uri) in served or not lock.exists():
        return
    with open(lock, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(f, fcntl.LOCK_UN)
        except BlockingIOError:
            raise VectorStoreError(
                f"the Milvus Lite file {uri} is open in another process (Milvus Lite serves one "
                "process at a time): close it, or use a Milvus server"
            ) from None


def release_lite(uri: str) -> None:
    """Stop this process's Milvus Lite server for `uri` and free its file lock."""
    if MILVUS_LITE and is_lite(uri):
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(uri)


def create_collection(client: MilvusClient, name: str, dimension: int, index_type: str) -> None:
    from pymilvus import DataType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_field("report_id", DataType.INT64, nullable=True)
    schema.add_field("year", DataType.INT64, nullable=True)
    schema.add_field("issuer", DataType.VARCHAR, max_length=TEXT_MAX)
    schema.add_field("kind", DataType.VARCHAR, max_length=TEXT_MAX)
    params = client.prepare_index_params()
    params.add_index(
        field_name="vector",
        index_type=index_type,
        metric_type=METRIC,
        params=INDEXES[index_type][0],
    )
    client.create_collection(name, schema=schema, consistency_level="Strong")
    client.create_index(name, params, sync=False)  # sync polls every 0.5 s, even when empty
    client.load_collection(name)
