"""How much naming is within reach: ImageNet top-k names and words the training captions use."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from multimodal.caption_ceiling import (
    caption_words,
    format_ceiling,
    imagenet_names,
    seen_in_training,
)


def test_a_name_is_reachable_only_through_words_the_captions_use():
    vocabulary = caption_words(["A brown hen to the left of a red car.", "Two owls."])
    assert {"hen", "hens", "owl", "owls", "car"} <= vocabulary
    rows = [{"names": ["hen"]}, {"names": ["owl", "koala"]}, {"names": ["green tractor"]}]
    assert seen_in_training(rows, vocabulary) == pytest.approx(100 * 2 / 4)


class _Classifier(torch.nn.Module):
    """Pooled features are already the logits: class i wins where feature i is largest."""

    def __init__(self, classes: int):
        super().__init__()
        self._fc = torch.nn.Linear(classes, classes, bias=False)
        with torch.no_grad():
            self._fc.weight.copy_(torch.eye(classes))


def test_imagenet_names_counts_an_object_named_among_the_top_labels():
    labels = ["tabby cat", "koala", "sports car", "hen", "ox", "owl", "tree frog", "barn",
              "pizza", "kite", "tractor"]
    net = _Classifier(len(labels))
    ranked = np.zeros((2, len(labels)), dtype=np.float32)
    ranked[0, [3, 0, 1]] = [3, 2, 1]  # hen first: named at top 1
    ranked[1, [0, 2, 4, 5, 6, 1]] = [6, 5, 4, 3, 2, 1]  # koala sixth: only within top 10
    rows = [{"names": ["hen"]}, {"names": ["koala"]}]
    assert imagenet_names(net, labels, ranked, rows) == {"top1": 50.0, "top5": 50.0,
                                                         "top10": 100.0}
    text = format_ceiling([{"set": "held-out single objects", "system": "template",
                            "top1": 50.0, "top5": 50.0, "top10": 100.0, "seen": 75.0},
                           {"set": "held-out single objects", "system": "ours"}])
    assert "| held-out single objects | 50% | 50% | 100% | 75% |" in text
