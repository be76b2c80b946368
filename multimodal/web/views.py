"""Attention images, one kind per modality, drawn from a Prediction's attention matrix
[output tokens x input positions]:

- caption: one small heatmap overlay on the picture per output word;
- transcribe: the spectrogram above an output-words x time matrix, on one time axis;
- translate: the source x target alignment matrix, bounded to its first sentences.

Each function returns (image, note); the note says what was left out, if anything.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from .drawing import (
    BACKGROUND,
    INK,
    caption_strip,
    colourise,
    display_piece,
    font,
    heat_image,
    normalise_rows,
    shorten,
    stack,
    text_width,
    vertical_label,
)

MAX_WORDS = 24  # caption tiles drawn
MAX_SPEECH_ROWS = 40
MAX_MATRIX_ROWS, MAX_MATRIX_COLS = 60, 80  # translation cells drawn
LABEL_WIDTH = 120


def empty_view(message: str, width: int = 480) -> Image.Image:
    return caption_strip(message, width, 14)


def grid_shape(positions: int) -> tuple[int, int]:
    """The image encoder's feature-map shape for `positions` memory positions.

    Encoders read a square resize of the picture and CNN trunks keep it square, so the grid is
    side x side (7x7 for EfficientNet-Lite0 at 224 px); anything else is shown as one row."""
    side = math.isqrt(positions)
    return (side, side) if side * side == positions else (1, positions)


def overlay(picture: Image.Image, weights: np.ndarray, box: int, alpha: float = 0.6):
    """The picture scaled into a `box`-pixel square, with `weights` [h, w] as a heatmap on it.

    The encoder saw the picture stretched to a square, so each grid cell covers the same
    fraction of the picture's width and height: stretching the grid back over it is exact."""
    tile = picture.copy()
    tile.thumbnail((box, box))
    top = float(weights.max())
    heat = Image.fromarray((weights / top * 255 if top > 0 else weights * 0).astype(np.uint8))
    heat = np.asarray(heat.resize(tile.size, Image.Resampling.BILINEAR)) / 255.0
    blended = np.asarray(tile, dtype=np.float32) * (1 - alpha) + colourise(heat) * alpha
    return Image.fromarray(blended.astype(np.uint8))


