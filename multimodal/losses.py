"""Training-only losses beside the decoder's cross-entropy (CTC lives with its head)."""

from __future__ import annotations

import math

import torch


def guided_attention_loss(weights: torch.Tensor, target_mask: torch.Tensor,
                          memory_mask: torch.Tensor, width: float = 0.2,
                          penalty: torch.Tensor | None = None) -> torch.Tensor:
    """Guided attention (Tachibana et al., 2017): attention far from the diagonal costs up
    to 1 per output token. Speech is read left to right at a roughly even pace, so the
    prior steers the decoder off the one frame that summarises the whole utterance (where
    content-based attention on a BiLSTM otherwise settles) towards a real alignment.

    weights [B, T, L] (rows are distributions over real memory positions), target_mask
    [B, T] (rows that predict a real token), memory_mask [B, L] -> a sum over real rows.
    A `penalty` [B, L] (a picture's cells off its objects: `off_regions`) replaces the
    diagonal, the same for every row."""
    if penalty is not None:
        penalty = penalty.unsqueeze(1)
    else:  # where each row and each frame sit, as a share of their real length
        steps, frames = weights.shape[1], weights.shape[2]
        row = (torch.arange(steps, device=weights.device) + 0.5) / target_mask.sum(1, keepdim=True)
        frame = ((torch.arange(frames, device=weights.device) + 0.5)
                 / memory_mask.sum(1, keepdim=True))
        penalty = 1 - torch.exp(-(frame.unsqueeze(1) - row.unsqueeze(2)) ** 2 / (2 * width ** 2))
    return (weights.float() * penalty * target_mask.unsqueeze(2)).sum()


def off_regions(boxes: torch.Tensor, positions: int) -> torch.Tensor:
    """1 on the cells of a square grid whose centre lies in none of an image's boxes, else 0:
    a caption is about the objects drawn in the picture, so its words should look at them.
    boxes [B, K, 4] (x0, y0, x1, y1 in [0, 1]; all-zero rows are padding) -> [B, positions].
    An image without boxes costs nothing anywhere."""
    side = math.isqrt(positions)
    if side * side != positions:
        raise ValueError(f"regions need a square grid, not {positions} positions")
    centre = (torch.arange(side, device=boxes.device, dtype=torch.float32) + 0.5) / side
    ys, xs = torch.meshgrid(centre, centre, indexing="ij")
    x, y = xs.reshape(1, 1, -1), ys.reshape(1, 1, -1)
    x0, y0, x1, y1 = (boxes[..., i:i + 1].float() for i in range(4))
    inside = ((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)).any(1)  # [B, positions]
    has_boxes = (boxes.abs().sum(-1) > 0).any(1, keepdim=True)
    return (~inside & has_boxes).float()
