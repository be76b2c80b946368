"""The transcribe bundle's model card: model, synthetic training data, training, held-out
scores next to PocketSphinx, the app's example recordings, and known limits."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from .bundle import CARD_NAME, CONFIG_NAME
from .data.cache import cache_dir
from .pipeline import Pipeline
from .significance import EXPLAINED
from .tables import examples_table

HEADLINE_SETS = ("unseen voice (synthetic)", "unseen voice + noise (synthetic)",
                 "Asterisk (all)", "Asterisk: sentences", "pocketsphinx-testdata")
# Why the peer's columns are empty, when they all are (the other reason: not installed).
PEER_LEFT_OUT = "left out of this run (`evaluate --no-peer`)"


def headline(rows: list[dict]) -> dict:
    """The WERs kept in config.json's metadata."""
    return {f"{r['set']} WER": round(r["wer"], 1) for r in rows if r["set"] in HEADLINE_SETS}


def _corpus(config: dict) -> list[str]:
    """The counts of the corpus the model trained on: the bundle's own record (train keeps
    it), else the cache's, which may be a later or smaller build."""
    counts = config.get("metadata", {}).get("corpus")
    path = cache_dir() / "speech" / "counts.json"
    if not counts and path.exists():
        counts = json.loads(path.read_text())
    if not counts:
        return ["(corpus counts not available)"]
    engines: dict[str, float] = defaultdict(float)
    for key, value in counts.get("engine", {}).items():
        split, engine = key.split("/", 1)
        if split == "train":
            engines[engine] += value["hours"]
    lines = ["| split | clips | hours |", "|---|---:|---:|"]
    lines += [f"| {name} | {v['clips']:,} | {v['hours']:.2f} |"
              for name, v in counts.get("split", {}).items()]
    total = sum(engines.values()) or 1.0
    lines += ["", "Training hours by engine: " + ", ".join(
        f"{e} {h:.1f} h ({100 * h / total:.0f}%)" for e, h in sorted(engines.items()))]
    return lines


def _vtlp(pipe: Pipeline) -> str:
    warp = getattr(pipe.model.encoder, "vtlp", 0.0)
    return f", and VTLP (each clip's frequency axis stretched by up to {warp:.0%})" if warp else ""


def _lm(config: dict) -> str:
    """What the bundle's language model is and how it joins the search ("" without one)."""
    lm, about = config.get("lm"), config.get("metadata", {}).get("lm", {})
    if not lm:
        return ""
    weight = config.get("search", {}).get("lm_weight", 0.0)
    return (f" A {lm.get('num_layers', 1)}-layer LSTM language model (hidden "
            f"{lm.get('hidden_dim', 512)}) over the same pieces, trained with `train-lm` on "
            f"{about.get('sentences', 0):,} lines of held-in text drawn like the spoken "
            f"transcripts ({about.get('steps', '?')} steps of {about.get('batch_size', '?')} "
            f"lines in {about.get('seconds', 0) / 60:.0f} minutes; dev perplexity "
            f"{about.get('dev_perplexity', '?')}), "
            + (f"is fused into beam search with weight {weight:g} (shallow fusion, chosen on "
               "dev clips)." if weight else "is stored but off (LM weight 0).")
            + (f" {about['notes']}" if about.get("notes") else ""))


