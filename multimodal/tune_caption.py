"""`tune` on a caption bundle: choose the weight of the classifier word prior
(multimodal.word_prior) on DEV pictures only, by CIDEr-D, and with `--write` keep it in the
bundle's config.json. The dev objects are held out of training like the test objects, so
the weight is chosen on names the captioner never read, as it will meet them."""

from __future__ import annotations

import time
from pathlib import Path

from .caption_eval import caption_scores, read_rows
from .errors import MultimodalError
from .pipeline import Pipeline
from .tables import markdown_table
from .tune import report


def word_prior_rows(pipe: Pipeline, rows: list[dict], weights: list[float],
                    batch_size: int = 32) -> list[dict]:
    """Decode the dev pictures at the bundle's own beam once per weight."""
    if pipe.word_prior is None:
        raise MultimodalError(f"{pipe.source}: its encoder has no pretrained classifier, so "
                              "there is no word prior to tune")
    if any(w < 0 for w in weights):
        raise MultimodalError("word prior weights must be 0 or more")
    out = []
    for weight in weights:
        began = time.perf_counter()
        hyps = [p.text for p in pipe.predict([r["path"] for r in rows], batch_size=batch_size,
                                             word_prior=weight)]
        seconds = time.perf_counter() - began
        out.append({"word_prior": weight, "pictures": len(rows), **caption_scores(hyps, rows),
                    "pictures_per_second": len(rows) / seconds})
    return out


def best_prior(rows: list[dict]) -> float:
    """The weight of the highest dev CIDEr-D (ties: the smaller weight)."""
    return max(rows, key=lambda r: (r["cider"], -r["word_prior"]))["word_prior"]


def format_rows(rows: list[dict]) -> str:
    return markdown_table(
        ["word prior", "pictures", "BLEU-1", "BLEU-4", "CIDEr-D", "names the object",
         "pictures/s"],
        [[f"{r['word_prior']:g}", str(r["pictures"]), f"{r['bleu1']:.1f}", f"{r['bleu4']:.1f}",
          f"{r['cider']:.1f}", f"{r['name_hit']:.0f}%", f"{r['pictures_per_second']:.1f}"]
         for r in rows])


def run(pipe: Pipeline, dev: Path, args) -> int:
    pictures = read_rows(dev.with_suffix(".jsonl"))
    if args.limit:
        pictures = pictures[:: max(1, len(pictures) // args.limit)][: args.limit]
    rows = word_prior_rows(pipe, pictures, args.word_priors, args.batch_size)
    chosen = best_prior(rows)
    return report(pipe, rows, format_rows(rows), {"word_prior": chosen},
                  f"word prior {chosen:g}", args)
