"""Training throughput of each encoder family: optimiser steps per second and examples per
second at a few batch sizes, for the task's default model (random weights, `steps`-piece
targets, the task's joint CTC loss where it has one), under the trainer's bf16 autocast on
CUDA. It tells how long a recipe's `--steps` take on this machine before committing to one."""

from __future__ import annotations

import time

import torch

from .bench import FAMILIES, default_model
from .devices import autocast, describe, pick_device, synchronize
from .tokenizer import BOS_ID, EOS_ID


def _targets(batch: int, steps: int, vocab: int) -> torch.Tensor:
    middle = torch.randint(4, vocab, (batch, steps))
    return torch.cat([torch.full((batch, 1), BOS_ID), middle, torch.full((batch, 1), EOS_ID)], 1)


def _steps_per_second(model, batch: int, steps: int, make_input, device,
                      min_seconds: float = 2.0) -> float:
    inputs, lengths = make_input(batch)
    x, lens = inputs.to(device), None if lengths is None else lengths.to(device)
    targets = _targets(batch, steps, model.decoder.vocab_size).to(device)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")

    def step():
        with autocast(device):
            enc = model.encode(x, lens)
            logits = model.decode(enc, targets[:, :-1])
            loss = loss_fn(logits.float().flatten(0, 1), targets[:, 1:].flatten())
            if model.ctc_head is not None:
                loss = loss + model.ctc_loss(enc, targets)
        optimizer.zero_grad(set_to_none=True)
        (loss / targets.numel()).backward()
        optimizer.step()

    step()  # warm-up: kernels, allocator, optimiser state
    synchronize(device)
    runs, began = 0, time.perf_counter()
    while True:
        step()
        runs += 1
        synchronize(device)
        elapsed = time.perf_counter() - began
        if elapsed >= min_seconds and runs >= 3:
            return runs / elapsed


def run_training_bench(device=None, batches=(16, 64), steps=20,
                       families=("image", "audio", "text")) -> list[dict]:
    device = pick_device(device)
    torch.manual_seed(0)
    print(f"device: {describe(device)}; torch {torch.__version__}; training steps with "
          f"{steps}-piece targets, default model sizes, random weights")
    header = f"{'family':<7} {'encoder':<19} {'batch':>5} {'steps/s':>8} {'examples/s':>11}"
    print(header)
    print("-" * len(header))
    rows = []
    for family in families:
        model = default_model(family, device).train()
        for batch in batches:
            rate = _steps_per_second(model, batch, steps, FAMILIES[family][2], device)
            rows.append({"family": family, "encoder": FAMILIES[family][1], "batch": batch,
                         "steps_per_second": rate, "examples_per_second": rate * batch})
            print(f"{family:<7} {FAMILIES[family][1]:<19} {batch:>5} {rate:>8.2f} "
                  f"{rate * batch:>11.1f}", flush=True)
    return rows
