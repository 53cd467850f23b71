"""The dictionary leg: English questions must yield Chinese keywords that occur in the answer."""

from __future__ import annotations

import gzip
import json
import re
import time
from pathlib import Path

import pytest

from index import crosslingual
from index.crosslingual import chinese_terms, is_english

HERE = Path(__file__).parent
SEED_REPORT = HERE.parent / "data" / "reports" / "district-deputy-duty-report.txt"


def _english(name: str) -> list[dict]:
    rows = [json.loads(line) for line in (HERE / "fixtures" / name).read_text().splitlines()]
    return [r for r in rows if r["lang"] == "en"]


@pytest.fixture(scope="module", autouse=True)
def reverse_index(tmp_path_factory: pytest.TempPathFactory):
    """Build the CEDICT reverse index once into a temporary cache (about 5 s), not ~/.cache."""
    cache = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(cache))
        crosslingual.tables.cache_clear()
        crosslingual.tables()
        yield cache
    crosslingual.tables.cache_clear()


def _sentence_with(text: str, needle: str) -> str:
    """The sentence of `text` that holds `needle` (sentences end at 。！？； or a line end)."""
    at = text.index(needle)
    start = max(text.rfind(c, 0, at) for c in "。！？；\n") + 1
    ends = [j for j in (text.find(c, at) for c in "。！？；\n") if j >= 0]
    return text[start : min(ends, default=len(text))]


def _seed_rows() -> list:
    """Seed questions; "bus shelters" (公交站亭) is out of reach of both dictionary legs since the
    glossary lost its copied entry: only the mined lexicon (real model) reaches it."""
    gap = pytest.mark.xfail(reason="dictionary legs miss 公交站亭; the mined lexicon reaches it", strict=True)
    return [pytest.param(r, marks=gap) if r["id"] == "bus-shelters-en" else r
            for r in _english("seed-dev.jsonl")]


@pytest.mark.parametrize("row", _seed_rows(), ids=lambda r: r["id"])
def test_seed_questions_reach_the_answer_sentence(row: dict) -> None:
    """Through the dictionary leg, or else through the sentence's glosses (the English field):
    the glossary no longer holds phrases copied from these questions (bus shelter, research report)."""
    from archive.glosses import english
    from index.lexicon import content_words

    sentence = _sentence_with(SEED_REPORT.read_text(encoding="utf-8"), row["expect"][0])
    terms = [t for t, _ in chinese_terms(row["question"])]
    glossed = {w[:5] for w in english(sentence).split()}
    assert (any(t in e for t in terms for e in row["expect"]) or any(t in sentence for t in terms)
            or sum(w[:5] in glossed for w in content_words(row["question"])) >= 2)


def test_most_corpus_questions_reach_the_expected_passage() -> None:
    rows = _english("corpus-dev.jsonl")
    hits = sum(
        any(t in e for t, _ in chinese_terms(r["question"]) for e in r["expect"]) for r in rows
    )
    assert hits / len(rows) >= 0.9


@pytest.mark.parametrize(
    "question",
    ["", "   ", "?!", "。，！？", "...---", "how many were there?", "What is it, and why?"]
    + [" ".join(sorted(crosslingual.STOP))],
)
def test_blank_punctuation_and_stop_words_give_nothing(question: str) -> None:
    assert chinese_terms(question) == []


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many bus shelters were built?", True),
        ("What GDP growth target did Tibet set for 2026?", True),
        ("棚户区改造了多少户？", False),
        ("GDP增长了多少？", False),
        ("2024", False),
        ("", False),
    ],
)
def test_is_english(question: str, expected: bool) -> None:
    assert is_english(question) is expected


def test_glossary_phrase_wins_and_covers_its_words() -> None:
    terms = dict(chinese_terms("minimum living allowance"))
    assert terms == {
        "低保": 1.0,
        "最低生活保障": 1.0,
    }  # no 最少 for "minimum", no 津贴 for "allowance"


