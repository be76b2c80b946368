"""Audio as people have it: long recordings split at pauses and transcribed whole, browser
microphone pairs, every common format, and clear messages for what cannot be used."""

import numpy as np
import pytest
import soundfile
import torch

import multimodal
from multimodal.errors import InputError
from multimodal.inputs import load_audio
from multimodal.inputs.audio import ClippingWarning
from multimodal.inputs.audio_split import chunk_spans, split_at_pauses
from multimodal.preprocess import Preprocessor

RATE = 16000


def tone_bursts(seconds: float, seed: int = 0) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Tone bursts of 0.5-4 s between quiet (noise floor) gaps of 0.3-1.5 s."""
    rng = np.random.default_rng(seed)
    parts, bursts, pos = [], [], 0
    while pos < seconds * RATE:
        n, gap = int(rng.uniform(0.5, 4) * RATE), int(rng.uniform(0.3, 1.5) * RATE)
        parts.append(0.5 * np.sin(2 * np.pi * rng.uniform(200, 800) * np.arange(n) / RATE))
        bursts.append((pos, pos + n))
        parts.append(0.001 * rng.standard_normal(gap))
        pos += n + gap
    return np.concatenate(parts).astype(np.float32), bursts


def test_three_minutes_of_bursts_become_chunks_covering_every_burst(tmp_path):
    wave, bursts = tone_bursts(180)
    soundfile.write(tmp_path / "long.wav", wave, RATE, subtype="PCM_16")
    pieces = Preprocessor("audio", {"sample_rate": RATE}).segments(tmp_path / "long.wav")
    spans = chunk_spans(wave, RATE, 20.0)
    assert len(pieces) == len(spans) >= 9  # 3 minutes in chunks of at most 20 s
    assert [len(p) for p in pieces] == [b - a for a, b in spans]
    assert all(b - a <= 20 * RATE for a, b in spans)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))  # no overlap
    for start, end in bursts:  # each burst lies whole inside one chunk
        assert any(a <= start and end <= b for a, b in spans), (start, end)


def test_one_bang_does_not_turn_quiet_speech_into_pauses():
    wave, bursts = tone_bursts(60, seed=2)
    wave *= 0.01  # quiet speech, 40 dB under ...
    wave[RATE * 30: RATE * 30 + 800] = 1.0  # ... one 50 ms bang
    spans = chunk_spans(wave, RATE, 20.0)
    for start, end in bursts:
        assert any(a <= start and end <= b for a, b in spans), (start, end)


def test_speech_without_pauses_is_cut_at_its_quietest_points():
    t = np.arange(50 * RATE) / RATE  # 50 s, loudness dipping (never silent) every 1.3 s;
    # cuts fall 10-20 s apart (in the second half of the 20 s allowed)
    wave = (np.sin(2 * np.pi * 300 * t) * (0.55 + 0.45 * np.cos(2 * np.pi * t / 1.3)))
    spans = chunk_spans(wave.astype(np.float32), RATE, 20.0)
    assert 3 <= len(spans) <= 5 and spans[0][0] == 0 and spans[-1][1] == len(wave)
    assert all(b1 == a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))  # no gap
    for _, cut in spans[:-1]:  # each cut lands in a dip of the loudness
        assert np.cos(2 * np.pi * (cut / RATE) / 1.3) < -0.8


def test_short_audio_stays_one_piece():
    wave = torch.randn(5 * RATE) * 0.1
    [piece] = split_at_pauses(wave, RATE)
    assert piece is wave


def test_long_recording_gives_one_joined_prediction(untrained_bundles, tmp_path):
    wave, _ = tone_bursts(45, seed=1)
    soundfile.write(tmp_path / "talk.flac", wave, RATE)
    pipe = multimodal.load(untrained_bundles["transcribe"], "cpu")
    [pred] = pipe.predict([str(tmp_path / "talk.flac")], beam=1)
    pieces = pipe.prepare.segments(str(tmp_path / "talk.flac"))
    assert len(pieces) >= 3
    assert pred.attention.shape[1] > 0 and pred.input.endswith("talk.flac")


def test_browser_microphone_pair_becomes_16k_mono():
    t = np.arange(48000) / 48000  # 1 s, 48 kHz, int16, [samples, channels]; right is silent
    left = (np.sin(2 * np.pi * 440 * t) * 20000).astype(np.int16)
    stereo = np.stack([left, np.zeros_like(left)], 1)
    wave = load_audio((48000, stereo), RATE)
    assert wave.shape == (RATE,) and wave.dtype == torch.float32
    assert 0.25 < wave.abs().max() < 0.35  # the mean of the two channels
    u8 = (128 + 100 * np.sin(2 * np.pi * 440 * t)).astype(np.uint8)  # 8-bit: centred on 128
    wave = load_audio((48000, u8), RATE)
    assert abs(float(wave.mean())) < 0.01 and 0.7 < wave.abs().max() < 0.85


@pytest.mark.parametrize("fmt", ["WAV", "FLAC", "OGG", "MP3"])
def test_common_formats_are_read(tmp_path, fmt):
    if fmt not in soundfile.available_formats():
        pytest.skip(f"this libsndfile cannot write {fmt}")
    t = np.arange(22050) / 22050
    path = tmp_path / f"a.{fmt.lower()}"
    soundfile.write(path, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 22050)
    wave = load_audio(path, RATE)
    assert abs(len(wave) - RATE) < 0.05 * RATE and 0.2 < wave.abs().max() < 0.4


def test_unusable_audio_gives_clear_messages(tmp_path):
    (tmp_path / "notes.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEjunk" + bytes(range(256)))
    with pytest.raises(InputError, match="not an audio file"):
        load_audio(tmp_path / "notes.wav", RATE)
    with pytest.raises(InputError, match="too short"):
        load_audio((RATE, np.full(RATE // 100, 0.5, np.float32)), RATE)
    with pytest.raises(InputError, match="15-minute limit"):
        load_audio((1000, np.full(16 * 60 * 1000, 0.1, np.float32)), RATE)
    with pytest.raises(InputError, match="sample_rate, samples"):
        load_audio((np.zeros(100), 16000), RATE)
    with pytest.raises(InputError, match="silent"):
        load_audio((RATE, np.zeros((RATE, 2), np.int16)), RATE)


def test_clipped_audio_is_transcribed_with_a_warning():
    t = np.arange(RATE) / RATE
    clipped = np.clip(3 * np.sin(2 * np.pi * 200 * t), -1, 1).astype(np.float32)
    with pytest.warns(ClippingWarning, match="clipped"):
        wave = load_audio((RATE, clipped), RATE)
    assert wave.shape == (RATE,)
    loud_float = (4 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)  # float over full scale
    assert float(load_audio((RATE, loud_float), RATE).abs().max()) == pytest.approx(1, abs=1e-3)


def band_share_db(wave: np.ndarray, low: float, high: float, rate: int = RATE) -> float:
    """The share of the wave's energy between `low` and `high` Hz, in dB."""
    power = np.abs(np.fft.rfft(wave * np.hanning(len(wave)))) ** 2
    freq = np.fft.rfftfreq(len(wave), 1 / rate)
    return 10 * np.log10(power[(freq >= low) & (freq < high)].sum() / power.sum())


