"""Caption scores on held-out objects, next to two baselines on the very same pictures.

- ours: real beam decoding of the bundle;
- template: "A photo of a {top-1 ImageNet label}." from the same Lite0 weights;
- retrieval: the caption of the training picture whose pooled Lite0 features are nearest.

Scores: BLEU-1..4 (sacreBLEU, lowercased), CIDEr-D (the COCO scorer, pycocoevalcap) and the
object-name hit rate (does the caption name the object? each object of a scene counts).
For ours also where it looked: the share of caption words whose strongest attention cell
lies on an object (the renderer's boxes), next to the share of cells the objects cover (what
looking anywhere would score)."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from sacrebleu.metrics import BLEU

from .caption_ceiling import caption_words, format_ceiling, imagenet_names, seen_in_training
from .data.caption.build import corpus_dir
from .data.caption.phrases import article_for, names_object
from .data.readers import read_manifest
from .encoders.efficientnet_lite import LITE0_IMAGE_SIZE, LITE0_MEAN, LITE0_STD, efficientnet_lite0
from .encoders.image import imagenet_labels
from .errors import MultimodalError
from .features import grid_features
from .losses import off_regions
from .pipeline import Pipeline
from .preprocess import Preprocessor
from .significance import format_difference, paired_difference
from .tables import markdown_table

# (title, manifest, the source whose real photos alone make the set, or None for all)
SETS = (("held-out single objects", "test_single", None),
        ("held-out real-photo stamps", "test_single", "tuxpaint"),
        ("held-out GCompris photos", "test_single", "gcompris"),
        ("held-out scenes", "test_scene", None))


def read_rows(path: Path) -> list[dict]:
    """A corpus manifest's `.jsonl` (each picture with its caption, object names and boxes),
    picture paths made absolute."""
    if not path.exists():
        raise MultimodalError(f"{path} is missing: build it with "
                              "`python -m multimodal data caption`")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        row["path"] = str(path.parent / row["path"])
    return rows


def read_set(name: str, photos_from: str | None = None) -> list[dict]:
    """A held-out manifest's rows, or only the real photos one source gave it."""
    rows = read_rows(corpus_dir() / f"{name}.jsonl")
    return [r for r in rows if photos_from is None
            or (r.get("photo") and r["sources"] == [photos_from])]


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def cider_d_items(hypotheses: list[str], references: list[str]) -> np.ndarray:
    """Each picture's CIDEr-D x 100 (the document frequencies come from the whole set); their
    mean is the set's CIDEr-D."""
    try:
        from pycocoevalcap.cider.cider import Cider
    except ImportError as err:
        raise MultimodalError("CIDEr-D needs the COCO scorer: pip install pycocoevalcap "
                              "(it is in requirements-dev.txt)") from err
    _, items = Cider().compute_score({i: [_words(r)] for i, r in enumerate(references)},
                                     {i: [_words(h)] for i, h in enumerate(hypotheses)})
    return 100 * np.asarray(items, dtype=float)


def cider_d(hypotheses: list[str], references: list[str]) -> float:
    return float(cider_d_items(hypotheses, references).mean())


def caption_scores(hypotheses: list[str], rows: list[dict]) -> dict:
    refs = [r["caption"] for r in rows]
    hyps = [_words(h) for h in hypotheses]
    scores = {f"bleu{n}": BLEU(max_ngram_order=n, effective_order=True)
              .corpus_score(hyps, [[_words(r) for r in refs]]).score for n in (1, 2, 3, 4)}
    scores["cider"] = cider_d(hypotheses, refs)
    named = [names_object(h, name) for h, r in zip(hypotheses, rows, strict=True)
             for name in r["names"]]
    scores["name_hit"] = 100 * sum(named) / max(1, len(named))
    return scores


def looks_at_objects(predictions: list, rows: list[dict]) -> dict | None:
    """{'looks': % of words whose attention peak is on an object, 'cover': % of cells on
    an object}, over the pictures whose objects' boxes are known (None if none are)."""
    hits, words, cover = 0, 0, []
    for pred, row in zip(predictions, rows, strict=True):
        if not row.get("boxes") or not len(pred.attention):
            continue
        # the cells the training prior would leave free are the cells on an object
        off = off_regions(torch.tensor([row["boxes"]]), pred.attention.shape[1])[0]
        inside = (off == 0).numpy()
        hits += int(inside[pred.attention.argmax(1)].sum())
        words += len(pred.attention)
        cover.append(inside.mean())
    if not cover:
        return None
    return {"looks": 100 * hits / words, "cover": 100 * float(np.mean(cover))}


