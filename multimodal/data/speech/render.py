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
            call = engines.SPEAK_ONE[voice.engine]
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
                    seconds = finish(job.out, out, utt.effects, utt.seed, utt.text.spoken)
                    results.append(Rendered(utt.id, seconds))
                    continue
                except CLIP_FAILURES as e:
                    error = str(e)
            results.append(Rendered(utt.id, 0.0, f"{voice.name}: {utt.text.spoken!r}: {error}"))
        return results
