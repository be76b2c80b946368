"""Session fixtures: tiny bundles trained (or built) once for all tests."""

from __future__ import annotations

import tempfile

import pytest
import torch
from helpers import ENGLISH, FRENCH, fit, text_config
from helpers import untrained_bundles as make_untrained_bundles

from multimodal.bundle import save_bundle
from multimodal.model import build_model
from multimodal.preprocess import Preprocessor
from multimodal.tokenizer import Tokenizer


@pytest.fixture(scope="session", autouse=True)
def private_tempdir(tmp_path_factory):
    """Temporary files go under pytest's own base folder, which pytest prunes: gradio's
    client leaves an empty folder in the system's temp for every file it downloads."""
    tempfile.tempdir = str(tmp_path_factory.mktemp("tmp"))
    yield
    tempfile.tempdir = None


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
    return make_untrained_bundles(tmp_path_factory.mktemp("bundles"))
