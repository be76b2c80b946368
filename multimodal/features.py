"""Cached feature maps of a CNN trunk's frozen part, so training a captioner on CPU runs it
once per picture instead of once per picture per epoch. With the trunk's last blocks
fine-tuned, the cache holds the maps that enter them (7x7 for Lite0's last two blocks), and
only those blocks run in training: fine-tuning costs little more than a frozen trunk.

The cache is an fp16 array [pictures, channels, h, w] in cache/features/, named by the
trunk, where it is cut, and the exact picture list; an interrupted extraction resumes where
it stopped."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import torch
from tqdm import tqdm

from .data.cache import cache_dir
from .encoders.image import CPU_CHUNK
from .preprocess import Preprocessor


def has_frozen_part(encoder) -> bool:
    """True for an image encoder whose trunk begins with layers that do not train."""
    return getattr(encoder, "cut", 0) > 0


class GridFeatures:
    """Stands in for a Preprocessor in training: an index in, the cached grid out."""

    def __init__(self, array: np.ndarray):
        self.array = array

    def __call__(self, index: int) -> torch.Tensor:
        return torch.from_numpy(np.asarray(self.array[index], dtype=np.float32))

    def collate(self, tensors: list[torch.Tensor]) -> tuple[torch.Tensor, None]:
        return torch.stack(tensors), None


def _cache_name(encoder_name: str, settings: dict, paths: list[str]) -> str:
    digest = hashlib.sha1(json.dumps([encoder_name, settings, paths]).encode()).hexdigest()
    return f"{encoder_name}-{len(paths)}-{digest[:12]}"


@torch.no_grad()
def grid_features(encoder, encoder_name: str, prepare: Preprocessor, paths: list[str],
                  device: torch.device, batch_size: int = 32) -> np.ndarray:
    """The [C, h, w] map of every picture where the trunk's frozen part (`encoder.trunk`
    up to `encoder.cut`) ends, computed once and memory-mapped."""
    folder = cache_dir() / "features"
    folder.mkdir(parents=True, exist_ok=True)
    whole = encoder.cut == len(encoder.trunk)
    name = _cache_name(encoder_name if whole else f"{encoder_name}-upto{encoder.cut}",
                       prepare.settings, paths)
    data, progress = folder / f"{name}.npy", folder / f"{name}.progress.json"
    if data.exists() and not progress.exists():  # finished earlier
        return np.load(data, mmap_mode="r")
    trunk = encoder.trunk[:encoder.cut].eval()
    size = prepare.settings["image_size"]
    shape = (len(paths), *trunk(torch.zeros(1, 3, size, size, device=device)).shape[1:])
    done = json.loads(progress.read_text())["done"] if progress.exists() else 0
    array = np.lib.format.open_memmap(data, mode="r+" if done else "w+", dtype=np.float16,
                                      shape=shape)
    progress.write_text(json.dumps({"done": done}))
    with tqdm(total=len(paths), initial=done, desc="trunk features", unit=" pictures") as bar:
        for start in range(done, len(paths), batch_size):
            chunk = paths[start:start + batch_size]
            images = torch.stack([prepare(p) for p in chunk]).to(device)
            images = images.contiguous(memory_format=torch.channels_last)
            chunk_size = CPU_CHUNK if device.type == "cpu" else len(images)  # as in forward()
            grids = torch.cat([trunk(part) for part in images.split(chunk_size)])
            array[start:start + len(chunk)] = grids.float().cpu().numpy().astype(np.float16)
            if (start // batch_size) % 20 == 0 or start + batch_size >= len(paths):
                array.flush()
                progress.write_text(json.dumps({"done": start + len(chunk)}))
            bar.update(len(chunk))
    array.flush()
    progress.unlink()
    return np.load(data, mmap_mode="r")
