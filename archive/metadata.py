"""Report metadata: from a manifest, from flags, or inferred from the text and file name."""

from __future__ import annotations

import csv
import re
from pathlib import Path

KIND_WORDS = (  # first match wins: the kind a title's words point to
    ("政府工作报告", "gov_work_report"),
    ("government work report", "gov_work_report"),
    ("述职", "duty_report"),
    ("统计公报", "statistical_bulletin"),
    ("国民经济和社会发展", "statistical_bulletin"),
    ("工作总结", "work_summary"),
    ("annual report", "annual_report"),
)
MANIFEST_FIELDS = ("title", "issuer", "year", "kind", "language")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d\d)年")
_SENTENCE_END = re.compile(r"[。！？；，,.;!?:：]$")
_WEB_NOISE = re.compile(r"^(下载|打印|全屏|关闭|【字号|字号|分享|来源|发布时间|浏览次数)")
_CJK = re.compile(r"[\u4e00-\u9fff]")


class ManifestError(ValueError):
    """The manifest file is missing columns or unreadable."""


def load_manifest(path: Path) -> dict[str, dict]:
    """Rows of a manifest TSV (the corpus manifest format) keyed by file name."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
    except (OSError, UnicodeDecodeError) as e:
        raise ManifestError(f"cannot read manifest {path}: {e}") from e
    if rows and "file" not in rows[0]:
        raise ManifestError(f"manifest {path} has no 'file' column")
    manifest = {}
    for row in rows:
        fields = {k: (row.get(k) or "").strip() or None for k in MANIFEST_FIELDS}
        fields["year"] = (
            int(fields["year"]) if fields["year"] and fields["year"].isdigit() else None
        )
        manifest[row["file"].strip()] = {k: v for k, v in fields.items() if v is not None}
    return manifest


def infer_title(text: str, file_name: str) -> str:
    """The first short heading-like line near the top, else the file name without its suffix."""
    for line in text.splitlines()[:15]:
        line = line.strip().lstrip("#").strip()  # a markdown title: "# 2022年…"
        if 4 <= len(line) <= 60 and not _SENTENCE_END.search(line) and not _WEB_NOISE.match(line):
            if not re.match(r"^[（(]?[一二三四五六七八九十\d]+[、.．)）]", line):
                return line
    return Path(file_name).stem


def infer_year(title: str, file_name: str, text: str) -> int | None:
    """A year in the title, else in the file name, else the latest year named near the top."""
    for source in (title, Path(file_name).stem):
        if m := _YEAR.search(source):
            return int(m.group(1))
    years = [int(y) for y in _YEAR_IN_TEXT.findall(text[:1500])]
    return max(years) if years else None


def infer_kind(title: str) -> str:
    lowered = title.lower()
    return next((kind for word, kind in KIND_WORDS if word in lowered), "other")


def infer_language(text: str) -> str:
    sample = text[:5000]
    return "zh" if len(_CJK.findall(sample)) > 0.1 * max(1, len(sample)) else "en"


def infer_metadata(text: str, file_name: str) -> dict:
    title = infer_title(text, file_name)
    return {
        "title": title,
        "year": infer_year(title, file_name, text),
        "kind": infer_kind(title),
        "language": infer_language(text),
    }
