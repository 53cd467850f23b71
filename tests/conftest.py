"""Shared pytest fixtures: isolated homes and offline models built in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest

# ---------------------------------------------------------------------------
# Tiny offline model and isolated environment (embedder / vector index)
# ---------------------------------------------------------------------------

# Vocabulary: BERT specials, printable ASCII (whole and as ##continuations), CJK
# punctuation, full-width forms and the CJK Unified Ideographs block: any Chinese or
# English report tokenises without [UNK] floods.
_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_RANGES = [(0x3000, 0x303F), (0xFF01, 0xFF5E), (0x4E00, 0x9FFF)]


def _tiny_vocab() -> list[str]:
    """Every token the tiny tokenizer knows, in id order."""
    ascii_chars = [chr(c) for c in range(0x21, 0x7F)]
    cjk = [chr(c) for lo, hi in _RANGES for c in range(lo, hi + 1)]
    return _SPECIALS + ascii_chars + ["##" + c for c in ascii_chars if c.isalnum()] + cjk


def build_tiny_model(folder: Path, *, seed: int = 0, hidden: int = 32) -> Path:
    """Save a random 2-layer BERT + mean pooling + normalisation as a sentence-transformers folder."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    hf = folder.parent / f"{folder.name}-hf"
    hf.mkdir(parents=True, exist_ok=True)
    vocab = _tiny_vocab()
    (hf / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab=str(hf / "vocab.txt"), do_lower_case=True)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=hidden,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=hidden * 2,
        max_position_embeddings=512,
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(hf)
    tokenizer.save_pretrained(hf)
    transformer = Transformer(str(hf), max_seq_length=256)
    modules = [transformer, Pooling(hidden, pooling_mode="mean"), Normalize()]
    SentenceTransformer(modules=modules, device="cpu").save(str(folder), create_model_card=False)
    return folder


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deterministic 32-d sentence-transformers model folder, built offline in about a second."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model") / "tiny-bert")


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model cache per session, so the default model folder is built once."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point BAOGAO_HOME and the model cache at temporary folders; forbid hub downloads."""
    home = tmp_path_factory.mktemp("baogao-home")
    monkeypatch.setenv("BAOGAO_HOME", str(home))
    monkeypatch.setenv("BAOGAO_MODEL_CACHE", str(model_cache_dir))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    return home


# ---------------------------------------------------------------------------
# end of the tiny-model block
# ---------------------------------------------------------------------------
