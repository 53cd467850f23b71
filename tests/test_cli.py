"""The `baogao` command line end to end on real reports: add, list, show, edit, remove, bad input."""

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPORTS
from PIL import Image

from archive.store import Archive

FIXTURES = Path(__file__).parent / "fixtures"
SEED = "district-deputy-duty-report.txt"
SEED_TEXT = (REPORTS / SEED).read_text(encoding="utf-8")


@pytest.fixture
def run(isolated_home):
    from ui.cli import cli

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


def counts(home: Path) -> dict:
    archive = Archive(home / "archive.db")
    try:
        return archive.counts()
    finally:
        archive.close()


def test_add_folder_with_its_manifest_then_list(run, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in (SEED, "gwr_2024_state_council.txt", "gwr_2012_hailaer_district.txt"):
        shutil.copy(REPORTS / name, folder)
    shutil.copy(REPORTS / "manifest.tsv", folder)
    result = run("add", folder, "--no-index")
    assert result.exit_code == 0, result.output
    assert "Added 3, duplicate 0, failed 0." in result.output
    reports = json.loads(run("list", "--json").output)
    by_file = {r["file_name"]: r for r in reports}
    assert by_file[SEED]["title"] == "区政府副区长年度述职述廉报告"
    assert by_file["gwr_2024_state_council.txt"]["year"] == 2024
    assert by_file["gwr_2012_hailaer_district.txt"]["issuer"] == "呼伦贝尔市海拉尔区人民政府"
    assert all(r["sections"] > 0 and r["chunks"] > 0 and r["figures"] > 0 for r in reports)


def test_show_prints_the_tree_and_one_section(run, tmp_path):
    run("add", REPORTS / SEED, "--no-index", "--title", "述职报告", "--year", "2023")
    tree = run("show", "1").output
    assert "述职报告  (2023" in tree
    assert "    （一）城市建设工作  [" in tree
    assert "      3.狠抓安居改造工程  [1 chunks]" in tree
    section = run("show", "1", "--section", "3.狠抓安居改造工程").output
    assert "2206户" in section and "4.狠抓四供保障工程" not in section
    data = json.loads(run("show", "1", "--json").output)
    assert [s["title"] for s in data["sections"] if s["level"] == 1][0].startswith("一、加强学习")


def test_edit_and_remove(run):
    run("add", REPORTS / SEED, "--no-index")
    assert run("edit", "1", "--year", "2019", "--issuer", "某区人民政府").exit_code == 0
    report = json.loads(run("list", "--json").output)[0]
    assert (report["year"], report["issuer"]) == (2019, "某区人民政府")
    result = run("remove", "1")
    assert result.exit_code == 0 and "Removed report 1" in result.output
    assert "The archive is empty" in run("list").output


def test_same_file_twice_is_stored_once(run, isolated_home):
    run("add", REPORTS / SEED, "--no-index")
    result = run("add", REPORTS / SEED, "--no-index")
    assert result.exit_code == 0
    assert "duplicate: " in result.output and "same content as report 1" in result.output
    assert counts(isolated_home)["reports"] == 1


def test_gbk_and_utf16_copies_are_duplicates_of_the_utf8_text(run, tmp_path, isolated_home):
    (tmp_path / "gbk.txt").write_bytes(SEED_TEXT.encode("gb18030"))
    (tmp_path / "utf16.txt").write_bytes(SEED_TEXT.encode("utf-16"))
    result = run("add", tmp_path / "gbk.txt", "--no-index")
    assert result.exit_code == 0 and "Added 1" in result.output
    result = run("add", tmp_path / "utf16.txt", "--no-index")
    assert "Added 0, duplicate 1" in result.output
    assert counts(isolated_home)["reports"] == 1


def bad_files(folder: Path) -> dict[str, str]:
    """File name -> a word the one-line error must contain."""
    folder.mkdir(exist_ok=True)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "picture.docx").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    (folder / "truncated.pdf").write_bytes((FIXTURES / "zhoukou_tjgb_2023.pdf").read_bytes()[:2048])
    blank = Image.new("RGB", (300, 200), "white")  # a scanned page with nothing on it
    blank.save(folder / "scan.pdf", "PDF", resolution=150)
    with zipfile.ZipFile(folder / "notword.docx", "w") as z:
        z.writestr("hello.txt", "not a word document")
    return {
        "empty.txt": "empty",
        "binary.txt": "binary",
        "picture.docx": "docx",
        "truncated.pdf": "PDF",
        "scan.pdf": "OCR",
        "notword.docx": "docx",
    }


def test_bad_files_fail_clearly_and_leave_the_archive_unchanged(run, tmp_path, isolated_home):
    run("add", REPORTS / SEED, "--no-index")
    before = counts(isolated_home)
    for name, word in bad_files(tmp_path / "bad").items():
        result = run("add", tmp_path / "bad" / name, "--no-index")
        assert result.exit_code == 1, name
        line = next(line for line in result.output.splitlines() if line.startswith("failed: "))
        assert name in line and word in line, line
        assert counts(isolated_home) == before, name


def test_oversized_file_is_refused_with_the_limit_and_flag(run, tmp_path, isolated_home):
    big = tmp_path / "big.txt"
    big.write_text(SEED_TEXT * 250, encoding="utf-8")  # ~4 MB
    result = run("add", big, "--no-index", "--max-size", "1")
    assert result.exit_code == 1
    assert "--max-size" in result.output and "limit" in result.output
    assert counts(isolated_home)["reports"] == 0
    assert run("add", big, "--no-index", "--max-size", "10").exit_code == 0


