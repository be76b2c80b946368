"""Long recordings -> chunks of at most `max_seconds`, cut at pauses, so that a 10-minute
file is transcribed whole (each chunk decoded on its own, the transcripts joined).

Speech is found by energy, much as librosa.effects.split does: frames more than `top_db`
below a loud reference are pauses. The reference is the 95th percentile of frame power, not
the maximum, so one bang (a door, a cough into the microphone) cannot make quiet speech count
as a pause; at worst a recording gets no pauses and is cut at its quietest points.

Neighbouring stretches of speech are merged while the chunk stays within `max_seconds`; a
chunk starts and ends PAD_SECONDS outside its speech, so no word is clipped, and the long
silences between chunks are left out. A stretch of speech longer than
`max_seconds` with no pause in it is cut at its quietest frame in the second half of the
allowed length, so a cut lands between words where it can.
"""

from __future__ import annotations

import numpy as np
import torch

PAD_SECONDS = 0.2
TOP_DB = 40.0
FRAME_SECONDS, HOP_SECONDS = 0.064, 0.016


def _speech_intervals(wave: np.ndarray, rate: int, top_db: float) -> list[tuple[int, int]]:
    """(start, end) samples of the stretches louder than the reference minus `top_db`.

    The same rule as librosa.effects.split, in plain numpy: its first call spends seconds
    compiling, which a user waiting on one recording should not pay."""
    hop = int(HOP_SECONDS * rate)
    blocks = len(wave) // hop
    if blocks == 0:
        return [(0, len(wave))]
    power = (wave[: blocks * hop].astype(np.float64).reshape(blocks, hop) ** 2).mean(1)
    width = max(1, int(FRAME_SECONDS / HOP_SECONDS))  # each frame spans `width` blocks
    power = np.convolve(power, np.ones(width) / width, mode="same")
    reference = np.percentile(power, 95)
    loud = 10 * np.log10(np.maximum(power, 1e-20)) > 10 * np.log10(reference + 1e-20) - top_db
    edges = np.flatnonzero(np.diff(np.concatenate(([0], loud.astype(np.int8), [0]))))
    return [(int(a) * hop, min(int(b) * hop, len(wave))) for a, b in zip(edges[::2], edges[1::2],
                                                                       strict=True)]


def _cut_at_quietest(wave: np.ndarray, start: int, end: int, limit: int,
                     rate: int) -> list[tuple[int, int]]:
    """[start, end) -> pieces of at most `limit` samples, each cut at its quietest frame."""
    hop = int(HOP_SECONDS * rate)
    pieces = []
    while end - start > limit:
        lo, hi = start + limit // 2, start + limit
        frames = wave[lo:hi][: (hi - lo) // hop * hop].reshape(-1, hop)
        cut = lo + int(np.argmin((frames ** 2).mean(1))) * hop + hop // 2 if len(frames) else hi
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def chunk_spans(wave: np.ndarray, rate: int, max_seconds: float = 20.0,
                top_db: float = TOP_DB) -> list[tuple[int, int]]:
    """(start, end) sample spans of the chunks of a 1-D wave longer than `max_seconds`."""
    limit = int(max_seconds * rate)
    pad = int(PAD_SECONDS * rate)
    spans = []  # padded speech spans, each within the limit
    for a, b in _speech_intervals(wave, rate, top_db):
        a, b = max(0, a - pad), min(len(wave), b + pad)
        spans += _cut_at_quietest(wave, a, b, limit, rate)
    chunks: list[list[int]] = []
    for a, b in spans:
        if chunks and b - chunks[-1][0] <= limit:
            chunks[-1][1] = max(chunks[-1][1], b)  # padded spans may overlap a little
        else:
            chunks.append([max(a, chunks[-1][1]) if chunks else a, b])
    return [(a, b) for a, b in chunks if b > a]


def split_at_pauses(wave: torch.Tensor, rate: int, max_seconds: float = 20.0,
                    top_db: float = TOP_DB) -> list[torch.Tensor]:
    """A 1-D wave -> chunks of at most `max_seconds`; a wave that short comes back whole."""
    if len(wave) <= int(max_seconds * rate):
        return [wave]
    return [wave[a:b] for a, b in chunk_spans(wave.numpy(), rate, max_seconds, top_db)]
