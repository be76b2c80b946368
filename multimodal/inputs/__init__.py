"""Turning what people actually have (files, arrays, strings) into model inputs, with a
clear `InputError` for anything unusable."""

from .audio import load_audio
from .image import image_tensor, load_image
from .text import clean_text, split_sentences

__all__ = ["clean_text", "image_tensor", "load_audio", "load_image", "split_sentences"]
