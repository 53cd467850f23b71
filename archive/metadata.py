"""Report metadata: from a manifest, from flags, or read from the file as a reader would.

A report added bare is found by its issuer, place and year as often as one with a manifest, so
those are read from the places a person looks: the date line under the title ("——2026年1月25日在
北京市第十六届人民代表大会第四次会议上"), the signature ("广东省省长 孟凡利"), "我代表国务院…",
the file name (gwr_2026_beijing, 2025年福建省政府工作报告.docx) and the file's own properties.
The rules for each field are in archive/report_head.py; this module assembles them.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # report_head loads place names and numerals: only adding a report needs them
    from archive.report_head import Head

MANIFEST_FIELDS = ("title", "issuer", "year", "kind", "language")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SITE_SUFFIX = re.compile(r"\s*(?:__|_|\s[-|–—]\s|\|).*$")  # 标题__2007年第23号国务院公报_中国政府网
_OFFICE_PREFIX = re.compile(r"^(?:Microsoft (?:Word|PowerPoint) - )", re.I)
KIND_TITLES = {
    "gov_work_report": "政府工作报告",
    "statistical_bulletin": "国民经济和社会发展统计公报",
    "duty_report": "述职报告",
    "work_summary": "工作总结",
}


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


def infer_language(text: str) -> str:
    sample = text[:5000]
    return "zh" if len(_CJK.findall(sample)) > 0.1 * max(1, len(sample)) else "en"


def declared_title(properties: dict) -> str | None:
    """A title the file declares (docx/PDF properties, HTML <title>), without site names."""
    title = _OFFICE_PREFIX.sub("", properties.get("title") or "")
    title = _SITE_SUFFIX.sub("", title).strip()
    if len(title) < 4 or re.fullmatch(r"[\w.-]+\.(?:docx?|pdf|html?|txt)", title, re.I):
        return None
    return title


def infer_metadata(text: str, file_name: str, properties: dict | None = None) -> dict:
    """Title, issuer, year, kind and language read from the text, the file name and its properties.

    Never raises on odd input (empty text, tables first, two years in a title): a field that
    cannot be read is None, and the title falls back to the file name.
    """
    from archive.report_head import (
        infer_issuer,
        infer_kind_from,
        infer_year_from,
        is_organ,
        read_head,
    )

    properties = properties or {}
    head: Head = read_head(text)
    stem = Path(file_name).stem
    declared = declared_title(properties)
    title = head.title or declared
    if declared and head.title and is_organ(head.title):
        title = declared  # 全国人民代表大会常务委员会 / 关于…的决议: the page names the document
    kind = infer_kind_from(head, " ".join(filter(None, [title, declared, stem])))
    year = infer_year_from(head, title or "", stem, kind, properties.get("year"))
    issuer, place = infer_issuer(head, title or "", stem, kind, declared)
    if not title or head.title_is_generic:
        title = _composed_title(year, place, kind) or title or declared or stem
    return {
        "title": title,
        "issuer": issuer,
        "year": year,
        "kind": kind,
        "language": infer_language(text),
    }


def _composed_title(year: int | None, place: str | None, kind: str) -> str | None:
    """2024年国务院政府工作报告: for a report whose own title line names no place or year."""
    label = KIND_TITLES.get(kind)
    if not label or not (year or place):
        return None
    return f"{f'{year}年' if year else ''}{place or ''}{label}"
