"""An LSTM language model over a bundle's target pieces, for shallow fusion.

The speech decoder learnt English from the ~26k transcripts that were synthesised; the
texts behind them hold ~20 times more held-in sentences than were ever spoken. A language
model trained on those texts (multimodal/train_lm.py) adds `lm_weight * log p_LM(piece)`
to every beam candidate (shallow fusion, Gulcehre et al. 2015; as ESPnet's `lm_weight`),
so a word the audio leaves uncertain is read as the one English makes likely.
"""

from __future__ import annotations

import torch
from torch import nn

from .decoder import run_lstm

LMState = tuple[torch.Tensor, torch.Tensor]  # the LSTM's (h, c), each [layers, rows, hidden]


class TokenLM(nn.Module):
    def __init__(self, vocab_size: int, embed_dim: int = 256, hidden_dim: int = 512,
                 num_layers: int = 1, dropout: float = 0.1):
        super().__init__()
        self.vocab_size, self.num_layers, self.hidden_dim = vocab_size, num_layers, hidden_dim
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, num_layers, batch_first=True,
                            dropout=dropout if num_layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden_dim, vocab_size)

    def forward(self, tokens: torch.Tensor, state: LMState | None = None
                ) -> tuple[torch.Tensor, LMState]:
        """tokens [B, T] -> logits [B, T, V] of each next piece, and the state after T."""
        if state is None:
            state = self.init_state(tokens.shape[0], tokens.device)
        hidden, state = run_lstm(self.lstm, self.drop(self.embed(tokens)), state)
        return self.out(self.drop(hidden)), state

    def init_state(self, rows: int, device: torch.device) -> LMState:
        zeros = torch.zeros(self.num_layers, rows, self.hidden_dim, device=device)
        return zeros, zeros.clone()

    def step(self, last: torch.Tensor, state: LMState) -> tuple[torch.Tensor, LMState]:
        """last [B] -> log-probabilities [B, V] of the next piece, and the new state."""
        logits, state = self(last.unsqueeze(1), state)
        return torch.log_softmax(logits[:, -1].float(), -1), state

    @staticmethod
    def reorder(state: LMState, index: torch.Tensor) -> LMState:
        return state[0].index_select(1, index), state[1].index_select(1, index)
