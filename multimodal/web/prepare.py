"""Page inputs -> what Pipeline.predict reads, plus what the attention view needs; and the
view itself once the prediction is back. Inputs are decoded once, here, and bounded."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from ..errors import InputError
from ..inputs import load_audio, load_image
from ..inputs.audio import ClippingWarning
from ..pipeline import Pipeline, Prediction
from . import views
from .languages import language_note

MAX_AUDIO_SECONDS = 60  # the page's bound; longer recordings belong to the CLI
MISSING_INPUT = {"caption": "Upload an image first (or take one with the webcam)",
                 "transcribe": "Upload or record some speech first",
                 "translate": "Type or paste some text first"}


@dataclass
class Prepared:
    item: object  # what Pipeline.predict reads
    context: object = None  # the picture, the waveform, or None for text
    note: str = ""  # a line for the details (e.g. the source language)
    warning: str = ""  # something the visitor should know about the input (e.g. clipping)


def is_empty(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def prepare(pipe: Pipeline, raw, language: str = "auto") -> Prepared:
    """Raises InputError (a readable message) for anything unusable."""
    if is_empty(raw):
        raise InputError(MISSING_INPUT[pipe.task])
    if pipe.task == "caption":
        picture = load_image(raw)
        return Prepared(picture, picture)
    if pipe.task == "transcribe":
        rate = pipe.config["preprocessing"]["sample_rate"]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ClippingWarning)
            wave = load_audio(raw, rate)
        seconds = len(wave) / rate
        if seconds > MAX_AUDIO_SECONDS:
            raise InputError(f"the recording is {seconds:.0f} s long; this page takes up to "
                             f"{MAX_AUDIO_SECONDS} s (use `python -m multimodal predict` for "
                             "longer audio)")
        clipped = [str(w.message) for w in caught if issubclass(w.category, ClippingWarning)]
        return Prepared((rate, wave.numpy()), wave, warning=clipped[0] if clipped else "")
    if not isinstance(raw, str):
        raise InputError(f"expected text, got {type(raw).__name__}")
    pipe.prepare.segments(raw)  # checks length, emptiness and script before any decoding
    return Prepared(raw, None, language_note(raw, language,
                                             pipe.config.get("source_languages", [])))


def encoder_features(pipe: Pipeline, wave: torch.Tensor) -> np.ndarray | None:
    """The normalised log-mel [n_mels, frames] the audio encoder read, if it exposes it."""
    features = getattr(pipe.model.encoder, "features", None)
    if features is None:
        return None
    with torch.no_grad():
        x = wave.to(pipe.device)[None]
        mel, frames = features(x, torch.tensor([x.shape[1]], device=pipe.device))
    return mel[0, :, : int(frames[0])].float().cpu().numpy()


def attention_view(pipe: Pipeline, prepared: Prepared,
                   pred: Prediction) -> tuple[Image.Image, str]:
    if pipe.task == "caption":
        view, note = views.caption_view(prepared.context, pred.tokens, pred.attention)
        if pipe.word_prior is not None and pipe.options.word_prior:
            note += (" The search mixes in the names the trunk's ImageNet classifier sees "
                     f"(word prior {pipe.options.word_prior:g})")
            bank = pipe.word_prior.bank is not None and pipe.options.name_bank
            note += (" and the training objects' names a classifier finds likeliest "
                     f"(name bank {pipe.options.name_bank:g})." if bank else ".")
        return view, note
    if pipe.task == "transcribe":
        wave = prepared.context
        seconds = len(wave) / pipe.config["preprocessing"]["sample_rate"]
        return views.speech_view(encoder_features(pipe, wave), seconds, pred.tokens,
                                 pred.attention)
    return views.translation_view(pred.source_tokens, pred.tokens, pred.attention)
