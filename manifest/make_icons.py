"""Draws the Teams app icons: ``color.png`` (192×192, full colour) and ``outline.png``
(32×32, white on transparent), the two sizes and modes Teams accepts.

    python manifest/make_icons.py            # rewrites manifest/color.png and outline.png

The drawing is pure geometry, so the same Pillow gives the same pixels on every run; the
tests compare a fresh drawing with the checked-in files.

The motif is a status report: three rows, each a traffic-light dot and a line of text.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

COLOR_SIZE = 192
OUTLINE_SIZE = 32
# Drawn large and scaled down, so edges are smooth without depending on font rendering.
_SUPERSAMPLE = 8

ACCENT = (31, 78, 121)  # deep blue, also the manifest's accentColor #1F4E79
PAPER = (255, 255, 255)
INK = (176, 190, 204)
TRAFFIC_LIGHT = ((46, 160, 67), (242, 178, 0), (209, 52, 56))  # green, yellow, red


def _rows(top: float, bottom: float) -> list[tuple[float, float]]:
    """Vertical centres and the spacing of the three rows inside the card."""
    step = (bottom - top) / 3
    return [(top + step * (i + 0.5), step) for i in range(3)]


def draw_color() -> Image.Image:
    size = COLOR_SIZE * _SUPERSAMPLE
    image = Image.new("RGB", (size, size), ACCENT)
    draw = ImageDraw.Draw(image)
    margin, radius = size * 0.19, size * 0.06
    left, top, right, bottom = margin, margin, size - margin, size - margin
    draw.rounded_rectangle((left, top, right, bottom), radius=radius, fill=PAPER)
    pad = size * 0.07
    for (centre, step), light in zip(
        _rows(top + pad * 0.5, bottom - pad * 0.5), TRAFFIC_LIGHT, strict=True
    ):
        dot = step * 0.28
        dot_x = left + pad + dot
        draw.ellipse((dot_x - dot, centre - dot, dot_x + dot, centre + dot), fill=light)
        bar = step * 0.12
        draw.rounded_rectangle(
            (dot_x + dot * 2.0, centre - bar, right - pad, centre + bar), radius=bar, fill=INK
        )
    return image.resize((COLOR_SIZE, COLOR_SIZE), Image.Resampling.LANCZOS)


def draw_outline() -> Image.Image:
    size = OUTLINE_SIZE * _SUPERSAMPLE
    # Only the coverage is drawn; every pixel's colour is pure white, as Teams requires.
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    margin, stroke = size * 0.09, size * 0.075
    left, top, right, bottom = margin, margin, size - margin, size - margin
    draw.rounded_rectangle(
        (left, top, right, bottom), radius=size * 0.12, outline=255, width=round(stroke)
    )
    pad = stroke + size * 0.07
    for centre, step in _rows(top + stroke, bottom - stroke):
        dot = step * 0.26
        dot_x = left + pad + dot
        draw.ellipse((dot_x - dot, centre - dot, dot_x + dot, centre + dot), fill=255)
        bar = step * 0.13
        draw.rectangle((dot_x + dot * 1.8, centre - bar, right - pad, centre + bar), fill=255)
    alpha = mask.resize((OUTLINE_SIZE, OUTLINE_SIZE), Image.Resampling.BOX)
    image = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (255, 255, 255, 0))
    image.putalpha(alpha)
    return image


def write_icons(directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    color, outline = directory / "color.png", directory / "outline.png"
    draw_color().save(color, format="PNG", optimize=True)
    draw_outline().save(outline, format="PNG", optimize=True)
    return color, outline


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    for path in write_icons(target):
        print(path)
