"""The transcription speed table: real speech clips, ours greedy and beam, PocketSphinx."""

import pytest
import soundfile

import multimodal
import multimodal.bench_transcribe as bench
from multimodal.data.speech_eval_sets import asterisk_available
from multimodal.peers.pocketsphinx import pocketsphinx_available

pytestmark = pytest.mark.skipif(not asterisk_available(), reason="Asterisk prompts absent")


def test_clips_are_real_speech_of_the_stated_length(tmp_path):
    _, files = bench._speech_files()
    clips = bench.write_clips(tmp_path, files, count=3)
    for clip in clips:
        info = soundfile.info(clip)
        assert info.samplerate == 16000 and info.frames == 16000 * bench.CLIP_SECONDS
    assert len({open(c, "rb").read() for c in clips}) == 3  # different speech in each


def test_bench_rows(untrained_bundles, monkeypatch, capsys):
    monkeypatch.setattr(bench, "CLIP_SECONDS", 2.0)  # small, so the test stays quick
    monkeypatch.setattr(bench, "BATCH", 2)
    pipe = multimodal.load(untrained_bundles["transcribe"], "cpu")
    rows = bench.run_transcribe_bench(pipe, beam=2)
    systems = {(r["system"], r["clips"]) for r in rows}
    expected = {("ours, greedy", 1), ("ours, greedy", 2), ("ours, beam 2", 1), ("ours, beam 2", 2)}
    if pocketsphinx_available():
        expected |= {("PocketSphinx 5.1.1 (one by one)", 1), ("PocketSphinx 5.1.1 (one by one)", 2)}
    assert systems == expected and all(r["rtf"] > 0 for r in rows)
    assert "| ours, greedy | 1 |" in capsys.readouterr().out
