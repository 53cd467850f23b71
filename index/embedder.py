"""Turn passages into unit vectors with a local sentence-transformers model, never the network."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.use_numpy import CONFIG_FILE, MODULE_TYPE, USEEncoder, installed_identity, is_use_folder

# Read by huggingface_hub/transformers at import time: set before they are first imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

DEFAULT_MODEL = "use-multilingual-v3"
# Module classes of ours that a model folder may name; any other class outside
# sentence_transformers.* would need trust_remote_code, which we never pass.
LOCAL_MODULES = {MODULE_TYPE}
# Files that describe a folder without changing what it computes.
_NOT_FINGERPRINTED = {"README.md", ".gitattributes"}


class ModelError(Exception):
    """The embedding model cannot be found or loaded; the message says what to do."""


def model_cache_dir() -> Path:
    """Where the default model folder is built: $BAOGAO_MODEL_CACHE, else the user's cache."""
    if env := os.environ.get("BAOGAO_MODEL_CACHE"):
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "baogao" / "models"


def build_default_model(folder: Path) -> Path:
    """Write the USE model folder (a few KB: the weights live in the installed package)."""
    from sentence_transformers import SentenceTransformer

    from index.use_module import USEModule

    model = SentenceTransformer(modules=[USEModule()], device="cpu")
    model.save(str(folder), create_model_card=False)
    return Path(folder)


def _default_model_is_current(folder: Path) -> bool:
    """True when the folder exists and was built for the installed USE weights."""
    try:
        config = json.loads((folder / CONFIG_FILE).read_text("utf-8"))
        return (folder / "modules.json").is_file() and all(
            config.get(k) == v for k, v in installed_identity().items()
        )
    except (OSError, ValueError):
        return False


def ensure_default_model(cache_dir: Path | None = None) -> Path:
    """Return the default model folder, (re)building it when missing or stale."""
    cache_dir = Path(cache_dir) if cache_dir is not None else model_cache_dir()
    folder = cache_dir / DEFAULT_MODEL
    if _default_model_is_current(folder):
        return folder
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename into place, so a crash or a second process
    # never sees a half-written folder.
    tmp = cache_dir / f".{DEFAULT_MODEL}.{os.getpid()}.tmp"
    old = cache_dir / f".{DEFAULT_MODEL}.{os.getpid()}.old"
    shutil.rmtree(tmp, ignore_errors=True)
    build_default_model(tmp)
    if folder.exists():
        folder.rename(old)
    try:
        tmp.rename(folder)
    except OSError:  # another process renamed its build first
        shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    return folder


def folder_fingerprint(folder: Path) -> str:
    """sha256 over the files that decide the vectors (weights, configs, tokenizer, modules.json).

    Library versions recorded by sentence-transformers and the model card are left out, so
    upgrading a library or rewriting the README does not make every index look foreign.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if path.name in _NOT_FINGERPRINTED or rel.startswith("."):
            continue
        digest.update(rel.encode() + b"\0")
        if rel == "config_sentence_transformers.json":
            config = json.loads(path.read_text("utf-8"))
            config.pop("__version__", None)
            digest.update(json.dumps(config, sort_keys=True).encode())
            continue
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def load_model(folder: Path):
    """Load a sentence-transformers folder on the CPU, offline, without trust_remote_code.

    A USE folder (the default model's layout) runs on numpy alone (index/use_numpy.py):
    the same vectors without importing torch.
    """
    folder = Path(folder)
    try:
        entries = json.loads((folder / "modules.json").read_text("utf-8"))
        types = [entry["type"] for entry in entries]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ModelError(f"{folder} is not a sentence-transformers model folder: {e}") from e
    if is_use_folder(entries):
        try:
            return USEEncoder(folder, entries[0].get("path", ""))
        except (OSError, ValueError) as e:
            raise ModelError(f"cannot load the model in {folder}: {e}") from e

    from sentence_transformers import SentenceTransformer
    from sentence_transformers.util import import_from_string
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # "Loading weights" bars would mix into CLI output
    foreign = [
        t for t in types if t not in LOCAL_MODULES and not t.startswith("sentence_transformers.")
    ]
    if foreign:
        raise ModelError(
            f"{folder} needs module code from outside sentence-transformers ({', '.join(foreign)}); "
            "baogao does not run a model folder's own code: choose another model"
        )
    try:
        if not any(t in LOCAL_MODULES for t in types):
            return SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        # sentence-transformers >= 6 asks for trust_remote_code before importing any class
        # outside its namespace, even one of ours: load our modules ourselves instead.
        modules = [
            import_from_string(entry["type"]).load(
                str(folder), subfolder=entry["path"], local_files_only=True
            )
            for entry in entries
        ]
        return SentenceTransformer(modules=modules, device="cpu")
    except (OSError, ValueError) as e:
        raise ModelError(f"cannot load the model in {folder}: {e}") from e


class Embedder:
    """A loaded model plus what the index manifest needs to recognise it later."""

    def __init__(self, model: str | Path = DEFAULT_MODEL, *, cache_dir: Path | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if str(model) == DEFAULT_MODEL:
            folder = ensure_default_model(cache_dir)
            self.name = DEFAULT_MODEL
        else:
            folder = Path(model).expanduser()
            if not (folder / "modules.json").is_file():
                raise ModelError(
                    f"no sentence-transformers model folder at {folder} (modules.json missing); "
                    f"give a local model folder or use the default {DEFAULT_MODEL!r}"
                )
            self.name = folder.resolve().name
        self.folder = folder
        self.model = load_model(folder)
        dimension = self.model.get_embedding_dimension()
        self.dimension: int = int(dimension or self.model.encode(["probe"]).shape[1])
        self.fingerprint: str = folder_fingerprint(folder)

    def identity(self) -> dict:
        """The manifest fields that tie an index to this model."""
        return {
            "model_name": self.name,
            "model_fingerprint": self.fingerprint,
            "dimension": self.dimension,
        }

    def embed(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Embed texts in batches: float32 rows of unit length; progress(n_done) after each."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not one string")
        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            out[start : start + len(batch)] = self.model.encode(
                batch,
                batch_size=batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            if progress is not None:
                progress(start + len(batch))
        return out
