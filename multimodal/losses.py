"""Training-only losses beside the decoder's cross-entropy (CTC lives with its head)."""

from __future__ import annotations

import torch


def guided_attention_loss(weights: torch.Tensor, target_mask: torch.Tensor,
                          memory_mask: torch.Tensor, width: float = 0.2) -> torch.Tensor:
    """Guided attention (Tachibana et al., 2017): attention far from the diagonal costs up
    to 1 per output token. Speech is read left to right at a roughly even pace, so the
    prior steers the decoder off the one frame that summarises the whole utterance (where
    content-based attention on a BiLSTM otherwise settles) towards a real alignment.

    weights [B, T, L] (rows are distributions over real memory positions), target_mask
    [B, T] (rows that predict a real token), memory_mask [B, L] -> a sum over real rows."""
    steps, frames = weights.shape[1], weights.shape[2]
    # where each row and each frame sit, as a share of their real length
    row = (torch.arange(steps, device=weights.device) + 0.5) / target_mask.sum(1, keepdim=True)
    frame = (torch.arange(frames, device=weights.device) + 0.5) / memory_mask.sum(1, keepdim=True)
    penalty = 1 - torch.exp(-(frame.unsqueeze(1) - row.unsqueeze(2)) ** 2 / (2 * width ** 2))
    return (weights.float() * penalty * target_mask.unsqueeze(2)).sum()
