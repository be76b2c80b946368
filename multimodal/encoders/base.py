"""The encoder contract and the registry that makes encoders pluggable.

Every encoder maps a batch of inputs to `memory [B, L, D]` and a padding `mask [B, L]`
(True where a position is real, False where it is padding). The decoder reads nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn


@dataclass
class EncoderOutput:
    memory: torch.Tensor  # [B, L, D]
    mask: torch.Tensor  # [B, L] bool, True = real position
    # [B, classes] log-probabilities of a pretrained classifier that shares the encoder's
    # trunk (ImageNet for Lite0), where it has one: the search may favour the words of its
    # labels (multimodal.word_prior). The decoder never reads it.
    class_log_probs: torch.Tensor | None = None
    # [B, C] the pooled trunk features that classifier read: what multimodal.name_bank
    # compares with its training pictures
    pooled: torch.Tensor | None = None

    def index_select(self, index: torch.Tensor) -> EncoderOutput:
        def pick(t):
            return None if t is None else t.index_select(0, index)

        return EncoderOutput(pick(self.memory), pick(self.mask), pick(self.class_log_probs),
                             pick(self.pooled))


class Encoder(nn.Module):
    """Base class. Subclasses set `modality` and `output_dim` and implement `forward`."""

    modality: ClassVar[str]  # "image", "audio" or "text"
    output_dim: int

    def forward(self, inputs: torch.Tensor, lengths: torch.Tensor | None = None) -> EncoderOutput:
        raise NotImplementedError

    def external_state_prefixes(self) -> tuple[str, ...]:
        """State-dict prefixes that come from elsewhere (a frozen pretrained backbone shipped
        by its own package) and are therefore not stored in our bundles."""
        return ()

    def load_external_state(self) -> None:
        """Fill the parts named by `external_state_prefixes` from where they come from."""


_ENCODERS: dict[str, type[Encoder]] = {}


def register_encoder(name: str):
    """Class decorator: `@register_encoder("resnet18")` makes the encoder buildable by name."""

    def wrap(cls: type[Encoder]) -> type[Encoder]:
        if name in _ENCODERS:
            raise ValueError(f"encoder {name!r} is registered twice")
        cls.registered_name = name
        _ENCODERS[name] = cls
        return cls

    return wrap


def list_encoders(modality: str | None = None) -> list[str]:
    return sorted(n for n, c in _ENCODERS.items() if modality in (None, c.modality))


def get_encoder_class(name: str) -> type[Encoder]:
    try:
        return _ENCODERS[name]
    except KeyError:
        raise ValueError(
            f"unknown encoder {name!r}; registered: {', '.join(list_encoders())}"
        ) from None


def build_encoder(name: str, **kwargs) -> Encoder:
    return get_encoder_class(name)(**kwargs)


def lengths_to_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    positions = torch.arange(max_len, device=lengths.device)
    return positions.unsqueeze(0) < lengths.unsqueeze(1)
