"""Tiny models, data and training shared by the tests: real training on CPU in seconds."""

from __future__ import annotations

import numpy as np
import soundfile
import torch
from PIL import Image, ImageDraw

from multimodal.tokenizer import Tokenizer
from multimodal.train import ExampleDataset, TrainConfig, Trainer

FRENCH = ["Le chat noir dort.", "Il pleut beaucoup aujourd'hui.", "Nous mangeons du pain.",
          "La voiture rouge est rapide.", "Ma soeur lit un livre."]
ENGLISH = ["The black cat sleeps.", "It rains a lot today.", "We eat bread.",
           "The red car is fast.", "My sister reads a book."]
CAPTIONS = ["a red circle", "a blue square on the left", "a green triangle",
            "two yellow stripes"]
TRANSCRIPTS = ["hello world", "good morning", "turn left now", "seven eight nine"]


def tiny_decoder(vocab_size: int) -> dict:
    return {"vocab_size": vocab_size, "embed_dim": 32, "hidden_dim": 64, "num_layers": 2,
            "attention_dim": 32, "dropout": 0.0}


def text_config(source: Tokenizer, target: Tokenizer, **decoder) -> dict:
    return {"task": "translate",
            "encoder": {"name": "birnn", "args": {"vocab_size": len(source), "d_model": 64,
                                                  "embed_dim": 32, "num_layers": 1,
                                                  "dropout": 0.0}},
            "decoder": {**tiny_decoder(len(target)), **decoder}, "preprocessing": {},
            "search": {"beam": 3, "max_len_a": 1.5, "max_len_b": 10}}


def fit(model, sources, targets, prepare, target_tok, run_dir, steps, lr=1e-2, regions=None,
        device="cpu", **cfg):
    dataset = ExampleDataset(sources, targets, prepare, target_tok, regions=regions)
    config = TrainConfig(steps=steps, batch_size=len(sources), lr=lr, warmup=10,
                         label_smoothing=0.0, checkpoint_every=10_000, progress=False, **cfg)
    return Trainer(model, dataset, run_dir, config, torch.device(device)).fit()


# Where draw_shapes draws each shape: x0, y0, x1, y1 as shares of the 96-pixel side.
SHAPE_BOXES = [(20 / 96, 20 / 96, 76 / 96, 76 / 96), (4 / 96, 30 / 96, 40 / 96, 66 / 96),
               (10 / 96, 10 / 96, 86 / 96, 86 / 96), (0.0, 20 / 96, 1.0, 75 / 96)]


def draw_shapes(folder) -> list[str]:
    """Four clearly different pictures, one per caption in CAPTIONS."""
    paths = []
    for i, (colour, shape) in enumerate([("red", "circle"), ("blue", "square"),
                                         ("green", "triangle"), ("yellow", "stripes")]):
        img = Image.new("RGB", (96, 96), "white")
        d = ImageDraw.Draw(img)
        if shape == "circle":
            d.ellipse((20, 20, 76, 76), fill=colour)
        elif shape == "square":
            d.rectangle((4, 30, 40, 66), fill=colour)
        elif shape == "triangle":
            d.polygon([(48, 10), (86, 86), (10, 86)], fill=colour)
        else:
            d.rectangle((0, 20, 96, 35), fill=colour)
            d.rectangle((0, 60, 96, 75), fill=colour)
        path = folder / f"shape{i}.png"
        img.save(path)
        paths.append(str(path))
    return paths


def write_sounds(folder) -> list[str]:
    """Four distinct half-second signals (tones, chirp, pulses), one per TRANSCRIPTS line."""
    rate, t = 16000, np.arange(8000) / 16000
    signals = [np.sin(2 * np.pi * 300 * t), np.sin(2 * np.pi * (200 + 1800 * t) * t),
               np.sin(2 * np.pi * 1200 * t) * (np.sin(2 * np.pi * 6 * t) > 0),
               np.sign(np.sin(2 * np.pi * 90 * t)) * 0.5]
    paths = []
    for i, signal in enumerate(signals):
        path = folder / f"sound{i}.wav"
        soundfile.write(path, (0.5 * signal).astype(np.float32), rate)
        paths.append(str(path))
    return paths


def untrained_bundles(folder, name: str = "tiny", notes: str | None = None) -> dict:
    """Caption and transcribe bundles with random weights: {task: folder/<task>-<name>}."""
    from multimodal.bundle import save_bundle
    from multimodal.model import build_model

    target = Tokenizer.train(CAPTIONS + TRANSCRIPTS, 40)
    configs = {
        "caption": {"task": "caption", "encoder": {"name": "resnet18", "args": {"d_model": 32}},
                    "preprocessing": {"image_size": 64, "mean": [0.5] * 3, "std": [0.5] * 3}},
        "transcribe": {"task": "transcribe",
                       "encoder": {"name": "cnn_bilstm",
                                   "args": {"d_model": 32, "conv_channels": 8,
                                            "lstm_layers": 1}},
                       "preprocessing": {"sample_rate": 16000}},
    }
    paths = {}
    torch.manual_seed(0)  # the same random weights whatever ran before
    for task, config in configs.items():
        config = {**config, "decoder": tiny_decoder(len(target)),
                  "search": {"beam": 2, "max_len_b": 5},
                  **({"metadata": {"notes": notes}} if notes else {})}
        paths[task] = save_bundle(folder / f"{task}-{name}", build_model(config).eval(), config,
                                  {"target": target})
    return paths


def lite0_caption_bundle(folder, word_prior: float = 0.0):
    """An untrained caption bundle on the pretrained Lite0 trunk, whose ImageNet head gives
    the search its word prior (`word_prior` its weight in the bundle's search settings)."""
    from multimodal.bundle import save_bundle
    from multimodal.model import build_model

    torch.manual_seed(0)
    target = Tokenizer.train(CAPTIONS * 3, 30)
    config = {"task": "caption", "encoder": {"name": "efficientnet_lite0", "args": {"d_model": 16}},
              "decoder": tiny_decoder(len(target)),
              "preprocessing": {"image_size": 64, "mean": [0.5] * 3, "std": [0.5] * 3},
              "search": {"beam": 2, "max_len_b": 6, "word_prior": word_prior}}
    return save_bundle(folder / "caption-lite0", build_model(config).eval(), config,
                       {"target": target})
