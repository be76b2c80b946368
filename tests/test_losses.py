"""Guided attention: a diagonal alignment costs little, one summary frame costs much; on
pictures, looking off the objects costs."""

import pytest
import torch

from multimodal.losses import guided_attention_loss, off_regions


def test_diagonal_attention_costs_less_than_a_collapsed_one():
    steps, frames = 5, 20
    diagonal = torch.zeros(1, steps, frames)
    for t in range(steps):
        diagonal[0, t, t * 4 + 2] = 1.0  # token t sits at its share of the audio
    collapsed = torch.zeros(1, steps, frames)
    collapsed[0, :, 0] = 1.0
    target_mask, memory_mask = torch.ones(1, steps, dtype=torch.bool), torch.ones(1, frames)
    low = guided_attention_loss(diagonal, target_mask, memory_mask)
    high = guided_attention_loss(collapsed, target_mask, memory_mask)
    assert low < 0.05 * steps
    assert high > 0.5 * steps  # most rows are far from frame 0


def test_padding_rows_and_lengths_are_respected():
    weights = torch.zeros(2, 4, 10)
    weights[:, :, 0] = 1.0
    target_mask = torch.tensor([[True] * 4, [True, True, False, False]])
    memory_mask = torch.tensor([[1] * 10, [1] * 4 + [0] * 6])
    both = guided_attention_loss(weights, target_mask, memory_mask)
    first = guided_attention_loss(weights[:1], target_mask[:1], memory_mask[:1])
    second = guided_attention_loss(weights[1:], target_mask[1:], memory_mask[1:])
    assert torch.isclose(both, first + second)
    # the second input's two real rows: their diagonal is at 1/4 and 3/4 of 4 frames
    assert second < first
    weights.requires_grad_(True)
    guided_attention_loss(weights, target_mask, memory_mask).backward()
    assert weights.grad[1, 2:].abs().sum() == 0  # padded rows get no gradient


def test_off_regions_marks_the_cells_outside_every_box():
    left = torch.tensor([[[0.0, 0.0, 0.5, 1.0]]])  # a 2x2 grid: cells 0 and 2 are inside
    assert off_regions(left, 4).tolist() == [[0.0, 1.0, 0.0, 1.0]]
    two = torch.tensor([[[0.0, 0.0, 0.5, 0.5], [0.5, 0.5, 1.0, 1.0]]])
    assert off_regions(two, 4).tolist() == [[0.0, 1.0, 1.0, 0.0]]
    padded = torch.tensor([[[0.0, 0.0, 0.5, 1.0], [0, 0, 0, 0]], [[0, 0, 0, 0], [0, 0, 0, 0]]])
    assert off_regions(padded, 4).tolist() == [[0.0, 1.0, 0.0, 1.0], [0.0] * 4]  # no boxes: free
    with pytest.raises(ValueError, match="square"):
        off_regions(left, 6)


def test_region_prior_costs_the_attention_off_the_objects():
    penalty = off_regions(torch.tensor([[[0.0, 0.0, 0.5, 1.0]]]), 4)
    on, off = torch.zeros(1, 3, 4), torch.zeros(1, 3, 4)
    on[0, :, 0], off[0, :, 1] = 1.0, 1.0
    target_mask, memory_mask = torch.tensor([[True, True, False]]), torch.ones(1, 4)
    assert guided_attention_loss(on, target_mask, memory_mask, penalty=penalty) == 0
    assert guided_attention_loss(off, target_mask, memory_mask, penalty=penalty) == 2  # 2 rows
