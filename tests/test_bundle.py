"""Bundles: exact round trips, fp16, external backbones, and clear errors for bad files."""

import json
import pickle
import shutil

import pytest
import torch
from app_helpers import SHIPPED
from helpers import CAPTIONS, ENGLISH, FRENCH, tiny_decoder
from safetensors.torch import load_file

import multimodal
from multimodal.bundle import WEIGHTS_NAME, load_bundle, save_bundle
from multimodal.errors import BundleError
from multimodal.model import build_model
from multimodal.search import SearchOptions
from multimodal.tokenizer import Tokenizer


def test_round_trip_gives_identical_outputs(text_bundle, tmp_path):
    model, config, toks = load_bundle(text_bundle, "cpu")
    again = save_bundle(tmp_path / "again", model, config, toks)
    pipe_a, pipe_b = multimodal.load(text_bundle, "cpu"), multimodal.load(again, "cpu")
    a, b = pipe_a.predict(FRENCH, beam=3), pipe_b.predict(FRENCH, beam=3)
    assert [p.text for p in a] == [p.text for p in b] == ENGLISH
    assert [p.score for p in a] == [p.score for p in b]
    for x, y in zip(a, b, strict=True):
        assert (x.attention == y.attention).all()
    state_a, state_b = pipe_a.model.state_dict(), pipe_b.model.state_dict()
    assert all(torch.equal(state_a[k], state_b[k]) for k in state_a)


@pytest.mark.parametrize("precision, ratio", [("fp16", 0.55), ("int8", 0.4)])
def test_smaller_precisions_keep_outputs(text_bundle, tmp_path, precision, ratio):
    model, config, toks = load_bundle(text_bundle, "cpu")
    small = save_bundle(tmp_path / precision, model, config, toks, precision=precision)
    size = (small / WEIGHTS_NAME).stat().st_size
    assert size < ratio * (text_bundle / WEIGHTS_NAME).stat().st_size
    pipe = multimodal.load(small, "cpu")
    assert next(pipe.model.parameters()).dtype == torch.float32
    assert [p.text for p in pipe.predict(FRENCH)] == ENGLISH
    original = dict(model.named_parameters())
    for name, p in pipe.model.named_parameters():  # int8 rows: error within half a step
        step = original[name].abs().amax(-1, keepdim=True) / 127 if p.dim() == 2 else 1e-3
        assert ((p - original[name]).abs() <= step * 0.51 + 1e-3).all(), name


def test_frozen_pretrained_backbone_is_not_stored(tmp_path):
    target = Tokenizer.train(CAPTIONS, 30)
    config = {"task": "caption", "encoder": {"name": "efficientnet_lite0",
                                             "args": {"d_model": 32}},
              "decoder": tiny_decoder(len(target)),
              "preprocessing": {"image_size": 64, "mean": [0.5] * 3, "std": [0.5] * 3}}
    model = build_model(config).eval()
    path = save_bundle(tmp_path / "cap", model, config, {"target": target})
    assert (path / WEIGHTS_NAME).stat().st_size < 1_000_000  # the 4.7M-parameter trunk stays out
    loaded, _, _ = load_bundle(path)
    images = torch.randn(2, 3, 64, 64)
    options = SearchOptions(beam=2, max_len_b=6)
    a, b = model.generate(images, None, options), loaded.generate(images, None, options)
    assert [h[0].tokens for h in a] == [h[0].tokens for h in b]


def test_fine_tuned_blocks_are_stored_and_the_rest_comes_from_the_package(tmp_path):
    target = Tokenizer.train(CAPTIONS, 30)
    config = {"task": "caption", "encoder": {"name": "efficientnet_lite0",
                                             "args": {"d_model": 32, "trainable_blocks": 2}},
              "decoder": tiny_decoder(len(target)),
              "preprocessing": {"image_size": 64, "mean": [0.5] * 3, "std": [0.5] * 3}}
    model = build_model(config).eval()
    with torch.no_grad():  # as if fine-tuned: the package's values are gone
        for block in model.encoder.trainable:
            for p in block.parameters():
                p.add_(0.01 * torch.randn_like(p))
    path = save_bundle(tmp_path / "cap", model, config, {"target": target})
    stored = load_file(str(path / WEIGHTS_NAME))
    trunk_keys = {k.split(".")[2] for k in stored if k.startswith("encoder.trunk.")}
    assert trunk_keys == {"17", "18"}  # blocks 14 and 15, nothing else of the trunk
    loaded, _, _ = load_bundle(path)
    restored = loaded.state_dict()
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, restored[name]), name
    # int8: the tuned blocks' 1x1 convolutions are stored as int8 rows, one scale per
    # output channel, and come back within half a step; the rest stays fp16.
    small = save_bundle(tmp_path / "int8", model, config, {"target": target}, precision="int8")
    stored = load_file(str(small / WEIGHTS_NAME))
    pointwise = "encoder.trunk.17._expand_conv.weight"
    assert stored[pointwise].dtype == torch.int8 and stored[pointwise].dim() == 4
    assert stored["encoder.trunk.17._depthwise_conv.weight"].dtype == torch.float16
    restored = load_bundle(small)[0].state_dict()
    original = model.state_dict()[pointwise]
    step = original.flatten(1).abs().amax(1).view(-1, 1, 1, 1) / 127
    assert ((restored[pointwise] - original).abs() <= step * 0.51 + 1e-4).all()