def test_longest_glossary_phrase_first() -> None:
    terms = dict(chinese_terms("new urban jobs"))
    assert terms["城镇新增就业"] == 1.0
    assert "城镇" not in terms  # "urban" alone is not looked up again


def test_dictionary_words_weigh_less_than_glossary_hits() -> None:
    terms = dict(chinese_terms("How many marathons were held?"))
    assert "马拉松" in terms
    assert all(0 < w < 1 for w in terms.values())


def test_document_names_yield_nothing() -> None:
    assert chinese_terms("according to the 2024 government work report") == [
        ("2024年", 0.5),
        ("2024", 0.3),
    ]


@pytest.mark.parametrize(
    ("question", "term"),
    [("GDP in 2007", "2007年"), ("jobs created in 1996", "1996年"), ("5,527 jobs", "5527")],
)
def test_numbers_and_years(question: str, term: str) -> None:
    assert term in dict(chinese_terms(question))


def test_weights_limit_and_order() -> None:
    question = (
        "How much in ultra-long-term special treasury bonds did Beijing plan to issue in 2025?"
    )
    terms = chinese_terms(question, limit=5)
    assert 0 < len(terms) <= 5
    weights = [w for _, w in terms]
    assert weights == sorted(weights, reverse=True)
    assert all(0 < w <= 1 for w in weights)
    assert len({t for t, _ in terms}) == len(terms)


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("toilets", "toilet"),
        ("households", "household"),
        ("rates", "rate"),
        ("taxes", "tax"),
        ("buses", "bus"),
        ("policies", "policy"),
        ("planned", "plan"),
        ("rebuilt", "rebuild"),
        ("housing", "housing"),
        ("news", "news"),
        ("bus", "bus"),
    ],
)
def test_lemmatiser(word: str, lemma: str) -> None:
    assert crosslingual.tables().lemma(word) == lemma


def test_british_spelling_and_possessives() -> None:
    assert crosslingual.words("China's run-down neighbourhoods") == [
        "china",
        "run",
        "down",
        "neighborhoods",
    ]


def test_glossary_is_well_formed() -> None:
    keys = []
    for line in crosslingual.GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        assert 2 <= len(cols) <= 3, line
        assert cols[0] == cols[0].strip().lower() and cols[0], line
        for term in filter(None, cols[1].split("|")):
            assert re.fullmatch(r"[\u4e00-\u9fffA-Z0-9.]+", term), line
        if len(cols) == 3:
            assert 0 < float(cols[2]) <= 1, line
        keys.append(cols[0])
    assert len(keys) == len(set(keys))
    assert 150 <= len(keys) <= 400


def test_warm_call_is_fast() -> None:
    question = "According to Hailar District's 2014 report, how many new urban jobs were created?"
    chinese_terms(question)
    start = time.perf_counter()
    for _ in range(50):
        chinese_terms(question)
    assert (time.perf_counter() - start) / 50 < 0.005


def test_cache_is_reused_and_a_broken_one_rebuilt(
    reverse_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(reverse_index))
    path = crosslingual.cache_file()
    assert path.is_relative_to(reverse_index) and path.exists()
    start = time.perf_counter()
    table = crosslingual.load_reverse_index()
    assert time.perf_counter() - start < 2  # read, not rebuilt
    assert table["phrases"]["bus shelter"].startswith("候车亭:")
    with gzip.open(path, "wt") as f:
        f.write("{not json")
    assert "words" in crosslingual.load_reverse_index()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        assert "shantytown" in json.load(f)["words"]


# --- document-side English (archive/glosses.py, the chunks_en field) ---------------------------


def test_glosses_read_report_words_and_back_off_to_characters():
    from archive.glosses import english, gloss_word, table

    text = english("发放消费券，改造提升老旧楼院小区15个")
    assert "voucher" in text.split()  # 消费券, though jieba splits it 消费|券
    glosses = table()
    assert "楼院" not in glosses  # no CEDICT entry: read through its characters
    assert "courtyard" in " ".join(gloss_word("楼院", glosses)).split()
    assert english("優撫對象") == english("优抚对象")  # traditional text reads the same
    assert "new" in english("新建").split() and "xinjian" not in english("新建")  # names last


