"""The lexicon mined from the archive: frequent words embedded at index time, stored in the home."""

from __future__ import annotations

import numpy as np
import pytest

from index.crosslingual import best_first
from index.lexicon import (
    FILE,
    Lexicon,
    content_words,
    frequent_terms,
    lexicon_groups,
    measure_words,
)
from index.library import Library

REPORT_A = """2024年城市管理工作报告
一、公厕建设
新建公厕20座，公厕保洁全覆盖。
二、公厕改造
改建公厕5座。
三、停车设施
新建停车位300个。
四、停车管理
全年新增停车位1200个。
五、生猪生产
生猪出栏12万头，粮食产量达到15万吨。
六、生猪存栏
生猪存栏8万头。
"""
REPORT_B = """2025年水利工作报告
一、水库建设
新建水库3座。
二、水库加固
加固水库12座，水库蓄水能力明显提升。
"""


@pytest.fixture
def library(tmp_path, tiny_model_dir):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "city.txt").write_text(REPORT_A, encoding="utf-8")
    lib = Library.open(tmp_path / "home", model=tiny_model_dir)
    lib.add([folder], index=False)
    lib.rebuild()
    yield lib
    lib.close()


def test_rebuild_stores_the_archive_words_and_their_vectors(library):
    lexicon = Lexicon.load(library.home.root)
    assert lexicon is not None and (library.home.root / FILE).is_file()
    assert {"公厕", "停车位", "生猪"} <= set(lexicon.terms)
    assert lexicon.vectors.shape == (len(lexicon.terms), library.embedder.dimension)
    assert np.allclose(np.linalg.norm(lexicon.vectors, axis=1), 1.0, atol=1e-2)
    assert all(term not in lexicon.terms for term in ("的", "多少"))  # stop words are no vocabulary


def test_adding_a_report_brings_its_words_and_embeds_only_new_ones(library, tmp_path):
    before = Lexicon.load(library.home.root)
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "water.txt").write_text(REPORT_B, encoding="utf-8")
    library.add([tmp_path / "more"])
    after = Lexicon.load(library.home.root)
    assert "水库" in after.terms and "水库" not in before.terms
    embedded: list[str] = []

    def counting(terms):
        embedded.extend(terms)
        return library.embedder.embed(terms)

    again = Lexicon.build(library.archive, counting, library.embedder.name, after)
    assert embedded == [] and again.terms == after.terms  # nothing new: nothing embedded
    foreign = Lexicon.build(library.archive, counting, "another-model", after)
    assert sorted(embedded) == sorted(foreign.terms)  # another model's vectors are never reused


def test_measure_words_come_from_the_figures_the_archive_writes(library):
    units = measure_words(library.archive)
    assert units["公厕"] == ["座"]
    assert units["停车位"] == ["个"]
    assert units["生猪"] == ["头"]


def test_frequent_terms_need_two_chunks_and_respect_the_limit(library):
    terms = frequent_terms(library.archive)
    assert len(frequent_terms(library.archive, limit=2)) == 2
    assert "粮食产量" not in terms or terms.index("粮食产量") >= 0  # ordered by chunks holding them
    assert all(len(t) >= 2 for t in terms)


def test_match_keeps_near_words_above_the_floor():
    vectors = np.eye(3, dtype=np.float32)
    lexicon = Lexicon(["生猪", "水库", "旅客"], vectors, "m", {})
    query = np.array([[0.9, 0.1, 0.0], [0.2, 0.2, 0.2]], dtype=np.float32)
    matches = lexicon.match(query)
    assert [t for t, _ in matches[0]] == ["生猪"]
    assert matches[1] == []  # nothing near enough
    terms = best_first(lexicon_groups(["pigs", "nothing"], query, lexicon))
    assert [t for t, _ in terms] == ["生猪"] and 0 < terms[0][1] <= 0.8


def test_unreadable_lexicon_loads_as_none(tmp_path):
    (tmp_path / FILE).write_bytes(b"not a numpy file")
    assert Lexicon.load(tmp_path) is None
    assert Lexicon.load(tmp_path / "missing") is None


def test_content_words_drop_stop_and_vague_words():
    assert content_words("How many pigs were slaughtered in 2024 last year?") == ["pigs", "slaughtered"]


def test_content_words_drop_the_name_of_the_source():
    """"the 2026 government work report" says where to look, not what: its words are not looked up
    in the lexicon (work -> 工作量, report -> 报表), while a report that is the thing asked about is."""
    assert content_words("According to the 2026 government work report, how many pigs were raised?") == [
        "pigs", "raised"]
    assert content_words("How many research reports were written?") == ["research", "reports", "write"]


def test_mined_measure_words_pick_the_figure_but_do_not_rank_passages(library):
    """停车位 is followed by 个 in this archive: a fine guess for the answer's unit, too loose a
    signal to lift every passage holding some 个 above the others."""
    legs = library.searcher().gather("How many parking spaces were added?")
    assert "个" in legs.answer_units and legs.units == []  # no word of the question names a unit
    result = library.searcher().rank(legs)
    assert "个" in result.units  # the units extract_answer weighs
