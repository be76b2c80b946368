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
    assert encoder.external_state_prefixes() == ("trunk.",)


def test_fine_tuning_the_top_blocks():
    encoder = build_encoder("efficientnet_lite0", d_model=16, trainable_blocks=2)
    top = {id(p) for block in encoder.trainable for p in block.parameters()}
    assert len(encoder.trainable) == 2 and top
    for name, p in encoder.trunk.named_parameters():
        assert p.requires_grad == (id(p) in top), name
    encoder.train()
    assert all(block.training for block in encoder.trainable)
    assert encoder.external_state_prefixes() == ()  # fine-tuned weights go into the bundle
    x = torch.randn(2, 3, 64, 64)
    encoder(x).memory.sum().backward()
    assert all(p.grad is not None for block in encoder.trainable for p in block.parameters())
