"""Decoding throughput of each encoder family at several batch sizes and beam widths.

Models are built at their default sizes with random weights and decode exactly `steps`
tokens per item (the end token is held back), so every row does the same work and the
numbers measure the code, not what a model happens to say."""

from __future__ import annotations

import time

import torch

from .devices import describe, full_precision, pick_device, synchronize
from .model import build_model
from .recipe import DECODER_DEFAULTS, DEFAULTS
from .search import SearchOptions

FAMILIES = {  # family -> (task, encoder, make a batch of n inputs)
    "image": ("caption", "efficientnet_lite0",
              lambda n: (torch.randn(n, 3, 224, 224), None)),
    "audio": ("transcribe", "cnn_bilstm",  # 5 s of noise at 16 kHz
              lambda n: (0.1 * torch.randn(n, 80_000), torch.full((n,), 80_000))),
    "text": ("translate", "birnn",  # 25 source tokens
             lambda n: (torch.randint(4, 8000, (n, 25)), torch.full((n,), 25))),
}


def default_model(family: str, device: torch.device):
    """The family's task's default model as `train` builds it (its recipe's encoder and
    decoder arguments, the CTC head where the recipe has one), random weights, in eval mode."""
    task, encoder, _ = FAMILIES[family]
    defaults = DEFAULTS[task]
    args = dict(defaults["encoder_args"])
    if family == "text":
        args["vocab_size"] = 8000
    config = {"encoder": {"name": encoder, "args": args},
              "decoder": {**DECODER_DEFAULTS, **defaults.get("decoder_args", {}),
                          "vocab_size": defaults["vocab"]},
              "ctc_weight": defaults.get("ctc_weight", 0.0)}
    return build_model(config).to(device).eval()


def _items_per_second(model, inputs, lengths, options, device, min_seconds=1.0) -> float:
    x = inputs.to(device)
    lens = None if lengths is None else lengths.to(device)
    runs, began = 0, None
    while True:
        with full_precision(device):
            model.generate(x, lens, options)
        synchronize(device)
        if began is None:  # the first run warms up caches and kernels; not timed
            began = time.perf_counter()
            continue
        runs += 1
        elapsed = time.perf_counter() - began
        if elapsed >= min_seconds and runs >= 2:
            return runs * len(x) / elapsed


def run_bench(device=None, batches=(1, 8, 32), beams=(1, 5), steps=20,
              families=("image", "audio", "text")) -> list[dict]:
    device = pick_device(device)
    torch.manual_seed(0)
    print(f"device: {describe(device)}; torch {torch.__version__}; threads "
          f"{torch.get_num_threads()}; {steps} output tokens per item")
    header = (f"{'family':<7} {'encoder':<19} {'params':>8} {'MB fp32':>8} {'batch':>5} "
              f"{'beam':>4} {'items/s':>9} {'ms/item':>8} {'vs batch 1':>10}")
    print(header)
    print("-" * len(header))
    rows = []
    for family in families:
        model = default_model(family, device)
        params = model.num_parameters()
        megabytes = sum(t.numel() * t.element_size() for t in model.state_dict().values()) / 1e6
        for beam in beams:
            options = SearchOptions(beam=beam, min_len=steps, max_len=steps, max_len_b=steps)
            base = None
            for batch in batches:
                inputs, lengths = FAMILIES[family][2](batch)
                rate = _items_per_second(model, inputs, lengths, options, device)
                base = base or rate
                row = {"family": family, "encoder": FAMILIES[family][1], "params": params,
                       "megabytes": megabytes, "batch": batch, "beam": beam,
                       "items_per_second": rate, "speedup": rate / base}
                rows.append(row)
                print(f"{family:<7} {row['encoder']:<19} {params / 1e6:>7.1f}M "
                      f"{megabytes:>8.1f} {batch:>5} {beam:>4} {rate:>9.1f} "
                      f"{1000 / rate:>8.1f} {rate / base:>9.1f}x", flush=True)
    return rows
