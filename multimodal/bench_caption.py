"""Captions per second of a bundle on held-out pictures, at batch 1 and 32, beam 1 and 3,
with the share of the time the image encoder takes (the rest: reading the pictures and
the decoder's search)."""

from __future__ import annotations

import time

import torch

from .caption_eval import read_set
from .devices import describe, full_precision, synchronize
from .pipeline import Pipeline

PICTURES = 64


def _timed(fn, device: torch.device) -> float:
    synchronize(device)
    began = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - began


def encoder_seconds(pipe: Pipeline, paths: list[str], batch: int) -> float:
    """The encoder alone on the same batches (pictures decoded and resized beforehand)."""
    tensors = [pipe.prepare(p) for p in paths]

    @torch.no_grad()
    def encode():
        for start in range(0, len(tensors), batch):
            x, _ = pipe.prepare.collate(tensors[start:start + batch])
            with full_precision(pipe.device):
                pipe.model.encode(x.to(pipe.device), None)

    return _timed(encode, pipe.device)


def run_caption_bench(pipe: Pipeline, batches=(1, 32), beams=(1, 3)) -> list[dict]:
    rows_all = read_set("test_single")
    paths = [r["path"] for r in rows_all[:: max(1, len(rows_all) // PICTURES)][:PICTURES]]
    print(f"device: {describe(pipe.device)}; {len(paths)} held-out pictures")
    rows = []
    for beam in beams:
        for batch in batches:
            # an untimed run first: a GPU plans its kernels for each new batch shape
            pipe.predict(paths, beam=beam, batch_size=batch)
            total = _timed(lambda b=batch, k=beam: pipe.predict(paths, beam=k, batch_size=b),
                           pipe.device)
            share = encoder_seconds(pipe, paths, batch) / total
            rows.append({"beam": beam, "batch": batch, "captions_per_second": len(paths) / total,
                         "encoder_share": share})
    print(f"{'beam':>4} {'batch':>5} {'captions/s':>11} {'encoder share':>14}")
    for r in rows:
        print(f"{r['beam']:>4} {r['batch']:>5} {r['captions_per_second']:>11.1f} "
              f"{100 * r['encoder_share']:>13.0f}%")
    return rows


def run(pipe: Pipeline, args) -> None:
    """`bench --task caption`."""
    run_caption_bench(pipe)
