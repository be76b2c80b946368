"""Real decoding (never teacher forcing) of a held-out set, scored per task."""

from __future__ import annotations

import time

from .data.readers import Example
from .metrics import task_scores
from .pipeline import Pipeline


def evaluate_examples(pipe: Pipeline, examples: list[Example], beam: int | None = None,
                      batch_size: int = 32) -> dict:
    """Decode every example's source and score it against its target."""
    began = time.perf_counter()
    predictions = pipe.predict([e.source for e in examples], beam=beam, batch_size=batch_size)
    seconds = time.perf_counter() - began
    hypotheses = [p.text for p in predictions]
    scores = task_scores(pipe.task, hypotheses, [e.target for e in examples])
    return {"items": len(examples), **scores, "items_per_second": len(examples) / seconds,
            "hypotheses": hypotheses}
