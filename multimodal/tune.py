"""`tune`: choose a bundle's decoding setting on DEV material only. A speech bundle's joint
CTC/attention weight and, where it has a language model, its fusion weight here; a caption
bundle's word prior in multimodal.tune_caption.

Test sets must never choose a setting, so this reads the training run's dev manifest: it
decodes greedily, then with beam search at each CTC weight, then (a bundle with a language
model) at the best CTC weight with each LM weight; it prints one row per setting and with
`--write` keeps the best weights in the bundle's config.json (the pipeline's default)."""

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


def _rows(pipe: Pipeline, dev: list[Example], settings: list[tuple[int, float | None, float]],
          batch_size: int) -> list[dict]:
    """One scored row per (beam, CTC weight, LM weight); CTC weight None: greedy."""
    rows, kept = [], pipe.options
    try:
        for width, ctc, lm in settings:
            pipe.options = replace(kept, ctc_weight=ctc or 0.0, lm_weight=lm)
            scores = evaluate_examples(pipe, dev, beam=width, batch_size=batch_size)
            scores.pop("hypotheses")
            rows.append({"beam": width, "ctc_weight": ctc, "lm_weight": lm, **scores})
    finally:
        pipe.options = kept
    return rows


def ctc_weight_rows(pipe: Pipeline, dev: list[Example], beam: int, weights: list[float],
                    batch_size: int = 16) -> list[dict]:
    """Greedy first (the floor), then beam `beam` at each joint CTC weight (no LM)."""
    if pipe.model.ctc_head is None:
        raise MultimodalError(f"{pipe.source} has no CTC head: there is no CTC weight to tune")
    if any(not 0 <= w < 1 for w in weights):
        raise MultimodalError("CTC weights must lie in [0, 1)")
    return _rows(pipe, dev, [(1, None, 0.0)] + [(beam, w, 0.0) for w in weights], batch_size)


def lm_weight_rows(pipe: Pipeline, dev: list[Example], beam: int, ctc_weight: float,
                   weights: list[float], batch_size: int = 16) -> list[dict]:
    """Beam `beam` at `ctc_weight` with each language model weight."""
    if any(w < 0 for w in weights):
        raise MultimodalError("LM weights must be 0 or more")
    return _rows(pipe, dev, [(beam, ctc_weight, w) for w in weights], batch_size)


def best_weight(rows: list[dict], key: str = "ctc_weight") -> float:
    """`key` of the lowest-WER beam row (ties: the smaller weight)."""
    beams = [r for r in rows if r["ctc_weight"] is not None]
    return min(beams, key=lambda r: (r["WER"], r[key]))[key]


def format_rows(rows: list[dict]) -> str:
    return markdown_table(
        ["search", "CTC weight", "LM weight", "clips", "WER", "CER", "clips/s"],
        [["greedy" if r["ctc_weight"] is None else f"beam {r['beam']}",
          "–" if r["ctc_weight"] is None else f"{r['ctc_weight']:g}", f"{r['lm_weight']:g}",
          str(r["items"]), f"{r['WER']:.1f}", f"{r['CER']:.1f}",
          f"{r['items_per_second']:.1f}"] for r in rows])


def write_search(bundle: Path, key: str, value: float) -> None:
    """Keep one search setting in the bundle's config.json (the pipeline's default)."""
    path = bundle / CONFIG_NAME
    config = json.loads(path.read_text())
    config.setdefault("search", {})[key] = value
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")


def report(pipe: Pipeline, rows: list[dict], table: str, chosen: dict[str, float],
           choice: str, args) -> int:
    """Print the dev rows and the choice; with `--write`, keep each `chosen` setting in the
    bundle."""
    print(json.dumps(rows, indent=2) if args.json else table)
    now = ", ".join(f"{key} {getattr(pipe.options, key):g}" for key in chosen)
    print(f"best on dev: {choice} (the bundle now uses {now})")
    if args.write:
        for key, value in chosen.items():
            write_search(Path(pipe.source), key, value)
            print(f"wrote {key} {value:g} into {Path(pipe.source) / CONFIG_NAME}")
    return 0


def run(pipe: Pipeline, dev: list[Example], args) -> int:
    rows = ctc_weight_rows(pipe, dev, args.beam, args.ctc_weights, args.batch_size)
    chosen = {"ctc_weight": best_weight(rows)}
    choice = f"beam {args.beam} with CTC weight {chosen['ctc_weight']:g}"
    if pipe.model.lm is not None:  # LM weight 0 is the chosen CTC row: not decoded twice
        lm_rows = lm_weight_rows(pipe, dev, args.beam, chosen["ctc_weight"],
                                 [w for w in args.lm_weights if w], args.batch_size)
        rows += lm_rows
        chosen["lm_weight"] = best_weight(
            [r for r in rows if r["ctc_weight"] == chosen["ctc_weight"]], "lm_weight")
        choice += f" and LM weight {chosen['lm_weight']:g}"
    return report(pipe, rows, format_rows(rows), chosen, choice, args)
