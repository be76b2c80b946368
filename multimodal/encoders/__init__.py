"""Encoders register themselves on import; `list_encoders()` shows what is available."""

from . import audio, image, text  # noqa: F401  (registration side effects)
from .base import (
    Encoder,
    EncoderOutput,
    build_encoder,
    get_encoder_class,
    list_encoders,
    register_encoder,
)

__all__ = ["Encoder", "EncoderOutput", "build_encoder", "get_encoder_class", "list_encoders",
           "register_encoder"]
