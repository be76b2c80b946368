"""EncoderDecoder: any registered encoder chained to the one attention decoder."""

from __future__ import annotations

import torch
from torch import nn

from .decoder import AttentionDecoder
from .encoders import Encoder, EncoderOutput, build_encoder
from .search import Hypothesis, SearchOptions, search


class EncoderDecoder(nn.Module):
    def __init__(self, encoder: Encoder, decoder: AttentionDecoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def encode(self, inputs: torch.Tensor, lengths: torch.Tensor | None = None) -> EncoderOutput:
        return self.encoder(inputs, lengths)

    def forward(self, inputs: torch.Tensor, lengths: torch.Tensor | None,
                target_in: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits [B, T, V] for training; inference goes through `generate`."""
        enc = self.encode(inputs, lengths)
        logits, _ = self.decoder(target_in, self.decoder.init_state(enc))
        return logits

    @torch.inference_mode()
    def generate(self, inputs: torch.Tensor, lengths: torch.Tensor | None,
                 options: SearchOptions) -> list[list[Hypothesis]]:
        return search(self.decoder, self.encode(inputs, lengths), options)

    def stored_state_dict(self) -> dict[str, torch.Tensor]:
        """What a bundle stores: everything but parts that come from elsewhere (a frozen
        pretrained backbone shipped by its own package)."""
        skip = tuple("encoder." + p for p in self.encoder.external_state_prefixes())
        return {k: v for k, v in self.state_dict().items() if not (skip and k.startswith(skip))}

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def build_model(config: dict) -> EncoderDecoder:
    """Build from a config's `encoder` {name, args} and `decoder` {args incl. vocab_size}."""
    encoder = build_encoder(config["encoder"]["name"], **config["encoder"].get("args", {}))
    decoder = AttentionDecoder(memory_dim=encoder.output_dim, **config["decoder"])
    return EncoderDecoder(encoder, decoder)
