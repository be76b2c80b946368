"""The bundles the page offers, and the loaded models: each loads once, on first use, and
stays on the device; one decode at a time per model (the decoder keeps the attention of its
last call on itself, so two threads must not share it at once)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..bundle import TASKS, find_bundles
from ..errors import MultimodalError, NoModelError
from ..pipeline import Pipeline, load


@dataclass(frozen=True)
class Bundle:
    name: str  # the folder name: what the dropdown (and the API) passes
    path: str
    task: str
    encoder: str
    config: dict = field(compare=False, hash=False)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.encoder})"


class Models:
    """Every bundle in one weights folder, by task, with the pipelines loaded so far."""

    def __init__(self, weights_dir: str | Path, device: torch.device):
        self.weights_dir, self.device = Path(weights_dir), device
        self.bundles: dict[str, list[Bundle]] = {task: [] for task in TASKS}
        for path, config in find_bundles(self.weights_dir):
            self.bundles[config["task"]].append(
                Bundle(path.name, str(path), config["task"], config["encoder"]["name"], config))
        for found in self.bundles.values():  # the bundle marked default first
            found.sort(key=lambda b: not b.config.get("metadata", {}).get("default"))
        self._loaded: dict[str, tuple[Pipeline, threading.Lock]] = {}
        self._loading = threading.Lock()

    def default(self, task: str) -> str | None:
        return self.bundles[task][0].name if self.bundles[task] else None

    def no_model_message(self, task: str) -> str:
        return f"No {task} model is trained yet (no {task} bundle in {self.weights_dir.name}/)"

    def bundle(self, task: str, name: str | None) -> Bundle:
        if not self.bundles[task]:
            raise NoModelError(self.no_model_message(task))
        for b in self.bundles[task]:
            if b.name == (name or self.default(task)):
                return b
        choices = ", ".join(b.name for b in self.bundles[task])
        raise MultimodalError(f"unknown {task} model {name!r}; pick one of: {choices}")

    def get(self, task: str, name: str | None) -> tuple[Pipeline, threading.Lock]:
        """The loaded pipeline and the lock to hold while decoding with it."""
        bundle = self.bundle(task, name)
        with self._loading:
            if bundle.path not in self._loaded:
                self._loaded[bundle.path] = (load(bundle.path, device=self.device),
                                             threading.Lock())
            return self._loaded[bundle.path]
