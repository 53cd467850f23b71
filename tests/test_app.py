"""The Streamlit pages driven through AppTest on a tiny archive with the tiny offline model."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from index.library import Library
from ui import first_start, render, views_upload

APP = Path(__file__).parent.parent / "ui" / "app.py"
SHANTY = "棚户区改造了多少户？"


@pytest.fixture(scope="module")
def template_home(tmp_path_factory, tiny_model_dir: Path, page_reports: list[Path]) -> Path:
    """Three real reports, added and indexed once; each test gets its own copy."""
    home = tmp_path_factory.mktemp("app-template") / "home"
    library = Library.open(home, model=str(tiny_model_dir))
    library.add(page_reports, manifest=page_reports[0].parent / "manifest.tsv")
    library.rebuild()
    library.close()
    return home


@pytest.fixture
def home(tmp_path: Path, template_home: Path, tiny_model_dir: Path, monkeypatch) -> Path:
    copy = tmp_path / "home"
    shutil.copytree(template_home, copy)
    monkeypatch.setenv("BAOGAO_HOME", str(copy))
    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))
    return copy


def start(page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def html(at: AppTest) -> list[str]:
    return [h.value for h in at.html]


def answer_cards(at: AppTest) -> list[str]:
    return [h for h in html(at) if 'class="bg-answer"' in h]


def passages(at: AppTest) -> list[str]:
    return [h for h in html(at) if 'class="bg-passage"' in h]


def ask(at: AppTest, question: str) -> AppTest:
    at.text_input(key="q").input(question).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def bundled(tmp_path: Path, page_reports: list[Path], monkeypatch) -> Path:
    """Two of the bundled reports as the folder a first start loads ($BAOGAO_BUNDLED)."""
    folder = tmp_path / "bundled"
    folder.mkdir()
    for path in page_reports[:2]:
        shutil.copy(path, folder)
    shutil.copy(page_reports[0].parent / "manifest.tsv", folder)
    monkeypatch.setenv("BAOGAO_BUNDLED", str(folder))
    return folder


def test_first_start_loads_the_bundled_reports_then_builds_the_index(
    tmp_path: Path, tiny_model_dir: Path, page_reports: list[Path], bundled: Path
):
    root = tmp_path / "fresh"
    assert first_start.needs_loading(root)
    library = Library.open(root, model=str(tiny_model_dir))
    terminal = io.StringIO()
    reporter = first_start.Reporter(root, first_start.Status(first_start.ADDING), out=terminal)
    first_start.load(library, reporter, first_start.bundled_folder())
    printed = terminal.getvalue()
    assert "adding reports: 2/2" in printed
    assert "keyword search ready (2 reports" in printed
    assert re.search(r"embedding chunks: (\d+)/\1", printed)
    assert "semantic index ready" in printed
    assert [r["file_name"] for r in library.archive.reports()] == [p.name for p in page_reports[:2]]
    assert library.index_problems() == []
    status = first_start.read_status(root)
    assert status.stage == first_start.DONE and not status.active
    assert not first_start.needs_loading(root)
    library.close()


def test_a_first_start_cut_short_goes_on_where_it_stopped(
    tmp_path: Path, tiny_model_dir: Path, page_reports: list[Path], bundled: Path
):
    root = tmp_path / "fresh"
    library = Library.open(root, model=str(tiny_model_dir))
    library.add([page_reports[0]], index=False)  # one report stored, then the loader was killed
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    first_start.write_status(root, first_start.Status(first_start.ADDING, 1, 2, pid=gone.pid))
    assert not first_start.read_status(root).active and first_start.needs_loading(root)
    reporter = first_start.Reporter(root, first_start.Status(first_start.ADDING), out=io.StringIO())
    first_start.load(library, reporter, bundled)
    assert len(library.archive.reports()) == 2 and library.index_problems() == []
    library.close()


def test_a_second_loader_leaves_a_running_first_start_alone(
    tmp_path: Path, tiny_model_dir: Path, bundled: Path
):
    root = tmp_path / "fresh"
    library = Library.open(root, model=str(tiny_model_dir))
    first_start.write_status(root, first_start.Status(first_start.ADDING, 0, 2, pid=os.getppid()))
    terminal = io.StringIO()
    reporter = first_start.Reporter(root, first_start.Status(first_start.ADDING), out=terminal)
    assert first_start.load(library, reporter, bundled) == "nothing to load"
    assert "is loading this home already" in terminal.getvalue()
    assert library.archive.reports() == [] and first_start.read_status(root).pid == os.getppid()
    library.close()


def test_the_page_answers_by_keyword_until_the_semantic_index_lands(
    tmp_path: Path, tiny_model_dir: Path, page_reports: list[Path], bundled: Path, monkeypatch
):
    root = tmp_path / "loading"
    monkeypatch.setenv("BAOGAO_HOME", str(root))
    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))
    library = Library.open(root, model=str(tiny_model_dir))
    reporter = first_start.Reporter(root, first_start.Status(first_start.ADDING), out=io.StringIO())
    reporter.stage(first_start.ADDING, total=2)  # this test process plays the loader
    library.add([bundled], index=False, progress=reporter)
    chunks = len(library.archive.chunk_ids())
    reporter.stage(first_start.EMBEDDING, total=chunks)
    at = start()
    [bar] = at.get("progress")
    assert "building the semantic index, 0 of" in bar.proto.text
    [note] = [h for h in html(ask(at, SHANTY)) if "class=\"bg-notice bg-keyword-only\"" in h]
    assert f"semantic index is still being built (0 of {chunks} passages" in note
    assert "2206户" in answer_cards(at)[0]
    library.rebuild(progress=reporter)
    reporter.stage(first_start.DONE)
    at.run()
    assert not at.get("progress")  # the banner is gone once the load is done
    assert not [h for h in html(at) if "class=\"bg-notice bg-keyword-only\"" in h]
    assert answer_cards(at)  # now by hybrid search (the tiny model's vectors are random)
    library.close()


def test_asking_shows_the_answer_card_and_ranked_passages(home: Path):
    at = ask(start(), SHANTY)
    [card] = answer_cards(at)
    assert 'class="bg-figure"' in card and "户</div>" in card
    assert 'class="bg-breadcrumb"' in card
    cards = passages(at)
    assert len(cards) == 5
    assert all("bg-breadcrumb" in c and "score " in c for c in cards)
    assert any('<mark class="bg-hl">棚户区' in c for c in cards)
    assert not any('<mark class="bg-hl">户</mark>' in c for c in cards)  # lone characters: never
    assert at.expander[0].label == "Read in context"
    assert not any('class="bg-text bg-here"' in h for h in html(at))  # read only when opened
    for key in [k for k in at.session_state if str(k).startswith("ctx-")]:
        at.session_state[key] = True
    at.run()
    contexts = [h for h in html(at) if 'class="bg-text bg-here"' in h]
    assert len(contexts) == 5 and all('class="bg-breadcrumb"' in c for c in contexts)
    figure = re.search(r'<div class="bg-figure">(.*?)</div>', card).group(1)
    [marked] = [c for c in contexts if f'<mark class="bg-fig">{figure}</mark>' in c]  # the answer's
    assert "bg-fig" not in "".join(c for c in contexts if c != marked)


def test_a_link_with_the_question_reproduces_the_answer(home: Path):
    first = answer_cards(ask(start(), SHANTY))
    assert answer_cards(start(q=SHANTY)) == first
    assert start(q=SHANTY).text_input(key="q").value == SHANTY


def test_an_example_question_can_be_clicked(home: Path):
    at = start()
    at.button(key="example-1").click().run()
    assert at.text_input(key="q").value == SHANTY
    assert answer_cards(at)


@pytest.mark.parametrize(
    ("widget", "value", "expected"),
    [
        ("issuer", "国务院", "国务院"),
        ("kind", "duty_report", "区人民政府"),
        ("report", ["2"], "海拉尔区"),
    ],
)
def test_filters_narrow_the_passages(home: Path, widget: str, value, expected: str):
    at = ask(start(), "城市建设")
    element = at.multiselect(key=widget) if widget == "report" else at.selectbox(key=widget)
    element.set_value(value).run()
    assert not at.exception
    cards = passages(at)
    assert cards and all(expected in c for c in cards)


def test_the_year_range_filter_and_its_empty_result(home: Path):
    at = ask(start(), "城市建设")
    at.select_slider(key="years").set_range(2024, 2024).run()
    assert passages(at) and all("· 2024 ·" in c for c in passages(at))
    at.multiselect(key="report").set_value(["1"]).run()  # the duty report has no year
    assert not passages(at) and not answer_cards(at)
    assert any("No good answer" in h and "with these filters" in h for h in html(at))


def test_an_off_topic_question_gets_an_answer_or_a_plain_no(home: Path):
    at = ask(start(), "Who won the football world cup on Mars? xyzzy")
    shown = answer_cards(at) + [h for h in html(at) if "No good answer" in h or "Not in the archive" in h]
    assert len(shown) == 1


def test_a_hint_read_from_the_question_can_be_switched_off(home: Path):
    at = ask(start(), "2024年政府工作报告安排的赤字率是多少？")
    assert at.button(key="hint-2024")
    at.button(key="hint-2024").click().run()
    assert at.session_state["ignored_hints"] == ["2024"]
    assert not [b for b in at.button if b.key == "hint-2024"]
    at.button(key="restore-2024").click().run()
    assert at.button(key="hint-2024")


def test_report_markup_is_shown_as_text(home: Path, markup_report: Path, tiny_model_dir):
    library = Library.open(home, model=str(tiny_model_dir))
    library.add([markup_report])
    library.close()
    at = ask(start(), "海绵城市试点面积是多少？")
    shown = "".join(html(at))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "<script" not in shown and "<img" not in shown


def test_reports_added_by_another_process_are_searchable_at_once(
    home: Path, markup_report: Path, tiny_model_dir
):
    at = ask(start(), "海绵城市试点面积是多少？")
    assert all("海绵城市" not in c for c in passages(at))
    library = Library.open(home, model=str(tiny_model_dir))  # as `baogao add` would
    library.add([markup_report])
    library.close()
    at.text_input(key="q").input("海绵城市试点面积有多大？").run()
    assert "海绵城市" in passages(at)[0]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\x\\报告.DOCX", "报告.docx"),
        ("..", "upload"),
        (".hidden.md", "hidden.md"),
        ("a\x00b\x1b[31m.pdf", "ab[31m.pdf"),
        ('we<ird>:"na|me?.html', "we_ird___na_me_.html"),
        ("/", "upload"),
    ],
)
def test_upload_names_are_sanitised(name: str, safe: str):
    assert views_upload.safe_name(name) == safe


def test_saving_uploads_never_overwrites_other_content(tmp_path: Path):
    first = views_upload.save_upload(tmp_path, "../r.txt", b"one")
    same = views_upload.save_upload(tmp_path, "r.txt", b"one")
    other = views_upload.save_upload(tmp_path, "sub/r.txt", b"two")
    assert first == same == tmp_path / "r.txt"
    assert other == tmp_path / "r-1.txt" and other.read_bytes() == b"two"
    assert {p.parent for p in (first, other)} == {tmp_path}


def test_upload_flow_adds_reports_and_reports_each_file(
    home: Path, markup_report: Path, monkeypatch
):
    monkeypatch.setenv("BAOGAO_MAX_UPLOAD_MB", "1")
    at = start("views_archive.py")
    data = markup_report.read_bytes()
    uploader = at.file_uploader[0]
    uploader.upload("../../evil/sponge.txt", data, "text/plain")
    uploader.upload("again.txt", data, "text/plain")
    uploader.upload("huge.txt", b"x" * (1024 * 1024 + 1), "text/plain")
    at.run()
    editor = at.data_editor[0].value
    assert list(editor["file"]) == ["../../evil/sponge.txt", "again.txt", "huge.txt"]
    assert editor["title"][0] == "2023年海绵城市建设情况报告" and editor["year"][0] == 2023
    at.button(key="save-uploads").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Added 1, duplicate 1, failed 1."
    [results] = [d.value for d in at.dataframe if "status" in d.value.columns]
    assert list(results["status"]) == ["added", "duplicate", "failed"]
    assert "over the 1 MB upload limit" in results["message"][2]
    kept = (home / "uploads").rglob("*")
    assert sorted(p.name for p in kept if p.is_file()) == ["sponge.txt"]  # no pending leftovers
    assert "2023年海绵城市建设情况报告" in list(at.dataframe[0].value["title"])
    at.switch_page("views_ask.py").run()
    assert "海绵城市" in answer_cards(ask(at, "海绵城市试点面积是多少？"))[0]


def test_remove_asks_for_confirmation_then_removes(home: Path):
    at = start("views_archive.py")
    at.selectbox(key="open").select("2").run()
    at.button(key="remove").click().run()
    assert "cannot be undone" in at.warning[0].value
    at.button(key="remove-no").click().run()
    assert len(at.dataframe[0].value) == 3
    at.button(key="remove").click().run()
    at.button(key="remove-yes").click().run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["id"]) == [1, 3]
    assert at.success[0].value.startswith("Removed report 2")
    at.switch_page("views_ask.py").run()
    assert all("海拉尔" not in c for c in passages(ask(at, "城市建设")))


def test_editing_metadata_updates_the_table(home: Path):
    at = start("views_archive.py")
    at.selectbox(key="open").select("1").run()
    at.text_input[1].input("副区长述职报告（修订）")
    at.number_input[0].set_value(2023)
    at.form_submit_button[0].click().run()
    assert not at.exception, at.exception
    row = at.dataframe[0].value.set_index("id").loc[1]
    assert row["title"] == "副区长述职报告（修订）" and row["year"] == 2023


def test_index_page_reports_a_stale_index_and_rebuilds_it(
    home: Path, markup_report: Path, tiny_model_dir
):
    library = Library.open(home, model=str(tiny_model_dir))
    library.add([markup_report], index=False)  # stored but never embedded: stale
    library.close()
    at = start()
    [note] = [h for h in html(ask(at, SHANTY)) if 'class="bg-notice bg-keyword-only"' in h]
    assert "Answered by keyword only: the semantic index is not ready" in note
    assert answer_cards(at)  # keywords still answer
    at.switch_page("views_index.py").run()
    assert "stale" in at.warning[0].value
    at.button(key="rebuild").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Indexed ")
    assert at.success[1].value.startswith("The index is up to date")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Model"] == tiny_model_dir.name
    indexed, chunks = metrics["Chunks indexed"].split(" / ")
    assert indexed == chunks
    caption = at.caption[0].value
    assert re.search(r"Last rebuild \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC \((just now|\d+ \w+ ago)\)", caption)
    assert not re.search(r"\d{4}-\d\d-\d\dT", caption)  # no raw ISO timestamps
    at.switch_page("views_ask.py").run()
    assert answer_cards(ask(at, SHANTY))


def test_index_page_checks_health_and_repairs(home: Path, markup_report: Path, tiny_model_dir):
    library = Library.open(home, model=str(tiny_model_dir))
    library.add([markup_report], index=False)  # chunks without vectors: a fixable problem
    library.close()
    at = start("views_index.py")
    at.button(key="health_check").click().run()
    assert not at.exception, at.exception
    assert any(w.value.startswith(render.md_escape("index: ")) for w in at.warning)
    at.button(key="health_repair").click().run()
    assert not at.exception, at.exception
    assert any(s.value == "No problems found." for s in at.success)
    assert at.info  # what the repair did


def test_a_question_of_only_punctuation_gets_a_plain_message(home: Path):
    at = ask(start(), "？？！。…")
    assert "no words to search for" in at.info[0].value
    assert not passages(at) and not answer_cards(at)


def test_hint_chips_say_which_reports_rank_higher(home: Path):
    at = ask(start(), "2013年海拉尔区棚户区改造了多少户？")
    chips = {b.key: b.label for b in at.button if str(b.key).startswith("hint-")}
    assert chips["hint-2014"] == "2014 reports, looking back on 2013 ✕"
    assert not any("reviews" in label for label in chips.values())
    assert "reviews 2013" in at.button(key="hint-2014").help


def test_the_archive_table_shows_a_dash_for_a_missing_year(home: Path):
    at = start("views_archive.py")
    table = at.dataframe[0]
    frame = table.value.set_index("id")
    assert frame.loc[1, "year"] is pd.NA and table.proto.placeholder == "—"  # the duty report
    at.selectbox(key="open").select("1").run()
    assert "None" not in "".join(html(at)) and "<span class=\"bg-crumb\">—</span>" in "".join(html(at))


def test_the_year_range_stays_whole_when_reports_of_new_years_arrive(home: Path, tmp_path: Path,
                                                                     tiny_model_dir: Path):
    at = ask(start(), SHANTY)
    assert at.select_slider(key="years").value == (2014, 2024)
    newer = tmp_path / "gwr_2026.txt"
    newer.write_text("2026年某市政府工作报告\n\n一、2025年工作回顾\n新建公园12个。\n", "utf-8")
    library = Library.open(home, model=str(tiny_model_dir))  # as the first-start loader would
    library.add([newer])
    library.close()
    at.run()
    assert at.select_slider(key="years").value == (2014, 2026)
    assert any("区政府副区长" in c for c in passages(at))  # reports without a year still count
    at.select_slider(key="years").set_range(2014, 2024).run()  # narrowed by hand: kept
    library = Library.open(home, model=str(tiny_model_dir))
    library.remove(4)
    library.close()
    at.run()
    assert at.select_slider(key="years").value == (2014, 2024)


def test_a_failed_first_start_says_so_and_questions_still_get_keyword_answers(
    tmp_path: Path, tiny_model_dir: Path, bundled: Path, monkeypatch
):
    root = tmp_path / "failed"
    monkeypatch.setenv("BAOGAO_HOME", str(root))
    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))
    library = Library.open(root, model=str(tiny_model_dir))
    library.add([bundled], index=False)
    library.close()
    first_start.write_status(root, first_start.Status(
        first_start.FAILED, message="first start failed: no space left on device"))
    at = start()
    assert "no space left on device" in at.warning[0].value and not at.get("progress")
    [note] = [h for h in html(ask(at, SHANTY)) if 'class="bg-notice bg-keyword-only"' in h]
    assert "there is no semantic index yet" in note and answer_cards(at)