def write_card(pipe: Pipeline, table: str, rows: list[dict], beam: int, bundle: Path,
               notes: str = "", peer_missing: str = PEER_LEFT_OUT) -> Path:
    """The bundle's MODEL_CARD.md from this run's rows; `peer_missing` says why PocketSphinx's
    columns are empty when they all are."""
    config_path = bundle / CONFIG_NAME
    config = json.loads(config_path.read_text())
    meta = config.setdefault("metadata", {})
    meta["metrics"] = {"dev_score": meta.get("metrics", {}).get("dev_score"), **headline(rows)}
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    training, enc, dec = meta.get("training", {}), config["encoder"]["args"], config["decoder"]
    search = config.get("search", {})
    size_mb = sum(f.stat().st_size for f in bundle.iterdir() if f.is_file()) / 1e6
    ctc = config.get("ctc_weight", 0.0)
    lines = [
        f"# {bundle.name}: English speech recognition", "",
        f"Log-mel ({enc.get('n_mels', 80)} bands, 10 ms hop, torchaudio) -> "
        f"{enc.get('conv_blocks', 2)} strided 2-D conv blocks (time and frequency halved by "
        f"each) -> a {enc.get('lstm_layers', 3)}-layer BiLSTM (width {enc.get('d_model')}); "
        f"the project's common LSTM attention decoder (hidden {dec['hidden_dim']}, "
        f"{dec.get('attention', 'additive')} attention) over a "
        f"{len(pipe.tokenizers['target'])}-piece English SentencePiece vocabulary"
        + (f", trained jointly with a CTC head on the encoder (weight {ctc})" if ctc else "")
        + f". SpecAugment in training{_vtlp(pipe)}.{_lm(config)} "
        f"{meta.get('parameters', 0):,} parameters; "
        f"this bundle holds {size_mb:.1f} MB ({config.get('precision', 'fp32')}).", "",
        "## Data: synthetic speech only", "",
        "Built by `python -m multimodal data speech`: English sentences (the English side of "
        "the translation corpus, Tux Paint stamp sentences), generated phrases (numbers, "
        "digit strings, dates, times, letters, the phonetic alphabet, phone-menu commands) "
        "and everyday words said alone (the one-word emoji names of Unicode CLDR) spoken by "
        "flite, festival, espeak-ng (7 accents) and piper voices, and by the "
        "diphones of six more people (MBROLA us1, us2, us3 and en1 through espeak-ng and "
        "festival, festival's rab and don) and six HMM voices (RHVoice bdl, clb, evgeniy-eng "
        "and lyubov, SVOX Pico en-US and en-GB), with rate and pitch "
        "varied per utterance, then augmented with sox (speed, reverb, noise at 5-20 dB SNR, "
        "30% squeezed through an 8 kHz telephone band). The flite `awb` voice and 3% of the "
        "sentences are held out. No recording of a real person is ever trained on.", "",
        *_corpus(config), "",
        "## Training", "",
        f"{training.get('steps', '?')} steps of {training.get('batch_size', '?')} clips in "
        f"{training.get('seconds', 0) / 60:.0f} minutes on {training.get('hardware', '?')}; "
        f"best dev score (greedy, minus WER) {meta['metrics'].get('dev_score')}. "
        f"{training.get('notes', '')}".rstrip(), "",
        f"## Held-out scores (beam {beam}"
        + (f", joint CTC/attention scores with CTC weight {search['ctc_weight']}"
           if search.get("ctc_weight") else "")
        + (f", language model weight {search['lm_weight']:g}" if search.get("lm_weight")
           else "") + ")", "",
        table, "",
        "Real decoding; jiwer WER/CER after one normaliser for every system (lower case, no "
        "punctuation). PocketSphinx: PyPI `pocketsphinx` 5.1.1 with its "
        "shipped US English model, on the same 16 kHz signal (other rates resampled by soxr "
        "HQ with 16-bit dither, as sox made the training clips)"
        + (f"; {peer_missing}: the README carries its scores. "
           if all(r.get("pocketsphinx_wer") is None for r in rows) else ". ")
        + "Asterisk: Debian "
        "`asterisk-core-sounds-en-wav`, one professional speaker, 8 kHz telephone audio "
        "(subsets by folder: digits, letters, phonetic alphabet; every other prompt is a "
        "sentence). pocketsphinx-testdata: the 10 transcribed utterances of that Debian "
        "package. Unseen voice: flite `awb` reading held-out sentences, clean and with noise. "
        + EXPLAINED,
        *([notes] if notes else []), "",
        "## The app's example recordings (Tux Paint stamp descriptions, human speech)", "",
        *examples_table(pipe, ".ogg", "recording", "what it says"), "",
        "## Known limits", "",
        "- Every training voice is synthetic: real voices, microphones and rooms differ "
        "from all of them, and the human sets above show how much.",
        "- Trained on 2 CPU cores for a limited time; the same command on a GPU "
        "(`--device cuda`) trains it much further, and the corpus grows with "
        "`MULTIMODAL_SPEECH_HOURS`.",
        "- Recordings longer than 20 s are cut at pauses and each piece is transcribed on "
        "its own; no context crosses the cuts."]
    card = bundle / CARD_NAME
    card.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return card
