"""The learned ranker: pairwise logistic regression over candidate evidence, shipped as data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from index.evaluate import Score
from index.library import Library
from index.ranker import FEATURES, WEIGHTS, LinearModel, Ranker, better_than_hand, features, fit
from index.search import Candidate


def test_pairwise_fit_learns_which_evidence_marks_the_answer():
    rng = np.random.default_rng(0)
    rows, labels, groups = [], [], []
    for question in range(120):
        x = rng.random((20, len(FEATURES)))
        answer = int(np.argmax(x[:, FEATURES.index("coverage")]))  # the answer covers most words
        rows.append(x)
        labels += [i == answer for i in range(20)]
        groups += [question] * 20
    model = fit(np.vstack(rows), np.array(labels), np.array(groups))
    weights = dict(zip(FEATURES, model.weights, strict=True))
    assert max(weights, key=weights.get) == "coverage"
    x = rng.random((20, len(FEATURES)))
    assert int(np.argmax(model.scores(x))) == int(np.argmax(x[:, FEATURES.index("coverage")]))


def test_ranker_round_trips_and_refuses_other_features(tmp_path):
    model = LinearModel(tuple([0.0] * len(FEATURES)), tuple([1.0] * len(FEATURES)),
                        tuple(float(i) for i in range(len(FEATURES))))
    path = tmp_path / "ranker.json"
    Ranker({"en/hybrid": model}).save(path, note="test")
    loaded = Ranker.load(path)
    assert loaded.model(True, "hybrid") == model and loaded.model(False, "hybrid") is None
    data = json.loads(path.read_text())
    data["features"] = data["features"][:-1]
    path.write_text(json.dumps(data))
    assert Ranker.load(path).models == {}
    assert Ranker.load(tmp_path / "missing.json").models == {}


def test_shipped_weights_cover_english_for_every_method():
    """English needs the fitted legs; Chinese keeps the hand weights wherever they won the folds."""
    ranker = Ranker.load(WEIGHTS)
    for method in ("keyword", "dense", "hybrid"):
        assert ranker.model(True, method) is not None
    assert "unseen folds beat the hand weights" in json.loads(WEIGHTS.read_text())["note"]


def test_only_models_that_beat_the_hand_weights_on_unseen_folds_ship():
    def score(hits: int, right: int = 0, n: int = 4, other: int = 2) -> Score:
        s = Score()
        for i in range(n):
            s.add(1 if i < hits else other, i < right, str(i))
        return s

    scores = {("learned", "hybrid", "a", "en"): score(3), ("hand", "hybrid", "a", "en"): score(2),
              ("learned", "hybrid", "a", "zh"): score(2), ("hand", "hybrid", "b", "zh"): score(3),
              # a tie in hit@1 ships only with more right figures, whatever the MRR says
              ("learned", "keyword", "a", "zh"): score(2), ("hand", "keyword", "a", "zh"): score(2, other=5),
              ("learned", "dense", "a", "zh"): score(2, right=2), ("hand", "dense", "a", "zh"): score(2, right=1),
              # more hits with fewer right figures: ranks are never bought with figures
              ("learned", "keyword", "a", "en"): score(3, right=1), ("hand", "keyword", "a", "en"): score(2, right=2)}
    assert better_than_hand(scores) == {"en/hybrid", "zh/dense"}


@pytest.fixture(scope="module")
def library(indexed_home, tmp_path_factory, tiny_model_dir):
    names = ["district-deputy-duty-report.txt", "gwr_2014_hailaer_district.txt"]
    home = indexed_home(names, manifest=False, copy_to=tmp_path_factory.mktemp("ranker") / "home")
    lib = Library.open(home, model=tiny_model_dir)
    yield lib
    lib.close()


def _only(feature: str) -> LinearModel:
    n = len(FEATURES)
    return LinearModel(tuple([0.0] * n), tuple([1.0] * n),
                       tuple(1.0 if f == feature else 0.0 for f in FEATURES))


@pytest.mark.parametrize("leg", ["dense", "keyword"])
def test_search_orders_by_the_fitted_model(library, leg):
    searcher = library.searcher()
    legs = searcher.gather("棚户区改造了多少户？")
    ranker = Ranker({"zh/hybrid": _only(f"{leg}_top")})
    result = searcher.rank(legs, top_k=3, ranker=ranker)
    first = legs.dense and next(iter(legs.dense)) if leg == "dense" else legs.keyword[0]
    assert result.hits[0].chunk.id == first


def test_candidates_carry_every_feature(library):
    searcher = library.searcher()
    legs = searcher.gather("How many shantytown households were rebuilt?")
    pool = searcher.candidates(legs)
    assert legs.english_leg, "the glossed English field finds passages"
    assert any(c.english_coverage > 0.5 for c in pool)
    for c in pool[:5]:
        assert isinstance(c, Candidate) and len(features(c)) == len(FEATURES)


def test_the_report_most_of_the_evidence_sits_in_gets_the_votes():
    """With no place or year named, a report most legs keep finding is likelier the one asked about."""
    from archive.models import StoredChunk
    from index.candidates import vote_by_report

    def candidate(cid, report, **ranks):
        chunk = StoredChunk(cid, report, None, [], "", 0, 0, "", None, None, None, None)
        return Candidate(chunk, ranks.get("dense"), ranks.get("keyword"), 0.0, 0.0, 0.0, False,
                         english_rank=ranks.get("english"))

    pool = [candidate(1, 10, keyword=1), candidate(2, 20, dense=1, keyword=2, english=1), candidate(3, 20, dense=2)]
    vote_by_report(pool)
    assert pool[1].report_lead == pool[2].report_lead == 1.0 > pool[0].report_lead
    assert pool[1].report_votes == pytest.approx(3.0 / 4.0)  # 1 + 1/2 + 1 + 1/2 of 4 in all
    assert pool[0].report_votes == pytest.approx(1.0 / 4.0)
    assert [features(c)[FEATURES.index("report_lead")] for c in pool] == [c.report_lead for c in pool]


def test_an_english_words_senses_count_once_in_coverage():
    """"power" reads as 权力, 力量 and 电力: a passage repeating all three senses holds one word of
    "installed power capacity", a passage with 电力 and 装机容量 holds all three."""
    from index.rerank import weigh

    terms = [("权力", 1.0), ("力量", 1.0), ("电力", 1.0), ("装机", 1.0), ("容量", 1.0)]
    senses = weigh(terms, [frozenset({"权力", "力量", "电力"}), frozenset({"装机"}), frozenset({"容量"})])
    politics = "规范权力运行，凝聚奋进力量，保障电力供应。"
    power = "新能源装机容量突破1亿千瓦，电力外送能力增强。"
    assert senses.share(power) == 1.0
    assert senses.share(politics) == pytest.approx(1 / 3)
    flat = weigh(terms)  # a Chinese question's terms: each its own word
    assert flat.share(politics) == flat.share(power) == pytest.approx(0.6)
