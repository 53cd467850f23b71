"""Offline OCR on the CPU with RapidOCR, whose wheel ships its Chinese models: nothing is downloaded."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from archive.models import ReadError

OCR_DPI = 150  # scans are rasterised at this resolution: small 统计公报 digits still read well
CONFIDENCE_FLOOR = 0.80  # a page whose mean line confidence is lower is reported, not stored
MAX_SIDE = 4000  # larger images are scaled down first: more pixels only cost time and memory
MAX_OCR_PAGES = int(os.environ.get("BAOGAO_OCR_MAX_PAGES", "500"))


@dataclass
class Box:
    """A run of text on a page with its bounding box (any unit, y down) and its confidence."""

    x0: float
    top: float
    x1: float
    bottom: float
    text: str
    score: float = 1.0

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class OcrPage:
    boxes: list[Box]
    width: float
    confidence: float | None  # None when no text was found


PageProgress = Callable[[int, int, float | None], object]  # (page done, pages, confidence)
_progress: ContextVar[PageProgress | None] = ContextVar("ocr_progress", default=None)


@contextlib.contextmanager
def reporting(callback: PageProgress) -> Iterator[None]:
    """Within this block every OCR'd page calls `callback(done, total, confidence)`."""
    token = _progress.set(callback)
    try:
        yield
    finally:
        _progress.reset(token)


def report_page(done: int, total: int, confidence: float | None) -> None:
    if (callback := _progress.get()) is not None:
        callback(done, total, confidence)


@lru_cache(maxsize=1)
def _engine():
    """The RapidOCR engine, loaded on the first scan only (about 2 s and 300 MB)."""
    try:
        import logging

        from rapidocr import RapidOCR
    except ImportError as exc:
        raise ReadError(
            f"scanned page or image needs OCR, which is not installed ({exc.name}): "
            "pip install 'baogao[ocr]'"
        ) from exc
    engine = RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.use_cls": False,  # scans are upright; the angle classifier only costs time
            "EngineConfig.onnxruntime.intra_op_num_threads": os.cpu_count() or 1,
        }
    )
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    return engine


def ocr_image(image) -> OcrPage:
    """Text boxes of one PIL image, in its pixel coordinates."""
    import numpy as np

    image = image.convert("RGB")
    scale = min(1.0, MAX_SIDE / max(image.size))
    if scale < 1.0:
        image = image.resize((int(image.width * scale), int(image.height * scale)))
    result = _engine()(np.asarray(image))
    boxes: list[Box] = []
    if result.boxes is not None:
        for points, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            if text.strip():
                boxes.append(Box(min(xs), min(ys), max(xs), max(ys), text.strip(), float(score)))
    return OcrPage(boxes, float(image.width), page_confidence(boxes))


def page_confidence(boxes: list[Box]) -> float | None:
    """Mean line confidence weighted by characters: long lines say more than stray marks."""
    total = sum(len(b.text) for b in boxes)
    if not total:
        return None
    return sum(b.score * len(b.text) for b in boxes) / total


def open_image(data: bytes):
    """A decoded PIL image, or a ReadError saying why not."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ReadError(f"not a readable image: {exc}") from exc
    except Image.DecompressionBombError as exc:
        raise ReadError(f"image is too large to read: {exc}") from exc
    return image


def render_page(pdf, index: int):
    """One PDF page rasterised at OCR_DPI with pypdfium2, as a greyscale PIL image."""
    page = pdf[index]
    try:
        return page.render(scale=OCR_DPI / 72, grayscale=True).to_pil()
    finally:
        page.close()


def ocr_pdf_pages(data: bytes, indices: list[int]) -> Iterator[tuple[int, OcrPage]]:
    """OCR the given pages of a PDF one at a time (one page image in memory), reporting each."""
    if len(indices) > MAX_OCR_PAGES:
        raise ReadError(
            f"{len(indices)} scanned pages, over the OCR limit of {MAX_OCR_PAGES} "
            "(raise it with BAOGAO_OCR_MAX_PAGES)"
        )
    try:
        import pypdfium2
    except ImportError as exc:
        raise ReadError("PDF has no text layer and pypdfium2 is not installed for OCR") from exc
    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise ReadError(f"scanned PDF cannot be rasterised for OCR: {exc}") from exc
    try:
        for done, index in enumerate(indices, start=1):
            page = ocr_image(render_page(pdf, index))
            report_page(done, len(indices), page.confidence)
            yield index, page
    finally:
        pdf.close()

