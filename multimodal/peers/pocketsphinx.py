"""CMU PocketSphinx, the classic offline recogniser, as a peer for English transcription.

PyPI `pocketsphinx` 5.1.1 ships its US English acoustic model, dictionary and language model,
so `Decoder()` works offline with no configuration. It reads 16 kHz mono 16-bit samples;
audio is brought there by the project's own `load_audio`, so both recognisers hear exactly
the same signal. Each file is decoded as one whole utterance.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from ..inputs.audio import load_audio

SAMPLE_RATE = 16000
POCKETSPHINX_VERSION = "5.1.1"
INSTALL_HINT = f"pip install pocketsphinx=={POCKETSPHINX_VERSION}"


def pocketsphinx_available() -> bool:
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return False
    return True


@functools.lru_cache(maxsize=1)
def _decoder():
    from pocketsphinx import Decoder

    return Decoder(loglevel="FATAL")  # its INFO lines would bury our own output


def to_int16(wave: torch.Tensor) -> bytes:
    """A float wave in [-1, 1] -> little-endian 16-bit PCM bytes, as the decoder reads."""
    samples = np.clip(wave.numpy(), -1.0, 1.0) * 32767
    return np.round(samples).astype("<i2").tobytes()


def transcribe_wave(wave: torch.Tensor) -> str:
    """One 16 kHz mono float wave -> PocketSphinx's best hypothesis ("" when it hears none)."""
    decoder = _decoder()
    decoder.start_utt()
    decoder.process_raw(to_int16(wave), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


def pocketsphinx_transcribe(paths: Sequence[str | Path | tuple],
                            progress: Callable[[int, int], None] | None = None) -> list[str]:
    """Transcripts of `paths` (files, or (rate, samples) pairs), one per input, in order."""
    if not pocketsphinx_available():
        raise RuntimeError(f"pocketsphinx is not installed: {INSTALL_HINT}")
    out = []
    for i, path in enumerate(paths):
        out.append(transcribe_wave(load_audio(path, SAMPLE_RATE)))
        if progress:
            progress(i + 1, len(paths))
    return out
