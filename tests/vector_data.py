"""What the vector-store tests share: random unit vectors, a model identity, Milvus Lite URIs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.vectors.milvus_client import MILVUS_LITE

DIM = 32
MODEL = {"model_name": "tiny", "model_fingerprint": "f" * 64}
NEEDS_MILVUS = pytest.mark.skipif(
    not MILVUS_LITE, reason="pymilvus / milvus-lite not installed: pip install 'baogao[milvus]'"
)


def unit(n: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    """n random vectors of unit length, the same for the same seed."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def lite(tmp_path: Path, name: str = "vectors.db", options: str = "") -> str:
    """A Milvus Lite setting for a file in tmp_path."""
    return f"milvus://{tmp_path / name}{options}"
