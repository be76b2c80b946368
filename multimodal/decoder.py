"""The one attention decoder every model shares.

An LSTM reads the previous tokens; its output queries the encoder memory (additive
Bahdanau attention by default, Luong dot/general and location-aware attention as options);
upper LSTM layers read [lower output; context], and the output layer reads [top output;
context]. Attention sits on the bottom layer (as in GNMT) so that teacher-forced training
runs over the whole sequence at once while incremental decoding runs the very same
computation one step at a time (location-aware attention alone walks the steps one by
one: each step sees the last). The weights of the last call are kept in
`attention_weights` [B, T, L].
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .encoders.base import EncoderOutput
from .tokenizer import PAD_ID


class AdditiveAttention(nn.Module):
    """Bahdanau: score(q, k) = v . tanh(W_q q + W_k k); keys are projected once per input."""

    def __init__(self, query_dim: int, memory_dim: int, attention_dim: int):
        super().__init__()
        self.key_proj = nn.Linear(memory_dim, attention_dim, bias=False)
        self.query_proj = nn.Linear(query_dim, attention_dim)
        self.v = nn.Linear(attention_dim, 1, bias=False)

    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        return self.key_proj(memory)

    def scores(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        # query [B, T, Q], keys [B, L, A] -> [B, T, L]
        hidden = torch.tanh(self.query_proj(query).unsqueeze(2) + keys.unsqueeze(1))
        return self.v(hidden).squeeze(-1)


class LocationAttention(AdditiveAttention):
    """Chorowski et al. (2015), as in ESPnet's AttLoc: additive attention that also sees a
    1-D convolution of the previous step's weights. Content alone lets a speech decoder
    settle on one frame that summarises the utterance (the backward LSTM's first frame)
    and never move; knowing where it looked last lets it walk along the frames."""

    def __init__(self, query_dim: int, memory_dim: int, attention_dim: int,
                 channels: int = 10, width: int = 15):
        super().__init__(query_dim, memory_dim, attention_dim)
        self.conv = nn.Conv1d(1, channels, 2 * width + 1, padding=width, bias=False)
        self.location_proj = nn.Linear(channels, attention_dim, bias=False)

    def scores(self, query: torch.Tensor, keys: torch.Tensor,
               previous: torch.Tensor) -> torch.Tensor:
        # query [B, 1, Q], keys [B, L, A], previous weights [B, L] -> [B, 1, L]
        location = self.location_proj(self.conv(previous.unsqueeze(1)).transpose(1, 2))
        return super().scores(query, keys + location)


class LuongAttention(nn.Module):
    """Luong: `dot` is q . k (needs equal sizes), `general` is q . W k."""

    def __init__(self, query_dim: int, memory_dim: int, kind: str):
        super().__init__()
        if kind == "dot" and query_dim != memory_dim:
            raise ValueError(
                f"dot attention needs the decoder size ({query_dim}) to equal the memory "
                f"size ({memory_dim}); use 'general' or 'additive'"
            )
        self.key_proj = nn.Linear(memory_dim, query_dim, bias=False) if kind == "general" else None
        self.scale = query_dim**-0.5

    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        return memory if self.key_proj is None else self.key_proj(memory)

    def scores(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        return torch.bmm(query, keys.transpose(1, 2)) * self.scale


def lstm_step(lstm: nn.LSTM, x: torch.Tensor, hidden: tuple[torch.Tensor, torch.Tensor]):
    """One time step of a (multi-layer, unidirectional) nn.LSTM in inference.

    oneDNN's fused LSTM costs ~20 ms per call on CPU however short the sequence; the plain
    cell kernel over the same weights takes well under a millisecond for one step."""
    h0, c0 = hidden
    hs, cs, out = [], [], x[:, 0]
    for layer in range(lstm.num_layers):
        h, c = torch.lstm_cell(
            out, (h0[layer], c0[layer]), getattr(lstm, f"weight_ih_l{layer}"),
            getattr(lstm, f"weight_hh_l{layer}"), getattr(lstm, f"bias_ih_l{layer}"),
            getattr(lstm, f"bias_hh_l{layer}"))
        hs.append(h)
        cs.append(c)
        out = h
    return out.unsqueeze(1), (torch.stack(hs), torch.stack(cs))


def run_lstm(lstm: nn.LSTM, x: torch.Tensor, hidden):
    if x.shape[1] == 1 and not torch.is_grad_enabled():
        return lstm_step(lstm, x, hidden)
    return lstm(x, hidden)


@dataclass
class DecoderState:
    """Everything the decoder carries between steps; `reorder` serves beam search."""

    memory: torch.Tensor  # [B, L, D]
    mask: torch.Tensor  # [B, L]
    keys: torch.Tensor  # [B, L, A] projected once
    hidden: list[tuple[torch.Tensor, torch.Tensor]]  # per LSTM block: (h, c) [layers, B, H]
    previous: torch.Tensor | None = None  # last attention weights [B, L] (location-aware)

    def reorder_hidden(self, index: torch.Tensor) -> DecoderState:
        """Reorder the recurrent state only: beams of one input share its memory."""
        hidden = [(h.index_select(1, index), c.index_select(1, index)) for h, c in self.hidden]
        previous = None if self.previous is None else self.previous.index_select(0, index)
        return DecoderState(self.memory, self.mask, self.keys, hidden, previous)

    def reorder(self, index: torch.Tensor) -> DecoderState:
        state = self.reorder_hidden(index)
        return DecoderState(self.memory.index_select(0, index),
                            self.mask.index_select(0, index),
                            self.keys.index_select(0, index), state.hidden, state.previous)


class AttentionDecoder(nn.Module):
    def __init__(
        self,
        vocab_size: int,
        memory_dim: int,
        embed_dim: int = 256,
        hidden_dim: int = 512,
        num_layers: int = 2,
        attention: str = "additive",
        attention_dim: int = 256,
        dropout: float = 0.2,
        tie_embeddings: bool = True,
    ):
        super().__init__()
        if num_layers < 1:
            raise ValueError("the decoder needs at least one layer")
        self.vocab_size = vocab_size
        self.hidden_dim = hidden_dim
        self.num_layers = num_layers
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD_ID)
        self.bottom = nn.LSTM(embed_dim, hidden_dim, batch_first=True)
        self.upper = (
            nn.LSTM(hidden_dim + memory_dim, hidden_dim, num_layers - 1, batch_first=True,
                    dropout=dropout if num_layers > 2 else 0.0)
            if num_layers > 1 else None
        )
        if attention == "additive":
            self.attention = AdditiveAttention(hidden_dim, memory_dim, attention_dim)
        elif attention == "location":
            self.attention = LocationAttention(hidden_dim, memory_dim, attention_dim)
        elif attention in ("dot", "general"):
            self.attention = LuongAttention(hidden_dim, memory_dim, attention)
        else:
            raise ValueError(
                f"unknown attention {attention!r}: additive, location, dot or general")
        self.init_proj = nn.Linear(memory_dim, hidden_dim * num_layers * 2)
        self.dropout = nn.Dropout(dropout)
        self.combine = nn.Linear(hidden_dim + memory_dim, embed_dim)
        self.output = nn.Linear(embed_dim, vocab_size)
        if tie_embeddings:
            self.output.weight = self.embedding.weight
        self.attention_weights: torch.Tensor | None = None

    def init_state(self, enc: EncoderOutput) -> DecoderState:
        """Start from the mean of the real memory positions (padding excluded)."""
        mask = enc.mask.unsqueeze(-1).to(enc.memory.dtype)
        pooled = (enc.memory * mask).sum(1) / mask.sum(1).clamp(min=1)
        init = torch.tanh(self.init_proj(pooled))  # [B, layers*2*H]
        init = init.view(-1, self.num_layers, 2, self.hidden_dim).permute(2, 1, 0, 3).contiguous()
        h, c = init[0], init[1]  # [layers, B, H]
        hidden = [(h[:1], c[:1])]
        if self.upper is not None:
            hidden.append((h[1:].contiguous(), c[1:].contiguous()))
        previous = None
        if isinstance(self.attention, LocationAttention):  # start spread over the input
            previous = enc.mask.to(enc.memory.dtype) / enc.mask.sum(1, keepdim=True).clamp(min=1)
        return DecoderState(enc.memory, enc.mask, self.attention.keys(enc.memory), hidden,
                            previous)

    def attend(self, query: torch.Tensor, state: DecoderState):
        """Attention weights [B, T, L] of queries [B, T, Q], and the last step's [B, L]."""
        def normalise(scores):
            scores = scores.masked_fill(~state.mask.unsqueeze(1), float("-inf"))
            return torch.softmax(scores.float(), dim=-1).to(query.dtype)

        if state.previous is None:
            return normalise(self.attention.scores(query, state.keys)), None
        steps, previous = [], state.previous
        for t in range(query.shape[1]):
            weights = normalise(self.attention.scores(query[:, t:t + 1], state.keys, previous))
            steps.append(weights)
            previous = weights[:, 0]
        return torch.cat(steps, 1), previous

    def forward(
        self, tokens: torch.Tensor, state: DecoderState
    ) -> tuple[torch.Tensor, DecoderState]:
        """tokens [B, T] -> logits [B, T, V]; works for a whole sequence or one step."""
        x = self.dropout(self.embedding(tokens))
        out, bottom = run_lstm(self.bottom, x, state.hidden[0])
        weights, previous = self.attend(out, state)  # [B, T, L]
        context = torch.bmm(weights, state.memory)
        hidden = [bottom]
        if self.upper is not None:
            upper_in = self.dropout(torch.cat([out, context], -1))
            out, upper = run_lstm(self.upper, upper_in, state.hidden[1])
            hidden.append(upper)
        combined = torch.tanh(self.combine(self.dropout(torch.cat([out, context], -1))))
        logits = self.output(self.dropout(combined))
        self.attention_weights = weights
        return logits, DecoderState(state.memory, state.mask, state.keys, hidden, previous)
