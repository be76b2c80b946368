"""The names of the training objects a picture most likely shows, for the caption word prior.

The ImageNet head's labels name few of the objects a captioner meets for the first time,
but the training pictures know thousands of names, and an unseen object often looks like a
training picture of the same name (another drawing of an apple, another emoji of a cat).
The bank keeps every training object's name and a linear classifier over those names,
trained on the training pictures' pooled features from the pretrained trunk (the features
the retrieval baseline compares); a scene of two or three objects teaches each of their
names with an equal share. At inference the five likeliest names join the word prior,
each with `share x p(name)` as its probability (capped at 1).

A classifier learns which feature directions tell names apart, where nearest pictures
weigh all 1,280 alike: on dev its top 5 names a single object more often than the five
nearest pictures did (40% against 36%), and as a low-rank product (1,280 -> 352 -> names,
int8) it fits the weights budget with every training picture behind it, where the earlier
bank of nearest pictures could keep only two views per object
(docs/experiments/caption-name-classifier.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from .bundle import restore_tensors, store_tensor
from .errors import BundleError

BANK_NAME = "name_bank.safetensors"
LIKELIEST = 5  # the names that join the prior; the tail is noise
RANK = 352  # 128 lost points of top 1 on dev, the full 1,280 gained none
# Unit-length features times this: logits in a range a softmax can be sure with.
FEATURE_SCALE = 10.0
EPOCHS = 20
# Heavy smoothing: most unseen objects are none of the training names, so a classifier
# that keeps some doubt ranks the right one first more often (docs/experiments/
# caption-name-classifier.md, caption-art4apps.md).
LABEL_SMOOTHING = 0.5
KEYS = ("down", "out", "bias")


def _as_stored(matrix: torch.Tensor) -> torch.Tensor:
    """The matrix as int8 storage gives it back, so a built bank and its saved copy agree."""
    return restore_tensors(store_tensor("m", matrix, "int8"))["m"].float()  # tiny ones stay fp16


def _inputs(pooled: torch.Tensor) -> torch.Tensor:
    return F.normalize(pooled.float(), dim=-1) * FEATURE_SCALE


def _logits(x: torch.Tensor, down: torch.Tensor, out: torch.Tensor,
            bias: torch.Tensor) -> torch.Tensor:
    """The classifier's one forward, for training and inference alike (F.linear, as the
    shipped bank was trained with: another matmul order moves its last bits)."""
    return F.linear(F.linear(x, down), out, bias)


class NameBank:
    def __init__(self, down: torch.Tensor, out: torch.Tensor, bias: torch.Tensor,
                 names: list[str]):
        self.down = down.float()  # [rank, C]
        self.out = out.float()  # [names, rank]
        self.bias = bias.float()  # [names]
        self.names = names

    @classmethod
    def build(cls, pooled: np.ndarray, names: list[list[str]], rank: int = RANK,
              epochs: int = EPOCHS, seed: int = 0) -> NameBank:
        """Pooled features [N, C] of training pictures and the names of the objects each
        shows -> a bank whose classifier was trained on them (AdamW, label smoothing, a
        fixed seed). A scene's target shares its mass among its objects' names."""
        vocabulary = sorted({n for picture in names for n in picture})
        index = {n: i for i, n in enumerate(vocabulary)}
        x = _inputs(torch.from_numpy(np.asarray(pooled, dtype=np.float32)))
        y = torch.zeros(len(names), len(vocabulary))
        for row, picture in enumerate(names):
            for name in picture:
                y[row, index[name]] += 1 / len(picture)
        generator = torch.Generator().manual_seed(seed)  # the global RNG is left alone

        def weight(rows: int, cols: int) -> torch.Tensor:
            return (torch.randn(rows, cols, generator=generator) * cols ** -0.5).requires_grad_()

        down, out = weight(rank, x.shape[1]), weight(len(vocabulary), rank)
        bias = torch.zeros(len(vocabulary), requires_grad=True)
        optimiser = torch.optim.AdamW([down, out, bias], lr=1e-3, weight_decay=1e-4)
        loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=LABEL_SMOOTHING)
        for _ in tqdm(range(epochs), desc="name classifier", unit="epoch"):
            for batch in torch.randperm(len(x), generator=generator).split(256):
                optimiser.zero_grad()
                loss_fn(_logits(x[batch], down, out, bias), y[batch]).backward()
                optimiser.step()
        with torch.no_grad():
            return cls(_as_stored(down), _as_stored(out), bias.half().float(), vocabulary)

    def save(self, bundle: str | Path) -> Path:
        """int8 rows as bundles store matrices (one scale each), the bias in fp16."""
        state = {}
        for key in KEYS:
            state.update(store_tensor(key, getattr(self, key), "int8"))
        path = Path(bundle) / BANK_NAME
        save_file({k: v.contiguous() for k, v in state.items()}, str(path),
                  metadata={"names": json.dumps(self.names)})
        return path

    @classmethod
    def load(cls, bundle: str | Path) -> NameBank | None:
        """The bundle's bank, or None where it has none."""
        path = Path(bundle) / BANK_NAME
        if not path.exists():
            return None
        try:
            with safe_open(str(path), "pt") as f:
                names = json.loads(f.metadata()["names"])
            t = restore_tensors(load_file(str(path)))
        except Exception as err:  # a cut or foreign file: say which, never guess
            raise BundleError(f"{path}: the name bank is corrupt ({err})") from None
        if "features" in t:  # the bank of nearest pictures that came before the classifier
            raise BundleError(f"{path}: a name bank of an older format (nearest pictures); "
                              f"rebuild it with `python -m multimodal name-bank --weights "
                              f"{Path(bundle)}`")
        shapes_agree = all(k in t for k in KEYS) and t["down"].dim() == t["out"].dim() == 2 \
            and t["out"].shape == (len(names), len(t["down"])) and t["bias"].shape == (len(names),)
        if not shapes_agree:
            raise BundleError(f"{path}: the name bank is corrupt (it lacks {KEYS} or its "
                              "names and classifier disagree)")
        return cls(t["down"], t["out"], t["bias"], names)

    def likely_names(self, pooled: torch.Tensor, k: int = LIKELIEST) -> list[dict[int, float]]:
        """Pooled features [B, C] -> per input, {name index: its probability} for the k
        likeliest names."""
        logits = _logits(_inputs(pooled.cpu()), self.down, self.out, self.bias)
        probs, top = logits.softmax(-1).topk(min(k, len(self.names)), dim=-1)
        return [dict(zip(t, p, strict=True)) for t, p in zip(top.tolist(), probs.tolist(),
                                                              strict=True)]


def build_from_corpus(device: torch.device) -> tuple[NameBank, int]:
    """The bank of the caption corpus's training pictures (`data caption`), from the
    trunk-feature cache that training and `evaluate` fill; and how many pictures trained it."""
    from .caption_eval import Lite0Baselines, corpus_dir, read_rows
    from .data.readers import read_manifest

    rows = read_rows(corpus_dir() / "train.jsonl")
    feats, _ = Lite0Baselines(device).train_memory()  # one row per train.tsv picture
    if [e.source for e in read_manifest(corpus_dir() / "train.tsv")] != [r["path"] for r in rows]:
        raise BundleError("train.tsv and train.jsonl of the caption corpus disagree: "
                          "rebuild it with `python -m multimodal data caption`")
    return NameBank.build(feats, [row["names"] for row in rows]), len(rows)
