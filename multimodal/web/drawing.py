"""Small drawing helpers for the attention images: a colour map, a font, labels.

Pillow only (no plotting library), and only local fonts: the page must work offline.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Anchors of matplotlib's "magma" map (public domain), interpolated linearly.
MAGMA = np.array([[0, 0, 4], [28, 16, 68], [79, 18, 123], [129, 37, 129], [181, 54, 122],
                  [229, 80, 100], [251, 135, 97], [254, 194, 135], [252, 253, 191]],
                 dtype=np.float32)
BACKGROUND = (255, 255, 255)
INK = (30, 30, 30)
GREY = (110, 110, 110)


def colourise(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (any shape) -> uint8 RGB (shape + [3])."""
    x = np.clip(np.nan_to_num(values), 0.0, 1.0) * (len(MAGMA) - 1)
    low = np.floor(x).astype(int).clip(0, len(MAGMA) - 2)
    frac = (x - low)[..., None]
    return (MAGMA[low] * (1 - frac) + MAGMA[low + 1] * frac).astype(np.uint8)


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Each row scaled to a maximum of 1, so that every output token's focus is visible."""
    top = matrix.max(axis=-1, keepdims=True)
    return np.divide(matrix, top, out=np.zeros_like(matrix, dtype=np.float32), where=top > 0)


@lru_cache(maxsize=8)
def font(size: int = 13) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans where installed (it covers accents), else Pillow's built-in font."""
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def text_width(text: str, size: int = 13) -> int:
    return int(font(size).getlength(text))


def display_piece(piece: str) -> str:
    """A SentencePiece piece as a person reads it: the word-start mark dropped."""
    shown = piece.replace("\u2581", "").strip()
    return shown or "\u2423"  # a visible space for a bare word-start piece


def shorten(text: str, width: int, size: int = 13) -> str:
    """Cut `text` with an ellipsis so that it fits in `width` pixels."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "\u2026", size) > width:
        text = text[:-1]
    return text + "\u2026"


def vertical_label(text: str, height: int, size: int = 13) -> Image.Image:
    """`text` written bottom-to-top in an image `height` pixels tall (for column labels)."""
    text = shorten(text, height - 4, size)
    strip = Image.new("RGB", (height, size + 6), BACKGROUND)
    ImageDraw.Draw(strip).text((2, 1), text, fill=INK, font=font(size))
    return strip.rotate(90, expand=True)


def heat_image(matrix: np.ndarray, width: int, height: int) -> Image.Image:
    """A [rows, cols] matrix in [0, 1] drawn as `width` x `height` blocks (nearest cells)."""
    cells = Image.fromarray(colourise(matrix))
    return cells.resize((max(width, 1), max(height, 1)), Image.Resampling.NEAREST)


def caption_strip(text: str, width: int, size: int = 13) -> Image.Image:
    """One line of grey text across `width` pixels (notes under an image)."""
    strip = Image.new("RGB", (width, size + 10), BACKGROUND)
    ImageDraw.Draw(strip).text((4, 4), shorten(text, width - 8, size), fill=GREY,
                               font=font(size))
    return strip


def stack(images: list[Image.Image]) -> Image.Image:
    """Images one under the other, left-aligned, on white."""
    out = Image.new("RGB", (max(i.width for i in images), sum(i.height for i in images)),
                    BACKGROUND)
    y = 0
    for image in images:
        out.paste(image, (0, y))
        y += image.height
    return out
