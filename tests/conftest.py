"""Shared pytest fixtures: isolated homes and offline models built in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

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


# ---------------------------------------------------------------------------
# Web page (ui/app.py) block: real reports and a report full of markup
# ---------------------------------------------------------------------------

BUNDLED = Path(__file__).parent.parent / "data" / "reports"
PAGE_REPORTS = (
    "district-deputy-duty-report.txt",
    "gwr_2014_hailaer_district.txt",
    "gwr_2024_state_council.txt",
)
MARKUP_REPORT = """2023年海绵城市建设情况报告

一、海绵城市建设
海绵城市试点面积达到12.5平方公里<script>alert(1)</script>，新建雨水花园36个<img src=x onerror=alert(1)>。

二、下一步工作
继续推进海绵城市建设，完善排水防涝设施。
"""


@pytest.fixture(scope="session")
def page_reports() -> list[Path]:
    """A few real bundled reports (the seed duty report holds the 2206 households answer)."""
    return [BUNDLED / name for name in PAGE_REPORTS]


def write_markup_report(folder: Path) -> Path:
    """A report whose text carries a <script> tag and an <img onerror> attribute."""
    path = folder / "sponge-city-report.txt"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(MARKUP_REPORT, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def markup_report_factory():
    return write_markup_report


@pytest.fixture
def markup_report(tmp_path: Path) -> Path:
    return write_markup_report(tmp_path / "markup")


# ---------------------------------------------------------------------------
# end of the web page block
# ---------------------------------------------------------------------------


# The same examples every run: a property test fails or passes on every machine alike.
settings.register_profile("baogao", derandomize=True)
settings.load_profile("baogao")
