"""Session fixtures: tiny bundles trained (or built) once for all tests."""

from __future__ import annotations

import pytest
import torch
from helpers import CAPTIONS, ENGLISH, FRENCH, TRANSCRIPTS, fit, text_config, tiny_decoder

from multimodal.bundle import save_bundle
from multimodal.model import build_model
from multimodal.preprocess import Preprocessor
from multimodal.tokenizer import Tokenizer


@pytest.fixture(scope="session")
def text_bundle(tmp_path_factory):
    """A translate bundle trained to reproduce ENGLISH from FRENCH exactly."""
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("text")
    source, target = Tokenizer.train(FRENCH, 60), Tokenizer.train(ENGLISH, 60)
    config = text_config(source, target)
    model = build_model(config)
    fit(model, FRENCH, ENGLISH, Preprocessor("text", {}, source), target, folder / "run", 150)
    return save_bundle(folder / "translate-tiny", model, config,
                       {"source": source, "target": target})


@pytest.fixture(scope="session")
def untrained_bundles(tmp_path_factory):
    """Caption and transcribe bundles with random weights, for input-handling tests."""
    folder = tmp_path_factory.mktemp("bundles")
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
    for task, config in configs.items():
        config = {**config, "decoder": tiny_decoder(len(target)),
                  "search": {"beam": 2, "max_len_b": 5}}
        paths[task] = save_bundle(folder / f"{task}-tiny", build_model(config).eval(), config,
                                  {"target": target})
    return paths
