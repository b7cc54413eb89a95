"""The icons Teams shows: sizes and colour modes it accepts, and that the checked-in files are
what manifest/make_icons.py draws."""

from __future__ import annotations

import importlib.util
import zipfile
from io import BytesIO
from pathlib import Path
from types import ModuleType

from PIL import Image, ImageChops

from services.platform.app_package import MANIFEST_DIR


def _icon(built: Path, name: str) -> Image.Image:
    with zipfile.ZipFile(built) as archive:
        image = Image.open(BytesIO(archive.read(name)))
        image.load()
    assert image.format == "PNG"
    return image


def _make_icons() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_icons", MANIFEST_DIR / "make_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_colour_icon_is_192_square_and_opaque(built: Path) -> None:
    color = _icon(built, "color.png")
    assert color.size == (192, 192)
    rgba = color.convert("RGBA")
    assert rgba.getchannel("A").getextrema() == (255, 255), "the colour icon has see-through pixels"
    colours = rgba.getcolors(maxcolors=192 * 192) or []
    assert len(colours) > 3, "the colour icon is (nearly) one flat colour"


def test_outline_icon_is_32_square_white_on_transparent(built: Path) -> None:
    outline = _icon(built, "outline.png")
    assert outline.size == (32, 32)
    assert outline.mode == "RGBA"
    raw = outline.tobytes()
    pixels = [tuple(raw[i : i + 4]) for i in range(0, len(raw), 4)]
    visible = [p for p in pixels if p[3] > 0]
    assert visible, "the outline icon is empty"
    assert all(p[:3] == (255, 255, 255) for p in visible), "outline pixels must be white"
    transparent = [p for p in pixels if p[3] == 0]
    # Teams shows it on its own background: the corners, at least, must be see-through.
    assert len(transparent) > len(pixels) // 3
    for corner in (0, 31, 32 * 31, 32 * 32 - 1):
        assert pixels[corner] == (255, 255, 255, 0)


def test_checked_in_icons_are_what_make_icons_draws(tmp_path: Path) -> None:
    make_icons = _make_icons()
    color, outline = make_icons.write_icons(tmp_path)
    for fresh, name in ((color, "color.png"), (outline, "outline.png")):
        with Image.open(fresh) as drawn, Image.open(MANIFEST_DIR / name) as shipped:
            assert drawn.mode == shipped.mode and drawn.size == shipped.size, name
            difference = ImageChops.difference(drawn, shipped)
            assert difference.getbbox() is None, f"{name}: run python manifest/make_icons.py"