def test_english_field_is_searched_with_stems(tmp_path):
    from archive.ingest import add_file
    from archive.store import Archive
    from index.keyword import english_coverage, english_search

    archive = Archive(tmp_path / "archive.db")
    add_file(archive, SEED_REPORT, {})
    hits = english_search(archive, ["shantytown", "households"])
    assert hits and "棚户区" in archive.chunks([hits[0][0]])[0].text
    english_search(archive, ['"; DROP TABLE chunks; --', "NEAR(", "*"])  # any input is words
    assert archive.counts()["chunks"] > 0
    covered = english_coverage(archive, ["shantytown", "households", "zebra"], [hits[0][0]])
    assert covered[hits[0][0]] == pytest.approx(2 / 3)
    rid = archive.reports()[0]["id"]
    archive.remove(rid)
    assert archive.db.execute("SELECT count(*) FROM chunks_en").fetchone()[0] == 0


def test_migration_fills_the_english_field_of_an_older_archive(tmp_path):
    from archive.ingest import add_file
    from archive.store import Archive

    archive = Archive(tmp_path / "archive.db")
    add_file(archive, SEED_REPORT, {})
    chunks = archive.counts()["chunks"]
    with archive.db.atomic():  # an archive from before issue 11: no English field, no record of it
        archive.db.execute("DROP TABLE chunks_en")
        archive.db.execute("DELETE FROM _migrations WHERE name = 'm011_english_fts'")
    archive.close()
    reopened = Archive(tmp_path / "archive.db")
    assert reopened.db.execute("SELECT count(*) FROM chunks_en").fetchone()[0] == chunks
    assert reopened.ensure_english() == 0  # filled by the current gloss table: nothing to redo
    reopened.close()


def test_translations_the_archive_holds_go_first() -> None:
    """"key" is 钥匙 in a dictionary, 重点 in a report: among a word's senses, those some passage
    holds are kept, so the dictionary's favourite cannot crowd out the archive's own word."""
    question = "How many key projects were completed?"
    plain = [t for t, _ in chinese_terms(question)]
    held = [t for t, _ in chinese_terms(question, held=lambda zh: zh in {"重点", "项目"})]
    assert "重点" not in plain and "重点" in held
    assert "钥匙" in plain and "钥匙" not in held
    nothing = [t for t, _ in chinese_terms(question, held=lambda zh: False)]
    assert "项目" in nothing  # an archive holding none of them keeps the dictionary's order


def test_passages_know_which_words_the_archive_holds(tmp_path):
    from archive.ingest import add_file
    from archive.store import Archive
    from index.passages import Passages

    archive = Archive(tmp_path / "archive.db")
    add_file(archive, SEED_REPORT, {})
    passages = Passages(archive)
    assert passages.holds("棚户区") and not passages.holds("钥匙")
    assert passages.holds("棚户区改造")  # a term jieba splits needs every part in one passage
    archive.remove(archive.reports()[0]["id"])
    assert not passages.holds("棚户区")  # forgotten when the archive changes


def test_each_english_word_keeps_its_translations_together() -> None:
    """term_groups: one list per English word or phrase; chinese_terms is their union, each term at
    its best weight."""
    question = "How many elevators were added to old residential buildings?"
    groups = crosslingual.term_groups(question)
    assert any({"电梯"} <= {zh for zh, _ in g} for g in groups)
    assert all(len({zh for zh, _ in g}) == len(g) for g in groups)
    flat = dict(chinese_terms(question, limit=100))
    assert set(flat) == {zh for g in groups for zh, _ in g}
    assert all(flat[zh] == max(round(w, 3) for g in groups for z, w in g if z == zh) for zh in flat)
