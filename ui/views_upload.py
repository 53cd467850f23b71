"""Uploads: safe names on disk, a size limit, metadata to fill in, per-file results."""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from archive import ocr
from archive.ingest import Outcome
from archive.metadata import infer_metadata
from archive.models import ReadError
from archive.properties import file_properties
from archive.readers import SUPPORTED_SUFFIXES, read_first_page
from archive.settings import MAX_FILE_MB
from index.library import USER_ERRORS, Library
from ui import views_state

UPLOAD_TYPES = sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES)
FIELDS = ("title", "year", "issuer", "kind")
_UNSAFE = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')
_MAX_NAME_BYTES = 200  # file names may have 255 bytes; room left for "-N" and temporary names
PENDING = ".pending"  # uploads not saved to the archive yet; swept after PENDING_HOURS
PENDING_HOURS = 6


def safe_name(name: str) -> str:
    """A file name that cannot leave the uploads folder: no directories, no '..', no controls."""
    name = unicodedata.normalize("NFC", str(name)).replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    suffix = Path(name).suffix.lower() if "." in name else ""
    stem = name[: len(name) - len(suffix)] if suffix else name
    stem = _cut_to_bytes(stem.strip(" ."), _MAX_NAME_BYTES - len(suffix.encode())) or "upload"
    return stem + suffix


def _cut_to_bytes(text: str, limit: int) -> str:
    """The longest prefix of whole characters whose UTF-8 fits in `limit` bytes."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore").rstrip(" .")


def sweep_pending(uploads: Path, hours: float = PENDING_HOURS) -> int:
    """Delete uploads nobody saved (a closed tab leaves them); return how many went."""
    cutoff, swept = time.time() - hours * 3600, 0
    for path in (uploads / PENDING).glob("*"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            swept += 1
    return swept


def save_upload(folder: Path, name: str, data: bytes) -> Path:
    """Write the bytes under `folder` with a sanitised, unused name (same bytes: same file)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_name(name)
    stem, suffix, n = target.stem, target.suffix, 1
    while target.exists() and target.read_bytes() != data:
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    target.write_bytes(data)
    return target


@dataclass
class Upload:
    """One uploaded file: its name as sent, its bytes, and where it was saved (if it was)."""

    name: str
    data: bytes
    path: Path | None = None
    problem: str = ""


def prepare(folder: Path, name: str, data: bytes, max_mb: int) -> Upload:
    """Refuse files over the limit; save the rest under a safe name."""
    if len(data) > max_mb * 1024 * 1024:
        size = len(data) / 1024 / 1024
        problem = f"{size:.1f} MB is over the {max_mb} MB upload limit (BAOGAO_MAX_UPLOAD_MB)"
        return Upload(name, data, problem=problem)
    return Upload(name, data, save_upload(folder / PENDING, name, data))


def guess_metadata(upload: Upload) -> dict:
    """Title, issuer, year and kind read from the file, for the user to correct before saving."""
    if upload.path is None:
        return {}
    try:
        document = read_first_page(upload.path)  # a scan: OCR its first page only
    except (ReadError, OSError, ValueError) as e:
        upload.problem = str(e)
        return {}
    inferred = infer_metadata(document.text, upload.path.name, file_properties(upload.path, document.format))
    return {k: v for k, v in inferred.items() if k in FIELDS}


def clean_metadata(row: dict) -> dict:
    """The fields the user filled, typed: blanks are left for the archive to infer."""
    fields = {}
    for key in FIELDS:
        value = row.get(key)
        if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
            continue
        if key == "year":
            fields[key] = int(value)
        elif str(value).strip():
            fields[key] = str(value).strip()
    return fields


def add_uploads(
    library: Library,
    uploads: list[Upload],
    metadata: list[dict],
    *,
    max_mb: int = MAX_FILE_MB,
    progress=None,
) -> list[Outcome]:
    """Add each saved upload with its own metadata; a refused or duplicate file is not kept."""
    outcomes = []
    for upload, fields in zip(uploads, metadata, strict=True):
        if upload.path is None:
            outcomes.append(Outcome(Path(upload.name), "failed", message=upload.problem))
            continue
        try:
            [outcome] = library.add(
                [upload.path],
                metadata=clean_metadata(fields),
                max_bytes=max_mb * 1024 * 1024,
                progress=progress,
            )
        except USER_ERRORS as e:
            outcome = Outcome(upload.path, "failed", message=str(e))
        if outcome.status == "added":  # kept beside the archive as the original file
            kept = save_upload(upload.path.parent.parent, upload.path.name, upload.data)
            if kept != upload.path:
                upload.path.unlink(missing_ok=True)
        else:
            upload.path.unlink(missing_ok=True)
        outcome.path = Path(upload.name)
        outcomes.append(outcome)
    return outcomes


def outcomes_frame(outcomes: list[Outcome]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "file": str(o.path),
                "status": o.status,
                "report": o.report_id,
                "title": o.title,
                "message": o.message,
            }
            for o in outcomes
        ]
    )


def section(res: views_state.Resources) -> None:
    """The upload widget, the metadata table to fill in, and the results of the last save."""
    limit = views_state.settings().max_upload_mb
    round_ = st.session_state.setdefault("upload_round", 0)
    files = st.file_uploader(
        f"Upload reports ({', '.join(UPLOAD_TYPES)}; up to {limit} MB each)",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=f"uploads-{round_}",
    )
    if results := st.session_state.get("upload_results"):
        counts = results["counts"]
        st.success(
            f"Added {counts['added']}, duplicate {counts['duplicate']}, failed {counts['failed']}."
        )
        st.dataframe(results["table"], hide_index=True, width="stretch", key="upload-results")
    if not files:
        return
    sweep_pending(res.library.home.uploads_dir)
    prepared = st.session_state.setdefault("prepared", {})
    uploads, rows = [], []
    for f in files:
        key = (round_, f.file_id)
        if key not in prepared:
            upload = prepare(res.library.home.uploads_dir, f.name, f.getvalue(), limit)
            prepared[key] = (upload, guess_metadata(upload))
        upload, guessed = prepared[key]
        uploads.append(upload)
        rows.append({"file": f.name, **{k: guessed.get(k) for k in FIELDS}, "note": upload.problem})
    st.caption("Fill in or correct the metadata, then save. Blank fields are read from the file.")
    table = pd.DataFrame(rows).astype({"year": "Int64"})
    edited = st.data_editor(
        table,
        hide_index=True,
        width="stretch",
        disabled=["file", "note"],
        column_config={"year": st.column_config.NumberColumn(min_value=1900, max_value=2100)},
        key=f"upload-meta-{round_}",
    )
    busy = views_state.loading(res) is not None
    if busy:
        st.caption("Saving is possible once the first start has finished loading (see the top).")
    if st.button("Save to archive", type="primary", key="save-uploads", disabled=busy):
        pages = st.empty()

        def page_done(done: int, total: int, confidence: float | None) -> None:
            sure = "no text" if confidence is None else f"confidence {confidence:.2f}"
            pages.progress(done / total, text=f"OCR page {done}/{total} ({sure})")

        with views_state.writing(res) as library, ocr.reporting(page_done):
            outcomes = add_uploads(
                library,
                uploads,
                edited.to_dict("records"),
                max_mb=limit,
                progress=views_state.progress_bar,
            )
        st.session_state["upload_results"] = {
            "counts": {
                s: sum(o.status == s for o in outcomes) for s in ("added", "duplicate", "failed")
            },
            "table": outcomes_frame(outcomes),
        }
        st.session_state["upload_round"] = round_ + 1
        prepared.clear()
        st.rerun()
