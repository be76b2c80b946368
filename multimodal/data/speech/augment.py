"""Raw engine audio -> the 16 kHz mono clip the model trains on, with the augmentations
drawn for it: sox for speed, pitch, reverb and the telephone band; numpy for noise at a
chosen SNR (the SNR is exact only when the noise is mixed where the speech level is known).
"""

from __future__ import annotations

import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from ...errors import MultimodalError

SAMPLE_RATE = 16000
MIN_SECONDS, MAX_SECONDS = 0.3, 30.0
SILENCE_DBFS = -45.0  # clean speech quieter than this means the engine said nothing
# Engines speak 0.29-0.37 s per word (median, every voice) and at most 1.32 times faster
# with the rate and speed drawn; festival's MBROLA us3 sometimes stops after a few words,
# and a clip that short would teach a whole sentence for a fragment.
MIN_SECONDS_PER_WORD, CHECKED_FROM_WORDS = 0.1, 3


@dataclass(frozen=True)
class Effects:
    pitch_cents: int = 0
    speed: float = 1.0
    reverb: tuple[int, int] | None = None  # (reverberance %, room scale %)
    noise_snr_db: float | None = None
    noise_colour: float = 0.0  # spectral slope: 0 white, 1 pink, 2 brown
    telephone: bool = False
    peak: float = 0.9  # final peak level, so the model sees loud and quiet clips

    def describe(self) -> str:
        parts = [f"pitch{self.pitch_cents:+d}c" if self.pitch_cents else "",
                 f"speed{self.speed:.2f}" if self.speed != 1.0 else "",
                 "reverb" if self.reverb else "",
                 f"noise{self.noise_snr_db:.0f}dB" if self.noise_snr_db is not None else "",
                 "tel8k" if self.telephone else ""]
        return "+".join(p for p in parts if p) or "clean"


def draw_training_effects(rng: random.Random, pitch_cents: int) -> Effects:
    """Augmentations for a training clip (proportions from the issue)."""
    return Effects(
        pitch_cents=pitch_cents,
        speed=round(rng.uniform(0.9, 1.1), 3) if rng.random() < 0.5 else 1.0,
        reverb=(rng.randint(10, 60), rng.randint(20, 90)) if rng.random() < 0.25 else None,
        noise_snr_db=round(rng.uniform(5, 20), 1) if rng.random() < 0.4 else None,
        noise_colour=rng.choice((0.0, 1.0, 2.0)),
        telephone=rng.random() < 0.3,
        peak=round(rng.uniform(0.3, 0.95), 2),
    )


def draw_noisy_test_effects(rng: random.Random, pitch_cents: int) -> Effects:
    """The noisy copy of a test clip: always noise, sometimes the telephone band."""
    return Effects(pitch_cents=pitch_cents, noise_snr_db=round(rng.uniform(5, 20), 1),
                   noise_colour=rng.choice((0.0, 1.0, 2.0)), telephone=rng.random() < 0.5)


def sox_effects(effects: Effects) -> list[str]:
    chain = ["channels", "1"]
    if effects.pitch_cents:
        chain += ["pitch", str(effects.pitch_cents)]
    if effects.speed != 1.0:
        chain += ["speed", f"{effects.speed:.3f}"]
    chain += ["rate", "-h", str(SAMPLE_RATE)]
    if effects.reverb:
        chain += ["reverb", str(effects.reverb[0]), "50", str(effects.reverb[1])]
    if effects.telephone:  # squeeze through a narrowband line and back
        chain += ["sinc", "200-3400", "rate", "8000", "rate", str(SAMPLE_RATE)]
    return chain


def run_sox(raw: Path, out: Path, effects: Effects) -> None:
    argv = ["sox", "-q", "-V1", str(raw), "-b", "16", "-t", "wav", str(out)] + sox_effects(effects)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        raise MultimodalError(f"sox took over 120 s on {raw}") from None
    if done.returncode != 0:
        raise MultimodalError(f"sox failed on {raw}: {done.stderr.strip()[-200:]}")


def coloured_noise(n: int, colour: float, rng: np.random.Generator, telephone: bool) -> np.ndarray:
    """Gaussian noise with power falling as 1/f**colour (band-limited on a phone line)."""
    spectrum = rng.standard_normal(n // 2 + 1) + 1j * rng.standard_normal(n // 2 + 1)
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    spectrum *= np.maximum(freqs, 20.0) ** (-colour / 2)
    if telephone:
        spectrum[(freqs < 200) | (freqs > 3400)] = 0
    noise = np.fft.irfft(spectrum, n)
    return (noise / (np.sqrt(np.mean(noise**2)) + 1e-12)).astype(np.float32)


def rms_dbfs(audio: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(audio.astype(np.float64) ** 2) + 1e-20))


def check_length(seconds: float, spoken: str) -> None:
    words = len(spoken.split())
    if words >= CHECKED_FROM_WORDS and seconds < MIN_SECONDS_PER_WORD * words:
        raise MultimodalError(f"the engine stopped early: {seconds:.2f} s for {words} words")


def finish(raw: Path, out: Path, effects: Effects, seed: int, spoken: str = "") -> float:
    """Raw engine wav -> 16 kHz mono FLAC at `out`; returns its duration in seconds.
    `spoken`, the text the engine was given, tells a clip cut short."""
    tmp = raw.with_name(raw.stem + ".16k.wav")  # beside the raw file, in the worker's temp dir
    run_sox(raw, tmp, effects)
    audio, rate = sf.read(tmp, dtype="float32")
    tmp.unlink()
    seconds = len(audio) / rate
    if rate != SAMPLE_RATE or audio.ndim != 1:
        raise MultimodalError(f"sox gave {rate} Hz x {audio.shape} instead of 16 kHz mono")
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise MultimodalError(f"clip of {seconds:.2f} s is outside {MIN_SECONDS}-{MAX_SECONDS} s")
    check_length(seconds, spoken)
    level = rms_dbfs(audio)
    if level < SILENCE_DBFS:
        raise MultimodalError(f"engine output is silent ({level:.0f} dBFS)")
    if effects.noise_snr_db is not None:
        noise = coloured_noise(len(audio), effects.noise_colour, np.random.default_rng(seed),
                               effects.telephone)
        speech_rms = float(np.sqrt(np.mean(audio**2)))
        audio = audio + noise * speech_rms / 10 ** (effects.noise_snr_db / 20)
    audio = audio * (effects.peak / (np.max(np.abs(audio)) + 1e-9))
    part = out.with_name(out.stem + ".part.flac")
    sf.write(part, audio, SAMPLE_RATE, subtype="PCM_16", format="FLAC")
    part.replace(out)  # atomic: a clip on disk is always a whole clip (resumable builds)
    return seconds
