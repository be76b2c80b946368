"""Image encoder options: pretrained weights offline, frozen trunks, fine-tuned top blocks."""

import pytest
import torch

from multimodal.encoders import build_encoder
from multimodal.errors import MultimodalError


def test_torchvision_pretrained_without_internet_fails_clearly(monkeypatch, tmp_path):
    def offline(*args, **kwargs):
        raise OSError("[Errno 101] Network is unreachable")

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no cached weights to fall back on
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    with pytest.raises(MultimodalError, match="need the internet"):
        build_encoder("resnet18", pretrained=True)


def test_frozen_lite0_trains_only_its_projection():
    encoder = build_encoder("efficientnet_lite0", d_model=16)
    trainable = {n for n, p in encoder.named_parameters() if p.requires_grad}
    assert trainable == {"proj.0.weight", "proj.0.bias"}
    encoder.train()
    assert not encoder.trunk.training  # BatchNorm statistics stay as pretrained
    prefixes = encoder.external_state_prefixes()  # the whole trunk comes from its package
    assert all(f"trunk.{k}".startswith(prefixes) for k in encoder.trunk.state_dict())


def test_fine_tuning_the_top_blocks():
    encoder = build_encoder("efficientnet_lite0", d_model=16, trainable_blocks=2)
    top = {id(p) for block in encoder.trainable for p in block.parameters()}
    assert len(encoder.trainable) == 2 and top
    for name, p in encoder.trunk.named_parameters():
        assert p.requires_grad == (id(p) in top), name
    encoder.train()
    assert all(block.training for block in encoder.trainable)
    # Only the fine-tuned blocks go into the bundle; the rest comes from the package.
    prefixes = encoder.external_state_prefixes()
    tuned = {id(t) for block in encoder.trainable
             for t in block.state_dict(keep_vars=True).values()}
    for key, tensor in encoder.trunk.state_dict(keep_vars=True).items():
        assert f"trunk.{key}".startswith(prefixes) == (id(tensor) not in tuned), key
    assert encoder.cut == 3 + 14  # stem, batch norm, activation, then blocks 0..13 are frozen
    x = torch.randn(2, 3, 64, 64)
    encoder(x).memory.sum().backward()
    assert all(p.grad is not None for block in encoder.trainable for p in block.parameters())


def test_fine_tuned_blocks_can_learn_slower_than_the_rest():
    from multimodal.model import build_model
    from multimodal.train import TrainConfig, Trainer

    model = build_model({"encoder": {"name": "efficientnet_lite0",
                                     "args": {"d_model": 16, "trainable_blocks": 2}},
                         "decoder": {"vocab_size": 20, "embed_dim": 8, "hidden_dim": 8}})
    groups = Trainer._param_groups(model, TrainConfig(lr=1e-3, trunk_lr_scale=0.1))
    tuned = {id(p) for block in model.encoder.trainable for p in block.parameters()}
    for group in groups:
        ids = {id(p) for p in group["params"]}
        assert ids <= tuned if group["lr"] < 1e-3 else not ids & tuned
    assert any(g["lr"] < 1e-3 and g["params"] for g in groups)
    in_groups = [id(p) for g in groups for p in g["params"]]
    trainable = [id(p) for p in model.parameters() if p.requires_grad]
    assert sorted(in_groups) == sorted(trainable)  # every trainable weight exactly once
    assert len(Trainer._param_groups(model, TrainConfig(lr=1e-3))) == 2  # one rate: as before
