"""What a file says about itself besides its text: docx core properties, PDF info, HTML <title>/<meta>."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from bs4 import BeautifulSoup

_CORE = "docProps/core.xml"
_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
}
_PDF_DATE = re.compile(r"^D?:?((?:19|20)\d\d)")
_HTML_HEAD_BYTES = 65536
_META_TITLE = ("articletitle", "og:title", "title")
_META_DATE = ("pubdate", "firstpublishedtime", "publishdate", "article:published_time", "date")
_META_ISSUER = ("contentsource", "author", "sitename")


def file_properties(path: Path, fmt: str) -> dict[str, str]:
    """title / subject / author / year as the file declares them; {} when it declares nothing.

    Never raises: a file that reads as text but has unreadable properties just has none.
    """
    try:
        data = path.read_bytes()
        found = {"docx": _docx, "pdf": _pdf, "html": _html}.get(fmt, lambda _: {})(data)
    except Exception:  # noqa: BLE001 - properties are a hint; the reader already judged the file
        return {}
    return {k: " ".join(str(v).split()) for k, v in found.items() if v and str(v).strip()}


def _docx(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        if _CORE not in z.namelist() or z.getinfo(_CORE).file_size > 1_000_000:
            return {}
        root = ElementTree.fromstring(z.read(_CORE))

    def get(tag: str) -> str:
        node = root.find(tag, _NS)
        return (node.text or "") if node is not None else ""

    created = get("dcterms:created")
    return {
        "title": get("dc:title"),
        "subject": get("dc:subject"),
        "author": get("dc:creator"),
        "year": created[:4] if created[:4].isdigit() else "",
    }


def _pdf(data: bytes) -> dict:
    from pypdf import PdfReader

    info = PdfReader(io.BytesIO(data), strict=False).metadata or {}
    date = _PDF_DATE.match(str(info.get("/CreationDate") or ""))
    return {
        "title": info.get("/Title") or "",
        "subject": info.get("/Subject") or "",
        "author": info.get("/Author") or "",
        "year": date.group(1) if date else "",
    }


def _html(data: bytes) -> dict:
    soup = BeautifulSoup(data[:_HTML_HEAD_BYTES], "lxml")
    metas = {
        (m.get("name") or m.get("property") or "").lower(): m.get("content") or ""
        for m in soup.find_all("meta")
    }
    title = next((metas[k] for k in _META_TITLE if metas.get(k)), "")
    if not title and soup.title:
        title = soup.title.get_text()
    date = next((metas[k] for k in _META_DATE if metas.get(k)), "")
    return {
        "title": title,
        "author": next((metas[k] for k in _META_ISSUER if metas.get(k)), ""),
        "year": date[:4] if date[:4].isdigit() else "",
    }
