"""Cached feature maps of a CNN trunk's frozen part, so training a captioner on CPU runs it
once per picture instead of once per picture per epoch. With the trunk's last blocks
fine-tuned, the cache holds the maps that enter them (7x7 for Lite0's last two blocks), and
only those blocks run in training: fine-tuning costs little more than a frozen trunk.

The cache is an fp16 array [pictures, channels, h, w] in cache/features/, named by the
trunk, where it is cut, and the exact picture list; an interrupted extraction resumes where
it stopped. Beside a finished array, `.sources.json` lists its pictures with their size and
modification time, so a corpus that grows computes only its new pictures: rows of an
earlier cache of the same trunk, cut and preprocessing are copied where the picture file
is unchanged."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

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


def _stamps(paths: list[str]) -> list[list[int]]:
    """Each picture file's size and modification time: a redrawn picture is not reused."""
    return [[(st := os.stat(p)).st_size, st.st_mtime_ns] for p in paths]


def _earlier_rows(folder: Path, name: str, trunk: str, settings: dict, paths: list[str],
                  stamps: list[list[int]]) -> dict[Path, list[tuple[int, int]]]:
    """{an earlier finished cache of the same trunk, cut and settings: [(our row, its
    row)]} for the pictures it holds unchanged; each picture is taken from one cache only."""
    wanted = {(p, tuple(s)): i for i, (p, s) in enumerate(zip(paths, stamps, strict=True))}
    found: dict[Path, list[tuple[int, int]]] = {}
    for sidecar in sorted(folder.glob("*.sources.json")):
        other = sidecar.name.removesuffix(".sources.json")
        data = folder / f"{other}.npy"
        if other == name or not data.exists() or (folder / f"{other}.progress.json").exists():
            continue
        meta = json.loads(sidecar.read_text())
        if meta["trunk"] != trunk or meta["settings"] != settings:
            continue
        for row, (path, stamp) in enumerate(zip(meta["paths"], meta["stamps"], strict=True)):
            if (i := wanted.pop((path, tuple(stamp)), None)) is not None:
                found.setdefault(data, []).append((i, row))
    return found


@torch.no_grad()
def grid_features(encoder, encoder_name: str, prepare: Preprocessor, paths: list[str],
                  device: torch.device, batch_size: int = 32) -> np.ndarray:
    """The [C, h, w] map of every picture where the trunk's frozen part (`encoder.trunk`
    up to `encoder.cut`) ends, computed once and memory-mapped."""
    folder = cache_dir() / "features"
    folder.mkdir(parents=True, exist_ok=True)
    whole = encoder.cut == len(encoder.trunk)
    prefix = encoder_name if whole else f"{encoder_name}-upto{encoder.cut}"
    name = _cache_name(prefix, prepare.settings, paths)
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
    stamps = _stamps(paths)  # the files as they are read, for the list kept beside the maps
    reused_list = folder / f"{name}.reused.json"  # kept while in progress: resumes agree
    if reused_list.exists() or done:  # (an extraction begun before reuse: none)
        reused = set(json.loads(reused_list.read_text())) if reused_list.exists() else set()
    else:
        earlier = _earlier_rows(folder, name, prefix, prepare.settings, paths, stamps)
        for source, rows in earlier.items():
            donor = np.load(source, mmap_mode="r")
            for start in range(0, len(rows), 1024):  # a bounded slice in memory at a time
                ours, theirs = (list(x) for x in zip(*rows[start:start + 1024], strict=True))
                array[ours] = donor[theirs]
        array.flush()
        reused = {i for rows in earlier.values() for i, _ in rows}
        reused_list.write_text(json.dumps(sorted(reused)))
    todo = [i for i in range(len(paths)) if i not in reused]  # `done` counts these
    with tqdm(total=len(paths), initial=done + len(reused), desc="trunk features",
              unit=" pictures") as bar:
        for start in range(done, len(todo), batch_size):
            rows = todo[start:start + batch_size]
            images = torch.stack([prepare(paths[i]) for i in rows]).to(device)
            images = images.contiguous(memory_format=torch.channels_last)
            chunk_size = CPU_CHUNK if device.type == "cpu" else len(images)  # as in forward()
            grids = torch.cat([trunk(part) for part in images.split(chunk_size)])
            array[rows] = grids.float().cpu().numpy().astype(np.float16)
            if (start // batch_size) % 20 == 0 or start + batch_size >= len(todo):
                array.flush()
                progress.write_text(json.dumps({"done": start + len(rows)}))
            bar.update(len(rows))
    array.flush()
    (folder / f"{name}.sources.json").write_text(json.dumps(
        {"trunk": prefix, "settings": prepare.settings, "paths": paths,
         "stamps": stamps}))
    progress.unlink()
    reused_list.unlink(missing_ok=True)
    return np.load(data, mmap_mode="r")
