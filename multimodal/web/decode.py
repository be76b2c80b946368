"""A batch of page requests -> one outcome each: requests that share a model and search
settings go to Pipeline.predict together (one batched search); a bad input fails alone."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

from ..errors import MultimodalError
from ..pipeline import Prediction
from .models import Models
from .prepare import Prepared, attention_view, prepare

log = logging.getLogger(__name__)
BATCH_SIZE = 16  # segments per forward pass inside Pipeline.predict


@dataclass
class Request:
    raw: object  # the page's input: a file path, a text
    model: str | None = None
    beam: int = 0  # 0: the bundle's default
    max_len: int = 0
    language: str = "auto"


@dataclass
class Outcome:
    prediction: Prediction | None = None
    view: Image.Image | None = None
    notes: tuple[str, ...] = ()
    model_label: str = ""
    error: str = ""  # a readable message when this request failed
    notice: str = ""  # why there is no result when nothing failed (no input, no model)
    warning: str = ""  # shown as a toast as well as in the details


def _failure(err: Exception) -> Outcome:
    if isinstance(err, MultimodalError):
        return Outcome(error=str(err))
    log.exception("decoding failed")
    return Outcome(error=f"the model failed on this input ({type(err).__name__}: {err})")


def decode(models: Models, task: str, requests: list[Request],
           progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """`progress(done, total)` counts the segments of each group of requests sharing a model
    and search settings."""
    outcomes: list[Outcome | None] = [None] * len(requests)
    groups: dict[tuple, list[tuple[int, Prepared]]] = {}
    for i, req in enumerate(requests):
        try:
            pipe, _ = models.get(task, req.model)
            key = (models.bundle(task, req.model).name, int(req.beam or 0), int(req.max_len or 0))
            groups.setdefault(key, []).append((i, prepare(pipe, req.raw, req.language)))
        except Exception as err:  # noqa: BLE001 - every failure becomes that request's message
            outcomes[i] = _failure(err)
    for (name, beam, max_len), members in groups.items():
        pipe, lock = models.get(task, name)
        label = models.bundle(task, name).label
        with lock:
            try:
                preds = pipe.predict([p.item for _, p in members], beam=beam, max_len=max_len,
                                     batch_size=BATCH_SIZE, progress=progress)
            except Exception:  # noqa: BLE001 - retry one by one so only the bad one fails
                preds = []
                for _, p in members:
                    try:
                        preds += pipe.predict([p.item], beam=beam, max_len=max_len,
                                              batch_size=BATCH_SIZE)
                    except Exception as err:  # noqa: BLE001
                        preds.append(err)
        for (i, prepared), pred in zip(members, preds, strict=True):
            if isinstance(pred, Exception):
                outcomes[i] = _failure(pred)
                continue
            try:
                view, view_note = attention_view(pipe, prepared, pred)
            except Exception as err:  # noqa: BLE001 - the text is still worth showing
                log.exception("attention view failed")
                view, view_note = None, f"(no attention view: {err})"
            notes = tuple(n for n in (prepared.note, prepared.warning, view_note) if n)
            outcomes[i] = Outcome(pred, view, notes, label, warning=prepared.warning)
    return outcomes
