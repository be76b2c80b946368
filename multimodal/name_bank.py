"""The names of the training pictures nearest to an input, for the caption word prior.

The ImageNet head's labels name few of the objects a captioner meets for the first time,
but the training pictures know thousands of names, and an unseen object often looks like a
training picture of the same name (another drawing of an apple, another emoji of a cat).
The bank keeps single-object training pictures' pooled features from the pretrained trunk
(the features the retrieval baseline compares) and each one's object name; at inference
the names of the K nearest pictures join the word prior, each with `share x (its votes /
K)` as its probability (capped at 1).

To fit the weights budget the bank keeps two views of each object, in few dimensions:
projected on the top singular vectors of the bank itself (uncentred, so dot products, and
with them cosines, survive), then int8. On dev, 128 dimensions kept the gain of the full
1,280 (docs/experiments/caption-retrieval-prior.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from .bundle import restore_tensors, store_tensor
from .errors import BundleError

BANK_NAME = "name_bank.safetensors"
NEAREST = 5  # the pictures that vote; more dilutes the votes of the right name
DIMENSIONS = 128
# Two views of each training object: 1.2 MB, what the weights budget leaves (all 10,760
# single-object pictures: about 1.6 MB, for half a CIDEr-D point on dev)
PICTURES_PER_OBJECT = 2


def _as_stored(matrix: torch.Tensor) -> torch.Tensor:
    """The matrix as int8 storage gives it back, so a built bank and its saved copy agree."""
    return restore_tensors(store_tensor("m", matrix, "int8"))["m"].float()  # tiny ones stay fp16


class NameBank:
    def __init__(self, projection: torch.Tensor, features: torch.Tensor, name_ids: torch.Tensor,
                 names: list[str]):
        self.projection = projection.float()  # [C, d]
        self.features = torch.nn.functional.normalize(features.float(), dim=1)  # [N, d]
        self.name_ids, self.names = name_ids.long(), names

    @classmethod
    def build(cls, pooled: np.ndarray, names: list[str], dimensions: int = DIMENSIONS) -> NameBank:
        """Pooled features [N, C] of training pictures and each one's object name."""
        feats = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        _, _, vt = np.linalg.svd(feats, full_matrices=False)
        projection = _as_stored(torch.from_numpy(vt[:dimensions].copy()).float()).T  # [C, d]
        features = _as_stored(torch.from_numpy(feats).float() @ projection)
        vocabulary = sorted(set(names))
        index = {n: i for i, n in enumerate(vocabulary)}
        return cls(projection, features, torch.tensor([index[n] for n in names]), vocabulary)

    def save(self, bundle: str | Path) -> Path:
        """int8 rows as bundles store matrices: the features, and the projection by its
        output dimensions (one scale each)."""
        state = {"name_ids": self.name_ids.to(torch.int16)}
        state.update(store_tensor("projection_t", self.projection.T.contiguous(), "int8"))
        state.update(store_tensor("features", self.features, "int8"))
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
            return cls(t["projection_t"].T, t["features"], t["name_ids"], names)
        except Exception as err:  # a cut or foreign file: say which, never guess
            raise BundleError(f"{path}: the name bank is corrupt ({err})") from None

    def nearest(self, pooled: torch.Tensor, k: int = NEAREST) -> list[dict[int, float]]:
        """Pooled features [B, C] -> per input, {name index: its share of the k nearest
        pictures}."""
        query = torch.nn.functional.normalize(pooled.float().cpu() @ self.projection, dim=1)
        top = (query @ self.features.T).topk(min(k, len(self.features)), dim=1).indices
        out = []
        for row in self.name_ids[top].tolist():
            votes: dict[int, float] = {}
            for i in row:
                votes[i] = votes.get(i, 0.0) + 1 / len(row)
            out.append(votes)
        return out


def build_from_corpus(device: torch.device) -> NameBank:
    """The bank of the caption corpus's single-object training pictures (`data caption`),
    from the trunk-feature cache that training and `evaluate` fill."""
    from .caption_eval import Lite0Baselines, corpus_dir, read_rows
    from .data.readers import read_manifest

    rows = read_rows(corpus_dir() / "train.jsonl")
    feats, _ = Lite0Baselines(device).train_memory()  # one row per train.tsv picture
    if [e.source for e in read_manifest(corpus_dir() / "train.tsv")] != [r["path"] for r in rows]:
        raise BundleError("train.tsv and train.jsonl of the caption corpus disagree: "
                          "rebuild it with `python -m multimodal data caption`")
    views: dict[str, int] = {}
    keep = []
    for i, row in enumerate(rows):
        if row["kind"] == "single" and views.get(row["objects"][0], 0) < PICTURES_PER_OBJECT:
            views[row["objects"][0]] = views.get(row["objects"][0], 0) + 1
            keep.append(i)
    return NameBank.build(feats[keep], [rows[i]["names"][0] for i in keep])
