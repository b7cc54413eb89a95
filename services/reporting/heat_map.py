"""The risk matrix as a PNG, for the intranet page and the written report."""

from __future__ import annotations

import io

import pandas as pd
from PIL import Image, ImageDraw, ImageFont


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    if len(colour) != 6:
        return (200, 200, 200)
    return (int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16))


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # DejaVu has å, ä, ö and the dashes of Swedish titles; Pillow's built-in font is the
    # fallback on a server without it.
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def heat_map_png(
    grid: pd.DataFrame,
    *,
    band_colours: list[tuple[int, int, str]],
    title: str,
    likelihood_label: str,
    consequence_label: str,
) -> tuple[bytes, int, int]:
    """The risk matrix as a PNG: likelihood up, consequence right, each cell in its band's
    colour with the number of risks in it. Returns (png, width, height)."""
    rows = [int(v) for v in grid.index]
    columns = [int(v) for v in grid.columns]
    cell, left, top, bottom = 96, 90, 60, 70
    font = _font(18)
    big = _font(32)
    title_width = int(font.getlength(title)) if hasattr(font, "getlength") else 0
    width = max(left + cell * len(columns) + 20, left + title_width + 20)
    height = top + cell * len(rows) + bottom
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((left, 18), title, fill="black", font=font)

    def colour(score: int) -> tuple[int, int, int]:
        for low, high, hex_colour in band_colours:
            if low <= score <= high:
                return _hex(hex_colour)
        return (230, 230, 230)

    for r, likelihood in enumerate(rows):
        y = top + r * cell
        draw.text((left - 30, y + cell // 2 - 10), str(likelihood), fill="black", font=font)
        for c, consequence in enumerate(columns):
            x = left + c * cell
            draw.rectangle(
                [x, y, x + cell - 2, y + cell - 2], fill=colour(likelihood * consequence)
            )
            count = int(grid.to_numpy()[r, c])
            if count:
                draw.text(
                    (x + cell // 2, y + cell // 2), str(count), fill="black", font=big, anchor="mm"
                )
    axis_y = top + cell * len(rows)
    for c, consequence in enumerate(columns):
        draw.text(
            (left + c * cell + cell // 2 - 5, axis_y + 6), str(consequence), fill="black", font=font
        )
    draw.text((left, axis_y + 36), consequence_label, fill="black", font=font)
    label = Image.new("RGB", (cell * len(rows), 24), "white")
    ImageDraw.Draw(label).text(
        (label.width // 2, 12), likelihood_label, fill="black", font=font, anchor="mm"
    )
    image.paste(label.rotate(90, expand=True), (8, top))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue(), width, height