def test_resampling_leaves_no_images_or_aliases():
    # 8 kHz telephone audio: nothing of its speech may be mirrored above 4 kHz, where the
    # training clips held only sox's 16-bit dither floor
    t = np.arange(16000) / 8000
    phone = (0.5 * np.sin(2 * np.pi * 3000 * t) + 0.3 * np.sin(2 * np.pi * 1000 * t))
    up = load_audio((8000, phone.astype(np.float32)), RATE).numpy()
    assert len(up) == 2 * len(phone)
    assert band_share_db(up, 4200, 8000) < -80  # torchaudio's default filter: -46 dB
    # a 48 kHz microphone: a 9 kHz tone is above the 8 kHz the model hears and must vanish
    # rather than fold back to 7 kHz
    t = np.arange(48000) / 48000
    mic = np.sin(2 * np.pi * 9000 * t) + np.sin(2 * np.pi * 1000 * t)
    down = load_audio((48000, (0.4 * mic).astype(np.float32)), RATE).numpy()
    assert band_share_db(down, 6900, 7100) < -60  # torchaudio's default filter: -17 dB
    assert band_share_db(down, 950, 1050) > -0.1  # the tone it can hear is all there


def test_resampled_audio_is_16_bit_and_repeatable():
    t = np.arange(44100) / 44100
    wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    first, again = load_audio((44100, wave), RATE), load_audio((44100, wave), RATE)
    assert torch.equal(first, again)  # the dither is seeded: the same input, the same samples
    steps = first.numpy() * 32768
    assert np.array_equal(steps, np.round(steps))  # on the 16-bit grid, like training's WAVs
