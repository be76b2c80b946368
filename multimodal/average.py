"""`python -m multimodal average A B ... --out C`: the weight average of one model's weights.

Averaging two points of one run (say a model and that model fine-tuned further) often
decodes better than either, as checkpoint averaging does within a run (snapshots.py). This
makes such a bundle reproducible from the files themselves: bundle folders, or a run's kept
snapshots (`<run>/snapshots/step*.safetensors`, whose config and tokenizers are the run
folder's). The same architecture and the same tokenizers are required, since an average of
unrelated weights means nothing."""

from __future__ import annotations

import json
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load_file

from .bundle import build_checked, check_state, load_bundle, save_bundle
from .errors import BundleError
from .model import EncoderDecoder
from .snapshots import average_states, plain_state
from .tokenizer import Tokenizer

# What must agree for weights to be averaged: the model they describe, not its history.
SAME_MODEL = ("task", "encoder", "decoder", "preprocessing")


def average_bundles(paths: list[str | Path], out: str | Path,
                    precision: str | None = None) -> Path:
    """Save the element-wise mean of the weights at `out`, with the first path's config,
    search settings and tokenizers; metadata names the averaged files."""
    if len(paths) < 2:
        raise BundleError("averaging needs at least two bundles")
    loaded = [load_snapshot(p) if is_snapshot(p) else load_bundle(p, "cpu") for p in paths]
    first_model, first_config, first_toks = loaded[0]
    for path, (_, config, toks) in zip(paths[1:], loaded[1:], strict=True):
        differs = [key for key in SAME_MODEL if config.get(key) != first_config.get(key)]
        if differs:
            raise BundleError(f"{path}: not the same model as {paths[0]} "
                              f"({', '.join(differs)} differ)")
        if ({role: t.model_proto for role, t in toks.items()}
                != {role: t.model_proto for role, t in first_toks.items()}):
            raise BundleError(f"{path}: its tokenizers differ from those of {paths[0]}")
    first_model.load_state_dict(average_states([plain_state(m) for m, _, _ in loaded]))
    config = dict(first_config)
    # The first bundle's scores are not the average's: `evaluate --card` measures them anew.
    metadata = {k: v for k, v in first_config.get("metadata", {}).items() if k != "metrics"}
    config["metadata"] = {**metadata, "averaged_bundles": [str(p) for p in paths]}
    return save_bundle(out, first_model, config, first_toks,
                       precision=precision or first_config.get("precision", "fp32"))


def is_snapshot(path: str | Path) -> bool:
    return Path(path).suffix == ".safetensors"


def load_snapshot(path: str | Path) -> tuple[EncoderDecoder, dict, dict[str, Tokenizer]]:
    """A run's snapshot as (model, config, tokenizers), like `load_bundle`: the weights from
    the file, the rest from its run folder (`<run>/snapshots/<file>`)."""
    path = Path(path)
    run = path.parent.parent
    try:
        config = json.loads((run / "config.json").read_text())
        tokenizers = {role: Tokenizer.from_file(run / f"{role}.model")
                      for role in ("source", "target") if (run / f"{role}.model").exists()}
        state = load_file(str(path), device="cpu")
    except (OSError, ValueError, RuntimeError, SafetensorError) as err:
        raise BundleError(f"{path}: not a run snapshot with its run folder's config.json "
                          f"and tokenizers ({err})") from None
    model = build_checked(config, run / "config.json")
    check_state(path, state, model.state_dict())  # the run's config.json is the config
    model.load_state_dict(state)
    return model.eval(), config, tokenizers
