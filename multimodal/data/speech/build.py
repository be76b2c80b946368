"""Build the speech corpus: plan utterances, synthesise them in worker processes
(resumable: clips already on disk are kept), then write the manifests.

    python -m multimodal data speech     # -> cache/speech/{train,dev,test_voice,test_names}.tsv
                                         #    and lm_{train,dev}.txt (multimodal.train_lm)

Environment (the CLI has no options for `data speech`):
    MULTIMODAL_SPEECH_HOURS    training audio to plan, default 20 (0.1 builds a quick subset)
    MULTIMODAL_SPEECH_WORKERS  synthesis processes, default 2

Manifests are `path<TAB>text` with paths relative to the manifest (read_manifest reads
them; a clip's folder names its voice, which becomes the example's group)."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from multiprocessing import get_context
from pathlib import Path

import soundfile as sf
from tqdm import tqdm

from ...errors import MultimodalError
from ..cache import cache_dir
from .lm_texts import write_lm_texts
from .plan import (
    HMM_VOICES_SHARE,
    ISOLATED_WORD_SHARE,
    MORE_VOICES_SHARE,
    NAMES_SHARE,
    Utterance,
    held_out_plan,
    isolated_word_plan,
    more_voices_plan,
    names_plan,
    training_plan,
)
from .render import Rendered, render_batch
from .texts import corpus_texts, evaluation_keys, everyday_words
from .voices import (
    HELD_OUT_VOICE,
    HMM_VOICES,
    MORE_VOICES,
    VOICES,
    Voice,
    engine_available,
    voice_available,
)

DEFAULT_HOURS = 20.0
BATCH = 24  # utterances per worker task (festival starts once per batch)
HELD_OUT_SHARE, HELD_OUT_MIN, HELD_OUT_MAX = 0.03, 20, 800
CHECKPOINT_S = 600
MANIFESTS = {"train": "train.tsv", "dev": "dev.tsv", "test": "test_voice.tsv",
             "test_noisy": "test_voice_noisy.tsv", "test_names": "test_names.tsv"}


def corpus_dir() -> Path:
    return cache_dir() / "speech"


def _env_number(name: str, default: float, kind=float):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise MultimodalError(f"{name}={raw!r} is not a number") from None
    if value <= 0:
        raise MultimodalError(f"{name} must be above zero, not {raw}")
    return value


def usable_voices(voices: Iterable[Voice] = VOICES) -> list[Voice]:
    found = [v for v in voices if engine_available(v.engine)]
    missing = sorted({v.engine for v in voices} - {v.engine for v in found})
    if missing:
        print(f"engines not installed, their voices are skipped: {', '.join(missing)}")
    if not any(v.name == HELD_OUT_VOICE for v in found):
        raise MultimodalError(f"the held-out test voice {HELD_OUT_VOICE} needs its engine: "
                              "apt-get install flite")
    if len(found) < 2:
        raise MultimodalError("no training voice: install flite, festival or espeak-ng")
    return found


def usable_more_voices(voices: Iterable[Voice] = MORE_VOICES) -> list[Voice]:
    found = [v for v in voices if voice_available(v)]
    if len(found) < len(voices):
        print("voices not installed, skipped: "
              f"{', '.join(v.name for v in voices if v not in found)} (Debian contrib and "
              "non-free: sudo sh multimodal/data/speech/install_voices.sh)")
    return found


def make_plan(corpus, voices: list[Voice], hours: float, excluded: frozenset[str],
              held_out: int | None = None, more: list[Voice] | None = None,
              words: list[str] | None = None, hmm: list[Voice] | None = None) -> list[Utterance]:
    """Training utterances for `hours` and words said alone (ISOLATED_WORD_SHARE of them),
    then those of the `more` voices (MORE_VOICES_SHARE), then `held_out` dev and as many
    test utterances (default: 3% of the training count, within HELD_OUT_MIN..HELD_OUT_MAX),
    then everyday `words` said alone (NAMES_SHARE, and their test), then those of the `hmm`
    voices (HMM_VOICES_SHARE); no text whose key is in `excluded` (the evaluation sentences)
    is spoken anywhere."""
    train = list(training_plan(corpus, voices, hours, excluded))
    if held_out is None:
        held_out = min(HELD_OUT_MAX, max(HELD_OUT_MIN, round(HELD_OUT_SHARE * len(train))))
    alone = isolated_word_plan(voices, round(ISOLATED_WORD_SHARE * len(train)), excluded)
    later = (more_voices_plan(corpus, more, round(MORE_VOICES_SHARE * len(train)), excluded)
             if more else [])
    names = names_plan(voices, words or [], round(NAMES_SHARE * len(train)))
    newest = (more_voices_plan(corpus, hmm, round(HMM_VOICES_SHARE * len(train)), excluded,
                               group="hmm") if hmm else [])
    return (train + alone + later + held_out_plan(corpus, voices, held_out, excluded) + names
            + newest)


def _batches(todo: list[Utterance]) -> list[list[Utterance]]:
    """Same-voice batches, interleaved so that progress shows every engine early."""
    by_voice: dict[str, list[Utterance]] = defaultdict(list)
    for utt in todo:
        by_voice[utt.voice.name].append(utt)
    queues = [[items[i:i + BATCH] for i in range(0, len(items), BATCH)]
              for items in by_voice.values()]
    out = []
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out


def synthesise(todo: list[Utterance], root: Path, workers: int,
               checkpoint=None) -> list[Rendered]:
    """Render `todo`; every CHECKPOINT_S call checkpoint(results so far), so that a long
    build has usable manifests long before it ends."""
    results: list[Rendered] = []
    last = time.time()
    batches = _batches(todo)
    # A log file gets a progress line every 30 s instead of ten a second.
    bar = tqdm(total=len(todo), desc="synthesise", unit=" clips", smoothing=0.05,
               mininterval=0.5 if sys.stderr.isatty() else 30)
    audio = 0.0
    tasks = [(b, root) for b in batches]
    with contextlib.ExitStack() as stack:
        if workers > 1:
            # spawn, not fork: a fresh interpreter per worker, no inherited threads.
            pool = stack.enter_context(get_context("spawn").Pool(workers))
            done = pool.imap_unordered(_render, tasks)
        else:
            done = map(_render, tasks)
        for batch_results in done:
            results += batch_results
            audio += sum(r.seconds for r in batch_results)
            bar.update(len(batch_results))
            bar.set_postfix(hours=f"{audio / 3600:.2f}",
                            failed=sum(1 for r in results if r.error))
            if checkpoint and time.time() - last > CHECKPOINT_S:
                checkpoint(results)
                last = time.time()
        if workers > 1:
            pool.close()
            pool.join()  # reaped workers count in RUSAGE_CHILDREN, for the rate
    bar.close()
    return results


def _render(args) -> list[Rendered]:
    return render_batch(*args)


def clip_seconds(path: Path) -> float:
    try:
        return sf.info(path).duration
    except (RuntimeError, OSError):
        return 0.0


def write_outputs(root: Path, plan: list[Utterance], seconds: dict[str, float]) -> dict:
    """Manifests of the clips that exist, a details table, and counts.json."""
    rows: dict[str, list[str]] = defaultdict(list)
    counts: dict = defaultdict(lambda: defaultdict(lambda: {"clips": 0, "hours": 0.0}))
    details = ["id\tsplit\tvoice\tengine\tsource\tseconds\teffects\tspoken"]
    seen = set()
    for utt in plan:
        s = seconds.get(utt.id, 0.0)
        if not s or (utt.split, utt.id) in seen:
            continue
        seen.add((utt.split, utt.id))
        rows[utt.split].append(f"{utt.path}\t{utt.text.transcript}")
        details.append("\t".join((utt.id, utt.split, utt.voice.name, utt.voice.engine,
                                  utt.text.source, f"{s:.2f}", utt.effects.describe(),
                                  utt.text.spoken)))
        for table, key in (("split", utt.split), ("voice", f"{utt.split}/{utt.voice.name}"),
                           ("engine", f"{utt.split}/{utt.voice.engine}"),
                           ("source", f"{utt.split}/{utt.text.source}")):
            counts[table][key]["clips"] += 1
            counts[table][key]["hours"] += s / 3600
    for split, name in MANIFESTS.items():
        _write(root / name, ["path\ttext"] + rows[split])
    _write(root / "utterances.tsv", details)
    result = {table: {k: {"clips": v["clips"], "hours": round(v["hours"], 3)}
                      for k, v in sorted(entries.items())} for table, entries in counts.items()}
    result["held_out_voice"] = HELD_OUT_VOICE
    (root / "counts.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def _write(path: Path, lines: list[str]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def _cpu_seconds() -> float:
    # Children include the worker processes and every engine process they ran.
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def build(out: Path | None = None, hours: float = DEFAULT_HOURS, workers: int = 2,
          corpus=None, voices: list[Voice] | None = None, held_out: int | None = None,
          lm_sentences: dict[str, int] | None = None,
          more_voices: list[Voice] | None = None, words: list[str] | None = None,
          hmm_voices: list[Voice] | None = None) -> dict:
    """Plan, synthesise what is missing, write manifests and the language model's text
    (`lm_sentences` lines per split, default LM_SENTENCES); returns counts plus the rate.
    `more_voices` and `hmm_voices` each speak a plan of their own (default: voices.MORE_VOICES
    and voices.HMM_VOICES when `voices` is not chosen); `words` are said alone (default:
    texts.everyday_words())."""
    root = out or corpus_dir()
    root.mkdir(parents=True, exist_ok=True)
    if more_voices is None:  # the later voices join a default build, not a chosen cast
        more_voices = MORE_VOICES if voices is None else []
    if hmm_voices is None:
        hmm_voices = HMM_VOICES if voices is None else []
    voices = usable_voices(voices or VOICES)
    more = usable_more_voices(more_voices)
    hmm = usable_more_voices(hmm_voices)
    excluded = frozenset(evaluation_keys())
    if corpus is None:
        corpus = corpus_texts(excluded)
    lm_counts = write_lm_texts(root, corpus, excluded, lm_sentences)
    if words is None:
        words = everyday_words()
        if not words:
            print("Unicode CLDR is not installed: no everyday words said alone "
                  "(apt-get install -y unicode-cldr-core)")
    plan = make_plan(corpus, voices, hours, excluded, held_out, more, words, hmm)
    unique = {u.id: u for u in plan}
    seconds = {i: clip_seconds(root / u.path) for i, u in unique.items()
               if (root / u.path).is_file()}
    seconds = {i: s for i, s in seconds.items() if s > 0}
    todo = [u for i, u in unique.items() if i not in seconds]
    print(f"{len(unique)} clips planned, {len(seconds)} already on disk, {len(todo)} to make")

    def checkpoint(done: list[Rendered]) -> None:
        write_outputs(root, plan, seconds | {r.id: r.seconds for r in done if r.seconds})

    checkpoint([])  # manifests of what a previous run made, usable at once
    workers = min(workers, max(1, len(todo)))
    cpu, wall = _cpu_seconds(), time.time()
    results = synthesise(todo, root, workers, checkpoint) if todo else []
    cpu, wall = _cpu_seconds() - cpu, time.time() - wall
    made = sum(r.seconds for r in results)
    seconds.update({r.id: r.seconds for r in results if r.seconds})
    failures = [r.error for r in results if r.error]
    counts = write_outputs(root, plan, seconds)
    counts["language_model_text"] = lm_counts
    counts["this_run"] = {"clips_made": len(results) - len(failures), "failed": len(failures),
                          "audio_seconds": round(made, 1), "cpu_seconds": round(cpu, 1),
                          "wall_seconds": round(wall, 1),
                          "audio_seconds_per_cpu_second": round(made / cpu, 2) if cpu else None,
                          "first_failures": failures[:10]}
    (root / "counts.json").write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
    return counts


def print_counts(counts: dict) -> None:
    for split, c in counts["split"].items():
        print(f"{split:<12}{c['clips']:>8} clips {c['hours']:>8.2f} h")
    run = counts["this_run"]
    print(f"this run: {run['clips_made']} clips, {run['audio_seconds'] / 3600:.2f} h of audio in "
          f"{run['wall_seconds']:.0f} s ({run['audio_seconds_per_cpu_second']} audio s per CPU s), "
          f"{run['failed']} failed")


def main() -> None:
    """`python -m multimodal data speech`."""
    hours = _env_number("MULTIMODAL_SPEECH_HOURS", DEFAULT_HOURS)
    workers = _env_number("MULTIMODAL_SPEECH_WORKERS", 2, int)
    counts = build(hours=hours, workers=workers)
    print_counts(counts)
    print(f"written to {corpus_dir()}/{{{','.join(MANIFESTS.values())}}} and counts.json")
