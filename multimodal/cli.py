"""`python -m multimodal {models,predict,data,train,train-lm,evaluate,tune,name-bank,average,
bench}`.

User mistakes (a corrupt image, a missing file, a broken bundle) end with one line on
stderr and a non-zero exit code, never a traceback."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from pathlib import Path

from .errors import MultimodalError, NoModelError

WEIGHTS_DIR = Path(os.environ.get("MULTIMODAL_WEIGHTS",
                                  Path(__file__).resolve().parent.parent / "weights"))
TASK_NAMES = ("caption", "transcribe", "translate")


def default_bundle(task: str, weights_dir: Path | None = None) -> Path:
    """The shipped bundle for `task`: the one marked default, else the first by name."""
    from .bundle import find_bundles

    weights_dir = weights_dir or WEIGHTS_DIR  # read now, so tests and callers can point it

    found = [(p, c) for p, c in find_bundles(weights_dir) if c["task"] == task]
    if not found:
        raise NoModelError(
            f"no {task} model is trained yet: {weights_dir} holds no {task} bundle. Train one "
            f"with `python -m multimodal train --task {task} ...` or pass --weights PATH.")
    marked = [p for p, c in found if c.get("metadata", {}).get("default")]
    return (marked or [found[0][0]])[0]


def _json_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _key_values(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise MultimodalError(f"expected KEY=VALUE, got {pair!r}")
        out[key.replace("-", "_")] = _json_value(value)
    return out


def cmd_models(args) -> int:
    from .bundle import find_bundles
    from .encoders import get_encoder_class, list_encoders

    encoders = [{"name": n, "modality": get_encoder_class(n).modality} for n in list_encoders()]
    bundles = []
    for path, config in find_bundles(args.weights_dir):
        meta = config.get("metadata", {})
        size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
        bundles.append({"name": path.name, "path": str(path), "task": config["task"],
                        "encoder": config["encoder"]["name"], "megabytes": round(size / 1e6, 2),
                        "parameters": meta.get("parameters"), "metrics": meta.get("metrics", {})})
    if args.json:
        print(json.dumps({"encoders": encoders, "bundles": bundles}, indent=2))
        return 0
    print("Encoders:")
    for e in encoders:
        print(f"  {e['name']:<20} {e['modality']}")
    print(f"Bundles in {args.weights_dir}:" if bundles else f"No bundles in {args.weights_dir}.")
    for b in bundles:
        metrics = ", ".join(f"{k} {v}" for k, v in b["metrics"].items()) or "no scores yet"
        params = f"{b['parameters']:,}" if b["parameters"] else "?"
        print(f"  {b['name']:<28} {b['task']:<11} {b['encoder']:<20} {b['megabytes']:>7.2f} MB"
              f"  {params:>12} params  {metrics}")
    return 0


def _predict_inputs(args) -> list[str]:
    inputs = list(args.inputs)
    if args.file:
        try:
            lines = Path(args.file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise MultimodalError(f"{args.file}: cannot read ({err})") from None
        inputs += [line for line in lines if line.strip()]
    if not inputs:
        raise MultimodalError("nothing to predict: give INPUT arguments or --file")
    return inputs


def cmd_predict(args) -> int:
    from .pipeline import load

    inputs = _predict_inputs(args)
    pipe = load(args.weights or default_bundle(args.task), device=args.device)
    if pipe.task != args.task:
        raise MultimodalError(f"{pipe.source} is a {pipe.task} model, not a {args.task} model")
    languages = pipe.config.get("source_languages")
    if args.src_lang not in (None, "auto") and languages and args.src_lang not in languages:
        raise MultimodalError(f"this model translates from {', '.join(languages)}, "
                              f"not {args.src_lang}")
    predictions = pipe.predict(inputs, beam=args.beam, max_len=args.max_len,
                               batch_size=args.batch_size)
    if args.json:
        print(json.dumps([p.to_json() for p in predictions], ensure_ascii=False, indent=2))
    else:
        for p in predictions:
            print(p.text)
    return 0


def _task_module(name: str):
    """A task's plug-in module, or a clear error where this version has none."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        if not (err.name and (name + ".").startswith(err.name + ".")):
            raise
        raise MultimodalError(f"{name} is not part of this version") from None


