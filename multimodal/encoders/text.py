"""Text encoder: token embedding -> stacked bidirectional GRU or LSTM (packed, so padding
never leaks into the states)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..tokenizer import PAD_ID
from .base import Encoder, EncoderOutput, lengths_to_mask, register_encoder


@register_encoder("birnn")
class BiRNNTextEncoder(Encoder):
    modality = "text"

    def __init__(self, vocab_size: int, d_model: int = 256, embed_dim: int = 256,
                 num_layers: int = 2, cell: str = "gru", dropout: float = 0.2):
        super().__init__()
        if cell not in ("gru", "lstm"):
            raise ValueError(f"cell must be 'gru' or 'lstm', not {cell!r}")
        if d_model % 2:
            raise ValueError("d_model must be even: each direction gets half")
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_ID)
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.rnn = rnn(embed_dim, d_model // 2, num_layers, batch_first=True,
                       bidirectional=True, dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.output_dim = d_model

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor | None = None) -> EncoderOutput:
        if lengths is None:
            lengths = (tokens != PAD_ID).sum(1)
        x = self.dropout(self.embedding(tokens))
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=tokens.shape[1])
        return EncoderOutput(self.dropout(out), lengths_to_mask(lengths, tokens.shape[1]))