def caption_view(picture: Image.Image, tokens: list[str], attention: np.ndarray,
                 columns: int = 4, box: int = 150) -> tuple[Image.Image, str]:
    if not tokens:
        return empty_view("The model produced no words, so there is no attention to show."), ""
    rows_shown = min(len(tokens), MAX_WORDS)
    shape = grid_shape(attention.shape[1])
    cell_w, cell_h = box + 8, box + 26
    rows = math.ceil(rows_shown / columns)
    sheet = Image.new("RGB", (cell_w * min(columns, rows_shown), cell_h * rows), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    for i in range(rows_shown):
        tile = overlay(picture, attention[i].reshape(shape), box)
        x, y = (i % columns) * cell_w + 4, (i // columns) * cell_h + 4
        sheet.paste(tile, (x + (box - tile.width) // 2, y + (box - tile.height) // 2))
        label = shorten(f"{i + 1}. {display_piece(tokens[i])}", box)
        draw.text((x + (box - text_width(label, 14)) // 2, y + box + 2), label, fill=INK,
                  font=font(14))
    note = f"Grid of {shape[0]}x{shape[1]} image regions."
    if rows_shown < len(tokens):
        note += f" The first {rows_shown} of {len(tokens)} words are shown."
    return sheet, note


def _labelled_rows(labels: list[str], body: Image.Image, row_h: int) -> Image.Image:
    """`body` with one label per `row_h`-pixel row on its left."""
    out = Image.new("RGB", (LABEL_WIDTH + body.width, body.height), BACKGROUND)
    out.paste(body, (LABEL_WIDTH, 0))
    draw = ImageDraw.Draw(out)
    size = min(13, row_h - 3)
    for i, label in enumerate(labels):
        text = shorten(label, LABEL_WIDTH - 8, size)
        draw.text((LABEL_WIDTH - 4 - text_width(text, size), i * row_h + (row_h - size) // 2 - 1),
                  text, fill=INK, font=font(size))
    return out


def speech_view(features: np.ndarray | None, seconds: float, tokens: list[str],
                attention: np.ndarray, width: int = 640) -> tuple[Image.Image, str]:
    """`features`: the log-mel [n_mels, frames] the encoder read; the encoder frames (columns
    of `attention`) are a time-subsampled version of those frames, so both are stretched to
    the same width and line up in time."""
    parts = []
    if features is not None and features.size:
        lo, hi = float(features.min()), float(features.max())
        scaled = (features - lo) / (hi - lo) if hi > lo else np.zeros_like(features)
        spec = Image.fromarray(colourise(scaled[::-1]))  # low frequencies at the bottom
        spec = spec.resize((width, 110), Image.Resampling.BILINEAR)
        parts.append(_labelled_rows(["", "", "mel spectrogram", "", ""], spec, 22))
    if not tokens:
        parts.append(empty_view("The model produced no words, so there is no attention to "
                                "show.", width + LABEL_WIDTH))
        return stack(parts), ""
    rows_shown = min(len(tokens), MAX_SPEECH_ROWS)
    row_h = 20
    heat = heat_image(normalise_rows(attention[:rows_shown]), width, rows_shown * row_h)
    parts.append(_labelled_rows([display_piece(t) for t in tokens[:rows_shown]], heat, row_h))
    parts.append(caption_strip(f"time 0 to {seconds:.1f} s  ->  (rows: output pieces; "
                               f"columns: {attention.shape[1]} encoder frames)",
                               width + LABEL_WIDTH))
    note = "" if rows_shown == len(tokens) else (
        f"The first {rows_shown} of {len(tokens)} output pieces are shown.")
    return stack(parts), note


def segments(attention: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The diagonal blocks (row0, row1, col0, col1), one per sentence: each output row
    attends only inside its own sentence's columns, so equal column spans mark one block."""
    blocks: list[list[int]] = []
    for r, row in enumerate(attention):
        nonzero = np.flatnonzero(row > 0)
        span = (int(nonzero[0]), int(nonzero[-1]) + 1) if nonzero.size else None
        if blocks and span is not None and blocks[-1][2:] == list(span):
            blocks[-1][1] = r + 1
        elif span is not None:
            blocks.append([r, r + 1, *span])
    return [tuple(b) for b in blocks]


def translation_view(source_tokens: list[str], tokens: list[str], attention: np.ndarray,
                     cell: int = 20) -> tuple[Image.Image, str]:
    """Source pieces across the top, English pieces down the side. A long text is a
    block-diagonal matrix too large to draw: whole sentences are drawn while they fit."""
    if not tokens:
        return empty_view("The model produced no words, so there is no attention to show."), ""
    blocks = segments(attention)
    rows, cols, used = 0, 0, 0
    for _, r1, _, c1 in blocks:
        if used and (r1 > MAX_MATRIX_ROWS or c1 > MAX_MATRIX_COLS):
            break
        rows, cols, used = r1, c1, used + 1
    rows, cols = min(rows, MAX_MATRIX_ROWS), min(cols, MAX_MATRIX_COLS)
    body = heat_image(normalise_rows(attention[:rows, :cols]), cols * cell, rows * cell)
    left = min(140, max(text_width(display_piece(t)) for t in tokens[:rows]) + 10)
    top = min(110, max(text_width(display_piece(t)) for t in source_tokens[:cols]) + 10)
    out = Image.new("RGB", (left + body.width + 4, top + body.height + 4), BACKGROUND)
    out.paste(body, (left, top))
    draw = ImageDraw.Draw(out)
    for i, piece in enumerate(tokens[:rows]):
        text = shorten(display_piece(piece), left - 6)
        draw.text((left - 4 - text_width(text), top + i * cell + 1), text, fill=INK, font=font())
    for j, piece in enumerate(source_tokens[:cols]):
        label = vertical_label(display_piece(piece), top)
        out.paste(label, (left + j * cell + (cell - label.width) // 2, 0))
    notes = []
    if used < len(blocks):
        notes.append(f"Sentences 1-{used} of {len(blocks)} are drawn.")
    if rows < blocks[used - 1][1] or cols < blocks[used - 1][3]:
        notes.append(f"Cut to {rows} x {cols} cells.")
    return out, " ".join(notes)
