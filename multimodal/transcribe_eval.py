"""Transcription scores (real beam decoding) on the unseen synthetic voice and on real human
speech, next to PocketSphinx on the very same files, with the same WER/CER normaliser.

Sets: the held-out voice of the synthetic corpus (`cache/speech/test_voice.tsv`, when built),
the Asterisk prompts (all, and per subset) and pocketsphinx's 10 test utterances; see
`multimodal.data.speech_eval_sets` for what is in them and what is skipped.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import soundfile
from tqdm import tqdm

from .data.cache import cache_dir
from .data.readers import Example, read_manifest
from .data.speech_eval_sets import (
    SUBSETS,
    asterisk_available,
    pocketsphinx_testdata_available,
    read_asterisk,
    read_pocketsphinx_testdata,
)
from .metrics import cer, wer
from .peers.pocketsphinx import pocketsphinx_available, pocketsphinx_transcribe
from .pipeline import Pipeline
from .tables import markdown_table

CARD_START = "<!-- transcribe-eval:start -->"
CARD_END = "<!-- transcribe-eval:end -->"
UNSEEN_VOICE = "unseen voice (synthetic)"
TESTDATA = "pocketsphinx-testdata"


def unseen_voice_manifest() -> Path:
    return cache_dir() / "speech" / "test_voice.tsv"


def spread(items: list, limit: int | None) -> list:
    """At most `limit` items taken evenly across the list (all of them without a limit)."""
    if not limit or limit >= len(items):
        return list(items)
    return [items[i * len(items) // limit] for i in range(limit)]


def eval_sets(limit: int | None = None, note=print) -> tuple[dict[str, list[Example]], list]:
    """{set name: examples} (Asterisk examples keep their subset as group) and the skipped
    Asterisk prompts; sets that are not installed or built are reported through `note`."""
    sets, skipped = {}, []
    manifest = unseen_voice_manifest()
    if manifest.is_file():
        sets[UNSEEN_VOICE] = spread(read_manifest(manifest), limit)
    else:
        note(f"{UNSEEN_VOICE}: {manifest} is missing (build it with "
             "`python -m multimodal data speech`); left out")
    if asterisk_available():
        asterisk = read_asterisk()
        skipped = asterisk.skipped
        sets["Asterisk"] = [e for subset in SUBSETS for e in
                            spread([e for e in asterisk.examples if e.group == subset], limit)]
    else:
        note("Asterisk: not installed (apt-get install -y asterisk-core-sounds-en-wav "
             "asterisk-core-sounds-en); left out")
    if pocketsphinx_testdata_available():
        sets[TESTDATA] = spread(read_pocketsphinx_testdata(), limit)
    else:
        note(f"{TESTDATA}: not installed (apt-get install -y pocketsphinx-testdata); left out")
    return sets, skipped


def _ours(pipe: Pipeline, name: str, examples: list[Example], beam, batch_size) -> list[str]:
    with tqdm(total=len(examples), desc=f"ours: {name}", unit="clip", leave=False) as bar:
        preds = pipe.predict([e.source for e in examples], beam=beam, batch_size=batch_size,
                             progress=lambda done, total: bar.update(done - bar.n))
    return [p.text for p in preds]


def _peer(name: str, examples: list[Example]) -> list[str] | None:
    if not pocketsphinx_available():
        return None
    with tqdm(total=len(examples), desc=f"pocketsphinx: {name}", unit="clip",
              leave=False) as bar:
        return pocketsphinx_transcribe([e.source for e in examples],
                                       progress=lambda done, total: bar.update(1))


def _row(name: str, idx: list[int], examples, ours, peer) -> dict:
    refs = [examples[i].target for i in idx]
    mine = [ours[i] for i in idx]
    theirs = None if peer is None else [peer[i] for i in idx]
    seconds = sum(soundfile.info(examples[i].source).duration for i in idx)
    return {"set": name, "items": len(idx), "audio_minutes": seconds / 60,
            "wer": wer(mine, refs), "cer": cer(mine, refs),
            "pocketsphinx_wer": None if theirs is None else wer(theirs, refs),
            "pocketsphinx_cer": None if theirs is None else cer(theirs, refs)}


def transcription_table(pipe: Pipeline, sets: dict[str, list[Example]], beam=None,
                        batch_size: int = 32) -> tuple[list[dict], list[dict]]:
    """-> (rows: one per set and Asterisk subset, items: every clip's transcripts)."""
    rows, items = [], []
    for name, examples in sets.items():
        ours = _ours(pipe, name, examples, beam, batch_size)
        peer = _peer(name, examples)
        rows.append(_row(name if name != "Asterisk" else "Asterisk (all)",
                         list(range(len(examples))), examples, ours, peer))
        if name == "Asterisk":
            for subset in SUBSETS:
                idx = [i for i, e in enumerate(examples) if e.group == subset]
                if idx:
                    rows.append(_row(f"Asterisk: {subset}", idx, examples, ours, peer))
        for i, e in enumerate(examples):
            items.append({"set": name, "group": e.group, "path": e.source,
                          "reference": e.target, "ours": ours[i],
                          "pocketsphinx": None if peer is None else peer[i]})
    return rows, items


def format_table(rows: list[dict]) -> str:
    def cell(v):
        return "n/a" if v is None else f"{v:.1f}"

    return markdown_table(
        ["set", "clips", "minutes", "WER %", "CER %", "PocketSphinx WER %",
         "PocketSphinx CER %"],
        [[r["set"], str(r["items"]), f"{r['audio_minutes']:.1f}"]
         + [cell(r[k]) for k in ("wer", "cer", "pocketsphinx_wer", "pocketsphinx_cer")]
         for r in rows],
        align=["---"] + ["---:"] * 6)


def card_section(rows: list[dict], skipped: list, beam, limit) -> str:
    reasons: dict[str, list[str]] = {}
    for key, why in skipped:
        reasons.setdefault(why, []).append(key)
    skip_note = "; ".join(f"{len(keys)} {why}" for why, keys in reasons.items())
    return "\n".join([
        CARD_START,
        f"## Word and character error rates (beam {beam}"
        f"{f', at most {limit} clips per set' if limit else ''})", "",
        format_table(rows), "",
        "Real decoding, jiwer WER/CER after one normaliser for every system (lower case, no "
        "punctuation). PocketSphinx: PyPI `pocketsphinx` 5.1.1 with its shipped US English "
        "model, on the same files at 16 kHz. Human speech is for evaluation only, never "
        "training: Asterisk prompts (Debian `asterisk-core-sounds-en-wav`, one professional "
        "speaker, 8 kHz telephone audio; subsets by folder: digits/, letters/, phonetic/, "
        "all other prompts = sentences) and the transcribed utterances of Debian "
        "`pocketsphinx-testdata`."
        + (f" Asterisk prompts left out: {skip_note}." if skip_note else ""),
        CARD_END])


def write_card(bundle: Path, section: str, rows: list[dict]) -> Path:
    """Put `section` between the markers of the bundle's card (replacing an older one, keeping
    the rest) and the headline WERs into its config's metrics."""
    from .bundle import CARD_NAME, CONFIG_NAME

    card = bundle / CARD_NAME
    text = card.read_text(encoding="utf-8") if card.exists() else f"# {bundle.name}\n"
    start, end = text.find(CARD_START), text.find(CARD_END)
    if start >= 0 and end > start:
        text = text[:start] + section + text[end + len(CARD_END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    card.write_text(text, encoding="utf-8")
    config_path = bundle / CONFIG_NAME
    config = json.loads(config_path.read_text())
    metrics = config.setdefault("metadata", {}).setdefault("metrics", {})
    for r in rows:
        if r["set"] in (UNSEEN_VOICE, "Asterisk (all)", TESTDATA):
            metrics[f"{r['set']} WER"] = round(r["wer"], 1)
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    return card


def _write_items(path: str, items: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(items[0]) if items else ["set"],
                                delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writeheader()
        writer.writerows(items)


def run(pipe: Pipeline, args) -> int:
    """`evaluate --task transcribe` without --test: every set above, ours next to the peer."""
    from .errors import MultimodalError

    def note(message: str) -> None:
        print(message, file=sys.stderr)

    sets, skipped = eval_sets(args.limit, note)
    if not sets:
        raise MultimodalError("no evaluation set is available: build the speech corpus or "
                              "install the Asterisk prompts and pocketsphinx-testdata")
    if not pocketsphinx_available():
        note("pocketsphinx is not installed (pip install pocketsphinx==5.1.1): no peer column")
    rows, items = transcription_table(pipe, sets, beam=args.beam, batch_size=args.batch_size)
    if args.json:
        print(json.dumps({"rows": rows, "asterisk_skipped": skipped}, indent=2))
    else:
        print(format_table(rows))
    if args.output:
        _write_items(args.output, items)
    if args.card:
        section = card_section(rows, skipped, args.beam or pipe.options.beam, args.limit)
        card = write_card(Path(pipe.source), section, rows)
        print(f"wrote {card}", file=sys.stderr)
    return 0