def cmd_data(args) -> int:
    # Each corpus builder lives in multimodal/data/<task>/build.py and has a main().
    _task_module(f"multimodal.data.{args.task}.build").main()
    return 0


def cmd_train(args) -> int:
    from .data.readers import read_examples, with_regions
    from .devices import pick_device
    from .recipe import train_task
    from .train import TrainConfig

    train = with_regions(read_examples(args.train, args.format), args.train)
    dev = read_examples(args.dev, args.format) if args.dev else []
    dev = dev[:: max(1, len(dev) // args.dev_limit)][: args.dev_limit]  # spread over the file
    cfg = TrainConfig(steps=args.steps, batch_size=args.batch_size, grad_accum=args.grad_accum,
                      lr=args.lr, warmup=args.warmup, eval_every=args.eval_every,
                      checkpoint_every=args.checkpoint_every, patience=args.patience,
                      average=args.average, trunk_lr_scale=args.trunk_lr_scale,
                      balance=args.balance,
                      label_smoothing=args.label_smoothing, seed=args.seed,
                      guided_attention=args.guided_attention,
                      num_workers=args.workers)
    if args.init:
        # The bundle fixes the model; options that would describe another one are mistakes.
        clash = [flag for flag, value in (("--encoder", args.encoder),
                                          ("--encoder-arg", args.encoder_arg),
                                          ("--decoder-arg", args.decoder_arg),
                                          ("--vocab", args.vocab),
                                          ("--ctc-weight", args.ctc_weight),
                                          ("--init-encoder", args.init_encoder)) if value]
        if clash:
            raise MultimodalError(f"--init fine-tunes the bundle's own model; leave out "
                                  f"{', '.join(clash)}")
    run_dir = args.run_dir or Path("runs") / Path(args.out).name
    path = train_task(args.task, train, dev, args.out, run_dir, cfg, pick_device(args.device),
                      encoder=args.encoder, encoder_args=_key_values(args.encoder_arg),
                      decoder_args=_key_values(args.decoder_arg), vocab=args.vocab,
                      precision=args.precision, data_name=str(args.train),
                      extra_config={"source_languages": args.source_languages}
                      if args.source_languages else None,
                      time_limit=args.time_limit * 60 if args.time_limit else None,
                      ctc_weight=args.ctc_weight, encoder_from=args.init_encoder,
                      init_from=args.init)
    print(f"saved {path}")
    return 0


def cmd_train_lm(args) -> int:
    from .devices import pick_device
    from .train_lm import train_lm

    bundle = args.weights or default_bundle("transcribe")
    path = train_lm(Path(bundle), args.train, args.dev, Path(args.out),
                    args.run_dir or Path("runs") / f"{Path(args.out).name}-lm", steps=args.steps,
                    batch_size=args.batch_size, lr=args.lr, warmup=args.warmup,
                    eval_every=args.eval_every,
                    time_limit=args.time_limit * 60 if args.time_limit else None,
                    lm_args=_key_values(args.lm_arg), device=pick_device(args.device))
    print(f"saved {path} (its lm_weight is 0 until `tune --write` chooses one on dev)")
    return 0


def cmd_evaluate(args) -> int:
    from .data.readers import read_examples
    from .evaluate import evaluate_examples
    from .pipeline import load

    pipe = load(args.weights or default_bundle(args.task), device=args.device)
    if not args.test:
        # The task's own held-out report (multimodal/<task>_eval.py), next to its peer.
        return _task_module(f"multimodal.{args.task}_eval").run(pipe, args)
    examples = read_examples(args.test, args.format)
    if args.task == "translate" and not args.output:
        from .translate_eval import has_corpus_groups, run

        if has_corpus_groups(examples):  # the corpus's own format: per language and domain
            return run(pipe, args, examples)
    if args.limit:
        examples = examples[:: max(1, len(examples) // args.limit)][: args.limit]
    result = evaluate_examples(pipe, examples, beam=args.beam, batch_size=args.batch_size)
    hyps = result.pop("hypotheses")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(" | ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                         for k, v in result.items()))
    if args.output:
        Path(args.output).write_text("\n".join(hyps) + "\n", encoding="utf-8")
    return 0


def cmd_tune(args) -> int:
    from .data.readers import read_examples
    from .pipeline import load
    from .tune import run

    pipe = load(args.weights or default_bundle("transcribe"), device=args.device)
    if pipe.task == "caption":
        from .tune_caption import run as run_caption

        return run_caption(pipe, args.dev, args)
    dev = read_examples(args.dev, "auto")
    if args.limit:
        dev = dev[:: max(1, len(dev) // args.limit)][: args.limit]
    return run(pipe, dev, args)


def cmd_name_bank(args) -> int:
    from .bundle import load_bundle
    from .devices import pick_device
    from .name_bank import build_from_corpus

    # the bundle alone, not a pipeline: the bank it may hold (perhaps of an older format)
    # is the one this replaces
    path = Path(args.weights)
    device = pick_device(args.device)
    model, _, _ = load_bundle(path, device)
    if getattr(model.encoder, "classifier", None) is None:  # it gives the features
        raise MultimodalError(f"{path}: a name bank needs a caption bundle with a pretrained "
                              "Lite0 trunk (the features it reads)")
    del model
    bank, pictures = build_from_corpus(device)
    written = bank.save(path)
    print(f"wrote {written} (trained on {pictures:,} pictures, {len(bank.names):,} names, "
          f"{written.stat().st_size / 1e6:.1f} MB); choose its share on dev with "
          f"`tune --weights {path} --dev cache/caption/dev.tsv --write`")
    return 0


def cmd_average(args) -> int:
    from .average import average_bundles

    out = average_bundles(args.bundles, args.out, precision=args.precision)
    print(f"averaged {len(args.bundles)} weights into {out}")
    return 0


def cmd_bench(args) -> int:
    if args.task:
        # A shipped bundle's speed next to its peer engine (multimodal/bench_<task>.py).
        from .pipeline import load

        pipe = load(args.weights or default_bundle(args.task), device=args.device)
        _task_module(f"multimodal.bench_{args.task}").run(pipe, args)
        return 0
    if args.training:
        from .bench_train import run_training_bench

        run_training_bench(device=args.device, batches=args.batches or [16, 64],
                           steps=args.steps, families=args.families)
        return 0
    from .bench import run_bench

    run_bench(device=args.device, batches=args.batches or [1, 8, 32], beams=args.beams,
              steps=args.steps, families=args.families)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m multimodal",
        description="Captions, transcripts and translations from one attention decoder.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("models", help="list registered encoders and shipped bundles")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--weights-dir", type=Path, default=WEIGHTS_DIR)
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("predict", help="caption images, transcribe audio, translate text")
    p.add_argument("--task", required=True, choices=TASK_NAMES)
    p.add_argument("inputs", nargs="*", metavar="INPUT",
                   help="image or audio paths, or sentences for translate")
    p.add_argument("--file", help="translate: read one sentence per line from this file")
    p.add_argument("--weights", help="a bundle folder (default: the task's bundle in weights/)")
    p.add_argument("--beam", type=int, help="beam size (1 = greedy; default: the bundle's)")
    p.add_argument("--max-len", type=int, help="cap on output tokens")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--src-lang", choices=("auto", "fr", "es", "de"), default="auto",
                   help="translate: the source language (default: auto)")
    p.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: CUDA if present)")
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per input")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("data", help="build a training corpus from offline packages")
    p.add_argument("task", choices=("translate", "speech", "caption"))
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("train", help="train a model and save it as a bundle")
    p.add_argument("--task", required=True, choices=TASK_NAMES)
    p.add_argument("--train", required=True, type=Path,
                   help="COCO captions JSON, TSV/CSV manifest (path<TAB>text), LibriSpeech "
                        "folder or TSV sentence pairs (source<TAB>English)")
    p.add_argument("--dev", type=Path, help="held-out set for early stopping (same formats)")
    p.add_argument("--dev-limit", type=int, default=500, help="decode at most this many")
    p.add_argument("--format", default="auto",
                   choices=("auto", "coco", "manifest", "librispeech", "pairs"))
    p.add_argument("--out", required=True, help="bundle folder to write, e.g. weights/my-model")
    p.add_argument("--run-dir", type=Path, help="checkpoints and log (default: runs/NAME); "
                   "an existing checkpoint there is resumed")
    p.add_argument("--encoder", help="a registered encoder (see `models`)")
    p.add_argument("--encoder-arg", action="append", default=[], metavar="KEY=VALUE",
                   help="encoder option, e.g. pretrained=true, freeze=false, d_model=512")
    p.add_argument("--decoder-arg", action="append", default=[], metavar="KEY=VALUE",
                   help="decoder option, e.g. attention=general, hidden_dim=768")
    p.add_argument("--vocab", type=int, help="SentencePiece vocabulary size")
    p.add_argument("--ctc-weight", type=float, metavar="W",
                   help="weight of a joint CTC loss on the encoder, 0 to 1 (default: 0.5 for "
                        "transcribe, off otherwise)")
    p.add_argument("--guided-attention", type=float, metavar="W",
                   help="weight of a loss that keeps attention near the diagonal (speech, "
                        "text) or on the objects' boxes (pictures, from the manifest's .jsonl "
                        "sidecar); default 1.0 for transcribe and caption, off for translate")
    p.add_argument("--init-encoder", type=Path, metavar="WEIGHTS",
                   help="start the encoder (and CTC head) from a bundle folder, .safetensors "
                        "file or run checkpoint.pt; the decoder starts afresh")
    p.add_argument("--init", type=Path, metavar="BUNDLE",
                   help="fine-tune a bundle: start from its weights, tokenizers and config "
                        "(e.g. a shipped model on your own data)")
    p.add_argument("--source-languages", nargs="+", metavar="LANG",
                   help="translate: the languages the model reads (recorded in the bundle)")
    p.add_argument("--steps", type=int, default=10_000)
    p.add_argument("--time-limit", type=float, metavar="MINUTES",
                   help="stop (checkpointed, bundle saved) after this long; rerun to resume")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=500)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--checkpoint-every", type=int, default=500)
    p.add_argument("--patience", type=int, default=5)
    p.add_argument("--average", type=int, default=0, metavar="N",
                   help="keep the N best dev snapshots and end with their average when it "
                        "scores better on dev than the best one (0: off)")
    p.add_argument("--trunk-lr-scale", type=float, default=1.0, metavar="X",
                   help="learning rate of a pretrained CNN trunk's fine-tuned blocks "
                        "(--encoder-arg trainable_blocks=N) relative to the rest, e.g. 0.1")
    p.add_argument("--balance", type=float, default=1.0, metavar="T",
                   help="sampling temperature over the training data's domains (a group's "
                        "text up to its last ':', e.g. fr:ddtp): 1 keeps their sizes' shares, "
                        "T > 1 draws each in proportion to size ** (1/T), e.g. 2")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=0, help="data loader processes")
    p.add_argument("--precision", choices=("fp32", "fp16", "int8"), default="fp32",
                   help="how the bundle stores weights (int8: big matrices row-wise, ~1/4 "
                        "of fp32); they always load back as fp32")
    p.add_argument("--device")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("train-lm", help="train a language model over a bundle's target pieces "
                       "for shallow fusion, and write the bundle with it")
    p.add_argument("--weights", help="bundle (default: the shipped transcribe bundle)")
    p.add_argument("--train", type=Path, default=Path("cache/speech/lm_train.txt"),
                   help="one target sentence per line (default: what `data speech` writes)")
    p.add_argument("--dev", type=Path, default=Path("cache/speech/lm_dev.txt"),
                   help="held-out sentences for the perplexity that picks the kept weights")
    p.add_argument("--out", required=True, help="bundle folder to write (the bundle + its LM)")
    p.add_argument("--run-dir", type=Path, help="checkpoint (default: runs/NAME-lm); an "
                   "existing one there is resumed")
    p.add_argument("--lm-arg", action="append", default=[], metavar="KEY=VALUE",
                   help="language model option, e.g. hidden_dim=768, num_layers=2")
    p.add_argument("--steps", type=int, default=20_000)
    p.add_argument("--time-limit", type=float, metavar="MINUTES",
                   help="stop (checkpointed, bundle saved) after this long; rerun to resume")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--eval-every", type=int, default=1000)
    p.add_argument("--device")
    p.set_defaults(func=cmd_train_lm)

    p = sub.add_parser("evaluate", help="score a bundle on a held-out set by real decoding")
    p.add_argument("--task", required=True, choices=TASK_NAMES)
    p.add_argument("--test", type=Path, help="held-out set (formats as for train)")
    p.add_argument("--format", default="auto",
                   choices=("auto", "coco", "manifest", "librispeech", "pairs"))
    p.add_argument("--weights")
    p.add_argument("--beam", type=int)
    p.add_argument("--limit", type=int,
                   help="score at most N items (per held-out set, spread across it)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--output", help="write the hypotheses here, one per line")
    p.add_argument("--card", action="store_true",
                   help="write the scores into the bundle's model card")
    p.add_argument("--no-peer", action="store_true",
                   help="transcribe: ours only, PocketSphinx left out (it takes 10-30 minutes "
                        "on 2 cores where its outputs are not kept yet)")
    p.add_argument("--device")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("tune", help="choose a bundle's search setting on dev material: a "
                       "speech bundle's joint CTC weight (and LM weight), a caption "
                       "bundle's word prior")
    p.add_argument("--dev", type=Path, required=True,
                   help="the training run's dev manifest (never a test set)")
    p.add_argument("--weights", help="bundle (default: the shipped transcribe bundle)")
    p.add_argument("--limit", type=int, help="decode at most N items, spread across the set")
    p.add_argument("--beam", type=int, default=5,
                   help="speech: the beam of the CTC rows (captions keep the bundle's beam)")
    p.add_argument("--ctc-weights", type=float, nargs="+", default=[0.0, 0.3, 0.5, 0.7])
    p.add_argument("--lm-weights", type=float, nargs="+", default=[0.0, 0.1, 0.2, 0.3, 0.5],
                   help="speech bundles with a language model (train-lm): its fusion weights, "
                        "tried at the best CTC weight")
    p.add_argument("--word-priors", type=float, nargs="+", default=[0.0, 0.1, 0.2, 0.3, 0.5],
                   help="caption bundles: weights of the classifier's names (word_prior.py)")
    p.add_argument("--name-banks", type=float, nargs="+", default=[0.0, 2.0, 4.0, 8.0],
                   help="caption bundles with a name bank: shares of the likeliest training "
                        "objects' names (name_bank.py), tried at the best word prior")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--write", action="store_true",
                   help="keep the best weight in the bundle's config.json")
    p.add_argument("--device")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_tune)

    p = sub.add_parser("name-bank", help="train a classifier over the caption corpus's "
                       "training objects' names into a caption bundle, for its word prior")
    p.add_argument("--weights", required=True, help="the caption bundle to write it into")
    p.add_argument("--device")
    p.set_defaults(func=cmd_name_bank)

    p = sub.add_parser("average", help="the weight average of bundles of one model")
    p.add_argument("bundles", nargs="+", metavar="BUNDLE",
                   help="bundle folders with the same architecture and tokenizers, or a run's "
                        "snapshots/step*.safetensors files")
    p.add_argument("--out", required=True, help="the bundle folder to write")
    p.add_argument("--precision", choices=("fp32", "fp16", "int8"),
                   help="how to store the weights (default: as the first bundle)")
    p.set_defaults(func=cmd_average)

    p = sub.add_parser("bench", help="decoding throughput per encoder family")
    p.add_argument("--device", help="default: CUDA if present, else CPU")
    p.add_argument("--batches", type=int, nargs="+",
                   help="default: 1 8 32 (decoding), 16 64 (--training)")
    p.add_argument("--beams", type=int, nargs="+", default=[1, 5])
    p.add_argument("--steps", type=int, default=20,
                   help="output tokens decoded (or trained on) per item")
    p.add_argument("--training", action="store_true",
                   help="instead: training steps per second of each family's default model")
    p.add_argument("--families", nargs="+", default=["image", "audio", "text"],
                   choices=("image", "audio", "text"))
    p.add_argument("--task", choices=TASK_NAMES,
                   help="instead: this task's shipped bundle next to its peer engine")
    p.add_argument("--weights", help="with --task: a bundle other than the shipped one")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except MultimodalError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
