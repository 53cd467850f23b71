"""Scans: OCR'd pages and images, page citations, progress, bad scans; fixtures made here."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from scans import image_pdf, page_image, png_bytes

from archive import ocr
from archive.ingest import add_file, parse_file
from archive.models import ReadError
from archive.readers import read_file, read_first_page
from archive.store import Archive

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
BULLETIN = [
    "2023年周口市国民经济和社会发展统计公报",
    "周口市统计局",
    "一、综合",
    "初步核算，全年全市地区生产总值同比增长4.8%。分产业看，第一",
    "产业增加值增长2.0%，第二产业增加值增长6.0%。",
    "二、农业",
    "全年粮食产量902.61万吨，比上年下降3.2%。全市油料产量56.43",
    "万吨，增长6.8%。",
]
TABLE = [
    "表1 2023年主要农产品产量",
    ["产品名称", "产量（万吨）", "比上年增长"],
    ["粮食", "902.61", "-3.2"],
    ["油料", "56.43", "6.8"],
    ["蔬菜及食用菌", "1186.96", "4.2"],
]


def _ascii_parens(text: str) -> str:
    """OCR reads （ ） as ( ) or the other way round: compare them alike."""
    return text.replace("（", "(").replace("）", ")")


@pytest.fixture(scope="module")
def scan_pdf(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scans") / "bulletin_scan.pdf"
    path.write_bytes(image_pdf([page_image(BULLETIN), page_image(TABLE)]))
    return path


def test_scanned_pdf_is_read_by_ocr_into_sections_figures_and_pages(scan_pdf: Path) -> None:
    parsed = parse_file(scan_pdf)
    text = parsed.text
    assert "初步核算，全年全市地区生产总值同比增长4.8%。分产业看，第一产业增加值增长2.0%" in text
    assert [s.title for s in parsed.sections][:2] == ["一、综合", "二、农业"]
    assert {f.raw for f in parsed.figures} >= {"4.8%", "902.61万吨", "56.43万吨"}
    assert parsed.report.title == "2023年周口市国民经济和社会发展统计公报"  # from the first page
    assert parsed.report.year == 2023 and parsed.report.kind == "statistical_bulletin"
    assert [p.number for p in parsed.pages] == [1, 2]
    assert all(p.ocr_confidence > 0.9 for p in parsed.pages)
    assert re.match(r"表1 ?2023年主要农产品产量\n", text[parsed.pages[1].char_start :])
    assert "产品名称: 粮食; 产量(万吨): 902.61万吨; 比上年增长: -3.2" in _ascii_parens(text).split("\n")


def test_chunks_know_their_pages(scan_pdf: Path, tmp_path: Path) -> None:
    archive = Archive(tmp_path / "archive.db")
    outcome = add_file(archive, scan_pdf)
    assert outcome.status == "added", outcome.message
    rows = archive.db.execute("SELECT text, page_start, page_end FROM chunks ORDER BY ordinal").fetchall()
    assert rows[0][1] == 1 and rows[-1][2] == 2 and all(r[1] <= r[2] for r in rows)
    table_chunk = next(r for r in rows if "蔬菜及食用菌" in r[0])
    assert table_chunk[2] == 2  # the section 二、农业 runs from page 1 onto page 2
    assert [p["number"] for p in archive.pages(outcome.report_id)] == [1, 2]
    text = archive.text(outcome.report_id)
    assert archive.page_of(outcome.report_id, text.index("902.61")) == 1
    assert archive.page_of(outcome.report_id, text.index("蔬菜及食用菌")) == 2


def test_png_and_jpg_are_read(tmp_path: Path) -> None:
    image = page_image(BULLETIN[:5])
    png = tmp_path / "scan.png"
    png.write_bytes(png_bytes(image))
    jpg = tmp_path / "scan.JPG"
    image.convert("RGB").save(jpg, "JPEG", quality=85)
    for path in (png, jpg):
        document = read_file(path)
        assert "全年全市地区生产总值同比增长4.8%" in document.text
        assert document.format == "image" and document.pages[0].ocr_confidence > 0.9


def test_mixed_pdf_ocrs_only_the_scanned_page(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_page(PdfReader(FIXTURES / "zhoukou_tjgb_2023.pdf").pages[0])
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(image_pdf([page_image(TABLE)]))
    writer.add_page(PdfReader(scan).pages[0])
    mixed = tmp_path / "mixed.pdf"
    with mixed.open("wb") as handle:
        writer.write(handle)
    seen = []
    with ocr.reporting(lambda done, total, confidence: seen.append((done, total))):
        document = read_file(mixed)
    assert seen == [(1, 1)]  # one page OCR'd: the text page never is
    assert document.pages[0].ocr_confidence is None and document.pages[1].ocr_confidence > 0.9
    assert document.text.startswith("2023年周口市国民经济和社会发展统计公报")
    assert "产品名称: 油料; 产量(万吨): 56.43万吨; 比上年增长: 6.8" in _ascii_parens(document.text)


def test_first_page_alone_gives_the_metadata(scan_pdf: Path) -> None:
    document = read_first_page(scan_pdf)
    assert len(document.pages) == 1 and "表1" not in document.text
    assert document.text.startswith("2023年周口市国民经济和社会发展统计公报\n周口市统计局")


def test_blank_and_noise_images_are_refused(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    blank.write_bytes(png_bytes(Image.new("L", (400, 300), 255)))
    with pytest.raises(ReadError, match="no text found in the image"):
        read_file(blank)
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2000))
    with pytest.raises(ReadError, match="not a readable image"):
        read_file(corrupt)


def test_illegible_page_is_reported_not_stored(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(ocr, "CONFIDENCE_FLOOR", 1.01)  # no page can be this sure
    import archive.read_pdf as read_pdf

    monkeypatch.setattr(read_pdf, "CONFIDENCE_FLOOR", 1.01)
    path = tmp_path / "scan.pdf"
    path.write_bytes(image_pdf([page_image(TABLE)]))
    with pytest.raises(ReadError, match=r"OCR found no legible text \(page 1: OCR confidence 0\.\d\d is below 1\.01"):
        read_file(path)


def test_blank_scanned_page_is_noted(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(image_pdf([page_image(BULLETIN[:5]), Image.new("L", (600, 400), 255)]))
    archive = Archive(tmp_path / "archive.db")
    outcome = add_file(archive, path)
    assert outcome.status == "added" and outcome.message == "page 2: OCR found no text"
    assert [p["number"] for p in archive.pages(outcome.report_id)] == [1, 2]


def test_cancel_mid_scan_writes_nothing(scan_pdf: Path, tmp_path: Path) -> None:
    archive = Archive(tmp_path / "archive.db")

    def interrupt(done, total, confidence):
        raise KeyboardInterrupt  # what Ctrl-C raises between two pages

    with pytest.raises(KeyboardInterrupt), ocr.reporting(interrupt):
        add_file(archive, scan_pdf)
    assert archive.counts() == dict.fromkeys(("reports", "sections", "chunks", "figures", "chunks_fts"), 0)


def test_scan_over_the_page_limit_is_refused_before_ocr(scan_pdf: Path, monkeypatch) -> None:
    monkeypatch.setattr(ocr, "MAX_OCR_PAGES", 1)
    with pytest.raises(ReadError, match="2 scanned pages, over the OCR limit of 1"):
        read_file(scan_pdf)


def test_encrypted_scan_with_empty_password_is_read(tmp_path: Path) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(image_pdf([page_image(BULLETIN[:5])]))
    writer = PdfWriter(clone_from=PdfReader(scan))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as handle:
        writer.write(handle)
    assert "同比增长4.8%" in read_file(locked).text


def test_models_ship_in_the_wheel_and_nothing_is_fetched(tmp_path: Path) -> None:
    """OCR in a fresh process whose every HTTP request would fail: it must not need one."""
    image = tmp_path / "line.png"
    image.write_bytes(png_bytes(page_image(BULLETIN[3:5])))
    env = {**os.environ, "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
           "ALL_PROXY": "http://127.0.0.1:9", "NO_PROXY": "", "no_proxy": "", "PYTHONPATH": str(ROOT)}
    code = "import sys; from archive.readers import read_file; print(read_file(sys.argv[1]).text)"
    done = subprocess.run([sys.executable, "-c", code, str(image)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "同比增长4.8%" in done.stdout


def test_cli_add_shows_pages_and_ask_cites_them(scan_pdf: Path, isolated_home, tiny_model_dir, monkeypatch) -> None:
    from click.testing import CliRunner

    from ui.cli import cli

    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))
    added = CliRunner().invoke(cli, ["add", str(scan_pdf)], catch_exceptions=False)
    assert added.exit_code == 0, added.output
    assert "OCR page 1/2" in added.output and "OCR page 2/2" in added.output
    assert CliRunner().invoke(cli, ["rebuild", "-s"]).exit_code == 0
    asked = CliRunner().invoke(cli, ["ask", "蔬菜及食用菌产量", "--method", "keyword", "--json"])
    assert asked.exit_code == 0, asked.output
    result = json.loads(asked.output)
    top = result["passages"][0]
    assert "蔬菜及食用菌" in top["text"] and top["page_end"] == 2 and top["page"] in (1, 2)
    assert all("page" in p for p in result["passages"])


@pytest.mark.slow
def test_real_english_journal_scan() -> None:
    """The corpus scan (a two-column journal page): OCR'd, the left column read first."""
    document = read_file(FIXTURES / "scanned_image_only.pdf")
    assert document.pages[0].ocr_confidence > 0.9
    assert "Proteomics" in document.text
    assert "by fold change >2 and statistical significance (p < 0.01)" in document.text


def test_read_in_context_shows_the_page(tmp_path: Path, tiny_model_dir, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    from index.library import Library

    home = tmp_path / "home"
    library = Library.open(home, model=str(tiny_model_dir))
    library.add([FIXTURES / "zhoukou_tjgb_2023.pdf"], index=False)
    library.rebuild()
    library.close()
    monkeypatch.setenv("BAOGAO_HOME", str(home))
    monkeypatch.setenv("BAOGAO_MODEL", str(tiny_model_dir))
    at = AppTest.from_file(str(ROOT / "ui" / "app.py"), default_timeout=60)
    at.run()
    at.text_input(key="q").input("钢材 小麦粉 熟肉制品 产量").run()
    first = next(k for k in at.session_state if str(k).startswith("ctx-"))
    at.session_state[first] = True
    at.run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert any(re.fullmatch(r"Page \d+(–\d+)?", c) for c in captions), captions
