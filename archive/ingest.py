"""From files on disk to stored reports: read, parse, chunk, extract figures, store once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from archive.chunker import chunk_sections
from archive.figures import extract_figures
from archive.metadata import infer_metadata
from archive.models import ReadError, Report
from archive.periods import assign_periods
from archive.properties import file_properties
from archive.readers import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, read_file
from archive.sections import parse_sections
from archive.store import Archive, Parsed


@dataclass
class Outcome:
    """What happened to one file: added, duplicate or failed, with the reason."""

    path: Path
    status: str  # "added" | "duplicate" | "failed"
    report_id: int | None = None
    message: str = ""
    title: str | None = None
    metadata: dict | None = None  # the stored title, issuer, year and kind (read or given)


def parse_text(
    text: str, *, file_name: str, fmt: str, heading_lines=(), metadata=None, properties=None,
    pages=(),
) -> Parsed:
    """Derive sections, chunks and figures from normalised text; metadata overrides inference."""
    sections = parse_sections(text, heading_lines)
    fields = infer_metadata(text, file_name, properties)
    fields.update({k: v for k, v in (metadata or {}).items() if v not in (None, "")})
    report = Report(
        id=None,
        file_name=file_name,
        format=fmt,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        chars=len(text),
        **fields,
    )
    figures = extract_figures(text)
    assign_periods(text, sections, figures, report.year, report.kind)
    return Parsed(report, text, sections, chunk_sections(text, sections), figures, list(pages))


def parse_file(
    path: Path, metadata: dict | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Parsed:
    document = read_file(path, max_bytes=max_bytes)
    parsed = parse_text(
        document.text,
        file_name=path.name,
        fmt=document.format,
        heading_lines=document.heading_lines,
        metadata=metadata,
        pages=document.pages,
        properties=file_properties(path, document.format),
    )
    parsed.notes = document.notes
    return parsed


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[Outcome]]:
    """Files to add (folders expanded to their supported files, sorted) and the paths that don't exist."""
    files: list[Path] = []
    missing: list[Outcome] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not p.name.startswith(".")
            )
        elif path.is_file():
            files.append(path)
        else:
            missing.append(Outcome(path, "failed", message="no such file or folder"))
    return files, missing


def add_file(
    archive: Archive,
    path: Path,
    metadata: dict | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_added: Callable[[int], None] | None = None,
) -> Outcome:
    """Add one file; a failure leaves the archive exactly as it was."""
    try:
        parsed = parse_file(path, metadata, max_bytes=max_bytes)
    except ReadError as e:
        return Outcome(path, "failed", message=str(e))
    except (OSError, ValueError, RecursionError, MemoryError) as e:
        return Outcome(path, "failed", message=f"could not read: {e.__class__.__name__}: {e}")
    duplicate = archive.find_duplicate(parsed.report.sha256)
    if duplicate is not None:
        return Outcome(
            path, "duplicate", duplicate, f"same content as report {duplicate}", parsed.report.title
        )
    report_id = archive.add(parsed)
    if on_added:
        on_added(report_id)
    r = parsed.report
    shown = {"title": r.title, "issuer": r.issuer, "year": r.year, "kind": r.kind}
    return Outcome(
        path, "added", report_id, "; ".join(parsed.notes), title=r.title, metadata=shown
    )
