"""`tune` on a caption bundle: choose the weight of the classifier word prior
(multimodal.word_prior), and where the bundle has a name bank the share of its names
(multimodal.name_bank) at that weight, on DEV pictures only, by CIDEr-D; `--write` keeps
them in the bundle's config.json. The dev objects are held out of training like the test
objects, so the settings are chosen on names the captioner never read, as it will meet
them."""

from __future__ import annotations

import time
from pathlib import Path

from .caption_eval import caption_scores, read_rows
from .errors import MultimodalError
from .pipeline import Pipeline
from .tables import markdown_table
from .tune import report


def word_prior_rows(pipe: Pipeline, rows: list[dict], weights: list[float],
                    batch_size: int = 32, shares: list[float] = (0.0,)) -> list[dict]:
    """Decode the dev pictures at the bundle's own beam once per (weight, share)."""
    if pipe.word_prior is None:
        raise MultimodalError(f"{pipe.source}: its encoder has no pretrained classifier, so "
                              "there is no word prior to tune")
    if any(w < 0 for w in [*weights, *shares]):
        raise MultimodalError("word prior weights and name bank shares must be 0 or more")
    out = []
    for weight in weights:
        for share in shares:
            began = time.perf_counter()
            hyps = [p.text for p in pipe.predict([r["path"] for r in rows],
                                                 batch_size=batch_size, word_prior=weight,
                                                 name_bank=share)]
            seconds = time.perf_counter() - began
            out.append({"word_prior": weight, "name_bank": share, "pictures": len(rows),
                        **caption_scores(hyps, rows),
                        "pictures_per_second": len(rows) / seconds})
    return out


def best_row(rows: list[dict]) -> dict:
    """The row of the highest dev CIDEr-D (ties: the smaller settings)."""
    return max(rows, key=lambda r: (r["cider"], -r["word_prior"], -r["name_bank"]))


def format_rows(rows: list[dict]) -> str:
    return markdown_table(
        ["word prior", "name bank", "pictures", "BLEU-1", "BLEU-4", "CIDEr-D",
         "names the object", "pictures/s"],
        [[f"{r['word_prior']:g}", f"{r['name_bank']:g}", str(r["pictures"]),
          f"{r['bleu1']:.1f}", f"{r['bleu4']:.1f}", f"{r['cider']:.1f}",
          f"{r['name_hit']:.0f}%", f"{r['pictures_per_second']:.1f}"] for r in rows])


def run(pipe: Pipeline, dev: Path, args) -> int:
    pictures = read_rows(dev.with_suffix(".jsonl"))
    if args.limit:
        pictures = pictures[:: max(1, len(pictures) // args.limit)][: args.limit]
    rows = word_prior_rows(pipe, pictures, args.word_priors, args.batch_size)
    chosen = {"word_prior": best_row(rows)["word_prior"]}
    if pipe.word_prior.bank is not None:  # its shares, tried at the chosen weight
        rows += word_prior_rows(pipe, pictures, [chosen["word_prior"]], args.batch_size,
                                [s for s in args.name_banks if s])
        chosen["name_bank"] = best_row(
            [r for r in rows if r["word_prior"] == chosen["word_prior"]])["name_bank"]
    choice = ", ".join(f"{key.replace('_', ' ')} {value:g}" for key, value in chosen.items())
    return report(pipe, rows, format_rows(rows), chosen, choice, args)
