"""`average`: the weight average of bundles of one model, refused for different models."""

import json

import pytest
import torch
from helpers import ENGLISH, FRENCH, text_config

import multimodal
from multimodal.average import average_bundles
from multimodal.bundle import CONFIG_NAME, load_bundle, save_bundle
from multimodal.cli import main
from multimodal.errors import BundleError
from multimodal.model import build_model
from multimodal.tokenizer import Tokenizer


def _shifted(text_bundle, folder, shift: float):
    """The text bundle with every float weight moved by `shift`, and a made-up score."""
    model, config, toks = load_bundle(text_bundle, "cpu")
    with torch.no_grad():
        for p in model.parameters():
            p.add_(shift)
    config["metadata"] = {**config.get("metadata", {}), "metrics": {"dev_score": 99.0}}
    return save_bundle(folder, model, config, toks), model


def test_average_is_the_mean_and_forgets_the_scores_of_its_parts(text_bundle, tmp_path):
    a, model_a = _shifted(text_bundle, tmp_path / "a", 0.0)
    b, model_b = _shifted(text_bundle, tmp_path / "b", 0.5)
    out = average_bundles([a, b], tmp_path / "avg")
    averaged, config, _ = load_bundle(out, "cpu")
    for name, p in averaged.named_parameters():
        expected = (dict(model_a.named_parameters())[name]
                    + dict(model_b.named_parameters())[name]) / 2
        assert torch.allclose(p, expected, atol=1e-6), name
    assert config["metadata"]["averaged_bundles"] == [str(a), str(b)]
    assert "metrics" not in config["metadata"]


def test_a_bundle_averaged_with_itself_translates_as_before(text_bundle, tmp_path):
    assert main(["average", str(text_bundle), str(text_bundle), "--out",
                 str(tmp_path / "same"), "--precision", "int8"]) == 0
    config = json.loads((tmp_path / "same" / CONFIG_NAME).read_text())
    assert config["precision"] == "int8"
    pipe = multimodal.load(tmp_path / "same", "cpu")
    assert [p.text for p in pipe.predict(FRENCH)] == ENGLISH


def test_other_architectures_and_tokenizers_are_refused(text_bundle, tmp_path, capsys):
    _, config, toks = load_bundle(text_bundle, "cpu")
    wider = text_config(toks["source"], toks["target"], hidden_dim=96)
    save_bundle(tmp_path / "wider", build_model(wider), wider, toks)
    assert main(["average", str(text_bundle), str(tmp_path / "wider"),
                 "--out", str(tmp_path / "x")]) == 1
    assert "not the same model" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()

    other = {**toks, "target": Tokenizer.train([s.upper() for s in ENGLISH], 60)}
    model, _, _ = load_bundle(text_bundle, "cpu")
    save_bundle(tmp_path / "retok", model, config, other)
    with pytest.raises(BundleError, match="tokenizers differ"):
        average_bundles([text_bundle, tmp_path / "retok"], tmp_path / "y")
    with pytest.raises(BundleError, match="at least two"):
        average_bundles([text_bundle], tmp_path / "z")


def _run_with_snapshot(text_bundle, run, model, step=100):
    """A run folder as the trainer leaves it: config.json, tokenizers, snapshots/."""
    from safetensors.torch import save_file

    from multimodal.snapshots import plain_state

    _, config, toks = load_bundle(text_bundle, "cpu")
    (run / "snapshots").mkdir(parents=True)
    (run / "config.json").write_text(json.dumps(
        {k: v for k, v in config.items() if k not in ("tokenizers", "metadata")}))
    for role, tok in toks.items():
        tok.save(run / f"{role}.model")
    snapshot = run / "snapshots" / f"step{step:07d}.safetensors"
    save_file(plain_state(model), str(snapshot))
    return snapshot


def test_run_snapshots_average_alone_or_with_bundles(text_bundle, tmp_path):
    """A run's kept snapshots need no bundle: their run folder gives config and tokenizers."""
    _, model_b = _shifted(text_bundle, tmp_path / "b", 0.5)
    snapshot = _run_with_snapshot(text_bundle, tmp_path / "run", model_b)
    base = dict(load_bundle(text_bundle, "cpu")[0].named_parameters())
    for i, paths in enumerate(([snapshot, text_bundle], [text_bundle, snapshot])):
        out = average_bundles(paths, tmp_path / f"avg{i}")
        averaged = load_bundle(out, "cpu")[0]
        for name, p in averaged.named_parameters():
            expected = (base[name] + dict(model_b.named_parameters())[name]) / 2
            assert torch.allclose(p, expected, atol=1e-6), name
    assert main(["average", str(snapshot), str(snapshot), "--out", str(tmp_path / "two")]) == 0
    pipe = multimodal.load(tmp_path / "two", "cpu")
    assert len(pipe.predict(FRENCH)) == len(FRENCH)

    broken = tmp_path / "run" / "snapshots" / "broken.safetensors"
    broken.write_bytes(b"\x00" * 40)
    with pytest.raises(BundleError, match="not a run snapshot"):
        average_bundles([text_bundle, broken], tmp_path / "broken_out")
    _, _, toks = load_bundle(text_bundle, "cpu")
    wider = build_model(text_config(toks["source"], toks["target"], hidden_dim=96))
    other = _run_with_snapshot(text_bundle, tmp_path / "other", wider)
    with pytest.raises(BundleError, match="has shape"):
        average_bundles([text_bundle, other], tmp_path / "wider_out")
    (tmp_path / "other" / "config.json").write_text(json.dumps({"task": "translate"}))
    with pytest.raises(BundleError, match="does not describe a buildable model"):
        average_bundles([text_bundle, other], tmp_path / "unbuildable_out")
