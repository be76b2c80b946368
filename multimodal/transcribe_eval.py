"""Transcription scores (real beam decoding) on the unseen synthetic voice and on real human
speech, next to PocketSphinx on the very same files, with the same WER/CER normaliser.

Sets: the held-out voice of the synthetic corpus (`cache/speech/test_voice.tsv`, when built;
`test_names.tsv`: everyday words said alone that no training clip says alone),
the Asterisk prompts (all, and per subset) and pocketsphinx's 10 test utterances; see
`multimodal.data.speech_eval_sets` for what is in them and what is skipped.
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import asdict
from importlib.metadata import version
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
from .inputs.audio import FRONT_END, load_audio
from .metrics import cer, wer
from .peers.memo import PeerMemo
from .peers.pocketsphinx import INSTALL_HINT, pocketsphinx_available, transcribe_wave
from .peers.pocketsphinx import SAMPLE_RATE as RATE
from .pipeline import Pipeline
from .significance import format_difference, wer_difference
from .tables import markdown_table

UNSEEN_VOICE = "unseen voice (synthetic)"
UNSEEN_NOISY = "unseen voice + noise (synthetic)"
UNSEEN_WORDS = "unseen voice, words said alone (synthetic)"
TESTDATA = "pocketsphinx-testdata"
# PocketSphinx needs ~2 CPU-seconds per noisy clip: 200 clips spread over the noisy copy keep
# a whole evaluation within minutes, once its transcripts are cached.
NOISY_CLIPS = 200


def unseen_voice_manifest(name: str = "test_voice") -> Path:
    return cache_dir() / "speech" / f"{name}.tsv"


def spread(items: list, limit: int | None) -> list:
    """At most `limit` items taken evenly across the list (all of them without a limit)."""
    if not limit or limit >= len(items):
        return list(items)
    return [items[i * len(items) // limit] for i in range(limit)]


def eval_sets(limit: int | None = None, note=print) -> tuple[dict[str, list[Example]], list]:
    """{set name: examples} (Asterisk examples keep their subset as group) and the skipped
    Asterisk prompts; sets that are not installed or built are reported through `note`."""
    sets, skipped = {}, []
    for name, manifest, most in (
            (UNSEEN_VOICE, unseen_voice_manifest(), limit),
            (UNSEEN_NOISY, unseen_voice_manifest("test_voice_noisy"),
             min(limit or NOISY_CLIPS, NOISY_CLIPS)),
            (UNSEEN_WORDS, unseen_voice_manifest("test_names"), limit)):
        if manifest.is_file():
            sets[name] = spread(read_manifest(manifest), most)
        else:
            note(f"{name}: {manifest} is missing (build it with "
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
    """PocketSphinx's transcripts, run once per file and kept (see peers.memo)."""
    if not pocketsphinx_available():
        return None
    with tqdm(desc=f"pocketsphinx: {name}", unit="clip", leave=False) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        return PeerMemo(f"pocketsphinx-{version('pocketsphinx')}|{FRONT_END}").outputs(
            [e.source for e in examples], lambda path: transcribe_wave(load_audio(path, RATE)),
            progress)


def _row(name: str, idx: list[int], examples, ours, peer) -> dict:
    refs = [examples[i].target for i in idx]
    mine = [ours[i] for i in idx]
    theirs = None if peer is None else [peer[i] for i in idx]
    seconds = sum(soundfile.info(examples[i].source).duration for i in idx)
    return {"set": name, "items": len(idx), "audio_minutes": seconds / 60,
            "wer": wer(mine, refs), "cer": cer(mine, refs),
            "pocketsphinx_wer": None if theirs is None else wer(theirs, refs),
            "pocketsphinx_cer": None if theirs is None else cer(theirs, refs),
            # negative: fewer errors than the peer; the interval says whether by luck
            "wer_minus_pocketsphinx": None if theirs is None else
            asdict(wer_difference(mine, theirs, refs))}


def transcription_table(pipe: Pipeline, sets: dict[str, list[Example]], beam=None,
                        batch_size: int = 32,
                        with_peer: bool = True) -> tuple[list[dict], list[dict]]:
    """-> (rows: one per set and Asterisk subset, items: every clip's transcripts)."""
    rows, items = [], []
    for name, examples in sets.items():
        ours = _ours(pipe, name, examples, beam, batch_size)
        peer = _peer(name, examples) if with_peer else None
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
         "PocketSphinx CER %", "WER, ours minus PocketSphinx (95% interval)"],
        [[r["set"], str(r["items"]), f"{r['audio_minutes']:.1f}"]
         + [cell(r[k]) for k in ("wer", "cer", "pocketsphinx_wer", "pocketsphinx_cer")]
         + [format_difference(r.get("wer_minus_pocketsphinx"), "n/a")]
         for r in rows],
        align=["---"] + ["---:"] * 7)


def skipped_note(skipped: list) -> str:
    reasons: dict[str, list[str]] = {}
    for key, why in skipped:
        reasons.setdefault(why, []).append(key)
    return ("Asterisk prompts left out: "
            + "; ".join(f"{len(keys)} {why}" for why, keys in reasons.items()) + "."
            if reasons else "")


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
    with_peer = not args.no_peer
    if args.no_peer:
        note("--no-peer: PocketSphinx left out, ours only")
    elif not pocketsphinx_available():
        note(f"pocketsphinx is not installed ({INSTALL_HINT}): no peer column")
    rows, items = transcription_table(pipe, sets, beam=args.beam, batch_size=args.batch_size,
                                      with_peer=with_peer)
    if args.json:
        print(json.dumps({"rows": rows, "asterisk_skipped": skipped}, indent=2))
    else:
        print(format_table(rows))
    if args.output:
        _write_items(args.output, items)
    if args.card:
        from .transcribe_card import PEER_LEFT_OUT, write_card

        limit = f" At most {args.limit} clips per set." if args.limit else ""
        missing = (PEER_LEFT_OUT if args.no_peer
                   else f"not installed where this card was written ({INSTALL_HINT})")
        card = write_card(pipe, format_table(rows), rows, args.beam or pipe.options.beam,
                          Path(pipe.source), skipped_note(skipped) + limit, missing)
        print(f"wrote {card}", file=sys.stderr)
    return 0
