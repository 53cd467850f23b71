"""Shared pytest fixtures: isolated homes and offline models built in temporary folders."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "data" / "reports"  # the bundled reports and their manifest.tsv

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
# An indexed home: bundled reports added and embedded with the tiny model
# ---------------------------------------------------------------------------


def build_indexed_home(home: Path, model: Path, names: Sequence[str], *, manifest: bool) -> Path:
    """Add these bundled reports in this order — with their manifest.tsv metadata, or bare
    (read from the files) — then build the index, as a user's first `add` + `rebuild` would."""
    from index.library import Library

    library = Library.open(home, model=model)
    try:
        library.add([REPORTS / name for name in names], index=False,
                    manifest=REPORTS / "manifest.tsv" if manifest else None)
        library.rebuild()
    finally:
        library.close()
    return home


@pytest.fixture(scope="session")
def indexed_home(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path):
    """indexed_home(names, manifest=True, copy_to=None): a home holding these reports, indexed.

    Each set of reports is built once per session; a test that changes the home asks for its
    own copy (`copy_to`), one that only reads may share the built one.
    """
    built: dict[tuple, Path] = {}

    def make(names: Sequence[str], *, manifest: bool = True, copy_to: Path | None = None) -> Path:
        key = (tuple(names), manifest)
        if key not in built:
            home = tmp_path_factory.mktemp("indexed") / "home"
            built[key] = build_indexed_home(home, tiny_model_dir, names, manifest=manifest)
        if copy_to is None:
            return built[key]
        return Path(shutil.copytree(built[key], copy_to))

    return make


# ---------------------------------------------------------------------------
# Web page (ui/app.py) block: real reports and a report full of markup
# ---------------------------------------------------------------------------

BUNDLED = REPORTS
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


@contextmanager
def text_archive(folder: Path, text: str, name: str = "county.txt") -> Iterator:
    """A real archive in `folder` holding one report written from `text`, closed afterwards."""
    from archive.ingest import add_file
    from archive.store import Archive

    path = folder / name
    path.write_text(text, encoding="utf-8")
    archive = Archive(folder / "archive.db")
    try:
        add_file(archive, path)
        yield archive
    finally:
        archive.close()
