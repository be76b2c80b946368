"""Audio files or arrays in any format, rate and channel layout -> mono float at the
model's sample rate.

Accepted: any file soundfile reads (WAV, FLAC, OGG, MP3, ...) or, failing that, audioread
(librosa's back end: AAC/M4A where ffmpeg is installed); 8-bit to 32-bit integer or float
samples, any rate, mono or multichannel (channels are averaged); and the
(sample_rate, samples) pair a Gradio microphone gives (48 kHz, int16, [samples, channels]).

Refused with an `InputError`: a missing, empty or non-audio file, no samples, silence, NaN
samples, audio under MIN_AUDIO_SECONDS or over MAX_AUDIO_SECONDS. Clipping is NOT refused:
even hard-clipped speech stays largely intelligible, and refusing would throw the user's
recording away; when more than CLIPPED_WARN_FRACTION of the samples sit on flat plateaus at
full scale (a loud but clean wave never repeats its peak value exactly), a
`ClippingWarning` says the transcript may suffer (the app can show it; the CLI prints it).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import soundfile
import soxr
import torch

from ..errors import InputError
from .files import checked_path

MAX_AUDIO_SECONDS = 15 * 60
MIN_AUDIO_SECONDS = 0.1  # shorter holds no word, and gives the encoder no frame
SILENCE_PEAK = 1e-4
FULL_SCALE = 0.99  # a run of equal samples this loud is a clipped plateau
CLIPPED_WARN_FRACTION = 0.01


# Names the resampling below, so that kept peer outputs made from another front end are
# not reused (peers.memo keys on it).
FRONT_END = "soxr-hq+dither16"


class ClippingWarning(UserWarning):
    """The audio is clipped: it is transcribed, but the transcript may be worse."""


def _read(path: Path) -> tuple[np.ndarray, int]:
    """-> (samples [channels, time] as float32 in [-1, 1], rate)."""
    try:
        info = soundfile.info(path)
        if info.frames / max(info.samplerate, 1) > MAX_AUDIO_SECONDS:
            _too_long(path.name, info.frames / info.samplerate)  # before reading it all
        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
        return data.T, rate
    except (soundfile.LibsndfileError, RuntimeError, TypeError):
        pass
    try:  # formats libsndfile lacks (AAC, M4A, ...) go through audioread, where it has ffmpeg
        return _read_with_audioread(path)
    except Exception:
        raise InputError(f"{path.name}: not an audio file that can be read "
                         "(WAV, FLAC, OGG, MP3)") from None


def _read_with_audioread(path: Path) -> tuple[np.ndarray, int]:
    # librosa's back end, used directly (librosa.load takes seconds to start); its raw reader
    # imports stdlib modules deprecated since Python 3.11, which would warn on every use
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioread

        with audioread.audio_open(str(path)) as f:
            rate, channels = f.samplerate, f.channels
            data = np.frombuffer(b"".join(f), dtype="<i2")  # audioread yields 16-bit PCM
    return (data.reshape(-1, channels).T / 32768).astype(np.float32), rate


def _too_long(name: str, seconds: float) -> None:
    raise InputError(f"{name}: {seconds / 60:.1f} minutes is over the "
                     f"{MAX_AUDIO_SECONDS // 60}-minute limit; split the recording")


def _from_pair(pair: tuple) -> tuple[np.ndarray, int]:
    """Gradio's (sample_rate, samples) -> (float32 [channels, time] in [-1, 1], rate)."""
    if len(pair) != 2 or not isinstance(pair[0], (int, np.integer)) or pair[0] <= 0:
        raise InputError("recording: expected a (sample_rate, samples) pair")
    rate, data = int(pair[0]), np.asarray(pair[1])
    if data.dtype.kind not in "iuf" or data.ndim > 2:
        raise InputError(f"recording: samples must be a 1-D or 2-D number array, not "
                         f"{data.dtype} with {data.ndim} dimensions")
    if data.dtype.kind == "u":  # unsigned (8-bit WAV style): silence is the middle value
        half = (np.iinfo(data.dtype).max + 1) / 2
        data = (data.astype(np.float32) - half) / half
    elif data.dtype.kind == "i":
        data = data.astype(np.float32) / -np.iinfo(data.dtype).min
    data = np.atleast_2d(data.astype(np.float32))
    if data.shape[0] > data.shape[1]:  # [samples, channels] as Gradio gives it
        data = data.T
    return data, rate


def _warn_if_clipped(data: np.ndarray, name: str) -> None:
    if data.size == 0:
        return
    flat = np.zeros(data.shape, dtype=bool)
    flat[:, 1:] = data[:, 1:] == data[:, :-1]
    clipped = float(np.mean(flat & (np.abs(data) >= FULL_SCALE)))
    if clipped > CLIPPED_WARN_FRACTION:
        warnings.warn(f"{name}: {100 * clipped:.1f}% of the samples are clipped (recorded too "
                      "loud); the transcript may suffer", ClippingWarning, stacklevel=3)


def load_audio(src, sample_rate: int) -> torch.Tensor:
    """A path or a (rate, samples) pair as Gradio gives it -> 1-D float32 tensor."""
    if isinstance(src, tuple):
        data, rate = _from_pair(src)
        name = "recording"
    else:
        path = checked_path(src, "audio")
        data, rate = _read(path)
        name = path.name
    if data.size == 0:
        raise InputError(f"{name}: contains no audio samples")
    seconds = data.shape[1] / rate
    if seconds > MAX_AUDIO_SECONDS:
        _too_long(name, seconds)
    if seconds < MIN_AUDIO_SECONDS:
        raise InputError(f"{name}: {seconds:.2f} s of audio is too short to hold speech")
    if not np.isfinite(data).all():
        raise InputError(f"{name}: the audio contains invalid (NaN or infinite) samples")
    peak = float(np.abs(data).max())
    if peak > 1.0:  # float audio above full scale: scale it down rather than clip it
        data = data / peak
    _warn_if_clipped(data, name)
    wave = data.mean(0)
    if np.abs(wave).max() < SILENCE_PEAK:
        raise InputError(f"{name}: the audio is silent")
    if rate != sample_rate:
        wave = resample(wave, rate, sample_rate)
    return torch.from_numpy(np.ascontiguousarray(wave, dtype=np.float32))


def resample(wave: np.ndarray, rate: int, target: int) -> np.ndarray:
    """The training clips' own path to the model's rate: sox's high-quality resampler
    (soxr, librosa's default too), written to 16 bits with TPDF dither as sox wrote every
    training clip. A short filter is not enough: torchaudio's default leaves images of
    8 kHz telephone audio at -46 dB in the band above 4 kHz (where training had only the
    dither floor), and lets a 9 kHz tone of a 48 kHz microphone alias to 7 kHz at -17 dB."""
    out = soxr.resample(wave.astype(np.float32), rate, target, quality="HQ")
    rng = np.random.default_rng(len(out))  # the same input always gives the same samples
    dither = rng.random(len(out)) - rng.random(len(out))  # triangular, +-1 LSB
    return (np.clip(np.round(out * 32768 + dither), -32768, 32767) / 32768).astype(np.float32)