def test_missing_and_foreign_bundles(text_bundle, tmp_path):
    with pytest.raises(BundleError, match="no such model bundle"):
        multimodal.load(tmp_path / "nowhere", "cpu")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleError, match="config.json is missing"):
        multimodal.load(tmp_path / "empty", "cpu")


def _copy(text_bundle, tmp_path, name="b"):
    return shutil.copytree(text_bundle, tmp_path / name)


@pytest.mark.parametrize("config_text, message", [
    ("{not json", "not valid JSON"),
    ('{"task": "translate"}', "not a multimodal bundle config"),
    ('{"format_version": 99, "task": "translate", "encoder": {}, "decoder": {}}', "newer"),
    ('{"format_version": 1, "task": "dance", "encoder": {}, "decoder": {}}', "unknown task"),
])
def test_broken_config(text_bundle, tmp_path, config_text, message):
    path = _copy(text_bundle, tmp_path)
    (path / "config.json").write_text(config_text)
    with pytest.raises(BundleError, match=message):
        multimodal.load(path, "cpu")


def test_config_that_does_not_match_the_weights(text_bundle, tmp_path):
    path = _copy(text_bundle, tmp_path)
    config = json.loads((path / "config.json").read_text())
    config["decoder"]["hidden_dim"] = 48
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(BundleError, match="shape"):
        multimodal.load(path, "cpu")
    config["encoder"]["name"] = "no_such_encoder"
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(BundleError, match="unknown encoder"):
        multimodal.load(path, "cpu")


class _Exploit:
    def __reduce__(self):
        return (open, ("/tmp/multimodal-unpickled-marker", "w"))


def test_corrupt_or_pickled_weights_are_refused_without_unpickling(text_bundle, tmp_path):
    marker = "/tmp/multimodal-unpickled-marker"
    shutil.rmtree(marker, ignore_errors=True)
    path = _copy(text_bundle, tmp_path)
    weights = path / WEIGHTS_NAME
    weights.write_bytes(pickle.dumps({"w": _Exploit()}))
    with pytest.raises(BundleError, match="corrupt or not a safetensors"):
        multimodal.load(path, "cpu")
    import os
    assert not os.path.exists(marker)
    weights.write_bytes(b"\x00" * 5)
    with pytest.raises(BundleError, match="corrupt"):
        multimodal.load(path, "cpu")
    weights.unlink()
    with pytest.raises(BundleError, match="missing"):
        multimodal.load(path, "cpu")


def test_broken_tokenizer(text_bundle, tmp_path):
    path = _copy(text_bundle, tmp_path)
    (path / "target.model").write_bytes(b"garbage")
    with pytest.raises(BundleError, match="tokenizer"):
        multimodal.load(path, "cpu")


def test_long_text_is_translated_sentence_by_sentence(text_bundle):
    pipe = multimodal.load(text_bundle, "cpu")
    alone = pipe.predict(FRENCH)
    [joined] = pipe.predict([" ".join(FRENCH)])
    assert joined.text == " ".join(ENGLISH)  # every sentence decoded on its own, none cut
    assert joined.tokens == [t for p in alone for t in p.tokens]
    assert joined.source_tokens == [t for p in alone for t in p.source_tokens]
    # block-diagonal attention: each output piece looks only inside its own sentence
    r = c = 0
    for p in alone:
        rows, cols = p.attention.shape
        assert (joined.attention[r:r + rows, c:c + cols] == p.attention).all()
        assert joined.attention[r:r + rows].sum() == pytest.approx(rows, abs=1e-4)
        r, c = r + rows, c + cols
    [many] = pipe.predict([" ".join(FRENCH * 100)], beam=1, batch_size=128)
    assert many.text == " ".join(ENGLISH * 100)


def test_the_shipped_weights_stay_within_their_budget():
    """DESIGN.md: `weights/` under 40 MB in total, so clones and device copies stay quick."""
    files = [f for f in SHIPPED.rglob("*") if f.is_file()]
    assert files and sum(f.stat().st_size for f in files) < 40_000_000