def test_the_size_limit_follows_the_upload_setting_unless_given(run, tmp_path, isolated_home, monkeypatch):
    big = tmp_path / "big.txt"
    big.write_text(SEED_TEXT * 250, encoding="utf-8")  # ~4 MB
    monkeypatch.setenv("BAOGAO_MAX_UPLOAD_MB", "2")
    refused = run("add", big, "--no-index")
    assert refused.exit_code == 1 and "limit" in refused.output
    assert counts(isolated_home)["reports"] == 0
    assert run("add", big, "--no-index", "--max-size", "10").exit_code == 0  # the flag wins


def test_mixed_folder_adds_the_good_and_lists_the_bad(run, tmp_path, isolated_home):
    folder = tmp_path / "mixed"
    bad = bad_files(folder)
    shutil.copy(REPORTS / SEED, folder)
    shutil.copy(REPORTS / "gwr_2014_hailaer_district.txt", folder)
    result = run("add", folder, "--no-index")
    assert result.exit_code == 1
    assert f"Added 2, duplicate 0, failed {len(bad)}." in result.output
    assert counts(isolated_home)["reports"] == 2


def test_missing_path_and_unknown_report(run):
    result = run("add", "/no/such/file.txt", "--no-index")
    assert result.exit_code == 1 and "no such file or folder" in result.output
    result = run("show", "99")
    assert result.exit_code == 1 and "no report with id 99" in result.output
    result = run("remove", "99")
    assert result.exit_code == 1 and "no report with id 99" in result.output


def test_every_bundled_report_ingests_with_sections_chunks_and_figures(run, isolated_home):
    result = run("add", REPORTS, "--no-index", "--silent")
    assert result.exit_code == 0, result.output
    reports = json.loads(run("list", "--json").output)
    assert len(reports) == 25
    for r in reports:
        assert r["chunks"] > 0 and r["figures"] > 0, r["file_name"]
        # 1954 is one unbroken speech: the only report without headings
        assert r["sections"] > 0 or r["file_name"] == "gwr_1954_state_council.txt"
    assert_list_fits(80, reports)
    assert_list_fits(60, reports)
    wide = assert_list_fits(200, reports)
    assert all(r["title"] in wide for r in reports)  # nothing cut where there is room


def assert_list_fits(columns: int, reports: list[dict]) -> str:
    """`baogao list` in a terminal this wide: a header, then one or two lines per report."""
    from rich.cells import cell_len

    from ui.cli import cli

    result = CliRunner().invoke(cli, ["list"], env={"COLUMNS": str(columns)})
    lines = result.output.splitlines()
    assert result.exit_code == 0
    assert max(cell_len(line) for line in lines) <= columns
    assert len(reports) + 1 <= len(lines) <= 2 * len(reports) + 1
    starts = [line.split()[0] for line in lines[1:] if line[:4].strip()]  # the id column
    assert starts == [str(r["id"]) for r in reports]
    return result.output


def test_the_first_add_builds_the_index_and_prints_each_new_id(run, tmp_path, tiny_model_dir,
                                                              monkeypatch):
    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))
    assert "the archive is empty" in run("ask", "棚户区改造了多少户").output
    result = run("add", REPORTS / SEED, REPORTS / "gwr_2012_hailaer_district.txt", "--silent")
    assert result.exit_code == 0, result.output
    added = [line for line in result.output.splitlines() if line.startswith("added ")]
    reports = json.loads(run("list", "--json").output)
    assert [line.split(":")[0] for line in added] == [f"added {r['id']}" for r in reports]
    assert added[0].startswith(f"added {reports[0]['id']}: {reports[0]['title']}")
    answer = run("ask", "棚户区改造了多少户", "--json")
    assert answer.exit_code == 0, answer.output
    assert json.loads(answer.output)["passages"]
    again = run("add", REPORTS / SEED, "--silent")  # a duplicate: no id line
    assert not any(line.startswith("added ") for line in again.output.splitlines())


def test_a_keyword_question_needs_no_index(run):
    run("add", REPORTS / SEED, "--no-index")
    assert "no index yet" in run("ask", "棚户区改造了多少户").output
    result = run("ask", "棚户区改造了多少户", "--method", "keyword", "--json")
    assert result.exit_code == 0, result.output
    assert "2206户" in json.loads(result.output)["answer"]["figure"]


@pytest.mark.parametrize("setting", ["milvus://localhost:19530", "milvus"])
@pytest.mark.parametrize("via", ["option", "env"])
def test_milvus_without_its_extra_is_one_line(tmp_path, setting, via):
    """pymilvus and milvus-lite hidden from a real `baogao` process (not a mock of our code)."""
    import subprocess
    import sys

    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "sys.modules['pymilvus'] = None  # as if not installed: import and find_spec fail\n"
        "sys.modules['milvus_lite'] = None\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAOGAO_")}
    env.update(PYTHONPATH=f"{blocker}{os.pathsep}{root}", BAOGAO_HOME=str(tmp_path / "home"))
    args = ["rebuild", "-s"]
    if via == "env":
        env["BAOGAO_VECTOR_STORE"] = setting
    else:
        args = ["--vector-store", setting, *args]
    done = subprocess.run([sys.executable, "-c", "import sys; from ui.cli import cli; sys.exit(cli())",
                           *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "pip install 'baogao[milvus]'" in done.stderr and "not installed" in done.stderr
