"""How much object naming is within reach at all, on the same held-out pictures:

- would an ImageNet classifier (the same Lite0 weights) name the object among its top 1, 5
  or 10 labels? That is the visual knowledge the pretrained trunk brings;
- does a word of the object's name occur in any training caption? A captioner can only say
  words it has read, so this bounds its name hit rate from above."""

from __future__ import annotations

import numpy as np
import torch

from .data.caption.phrases import key_words, names_object, word_forms
from .tables import markdown_table

TOP_K = (1, 5, 10)


def caption_words(captions: list[str]) -> set[str]:
    """Every word the captions use, singular and plural (as `names_object` matches)."""
    return set().union(*map(word_forms, captions))


@torch.no_grad()
def imagenet_names(net, labels: list[str], pooled: np.ndarray, rows: list[dict]) -> dict:
    """{'top1': %, 'top5': %, 'top10': %} of the objects one of the top-k labels names."""
    logits = net._fc(torch.from_numpy(pooled).to(next(net.parameters()).device))
    top = logits.topk(max(TOP_K), dim=1).indices.tolist()
    return {f"top{k}": 100 * float(np.mean([any(names_object(labels[i], name) for i in t[:k])
                                            for t, row in zip(top, rows, strict=True)
                                            for name in row["names"]]))
            for k in TOP_K}


def seen_in_training(rows: list[dict], vocabulary: set[str]) -> float:
    """% of the objects with a name word that some training caption uses."""
    return 100 * float(np.mean([bool(key_words(name) & vocabulary)
                                for row in rows for name in row["names"]]))


def format_ceiling(table: list[dict]) -> str:
    """One line per held-out set, from the rows that carry the ceiling (the template's)."""
    rows = [r for r in table if "top1" in r]
    return markdown_table(
        ["held-out set", "ImageNet top-1 names it", "top-5", "top-10",
         "a name word is in the training captions"],
        [[r["set"]] + [f"{r[f'top{k}']:.0f}%" for k in TOP_K] + [f"{r['seen']:.0f}%"]
         for r in rows])
