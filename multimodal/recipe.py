"""From examples to a shipped bundle: tokenizers, model config, training, model card.

`python -m multimodal train` is a thin wrapper around `train_task`."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import torch

from .bundle import TASKS, load_bundle, load_weights, read_config, save_bundle
from .data.readers import Example
from .devices import describe
from .encoders import get_encoder_class
from .errors import MultimodalError
from .features import GridFeatures, grid_features, has_frozen_part
from .metrics import dev_score
from .model import EncoderDecoder, build_model
from .pipeline import Pipeline
from .preprocess import Preprocessor
from .tokenizer import Tokenizer
from .train import ExampleDataset, TrainConfig, Trainer, domain_shares

# Sensible starting points per task; every value can be overridden from the command line.
DEFAULTS = {
    # Caption words should look at the objects they name (where the corpus knows the boxes):
    # without a prior the decoder read the grid's corners, off the objects.
    "caption": {"encoder": "efficientnet_lite0", "encoder_args": {"d_model": 256},
                "vocab": 4000, "guided_attention": 1.0,
                "search": {"beam": 3, "max_len_a": 0.0, "max_len_b": 30}},
    # Speech needs location-aware attention and a diagonal prior (guided attention): with
    # content alone the decoder settled on the one frame that summarises the utterance.
    "transcribe": {"encoder": "cnn_bilstm", "encoder_args": {"d_model": 384},
                   "decoder_args": {"attention": "location"}, "vocab": 1000, "ctc_weight": 0.5,
                   "guided_attention": 1.0,
                   "search": {"beam": 5, "max_len_a": 0.6, "max_len_b": 10, "ctc_weight": 0.5}},
    "translate": {"encoder": "birnn", "encoder_args": {"d_model": 512},
                  "vocab": 8000, "search": {"beam": 5, "max_len_a": 1.5, "max_len_b": 10,
                                            "no_repeat_ngram": 4}},
}
# Longer training pairs are dropped: additive attention holds a [batch, target, source,
# attention] tensor for backward, which grows with the square of the length.
MAX_TRAIN_CHARS = 300
DECODER_DEFAULTS = {"embed_dim": 256, "hidden_dim": 512, "num_layers": 2, "attention": "additive"}


def _tokenizers(task: str, train: list[Example], run_dir: Path, vocab: int) -> dict:
    """Train the tokenizers once per run; a resumed run reuses the saved ones."""
    roles = {"target": [e.target for e in train]}
    if TASKS[task] == "text":
        roles["source"] = [e.source for e in train]
    tokenizers = {}
    for role, texts in roles.items():
        path = run_dir / f"{role}.model"
        if path.exists():
            tokenizers[role] = Tokenizer.from_file(path)
        else:
            # Byte fallback spells unseen source characters as bytes; it needs 256 pieces.
            tokenizers[role] = Tokenizer.train(texts, vocab,
                                               byte_fallback=role == "source" and vocab >= 1024)
            tokenizers[role].save(path)
    return tokenizers


def make_config(task: str, tokenizers: dict, encoder: str | None, encoder_args: dict,
                decoder_args: dict, ctc_weight: float | None = None) -> dict:
    defaults = DEFAULTS[task]
    name = encoder or defaults["encoder"]
    if get_encoder_class(name).modality != TASKS[task]:
        raise MultimodalError(f"encoder {name!r} reads {get_encoder_class(name).modality}, "
                              f"but {task} needs a {TASKS[task]} encoder")
    args = {**(defaults["encoder_args"] if name == defaults["encoder"] else {}), **encoder_args}
    if "source" in tokenizers:
        args["vocab_size"] = len(tokenizers["source"])
    config = {"task": task, "encoder": {"name": name, "args": args},
              "decoder": {**DECODER_DEFAULTS, **defaults.get("decoder_args", {}), **decoder_args,
                          "vocab_size": len(tokenizers["target"])},
              "search": dict(defaults["search"])}
    ctc_weight = defaults.get("ctc_weight", 0.0) if ctc_weight is None else ctc_weight
    if ctc_weight:
        config["ctc_weight"] = ctc_weight
    return config


def init_encoder(model: EncoderDecoder, path: str | Path) -> int:
    """Start the encoder and its CTC head from another model's weights (the expensive part
    to train) while the decoder starts afresh, e.g. to try another attention."""
    own = model.state_dict()
    taken = {name: tensor for name, tensor in load_weights(path).items()
             if name.split(".")[0] in ("encoder", "ctc_head") and name in own
             and own[name].shape == tensor.shape}
    if not any(name.startswith("encoder.") for name in taken):
        raise MultimodalError(f"{path}: no encoder weights that fit this model")
    model.load_state_dict(taken, strict=False)
    return len(taken)


# What a bundle's config holds about the file rather than the model: a fine-tuning run drops it.
BUNDLE_ONLY = ("metadata", "tokenizers", "precision", "format_version")


def adopt_bundle(task: str, bundle: str | Path, run_dir: Path) -> dict:
    """Fine-tuning: the run takes a bundle's tokenizers and model config as its own (written
    into the run folder, so a resumed run finds them) and returns that config."""
    path, config = read_config(bundle)
    if config["task"] != task:
        raise MultimodalError(f"{path} is a {config['task']} model, not a {task} model")
    for role, name in config.get("tokenizers", {}).items():
        shutil.copyfile(path / name, run_dir / f"{role}.model")
    return {key: value for key, value in config.items() if key not in BUNDLE_ONLY}


def domain_of(group: str) -> str:
    """A group's kind of material, for `--balance`: its text up to the last ':'
    ("fr:ddtp:xfce4-mailwatch-plugin" -> "fr:ddtp"); a group without one (a voice's folder)
    is its own domain."""
    return group.rsplit(":", 1)[0]


def _input_size(task: str, example: Example) -> int:
    """A cheap size of each input, so batches hold similar lengths (less padding)."""
    if TASKS[task] == "text":
        return len(example.source)
    return os.path.getsize(example.source)


def model_card(name: str, config: dict) -> str:
    meta = config["metadata"]
    lines = [f"# {name}", "", f"Task: **{config['task']}**; encoder `{config['encoder']['name']}`"
             f" + the common attention decoder; {meta['parameters']:,} parameters.", "",
             "## Training", ""]
    lines += [f"- {k.replace('_', ' ')}: {v}" for k, v in meta.get("training", {}).items()]
    lines += ["", "## Scores (real decoding)", ""]
    metrics = meta.get("metrics", {})
    lines += [f"- {k}: {v}" for k, v in metrics.items()] or ["- not evaluated yet"]
    return "\n".join(lines) + "\n"


def corpus_counts(data: str) -> dict:
    """The split and engine counts of the corpus a manifest came from (the counts.json the
    speech build writes beside it): the bundle keeps them, so that its card describes what
    it learned from whatever the cache holds later. {} where there are none."""
    try:
        counts = json.loads((Path(data).parent / "counts.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: counts[k] for k in ("split", "engine") if k in counts} if "split" in counts else {}


def train_task(task: str, train: list[Example], dev: list[Example], out: str | Path,
               run_dir: str | Path, cfg: TrainConfig, device: torch.device,
               encoder: str | None = None, encoder_args: dict | None = None,
               decoder_args: dict | None = None, vocab: int | None = None,
               precision: str = "fp32", data_name: str = "",
               extra_config: dict | None = None, time_limit: float | None = None,
               ctc_weight: float | None = None,
               encoder_from: str | Path | None = None,
               init_from: str | Path | None = None) -> Path:
    """Train (or resume) one model. `encoder_from` starts only its encoder from other weights;
    `init_from` fine-tunes a whole bundle: its model, tokenizers and config."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    config_path = run_dir / "config.json"
    fresh = not (run_dir / "checkpoint.pt").exists()
    if init_from and not config_path.exists():
        config = adopt_bundle(task, init_from, run_dir)
        config.update(extra_config or {})
        config_path.write_text(json.dumps(config, indent=2))
    if cfg.guided_attention is None:  # the task's default, as for the CTC weight
        cfg = replace(cfg, guided_attention=DEFAULTS[task].get("guided_attention", 0.0))
    # A picture's prior is where its objects are; pictures without boxes have none.
    has_regions = any(e.regions for e in train)
    if TASKS[task] == "image" and not has_regions and cfg.guided_attention:
        print("guided attention left off: the training pictures have no object boxes")
        cfg = replace(cfg, guided_attention=0.0)
    total = len(train)
    train = [e for e in train if len(e.target) <= MAX_TRAIN_CHARS
             and (TASKS[task] != "text" or len(e.source) <= MAX_TRAIN_CHARS)]
    if len(train) < total:
        print(f"left out {total - len(train):,} of {total:,} training pairs longer than "
              f"{MAX_TRAIN_CHARS} characters")
    tokenizers = _tokenizers(task, train, run_dir, vocab or DEFAULTS[task]["vocab"])
    if config_path.exists():  # resuming: the model must be the one the checkpoint holds
        config = json.loads(config_path.read_text())
    else:
        config = make_config(task, tokenizers, encoder, encoder_args or {}, decoder_args or {},
                             ctc_weight)
        config.update(extra_config or {})
    torch.manual_seed(cfg.seed)  # the same command builds the same initial model
    model: EncoderDecoder = build_model(config)
    if encoder_from and fresh:
        print(f"encoder: {init_encoder(model, encoder_from)} tensors from {encoder_from}")
    if init_from and fresh:
        model = load_bundle(init_from)[0].train()
        print(f"fine-tuning {init_from}")
    if not config_path.exists():
        # The built encoder knows its input settings (image size and normalisation, sample
        # rate and mel settings); text encoders have none.
        config["preprocessing"] = getattr(model.encoder, "preprocessing", dict)()
        config_path.write_text(json.dumps(config, indent=2))
    prepare = Preprocessor(TASKS[task], config["preprocessing"], tokenizers.get("source"))
    sources, lengths = [e.source for e in train], [_input_size(task, e) for e in train]
    regions = [e.regions for e in train] if has_regions else None
    if TASKS[task] == "image" and has_frozen_part(model.encoder):
        # The frozen part never changes: run it once per picture, then train on its maps.
        features = grid_features(model.encoder.to(device), config["encoder"]["name"], prepare,
                                 sources, device)
        sources, lengths, prepare = list(range(len(sources))), None, GridFeatures(features)
    domains = None
    if cfg.balance != 1:
        domains = [domain_of(e.group) for e in train]
        natural = Counter(domains)
        print(f"sampling at temperature {cfg.balance}: " + ", ".join(
            f"{d} {100 * natural[d] / len(domains):.1f}% -> {100 * share:.1f}%"
            for d, share in domain_shares(domains, cfg.balance).items()))
    dataset = ExampleDataset(sources, [e.target for e in train], prepare, tokenizers["target"],
                             lengths, regions, domains)

    def evaluate(m: EncoderDecoder) -> float:
        pipe = Pipeline(m, config, tokenizers, device)
        hyps = [p.text for p in pipe.predict([e.source for e in dev], beam=1, batch_size=64)]
        return dev_score(task, hyps, [e.target for e in dev])

    trainer = Trainer(model, dataset, run_dir, cfg, device, evaluate if dev else None)
    trainer.resume()
    result = trainer.fit(time_limit=time_limit)
    best_score = result.best_score
    if result.averaged_score is not None:  # the weights are the average of the best few
        best_score = result.averaged_score
    config["metadata"] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "training": {"data": data_name, "examples": len(train), "dev_examples": len(dev),
                     "steps": result.steps, "seconds": round(result.seconds),
                     "hardware": describe(device), "batch_size": cfg.batch_size,
                     "guided_attention": cfg.guided_attention,
                     "stopped_early": result.stopped_early,
                     **({"fine_tuned_from": str(init_from)} if init_from else {}),
                     **({"averaged_snapshots": len(trainer.snapshots.scores())}
                        if result.averaged_score is not None else {})},
        "metrics": {} if best_score is None else {"dev_score": round(best_score, 2)},
        "parameters": model.num_parameters(),
        **({"corpus": corpus} if (corpus := corpus_counts(data_name)) else {}),
    }
    if init_from and (lm := read_config(init_from)[1].get("metadata", {}).get("lm")):
        config["metadata"]["lm"] = lm  # the language model rides along untouched: its record too
    model.cpu()
    return save_bundle(out, model, config, tokenizers, precision=precision,
                       card=model_card(Path(out).name, config))
