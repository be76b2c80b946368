"""`tune`: choose a bundle's decoding setting on DEV material only. A speech bundle's joint
CTC/attention weight here; a caption bundle's word prior in multimodal.tune_caption.

Test sets must never choose a setting, so this reads the training run's dev manifest: it
decodes greedily, then with beam search at each CTC weight, prints one row per setting and
with `--write` keeps the best weight in the bundle's config.json (the pipeline's default)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from .bundle import CONFIG_NAME
from .data.readers import Example
from .errors import MultimodalError
from .evaluate import evaluate_examples
from .pipeline import Pipeline
from .tables import markdown_table


def ctc_weight_rows(pipe: Pipeline, dev: list[Example], beam: int, weights: list[float],
                    batch_size: int = 16) -> list[dict]:
    """Greedy first (the floor), then beam `beam` at each joint CTC weight."""
    if pipe.model.ctc_head is None:
        raise MultimodalError(f"{pipe.source} has no CTC head: there is no CTC weight to tune")
    if any(not 0 <= w < 1 for w in weights):
        raise MultimodalError("CTC weights must lie in [0, 1)")
    rows, kept = [], pipe.options
    try:
        settings = [(1, None)] + [(beam, w) for w in weights]
        for width, weight in settings:
            pipe.options = replace(kept, ctc_weight=weight or 0.0)
            scores = evaluate_examples(pipe, dev, beam=width, batch_size=batch_size)
            scores.pop("hypotheses")
            rows.append({"beam": width, "ctc_weight": weight, **scores})
    finally:
        pipe.options = kept
    return rows


def best_weight(rows: list[dict]) -> float:
    """The CTC weight of the lowest-WER beam row (ties: the smaller weight)."""
    beams = [r for r in rows if r["ctc_weight"] is not None]
    return min(beams, key=lambda r: (r["WER"], r["ctc_weight"]))["ctc_weight"]


def format_rows(rows: list[dict]) -> str:
    return markdown_table(
        ["search", "CTC weight", "clips", "WER", "CER", "clips/s"],
        [["greedy" if r["ctc_weight"] is None else f"beam {r['beam']}",
          "–" if r["ctc_weight"] is None else f"{r['ctc_weight']:g}", str(r["items"]),
          f"{r['WER']:.1f}", f"{r['CER']:.1f}", f"{r['items_per_second']:.1f}"] for r in rows])


def write_search(bundle: Path, key: str, value: float) -> None:
    """Keep one search setting in the bundle's config.json (the pipeline's default)."""
    path = bundle / CONFIG_NAME
    config = json.loads(path.read_text())
    config.setdefault("search", {})[key] = value
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")


def report(pipe: Pipeline, rows: list[dict], table: str, key: str, chosen: float,
           choice: str, args) -> int:
    """Print the dev rows and the choice; with `--write`, keep `key` = `chosen` in the bundle."""
    print(json.dumps(rows, indent=2) if args.json else table)
    print(f"best on dev: {choice} (the bundle now uses {key} {getattr(pipe.options, key):g})")
    if args.write:
        write_search(Path(pipe.source), key, chosen)
        print(f"wrote {key} {chosen:g} into {Path(pipe.source) / CONFIG_NAME}")
    return 0


def run(pipe: Pipeline, dev: list[Example], args) -> int:
    rows = ctc_weight_rows(pipe, dev, args.beam, args.ctc_weights, args.batch_size)
    chosen = best_weight(rows)
    return report(pipe, rows, format_rows(rows), "ctc_weight", chosen,
                  f"beam {args.beam} with CTC weight {chosen:g}", args)
