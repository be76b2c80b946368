"""The N best weights of a run by dev score, and their average.

Averaging the weights of the last good checkpoints (ESPnet's `average_checkpoints`,
fairseq's `average_checkpoints.py`) smooths out the noise of the final optimiser steps and
usually decodes a little better than any single one of them. The trainer keeps the N best
snapshots as they come and offers their average; the dev score decides whether it is used.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file


def plain_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Detached contiguous copies: safetensors refuses views of larger storages (torchaudio's
    mel window is one), and tied weights are simply written twice."""
    return {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}


def average_states(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The element-wise mean of float tensors; integer tensors (BatchNorm's batch counter)
    come from the last state."""
    if not states:
        raise ValueError("nothing to average")
    averaged = {}
    for key, last in states[-1].items():
        if last.is_floating_point():
            mean = torch.stack([s[key].float() for s in states]).mean(0)
            averaged[key] = mean.to(last.dtype)
        else:
            averaged[key] = last.clone()
    return averaged


class SnapshotKeeper:
    """Keeps the `keep` best-scoring snapshots in `folder` (scores in `scores.json`)."""

    def __init__(self, folder: str | Path, keep: int):
        self.folder, self.keep = Path(folder), keep
        self.index = self.folder / "scores.json"

    def scores(self) -> dict[str, float]:
        """File name -> dev score of every snapshot kept."""
        return json.loads(self.index.read_text()) if self.index.exists() else {}

    def offer(self, model: torch.nn.Module, step: int, score: float) -> None:
        """Keep this step's weights if they are among the best `keep`; drop the worst."""
        scores = self.scores()
        ranked = sorted(scores.values(), reverse=True)
        if len(ranked) >= self.keep and score <= ranked[self.keep - 1]:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"step{step:07d}.safetensors"
        save_file(plain_state(model), str(self.folder / name))
        scores[name] = score
        for stale in sorted(scores, key=scores.get, reverse=True)[self.keep:]:
            (self.folder / stale).unlink(missing_ok=True)
            del scores[stale]
        tmp = self.index.with_suffix(".tmp")
        tmp.write_text(json.dumps(scores, indent=1))
        tmp.replace(self.index)

    def average(self, device: str = "cpu") -> dict[str, torch.Tensor] | None:
        """The mean of the kept snapshots, oldest first; None with fewer than two."""
        names = sorted(self.scores())
        if len(names) < 2:
            return None
        return average_states([load_file(str(self.folder / n), device=device) for n in names])
