"""Small holes a red team found: long and NUL-bearing upload names, uploads nobody saved, and
`ask -` echoing bytes that are not UTF-8."""

from __future__ import annotations

import json
import os
import time

from click.testing import CliRunner
from conftest import REPORTS

from index.library import Library
from ui import views_upload


def test_a_name_of_many_chinese_characters_fits_the_file_system(tmp_path):
    name = "关于" + "政府工作报告" * 20 + ".docx"  # 122 characters, 362 bytes
    safe = views_upload.safe_name(name)
    assert safe.endswith(".docx") and len(safe.encode()) <= 200
    assert safe.startswith("关于政府工作报告")
    saved = views_upload.prepare(tmp_path, name, b"x", max_mb=1)
    assert saved.path.read_bytes() == b"x" and saved.path.parent.name == views_upload.PENDING


def test_a_nul_in_a_name_is_dropped_not_fatal(tmp_path):
    upload = views_upload.prepare(tmp_path, "report\x00.txt", b"text", max_mb=1)
    assert upload.path.name == "report.txt"


def test_uploads_nobody_saved_are_swept(tmp_path):
    pending = tmp_path / views_upload.PENDING
    pending.mkdir()
    old, new = pending / "old.txt", pending / "new.txt"
    old.write_text("o")
    new.write_text("n")
    hours_ago = time.time() - 2 * views_upload.PENDING_HOURS * 3600
    os.utime(old, (hours_ago, hours_ago))
    assert views_upload.sweep_pending(tmp_path) == 1
    assert not old.exists() and new.exists()


def test_saved_uploads_leave_the_pending_folder(tmp_path, tiny_model_dir):
    library = Library.open(tmp_path / "home", model=str(tiny_model_dir))
    uploads = library.home.uploads_dir
    data = (REPORTS / "district-deputy-duty-report.txt").read_bytes()
    upload = views_upload.prepare(uploads, "述职报告.txt", data, max_mb=5)
    [outcome] = views_upload.add_uploads(library, [upload], [{}], max_mb=5)
    library.close()
    assert outcome.status == "added"
    assert [p.name for p in uploads.glob("*.txt")] == ["述职报告.txt"]
    assert not list((uploads / views_upload.PENDING).iterdir())


def test_ask_from_stdin_prints_valid_utf8_json_for_invalid_input(
    tmp_path, tiny_model_dir, indexed_home, monkeypatch
):
    from ui.cli import cli

    indexed_home(["district-deputy-duty-report.txt"], manifest=False, copy_to=tmp_path / "home")
    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))
    question = "棚户区改造了多少户".encode() + b"\xff\xfe\xc3(\n"
    result = CliRunner().invoke(
        cli, ["ask", "-", "--json", "--home", str(tmp_path / "home")], input=question
    )
    assert result.exit_code == 0, result.output
    out = result.stdout_bytes.decode("utf-8")  # raises if any byte is not UTF-8
    [line] = [json.loads(x) for x in out.splitlines() if x.strip()]
    assert line["question"].startswith("棚户区改造了多少户") and "\ufffd" in line["question"]
