"""Transcription speed as real-time factor (processing seconds per second of audio; under 1 is
faster than real time) for one 10 s clip and for a batch of 16, greedy and beam, next to
PocketSphinx on the same files in the same run.

The clips are real speech: Asterisk prompts (or, without them, the unseen-voice test clips)
joined end to end and cut to exactly 10 s, written as 16 kHz WAV files. Every system starts
from the file, so reading and resampling count for all of them.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from pathlib import Path

import soundfile
import torch

from .data.readers import read_manifest
from .data.speech_eval_sets import asterisk_available, read_asterisk
from .devices import describe
from .errors import MultimodalError
from .inputs.audio import load_audio
from .peers.pocketsphinx import pocketsphinx_available, pocketsphinx_transcribe
from .pipeline import Pipeline
from .transcribe_eval import unseen_voice_manifest

CLIP_SECONDS = 10.0
BATCH = 16
RATE = 16000


def _speech_files() -> tuple[str, list[str]]:
    if asterisk_available():
        return "Asterisk prompts", [e.source for e in read_asterisk().examples
                                    if e.group == "sentences"]
    if unseen_voice_manifest().is_file():
        return "unseen-voice test clips", [e.source for e in read_manifest(
            unseen_voice_manifest())]
    raise MultimodalError("no speech to time: install the Asterisk prompts (apt-get install -y "
                          "asterisk-core-sounds-en-wav asterisk-core-sounds-en) or build the "
                          "speech corpus (`python -m multimodal data speech`)")


def write_clips(folder: Path, files: list[str], count: int | None = None) -> list[str]:
    """`count` (default BATCH) different clips of exactly CLIP_SECONDS, each several prompts
    end to end."""
    count = count or BATCH
    if not files:
        raise MultimodalError("no speech files to make benchmark clips from")
    need = int(CLIP_SECONDS * RATE)
    clips, pending, pieces = [], itertools.cycle(files), []
    while len(clips) < count:
        pieces.append(load_audio(next(pending), RATE))
        if sum(len(p) for p in pieces) >= need:
            clip = folder / f"clip{len(clips):02d}.wav"
            soundfile.write(clip, torch.cat(pieces)[:need].numpy(), RATE, subtype="PCM_16")
            clips.append(str(clip))
            pieces = []
    return clips


def _seconds(fn, repeats: int = 1) -> float:
    """The fastest of `repeats` timed calls (the first call of a kind is a warm-up)."""
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - began)
    return best


def _joint(pipe: Pipeline) -> str:
    """What else scores the beam's candidates: the CTC head, the language model."""
    parts = [f"CTC {pipe.options.ctc_weight:g}" if pipe.options.ctc_weight else "",
             f"LM {pipe.options.lm_weight:g}" if pipe.options.lm_weight and pipe.model.lm
             else ""]
    return "".join(f" + {p}" for p in parts if p)


def run_transcribe_bench(pipe: Pipeline, beam: int | None = None) -> list[dict]:
    beam = beam or (pipe.options.beam if pipe.options.beam > 1 else 5)
    source, files = _speech_files()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        clips = write_clips(Path(tmp), files)
        print(f"device: {describe(pipe.device)}; torch threads {torch.get_num_threads()}; "
              f"{len(clips)} clips of {CLIP_SECONDS:.0f} s from {source}")
        pipe.predict(clips[:2], beam=1, batch_size=2)  # warm-up
        for k in (1, beam):
            name = "ours, greedy" if k == 1 else f"ours, beam {k}{_joint(pipe)}"
            one = _seconds(lambda k=k: pipe.predict(clips[:1], beam=k, batch_size=1), 3)
            many = _seconds(lambda k=k: pipe.predict(clips, beam=k, batch_size=BATCH), 2)
            rows += [{"system": name, "clips": 1, "rtf": one / CLIP_SECONDS},
                     {"system": name, "clips": BATCH, "rtf": many / (BATCH * CLIP_SECONDS)}]
        if pocketsphinx_available():
            pocketsphinx_transcribe(clips[:1])  # warm-up: loads its model
            one = _seconds(lambda: pocketsphinx_transcribe(clips[:1]), 3)
            many = _seconds(lambda: pocketsphinx_transcribe(clips))
            name = "PocketSphinx 5.1.1 (one by one)"
            rows += [{"system": name, "clips": 1, "rtf": one / CLIP_SECONDS},
                     {"system": name, "clips": BATCH, "rtf": many / (BATCH * CLIP_SECONDS)}]
        else:
            print("pocketsphinx is not installed (pip install pocketsphinx==5.1.1): no peer row")
    print(f"| system | clips of {CLIP_SECONDS:.0f} s | real-time factor | x real time |")
    print("|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['system']} | {r['clips']} | {r['rtf']:.3f} | {1 / r['rtf']:.1f} |")
    return rows


def run(pipe: Pipeline, args) -> None:
    """`bench --task transcribe`."""
    run_transcribe_bench(pipe, getattr(args, "beam", None))
