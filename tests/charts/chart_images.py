"""What a test can read back from a chart: its size as the PNG header states it, and the
colours its pixels have once the whole image is decoded."""

from __future__ import annotations

import struct
from collections import Counter
from io import BytesIO

from PIL import Image

from adapters.charts.canvas import HEIGHT_PX, WIDTH_PX

SIZE = (WIDTH_PX, HEIGHT_PX)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first after the signature."""
    assert png[:8] == PNG_SIGNATURE
    length, kind, width, height = struct.unpack(">I4sII", png[8:24])
    assert (kind, length) == (b"IHDR", 13)
    return width, height


def colours(png: bytes) -> Counter[tuple[int, int, int]]:
    """How many pixels have each colour; decoding every row also proves the data whole."""
    with Image.open(BytesIO(png)) as image:
        rgb = image.convert("RGB")
        return Counter({colour: count for count, colour in rgb.getcolors(WIDTH_PX * HEIGHT_PX)})


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def right_edge_is_blank(png: bytes, columns: int = 3) -> bool:
    """Nothing drawn in the last columns: no label runs off the image."""
    with Image.open(BytesIO(png)) as image:
        rgb_image = image.convert("RGB")
        edge = rgb_image.crop((WIDTH_PX - columns, 0, WIDTH_PX, HEIGHT_PX))
        return {colour for _, colour in edge.getcolors()} == {(255, 255, 255)}
