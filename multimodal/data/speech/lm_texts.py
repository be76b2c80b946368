"""The language model's text (multimodal.train_lm): transcripts drawn like the spoken ones,
from the same held-in sentences and phrase generators in the same source shares, but far
more of them than are ever synthesised (the 20 h corpus speaks ~26k texts). Dev and test
sentences and the evaluation transcripts stay out, exactly as they do of the audio."""

from __future__ import annotations

import random
from pathlib import Path

from .normalize import Text
from .plan import SEED, TextStream

LM_SENTENCES = {"train": 600_000, "dev": 5_000}  # lines of lm_train.txt and lm_dev.txt


def lm_lines(corpus: dict[str, list[Text]], split: str, count: int,
             excluded: frozenset[str]) -> list[str]:
    stream = TextStream(corpus, split, excluded)
    rng = random.Random(f"{SEED}:lm:{split}")
    return [stream.next(rng).transcript for _ in range(count)]


def write_lm_texts(root: Path, corpus: dict[str, list[Text]], excluded: frozenset[str],
                   sentences: dict[str, int] | None = None) -> dict[str, int]:
    """root/lm_train.txt and root/lm_dev.txt, one transcript per line; their line counts."""
    counts = {}
    for split, count in (sentences or LM_SENTENCES).items():
        name = f"lm_{split}.txt"
        lines = lm_lines(corpus, split, count, excluded)
        tmp = (root / name).with_suffix(".tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        tmp.replace(root / name)
        counts[name] = len(lines)
    return counts
