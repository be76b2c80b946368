"""Turn planned utterances into clips on disk. Runs inside worker processes: one call
renders a batch of utterances of ONE voice (festival then starts once per batch)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from ...errors import MultimodalError
from . import voices as engines
from .augment import finish
from .plan import Utterance

# What a failing engine, sox or soundfile raises: the clip is skipped, the build goes on.
CLIP_FAILURES = (MultimodalError, RuntimeError, OSError, ValueError)
# Engines speak 0.29-0.37 s per word (median, every voice) and at most 1.32 times faster
# with the rate and speed drawn; festival's MBROLA us3 sometimes stops after a few words,
# and a clip that short would teach a whole sentence for a fragment.
MIN_SECONDS_PER_WORD, CHECKED_FROM_WORDS = 0.1, 3


def check_length(seconds: float, spoken: str) -> None:
    words = len(spoken.split())
    if words >= CHECKED_FROM_WORDS and seconds < MIN_SECONDS_PER_WORD * words:
        raise MultimodalError(f"the engine stopped early: {seconds:.2f} s for {words} words")


@dataclass(frozen=True)
class Rendered:
    id: str
    seconds: float  # 0 when it failed
    error: str = ""


def render_batch(batch: list[Utterance], root: Path) -> list[Rendered]:
    with tempfile.TemporaryDirectory(prefix="speech-") as tmp:
        work = Path(tmp)
        jobs = [engines.Job(u.text.spoken, u.rate, u.pitch, u.variant, work / f"{u.id}.wav")
                for u in batch]
        voice = batch[0].voice
        if voice.engine == "festival":
            errors = engines.festival(voice, jobs, work)
        else:
            call = {"flite": engines.flite, "espeak": engines.espeak,
                    "mbrola": engines.mbrola, "piper": engines.piper}[voice.engine]
            errors = []
            for job in jobs:
                try:
                    call(voice, job)
                    errors.append("")
                except CLIP_FAILURES as e:
                    errors.append(str(e))
        results = []
        for utt, job, error in zip(batch, jobs, errors, strict=True):
            if not error:
                out = root / utt.path
                out.parent.mkdir(parents=True, exist_ok=True)
                try:
                    seconds = finish(job.out, out, utt.effects, utt.seed)
                    check_length(seconds, utt.text.spoken)
                    results.append(Rendered(utt.id, seconds))
                    continue
                except CLIP_FAILURES as e:
                    out.unlink(missing_ok=True)  # a rerun must not keep it as made
                    error = str(e)
            results.append(Rendered(utt.id, 0.0, f"{voice.name}: {utt.text.spoken!r}: {error}"))
        return results