class Lite0Baselines:
    """Both baselines read the ImageNet Lite0 trunk's pooled features of a picture."""

    def __init__(self, device: torch.device):
        self.net = efficientnet_lite0(pretrained=True).eval().to(device)
        self.device = device
        self.labels = imagenet_labels()
        self.prepare = Preprocessor("image", {"image_size": LITE0_IMAGE_SIZE,
                                              "mean": list(LITE0_MEAN), "std": list(LITE0_STD)})
        self.memory: tuple[np.ndarray, list[str]] | None = None

    @torch.no_grad()
    def pooled(self, paths: list[str], batch: int = 16) -> np.ndarray:
        out = []
        for start in range(0, len(paths), batch):
            x = torch.stack([self.prepare(p) for p in paths[start:start + batch]])
            out.append(self.net.forward_features(x.to(self.device)).mean(dim=(2, 3)).cpu())
        return torch.cat(out).numpy()

    def template(self, pooled: np.ndarray) -> list[str]:
        with torch.no_grad():
            top = self.net._fc(torch.from_numpy(pooled).to(self.device)).argmax(1).tolist()
        return [f"A photo of {article_for(self.labels[i])} {self.labels[i]}." for i in top]

    def train_memory(self) -> tuple[np.ndarray, list[str]]:
        """Pooled features of every training picture, from the trunk-feature cache that
        training a frozen-Lite0 captioner fills (computed and cached here otherwise)."""
        if self.memory is None:
            train = read_manifest(corpus_dir() / "train.tsv")
            trunk = self.net.features
            grids = grid_features(SimpleNamespace(trunk=trunk, cut=len(trunk)),
                                  "efficientnet_lite0", self.prepare,
                                  [e.source for e in train], self.device)
            feats = np.concatenate([np.asarray(grids[s:s + 512], dtype=np.float32).mean((2, 3))
                                    for s in range(0, len(grids), 512)])
            feats /= np.linalg.norm(feats, axis=1, keepdims=True)
            self.memory = (feats, [e.target for e in train])
        return self.memory

    def retrieval(self, pooled: np.ndarray) -> list[str]:
        feats, captions = self.train_memory()
        query = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        return [captions[i] for i in (query @ feats.T).argmax(1)]


def caption_table(pipe: Pipeline, beam: int | None = None, batch_size: int = 32,
                  limit: int | None = None) -> list[dict]:
    held_out = [(title, read_set(name, photos_from)) for title, name, photos_from in SETS]
    baselines = Lite0Baselines(pipe.device)
    vocabulary = caption_words(baselines.train_memory()[1])
    table = []
    for title, rows in held_out:
        if not rows:  # a corpus built without that source
            continue
        if limit:
            rows = rows[:: max(1, len(rows) // limit)][:limit]
        paths = [r["path"] for r in rows]
        predictions = pipe.predict(paths, beam=beam, batch_size=batch_size)
        pooled = baselines.pooled(paths)
        systems = {"ours": [p.text for p in predictions]}
        if pipe.options.name_bank and pipe.word_prior and pipe.word_prior.bank is not None:
            systems["ours, no name bank"] = [p.text for p in pipe.predict(
                paths, beam=beam, batch_size=batch_size, name_bank=0.0)]
        if pipe.options.word_prior and pipe.word_prior:  # what the prior adds, same pictures
            systems["ours, no word prior"] = [p.text for p in pipe.predict(
                paths, beam=beam, batch_size=batch_size, word_prior=0.0)]
        systems.update(template=baselines.template(pooled), retrieval=baselines.retrieval(pooled))
        # how much naming is reachable at all rides on the template's row (its classifier)
        ceiling = {**imagenet_names(baselines.net, baselines.labels, pooled, rows),
                   "seen": seen_in_training(rows, vocabulary)}
        refs = [r["caption"] for r in rows]
        ours = cider_d_items(systems["ours"], refs)
        for system, hyps in systems.items():
            looks = looks_at_objects(predictions, rows) if system == "ours" else None
            # is ours ahead of this system by more than the luck of the pictures drawn?
            margin = (None if system == "ours" else
                      asdict(paired_difference(ours, cider_d_items(hyps, refs))))
            table.append({"set": title, "pictures": len(rows), "system": system,
                          **caption_scores(hyps, rows), **(looks or {}),
                          "ours_minus_this": margin,
                          **(ceiling if system == "template" else {}),
                          "examples": [[Path(p).name, h]
                                       for p, h in zip(paths, hyps, strict=True)][:3]})
    return table


def format_table(table: list[dict]) -> str:
    return markdown_table(
        ["held-out set", "pictures", "system", "BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4",
         "CIDEr-D", "ours minus this, CIDEr-D (95% interval)", "names the object",
         "looks at an object (cells on one)"],
        [[r["set"], str(r["pictures"]), r["system"]]
         + [f"{r[k]:.1f}" for k in ("bleu1", "bleu2", "bleu3", "bleu4", "cider")]
         + [format_difference(r.get("ours_minus_this")), f"{r['name_hit']:.0f}%",
            f"{r['looks']:.0f}% ({r['cover']:.0f}%)" if "looks" in r else "–"]
         for r in table])


def run(pipe: Pipeline, args) -> int:
    """`evaluate --task caption`: the built corpus's held-out sets next to both baselines."""
    table = caption_table(pipe, beam=args.beam, batch_size=args.batch_size, limit=args.limit)
    text = format_table(table) + "\n\nHow much naming is within reach:\n\n" + \
        format_ceiling(table)
    print(json.dumps(table, indent=2) if args.json else text)
    if args.card:
        from .caption_card import write_card

        write_card(pipe, table, Path(pipe.source))
        print(f"wrote {Path(pipe.source) / 'MODEL_CARD.md'}", file=sys.stderr)
    return 0
