"""jieba's dictionary read from SQLite cuts exactly as the dictionary loaded whole."""

from __future__ import annotations

import json
from pathlib import Path

import jieba
import pytest
from conftest import REPORTS

from archive import jieba_dict, tokens
from archive.charsets import decode_bytes

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="module")
def whole() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def fresh_process(monkeypatch):
    """jieba as a process that has cut nothing yet sees it; restored afterwards."""
    dt = jieba.dt
    state = (dt.FREQ, dt.total, dt.initialized)
    dt.FREQ, dt.total, dt.initialized = {}, 0, False
    monkeypatch.setattr(tokens, "_lazy_used", 0)
    yield dt
    dt.FREQ, dt.total, dt.initialized = state


def lazy_tokenizer(freq: jieba_dict.SqliteFreq) -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, freq.total, True
    return tokenizer


def sample_texts() -> list[str]:
    """Every dev question, and passages of reports in both languages and several styles."""
    questions = [json.loads(line)["question"] for name in ("seed-dev.jsonl", "corpus-dev.jsonl")
                 for line in (FIXTURES / name).read_text("utf-8").splitlines() if line.strip()]
    passages = []
    for path in sorted(REPORTS.glob("*.txt"))[::4]:
        text, _ = decode_bytes(path.read_bytes())  # some bundled reports are GBK
        passages += [text[i : i + 400] for i in range(0, min(len(text), 6000), 1500)]
    return questions + passages + ["", "１９９６年ＧＤＰ增长９.６%", "a" * 70, "棚户区改造2206户"]


def test_the_sqlite_dictionary_cuts_as_the_whole_one(cache_home, whole):
    assert jieba_dict.open_lazy() is None  # nothing written yet
    jieba_dict.write_cache(whole.FREQ, whole.total)
    freq = jieba_dict.open_lazy()
    assert freq is not None and len(freq) == len(whole.FREQ) and freq.total == whole.total
    lazy = lazy_tokenizer(freq)
    texts = sample_texts()
    assert len(texts) > 100
    for text in texts:
        assert lazy.lcut_for_search(text) == whole.lcut_for_search(text), text
        assert lazy.lcut(text) == whole.lcut(text), text
    assert "棚户区" in freq and freq["棚户区"] == whole.FREQ["棚户区"] and "棚户区改造" not in freq


def test_the_cache_is_keyed_by_the_dictionary(cache_home, tmp_path):
    other = tmp_path / "dict.txt"
    other.write_text("棚户区 5 n\n", encoding="utf-8")
    default = jieba_dict.cache_path(jieba_dict._default_dictionary())
    assert default.parent == cache_home / "baogao"
    assert jieba_dict.cache_path(str(other)) != default


def test_tokens_read_lazily_then_load_the_whole_dictionary(cache_home, whole, fresh_process):
    jieba_dict.write_cache(whole.FREQ, whole.total)
    fresh = fresh_process
    question = "棚户区改造了多少户"
    assert tokens.tokens(question) == whole.lcut_for_search(question)
    assert isinstance(fresh.FREQ, jieba_dict.SqliteFreq)
    report, _ = decode_bytes((REPORTS / "gwr_1955_state_council.txt").read_bytes())
    assert len(report) > tokens.LAZY_BUDGET
    assert tokens.tokens(report)  # a report: the whole dictionary (the same cuts, as above)
    assert isinstance(fresh.FREQ, dict) and len(fresh.FREQ) == len(whole.FREQ)


def test_without_a_cache_the_first_cut_writes_it(cache_home, fresh_process):
    fresh = fresh_process
    assert tokens.tokens("城镇新增就业") == ["城镇", "新增", "就业"]
    assert isinstance(fresh.FREQ, dict)  # loaded whole this time
    assert jieba_dict.open_lazy() is not None  # and stored for the next process


def test_a_damaged_cache_is_replaced(cache_home, whole):
    path = jieba_dict.cache_path(jieba_dict._default_dictionary())
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database")
    assert jieba_dict.open_lazy() is None and not path.exists()
    jieba_dict.write_cache(whole.FREQ, whole.total)
    assert jieba_dict.open_lazy()["棚户区"] == whole.FREQ["棚户区"]
