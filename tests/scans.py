"""Small scanned fixtures made here: text drawn with a CJK font into images, wrapped as PDFs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)


def cjk_font(size: int = 26) -> ImageFont.FreeTypeFont:
    """The Noto CJK font (scripts/system-deps.sh installs fonts-noto-cjk), else skip the test."""
    for path in FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size, index=2)  # the SC face of the collection
    pytest.skip("no CJK font: run scripts/system-deps.sh (fonts-noto-cjk)")


def page_image(lines: list[str | list[str]], *, width: int = 900, size: int = 26) -> Image.Image:
    """A white page with one printed line per item; a list is a table row of columns."""
    font = cjk_font(size)
    step = int(size * 1.9)
    image = Image.new("L", (width, step * (len(lines) + 2)), 255)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines, start=1):
        if isinstance(line, list):
            column = (width - 120) // len(line)
            for k, cell in enumerate(line):
                draw.text((60 + k * column, row * step), cell, font=font, fill=0)
        else:
            draw.text((60, row * step), line, font=font, fill=0)
    return image


def image_pdf(images: list[Image.Image]) -> bytes:
    """Images wrapped as PDF pages with no text layer, as a scanner writes them."""
    out = io.BytesIO()
    rgb = [im.convert("RGB") for im in images]
    rgb[0].save(out, "PDF", save_all=True, append_images=rgb[1:], resolution=150)
    return out.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
