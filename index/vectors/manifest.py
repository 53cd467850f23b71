"""`<home>/index/manifest.json`: what the index holds and what it was built from.

The only module that reads or writes the file. A save writes its files beside the manifest
under temporary names, then renames them into place with the manifest last, so a reader sees
the old index or the new one, never half of each.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from archive.disk import file_stamp
from index.vectors.base import FIX, IndexCorrupt, IndexMissing, fsync

MANIFEST_FILE = "manifest.json"


def path(folder: Path) -> Path:
    return Path(folder) / MANIFEST_FILE


def exists(folder: Path) -> bool:
    """An index has been saved in this folder (whether or not it can be trusted)."""
    return path(folder).exists()


def read(folder: Path) -> dict:
    """The manifest; IndexMissing when there is none, IndexCorrupt when it cannot be read."""
    file = path(folder)
    if not file.exists():
        raise IndexMissing(f"there is no vector index in {folder}: {FIX}")
    try:
        manifest = json.loads(file.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"{file} is unreadable ({e}): {FIX}") from e
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"{file} is unreadable (not a JSON object): {FIX}")
    return manifest


def read_or_none(folder: Path) -> dict | None:
    """The manifest, or None when there is none or it cannot be read (status displays)."""
    try:
        return read(folder)
    except (IndexMissing, IndexCorrupt):
        return None


def built_backend(folder: Path) -> str | None:
    """The backend the index was built with (FAISS manifests predate the key); None if unknown."""
    manifest = read_or_none(folder)
    return None if manifest is None else manifest.get("backend", "faiss")


def stamp(folder: Path) -> tuple | None:
    """Changes whenever a save replaces the manifest: cheap, for readers that cache a store."""
    return file_stamp(path(folder))


def temporary(folder: Path, name: str) -> Path:
    """Where a save writes `name` before renaming it into place."""
    return Path(folder) / f".{name}.{os.getpid()}.tmp"


def leftovers(folder: Path) -> list[Path]:
    """Temporary files of saves that never finished (a kill, a full disk)."""
    folder = Path(folder)
    return sorted(folder.glob(".*.tmp")) if folder.is_dir() else []


def commit(folder: Path, manifest: dict, staged: dict[Path, str] | None = None) -> None:
    """Write the manifest durably, rename the `staged` files (temporary path -> name) into
    place, then the manifest itself, and make the renames durable."""
    folder = Path(folder)
    tmp = temporary(folder, MANIFEST_FILE)
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=2, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    for staged_path, name in (staged or {}).items():
        os.replace(staged_path, folder / name)
    os.replace(tmp, folder / MANIFEST_FILE)
    fsync(folder)
