"""The GPU path, where there is one (skipped elsewhere; CI has none): the shipped bundles
say the same on CUDA as on CPU, training runs there under bf16 autocast, and a bundle
trained on the GPU says the same on the CPU."""

from pathlib import Path

import pytest
import torch
from helpers import ENGLISH, FRENCH, fit, text_config

import multimodal
from multimodal.bundle import save_bundle
from multimodal.model import build_model
from multimodal.preprocess import Preprocessor
from multimodal.tokenizer import Tokenizer
from multimodal.train import ExampleDataset, TrainConfig, Trainer

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NAMES = ["horse", "koala", "beaver"]
SHIPPED = {
    "caption-lite0": [str(EXAMPLES / f"{n}.png") for n in NAMES],
    "caption-mobilenet-scratch": [str(EXAMPLES / f"{n}.png") for n in NAMES],
    "transcribe-cnn_bilstm": [str(EXAMPLES / f"{n}.ogg") for n in NAMES],
    "translate-birnn": [(EXAMPLES / f"{n}.fr.txt").read_text().strip() for n in NAMES]
    + ["Le chat noir dort sur le canapé pendant que les enfants jouent dans le jardin."],
}


@pytest.mark.parametrize("bundle", sorted(SHIPPED))
def test_shipped_bundle_says_the_same_on_cuda_as_on_cpu(bundle):
    inputs = SHIPPED[bundle]
    cpu = multimodal.load(ROOT / "weights" / bundle, "cpu").predict(inputs)
    cuda = multimodal.load(ROOT / "weights" / bundle, "cuda").predict(inputs)
    # inference runs in full fp32 on both (multimodal.devices.full_precision)
    assert [p.text for p in cuda] == [p.text for p in cpu]
    for a, b in zip(cpu, cuda, strict=True):
        assert abs(a.score - b.score) < 1e-3, (a.text, a.score, b.score)
        assert b.attention.shape == a.attention.shape


def test_training_on_cuda_learns_and_its_bundle_loads_on_cpu(tmp_path):
    torch.manual_seed(0)
    source, target = Tokenizer.train(FRENCH, 60), Tokenizer.train(ENGLISH, 60)
    config = text_config(source, target)
    model = build_model(config)
    fit(model, FRENCH, ENGLISH, Preprocessor("text", {}, source), target, tmp_path / "run",
        300, device="cuda")
    assert next(model.parameters()).device.type == "cuda"
    saved = save_bundle(tmp_path / "translate-gpu", model, config,
                        {"source": source, "target": target})
    on_cpu = multimodal.load(saved, "cpu").predict(FRENCH, beam=3)
    on_cuda = multimodal.load(saved, "cuda").predict(FRENCH, beam=3)
    assert [p.text for p in on_cpu] == [p.text for p in on_cuda] == ENGLISH



def test_a_run_on_cuda_resumes_from_its_checkpoint(tmp_path):
    """The first GPU session found resuming broken there: the checkpoint's RNG states were
    read onto the GPU, and torch.set_rng_state takes CPU tensors only."""
    source, target = Tokenizer.train(FRENCH, 60), Tokenizer.train(ENGLISH, 60)
    config = text_config(source, target)
    data = ExampleDataset(FRENCH, ENGLISH, Preprocessor("text", {}, source), target)
    settings = TrainConfig(steps=20, batch_size=2, lr=5e-3, warmup=3, progress=False,
                           checkpoint_every=5)

    def trainer():
        torch.manual_seed(0)
        return Trainer(build_model(config), data, tmp_path / "run", settings,
                       torch.device("cuda"))

    trainer().fit(until=10)
    again = trainer()
    assert again.resume() and again.step == 10
    assert again.fit().steps == 20
