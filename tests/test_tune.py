"""`tune`: the joint CTC weight (speech) and the word prior (captions) are chosen on dev
material and, asked to, kept in the bundle."""

from __future__ import annotations

import json

import torch
from helpers import (
    CAPTIONS,
    TRANSCRIPTS,
    draw_shapes,
    lite0_caption_bundle,
    tiny_decoder,
    write_sounds,
)

from multimodal.bundle import save_bundle
from multimodal.cli import main
from multimodal.model import build_model
from multimodal.tokenizer import Tokenizer
from multimodal.tune import best_weight


def _ctc_bundle(folder, lm: bool = False):
    torch.manual_seed(0)
    target = Tokenizer.train(TRANSCRIPTS * 3, 30)
    config = {"task": "transcribe", "ctc_weight": 0.5,
              **({"lm": {"vocab_size": len(target), "embed_dim": 16, "hidden_dim": 32}}
                 if lm else {}),
              "encoder": {"name": "cnn_bilstm",
                          "args": {"d_model": 32, "conv_channels": 8, "lstm_layers": 1}},
              "decoder": tiny_decoder(len(target)), "preprocessing": {"sample_rate": 16000},
              "search": {"beam": 2, "max_len_b": 5, "ctc_weight": 0.9}}
    return save_bundle(folder / "transcribe-ctc", build_model(config).eval(), config,
                       {"target": target})


def test_best_weight_is_the_lowest_beam_wer_and_the_smaller_on_ties():
    rows = [{"ctc_weight": None, "WER": 10.0}, {"ctc_weight": 0.0, "WER": 40.0},
            {"ctc_weight": 0.3, "WER": 30.0}, {"ctc_weight": 0.5, "WER": 30.0}]
    assert best_weight(rows) == 0.3  # greedy's 10 is no CTC weight to choose


def test_tune_prints_every_setting_and_writes_the_best(tmp_path, capsys):
    bundle = _ctc_bundle(tmp_path)
    clips = write_sounds(tmp_path)
    dev = tmp_path / "dev.tsv"
    dev.write_text("".join(f"{c}\t{t}\n" for c, t in zip(clips, TRANSCRIPTS, strict=True)))
    code = main(["tune", "--dev", str(dev), "--weights", str(bundle), "--beam", "2",
                 "--ctc-weights", "0", "0.5", "--device", "cpu", "--json", "--write"])
    assert code == 0
    out = capsys.readouterr().out
    rows = json.loads(out[: out.rindex("]") + 1])
    assert [(r["beam"], r["ctc_weight"]) for r in rows] == [(1, None), (2, 0.0), (2, 0.5)]
    assert all(r["items"] == 4 and r["WER"] >= 0 for r in rows)
    kept = json.loads((bundle / "config.json").read_text())["search"]["ctc_weight"]
    assert kept == best_weight(rows) and kept != 0.9  # the old setting was replaced


def test_a_bundle_with_a_language_model_also_gets_its_fusion_weight(tmp_path, capsys):
    bundle = _ctc_bundle(tmp_path, lm=True)
    dev = tmp_path / "dev.tsv"
    dev.write_text("".join(f"{c}\t{t}\n" for c, t in zip(write_sounds(tmp_path), TRANSCRIPTS,
                                                          strict=True)))
    code = main(["tune", "--dev", str(dev), "--weights", str(bundle), "--beam", "2",
                 "--ctc-weights", "0", "0.5", "--lm-weights", "0", "0.4", "--device", "cpu",
                 "--json", "--write"])
    assert code == 0
    out = capsys.readouterr().out
    rows = json.loads(out[: out.rindex("]") + 1])
    ctc = best_weight(rows[:3])
    assert [(r["ctc_weight"], r["lm_weight"]) for r in rows] == [
        (None, 0), (0.0, 0), (0.5, 0), (ctc, 0.4)]  # LM weight 0: the chosen CTC row
    search = json.loads((bundle / "config.json").read_text())["search"]
    assert search["ctc_weight"] == ctc
    assert search["lm_weight"] == best_weight([r for r in rows if r["ctc_weight"] == ctc],
                                              "lm_weight")


def test_a_bundle_without_a_ctc_head_is_refused(tmp_path, untrained_bundles, capsys):
    dev = tmp_path / "dev.tsv"
    dev.write_text("".join(f"{c}\t{t}\n" for c, t in zip(write_sounds(tmp_path), TRANSCRIPTS,
                                                          strict=True)))
    code = main(["tune", "--dev", str(dev), "--weights", str(untrained_bundles["transcribe"]),
                 "--device", "cpu"])
    assert code == 1 and "no CTC head" in capsys.readouterr().err


def test_tune_chooses_a_caption_bundles_word_prior_on_dev_pictures(tmp_path, capsys):
    bundle = lite0_caption_bundle(tmp_path)
    paths = draw_shapes(tmp_path)
    dev = tmp_path / "dev.tsv"  # the corpus layout: the .jsonl beside names the objects
    dev.write_text("".join(f"{p}\t{c}\n" for p, c in zip(paths, CAPTIONS, strict=True)))
    dev.with_suffix(".jsonl").write_text("".join(
        json.dumps({"path": p.rsplit("/", 1)[1], "caption": c, "names": [c.split()[-1]]}) + "\n"
        for p, c in zip(paths, CAPTIONS, strict=True)))
    code = main(["tune", "--dev", str(dev), "--weights", str(bundle), "--word-priors", "0",
                 "5", "--device", "cpu", "--json", "--write"])
    assert code == 0
    out = capsys.readouterr().out
    rows = json.loads(out[: out.rindex("]") + 1])
    assert [(r["word_prior"], r["pictures"]) for r in rows] == [(0, 4), (5, 4)]
    assert all(r["cider"] >= 0 and 0 <= r["name_hit"] <= 100 for r in rows)
    kept = json.loads((bundle / "config.json").read_text())["search"]["word_prior"]
    assert kept == max(rows, key=lambda r: (r["cider"], -r["word_prior"]))["word_prior"]


def test_a_caption_bundle_without_a_classifier_is_refused(tmp_path, untrained_bundles, capsys):
    dev = tmp_path / "dev.tsv"
    paths = draw_shapes(tmp_path)
    dev.write_text("".join(f"{p}\t{c}\n" for p, c in zip(paths, CAPTIONS, strict=True)))
    dev.with_suffix(".jsonl").write_text("".join(
        json.dumps({"path": p, "caption": c, "names": ["x"]}) + "\n"
        for p, c in zip(paths, CAPTIONS, strict=True)))
    code = main(["tune", "--dev", str(dev), "--weights", str(untrained_bundles["caption"]),
                 "--device", "cpu"])
    assert code == 1 and "no pretrained classifier" in capsys.readouterr().err
