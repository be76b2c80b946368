"""Audio files or arrays in any format, rate and channel layout -> mono float at the
model's sample rate."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import soundfile
import torch
import torchaudio

from ..errors import InputError
from .files import checked_path

MAX_AUDIO_SECONDS = 15 * 60
SILENCE_PEAK = 1e-4


def _read(path: Path) -> tuple[np.ndarray, int]:
    try:
        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
        return data.T, rate
    except (soundfile.LibsndfileError, RuntimeError, TypeError):
        pass
    try:  # formats libsndfile lacks go through librosa's audioread back end
        import librosa

        with warnings.catch_warnings():  # its audioread path warns about its own deprecation
            warnings.simplefilter("ignore")
            data, rate = librosa.load(path, sr=None, mono=False)
        return np.atleast_2d(data), rate
    except Exception:
        raise InputError(f"{path.name}: not an audio file that can be read "
                         "(WAV, FLAC, OGG, MP3)") from None


def load_audio(src, sample_rate: int) -> torch.Tensor:
    """A path or a (rate, samples) pair as Gradio gives it -> 1-D float32 tensor."""
    if isinstance(src, tuple):
        rate, data = src
        data = np.asarray(data)
        if np.issubdtype(data.dtype, np.integer):
            data = data.astype(np.float32) / np.iinfo(data.dtype).max
        data = np.atleast_2d(data.astype(np.float32))
        if data.shape[0] > data.shape[1]:  # (samples, channels) as Gradio gives it
            data = data.T
        name = "recording"
    else:
        path = checked_path(src, "audio")
        data, rate = _read(path)
        name = path.name
    if data.size == 0:
        raise InputError(f"{name}: contains no audio samples")
    seconds = data.shape[1] / rate
    if seconds > MAX_AUDIO_SECONDS:
        raise InputError(f"{name}: {seconds / 60:.1f} minutes is over the "
                         f"{MAX_AUDIO_SECONDS // 60}-minute limit")
    wave = torch.from_numpy(np.ascontiguousarray(data)).float().mean(0)
    if not torch.isfinite(wave).all():
        raise InputError(f"{name}: the audio contains invalid (NaN or infinite) samples")
    if wave.abs().max() < SILENCE_PEAK:
        raise InputError(f"{name}: the audio is silent")
    if rate != sample_rate:
        wave = torchaudio.functional.resample(wave, rate, sample_rate)
    return wave
