"""A loaded bundle, ready to use: inputs in, text + score + attention + timing out.

    pipe = multimodal.load("weights/caption-lite0")
    [pred] = pipe.predict(["cat.jpg"], beam=3)
    pred.text, pred.score, pred.attention, pred.seconds
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from .bundle import TASKS, load_bundle
from .caption_text import mend_articles, sentence_case
from .devices import full_precision, pick_device, synchronize
from .name_bank import NameBank
from .preprocess import Preprocessor
from .search import SearchOptions
from .word_prior import WordPrior


@dataclass
class Prediction:
    input: str
    text: str
    score: float  # length-normalised log-probability of the output
    tokens: list[str]  # output pieces, one per attention row
    attention: np.ndarray  # [output tokens, input positions]
    seconds: float  # this item's share of its batch's wall time
    finished: bool  # False when the length limit cut the output
    source_tokens: list[str] = field(default_factory=list)  # translate: the source pieces
    # caption: (rows, columns) of the image grid; attention[i].reshape(grid) is where output
    # piece i looked (row-major, top-left first)
    grid: tuple[int, int] | None = None

    def to_json(self) -> dict:
        return {"input": self.input, "text": self.text, "score": round(self.score, 4),
                "seconds": round(self.seconds, 4), "finished": self.finished}


def _describe(item) -> str:
    if isinstance(item, (str, Path)):
        return str(item)
    return type(item).__name__


class Pipeline:
    def __init__(self, model, config: dict, tokenizers: dict, device: torch.device,
                 source: str = ""):
        self.model, self.config, self.tokenizers = model, config, tokenizers
        self.device, self.source = device, source
        self.task = config["task"]
        self.modality = TASKS[self.task]
        self.prepare = Preprocessor(self.modality, config.get("preprocessing", {}),
                                    tokenizers.get("source"))
        self.options = SearchOptions(**config.get("search", {}))
        classifier = getattr(model.encoder, "classifier", None)
        self.word_prior = (WordPrior(classifier.labels, tokenizers["target"],
                                     NameBank.load(source) if source else None)
                           if classifier is not None else None)

    def predict(self, inputs: Sequence, beam: int | None = None, max_len: int | None = None,
                batch_size: int = 16,
                progress: Callable[[int, int], None] | None = None,
                word_prior: float | None = None,
                name_bank: float | None = None) -> list[Prediction]:
        """Predict every input, in input order (`beam`, `max_len`, `word_prior`,
        `name_bank`: this call's search settings, the bundle's where None).

        Each input becomes one or more segments (a long text: its sentences); all segments
        are decoded in batches of similar length, then joined back per input."""
        options = replace(self.options, **({"beam": beam} if beam else {}),
                          **({"max_len": max_len} if max_len else {}),
                          **({"word_prior": word_prior} if word_prior is not None else {}),
                          **({"name_bank": name_bank} if name_bank is not None else {}))
        segments, parts_of = [], []  # parts_of[i]: the segment numbers of input i
        for item in inputs:
            pieces = self.prepare.segments(item)
            parts_of.append(range(len(segments), len(segments) + len(pieces)))
            segments += pieces
        order = sorted(range(len(segments)), key=lambda j: -segments[j].shape[-1])
        decoded: list = [None] * len(segments)
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            x, lengths = self.prepare.collate([segments[j] for j in chunk])
            synchronize(self.device)
            began = time.perf_counter()
            with full_precision(self.device):
                hyps = self.model.generate(
                    x.to(self.device), None if lengths is None else lengths.to(self.device),
                    options, self.word_prior)
            synchronize(self.device)
            share = (time.perf_counter() - began) / len(chunk)
            for j, nbest in zip(chunk, hyps, strict=True):
                decoded[j] = (nbest[0], share)
            if progress:
                progress(min(start + batch_size, len(order)), len(order))
        return [self._join(item, [segments[j] for j in js], [decoded[j] for j in js])
                for item, js in zip(inputs, parts_of, strict=True)]

    def _join(self, item, segments: list[torch.Tensor], decoded: list) -> Prediction:
        """One input's decoded segments -> one Prediction. Texts are joined with spaces, the
        score is the token-weighted mean, and the attention is block-diagonal: each output
        piece looks only inside its own segment."""
        hyps = [hyp for hyp, _ in decoded]
        target = self.tokenizers["target"]
        attention = np.zeros((sum(len(h.tokens) for h in hyps),
                              sum(h.attention.shape[1] for h in hyps)), dtype=np.float32)
        row = col = 0
        for h in hyps:
            rows, cols = h.attention.shape
            attention[row:row + rows, col:col + cols] = h.attention
            row, col = row + rows, col + cols
        weights = [max(len(h.tokens), 1) for h in hyps]
        # captions: the word prior may put a name after an article chosen for another word
        said = [mend_articles(h.tokens, target) if self.modality == "image" else h.tokens
                for h in hyps]
        source = (self.tokenizers["source"].pieces([t for s in segments for t in s.tolist()])
                  if self.modality == "text" else [])
        return Prediction(
            input=_describe(item), text=" ".join(self._text(target.decode(t)) for t in said),
            score=sum(h.score * w for h, w in zip(hyps, weights, strict=True)) / sum(weights),
            tokens=target.pieces([t for tokens in said for t in tokens]), attention=attention,
            seconds=sum(share for _, share in decoded), finished=all(h.finished for h in hyps),
            source_tokens=source, grid=self._grid(attention.shape[1]))

    def _text(self, decoded: str) -> str:
        return sentence_case(decoded) if self.modality == "image" else decoded

    def _grid(self, positions: int) -> tuple[int, int] | None:
        """CNN trunks see a square picture and keep it square: a side x side grid."""
        if self.modality != "image":
            return None
        side = math.isqrt(positions)
        return (side, side) if side * side == positions else (1, positions)


def load(path: str | Path, device: str | torch.device | None = None) -> Pipeline:
    """Load a bundle onto `device` (default: CUDA if present, else CPU) as a Pipeline."""
    device = pick_device(device) if not isinstance(device, torch.device) else device
    model, config, tokenizers = load_bundle(path, device)
    return Pipeline(model, config, tokenizers, device, source=str(path))
