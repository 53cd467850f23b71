"""Which vector backend an archive home uses: one setting, `faiss` or a Milvus URI.

    faiss                        the default: a FAISS file in <home>/index/
    milvus                       Milvus Lite in <home>/index/milvus.db
    milvus:///abs/path/file.db   Milvus Lite in that folder (one process at a time)
    milvus://host:19530[/db]     a Milvus standalone server or cluster
    milvus+https://host:443      the same over TLS (Zilliz Cloud, a TLS proxy)

`?index=HNSW|FLAT|IVF_FLAT|AUTOINDEX` picks the Milvus index (HNSW by default); a token
(`user:password` or an API key) comes from the settings (BAOGAO_MILVUS_TOKEN) or the URI's
user part and is never written to the manifest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from archive.store import Archive
from index.keyword import Filters
from index.vectors import manifest as manifests
from index.vectors.base import (
    FIX,
    VectorStore,
    VectorStoreError,
    compare,
    mismatch_problems,
)
from index.vectors.faiss_store import FaissStore
from index.vectors.milvus_client import DEFAULT_INDEX, INDEXES, MILVUS, MILVUS_LITE
from index.vectors.milvus_store import MilvusStore

DEFAULT = "faiss"
LITE_FOLDER = "milvus.db"
SCHEMES = {"milvus": "http", "milvus+http": "http", "milvus+https": "https"}


class BackendMissing(ValueError):
    """The setting names a backend whose optional packages are not installed."""


@dataclass(frozen=True)
class StoreSetting:
    """A parsed `--vector-store` value: the backend and, for Milvus, where and how."""

    backend: str  # "faiss" or "milvus"
    uri: str = ""  # what pymilvus connects to: /abs/path.db or http(s)://host:port[/db]
    token: str = ""
    index_type: str = DEFAULT_INDEX


def resolve(value: str | None = None) -> str:
    """The setting in force: the one given (see archive/settings.py), else FAISS."""
    return (value or DEFAULT).strip()


def parse_setting(value: str | None, folder: Path, token: str = "") -> StoreSetting:
    """Read a setting; `folder` (the home's index folder) places the bare `milvus` Lite file,
    `token` authenticates to a Milvus server (else the URI's user part does)."""
    setting = _parse(resolve(value), folder, token)
    if setting.backend == "milvus" and not (MILVUS_LITE if setting.uri.endswith(".db") else MILVUS):
        package = "milvus-lite" if MILVUS else "pymilvus"
        raise BackendMissing(
            f"the vector store {resolve(value)!r} needs {package}, which is not installed: "
            "pip install 'baogao[milvus]'"
        )
    return setting


def _parse(value: str, folder: Path, token: str) -> StoreSetting:
    if value == "faiss":
        return StoreSetting("faiss")
    if value == "milvus":
        return StoreSetting("milvus", str(Path(folder).resolve() / LITE_FOLDER))
    parts = urlsplit(value)
    if parts.scheme not in SCHEMES:
        raise ValueError(
            f"unknown vector store {value!r}: use faiss, milvus, milvus:///abs/path/file.db "
            "or milvus://host:19530"
        )
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    index_type = options.pop("index", DEFAULT_INDEX).upper()
    if options or index_type not in INDEXES:
        raise ValueError(f"vector store {value!r}: the only option is index={'|'.join(INDEXES)}")
    if not parts.netloc or parts.netloc.endswith(".db"):
        if not (parts.path.startswith("/") and parts.path.endswith(".db")):
            raise ValueError(
                f"a Milvus Lite store is an absolute path ending in .db, not {value!r}"
            )
        return StoreSetting("milvus", parts.path, index_type=index_type)
    user = ":".join(p for p in (parts.username, parts.password) if p)
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    uri = f"{SCHEMES[parts.scheme]}://{host}{parts.path.rstrip('/')}"
    return StoreSetting("milvus", uri, token or user, index_type)


def create_store(
    folder: Path, dimension: int, *, manifest: dict, setting: str | None = None, token: str = ""
) -> VectorStore:
    """An empty store of the configured backend; it replaces the current one on `save()`."""
    s = parse_setting(setting, folder, token)
    if s.backend == "faiss":
        return FaissStore.create(folder, dimension, manifest=manifest)
    return MilvusStore.create(
        folder, dimension, manifest=manifest, uri=s.uri, token=s.token, index_type=s.index_type
    )


def open_store(
    folder: Path, setting: str | None = None, *, verify: bool | None = None, token: str = ""
) -> VectorStore:
    """The saved store, refusing one built by another backend than the setting names.

    `verify`: checksum the FAISS file whatever its size (a Milvus server keeps its own)."""
    s = parse_setting(setting, folder, token)
    built = manifests.built_backend(folder)
    if built and built != s.backend:
        raise VectorStoreError(
            f"the index in {folder} was built with {built}, but the vector store setting is "
            f"{resolve(setting)}: {FIX}"
        )
    if s.backend == "faiss":
        return FaissStore.open(folder, verify=verify)
    return MilvusStore.open(folder, s.uri, s.token)


def check(
    folder: Path,
    expected_ids: Iterable[int],
    model_name: str,
    model_fingerprint: str,
    dimension: int,
    *,
    setting: str | None = None,
    token: str = "",
) -> list[str]:
    """Every reason the configured store cannot serve this archive and model, each with its fix."""
    try:
        store = open_store(folder, setting, token=token)
    except VectorStoreError as e:
        return [str(e)]
    identity = {"model_name": model_name, "model_fingerprint": model_fingerprint,
                "dimension": dimension}
    try:
        return mismatch_problems(compare(store, expected_ids, identity))
    finally:
        store.close()


def store_filter(archive: Archive, filters: Filters) -> dict:
    """`Filters` as a store's `where`: the issuer substring becomes the exact issuers it matches
    in the archive, so a store filters by SQLite's own LIKE semantics, and an exact `in` is
    what a Milvus scalar index answers fast."""
    where = {k: v for k, v in asdict(filters).items() if k != "issuer"}
    if filters.issuer:
        clause, values = Filters(issuer=filters.issuer).sql()
        rows = archive.db.execute(
            f"SELECT DISTINCT r.issuer FROM reports r WHERE {clause}", values
        ).fetchall()
        where["issuers"] = sorted(r[0] for r in rows)
    return where
