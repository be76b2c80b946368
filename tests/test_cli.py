"""The command line: machine-readable listings and predictions, and one clear line (never a
traceback) with a non-zero exit for every kind of bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch
from helpers import ENGLISH, FRENCH

from multimodal.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "multimodal", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_models_json_lists_encoders_and_bundles(text_bundle):
    result = run_cli("models", "--json", "--weights-dir", text_bundle.parent)
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    names = {e["name"]: e["modality"] for e in listing["encoders"]}
    assert names["efficientnet_lite0"] == "image" and names["cnn_bilstm"] == "audio"
    assert {"resnet18", "resnet34", "resnet50", "mobilenet_v3_large",
            "efficientnet_b0", "birnn"} <= set(names)
    [bundle] = listing["bundles"]
    assert bundle["task"] == "translate" and bundle["encoder"] == "birnn"
    assert bundle["parameters"] > 0 and bundle["megabytes"] > 0


def test_predict_json_returns_one_object_per_input_in_order(text_bundle, capsys, tmp_path):
    order = [2, 0, 4, 1, 3]
    inputs = [FRENCH[i] for i in order]
    assert main(["predict", "--task", "translate", "--weights", str(text_bundle), "--json",
                 "--device", "cpu", *inputs]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [o["input"] for o in out] == inputs
    assert [o["text"] for o in out] == [ENGLISH[i] for i in order]
    assert all(o["score"] <= 0 and o["seconds"] > 0 for o in out)
    lines = tmp_path / "in.txt"
    lines.write_text("\n".join(inputs[:2]) + "\n\n")
    assert main(["predict", "--task", "translate", "--weights", str(text_bundle),
                 "--file", str(lines)]) == 0
    assert capsys.readouterr().out.splitlines() == [ENGLISH[order[0]], ENGLISH[order[1]]]


def _bad_inputs(tmp_path, bundles, text_bundle):
    (tmp_path / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    (tmp_path / "empty.wav").write_bytes(b"")
    soundfile.write(tmp_path / "silence.wav", np.zeros(8000, np.float32), 16000)
    return [
        (["--task", "caption", "--weights", bundles["caption"], tmp_path / "corrupt.jpg"],
         "corrupt"),
        (["--task", "caption", "--weights", bundles["caption"], tmp_path / "missing.png"],
         "no such file"),
        (["--task", "transcribe", "--weights", bundles["transcribe"], tmp_path / "empty.wav"],
         "empty"),
        (["--task", "transcribe", "--weights", bundles["transcribe"],
          tmp_path / "silence.wav"], "silent"),
        (["--task", "translate", "--weights", text_bundle, ""], "empty"),
        (["--task", "translate", "--weights", tmp_path / "nowhere", "bonjour"],
         "no such model bundle"),
        (["--task", "caption", "--weights", text_bundle, tmp_path / "corrupt.jpg"],
         "is a translate model"),
    ]


def test_bad_inputs_give_one_clear_line(untrained_bundles, text_bundle, tmp_path, capsys):
    for args, message in _bad_inputs(tmp_path, untrained_bundles, text_bundle):
        assert main(["predict", *map(str, args)]) == 1, args
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert message in err, (message, err)


def test_bad_input_in_a_real_process_has_no_traceback(untrained_bundles, tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    result = run_cli("predict", "--task", "transcribe", "--weights",
                     untrained_bundles["transcribe"], tmp_path / "empty.wav")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr.startswith("error: ")


@pytest.mark.parametrize("task", ["caption", "transcribe", "translate"])
def test_a_task_without_a_shipped_bundle_says_so(task, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("multimodal.cli.WEIGHTS_DIR", tmp_path)
    assert main(["predict", "--task", task, "anything"]) == 1
    err = capsys.readouterr().err
    assert f"no {task} model is trained yet" in err


def test_train_then_predict_through_the_cli(tmp_path, capsys):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("".join(f"{f}\t{e}\n" for f, e in zip(FRENCH, ENGLISH, strict=True)))
    out = tmp_path / "weights" / "translate-cli"
    assert main(["train", "--task", "translate", "--train", str(pairs), "--dev", str(pairs),
                 "--out", str(out), "--run-dir", str(tmp_path / "run"), "--vocab", "60",
                 "--steps", "150", "--batch-size", "5", "--lr", "1e-2", "--warmup", "10",
                 "--label-smoothing", "0", "--eval-every", "50", "--device", "cpu",
                 "--encoder-arg", "d_model=64", "--encoder-arg", "embed_dim=32",
                 "--encoder-arg", "num_layers=1", "--encoder-arg", "dropout=0",
                 "--decoder-arg", "embed_dim=32", "--decoder-arg", "hidden_dim=64",
                 "--decoder-arg", "dropout=0", "--precision", "int8"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["metadata"]["training"]["examples"] == 5
    assert config["metadata"]["metrics"]["dev_score"] == pytest.approx(100.0)
    assert (out / "MODEL_CARD.md").read_text().startswith("# translate-cli")
    capsys.readouterr()
    assert main(["evaluate", "--task", "translate", "--weights", str(out), "--test",
                 str(pairs), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["items"] == 5 and scores["BLEU"] == pytest.approx(100.0)


def test_train_balances_the_domains_it_is_asked_to(tmp_path, capsys):
    # The third column is the source document; its text up to the last ':' is the domain.
    groups = ["fr:ui:a", "fr:ui:b", "fr:ui:c", "fr:ui:d", "fr:bible:John"]
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("".join(f"{f}\t{e}\t{g}\n"
                             for f, e, g in zip(FRENCH, ENGLISH, groups, strict=True)))
    assert main(["train", "--task", "translate", "--train", str(pairs),
                 "--out", str(tmp_path / "translate-balanced"), "--run-dir",
                 str(tmp_path / "run"), "--vocab", "60", "--steps", "3", "--batch-size", "5",
                 "--balance", "2", "--device", "cpu", "--encoder-arg", "d_model=32",
                 "--decoder-arg", "hidden_dim=32"]) == 0
    # sqrt(4) : sqrt(1) = 2 : 1, so the one Bible verse is a third of the draws, not a fifth.
    assert "fr:bible 20.0% -> 33.3%, fr:ui 80.0% -> 66.7%" in capsys.readouterr().out


def test_init_fine_tunes_a_bundle_with_its_own_model_and_tokenizers(text_bundle, tmp_path,
                                                                     capsys):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("".join(f"{f}\t{e}\n" for f, e in zip(FRENCH, ENGLISH, strict=True)))
    out = tmp_path / "translate-tuned"
    assert main(["train", "--task", "translate", "--init", str(text_bundle), "--train",
                 str(pairs), "--dev", str(pairs), "--out", str(out), "--run-dir",
                 str(tmp_path / "run"), "--steps", "2", "--lr", "1e-7", "--warmup", "1",
                 "--eval-every", "1", "--device", "cpu"]) == 0
    tuned, original = (json.loads((p / "config.json").read_text()) for p in (out, text_bundle))
    # Two steps from random weights score nothing; the bundle's own weights score 100.
    assert tuned["metadata"]["metrics"]["dev_score"] == pytest.approx(100.0)
    assert tuned["metadata"]["training"]["fine_tuned_from"] == str(text_bundle)
    assert (tuned["encoder"], tuned["decoder"]) == (original["encoder"], original["decoder"])
    for name in ("source.model", "target.model"):
        assert (out / name).read_bytes() == (text_bundle / name).read_bytes()
    # Options that describe another model, or a bundle of another task, are refused.
    capsys.readouterr()
    assert main(["train", "--task", "translate", "--init", str(text_bundle), "--train",
                 str(pairs), "--out", str(tmp_path / "x"), "--vocab", "100"]) == 1
    assert "leave out --vocab" in capsys.readouterr().err
    assert main(["train", "--task", "caption", "--init", str(text_bundle), "--train",
                 str(pairs), "--out", str(tmp_path / "y"), "--run-dir",
                 str(tmp_path / "run-y")]) == 1
    assert "is a translate model, not a caption model" in capsys.readouterr().err


def test_training_bench_takes_real_optimiser_steps():
    from multimodal.bench import FAMILIES, default_model
    from multimodal.bench_train import _steps_per_second

    torch.manual_seed(0)
    device = torch.device("cpu")
    model = default_model("text", device).train()
    before = {k: v.clone() for k, v in model.decoder.state_dict().items()}
    rate = _steps_per_second(model, 2, 5, FAMILIES["text"][2], device, min_seconds=0.0)
    after = model.decoder.state_dict()
    assert rate > 0
    assert any(not torch.equal(before[k], after[k]) for k in before)


def test_both_benches_time_the_model_the_recipe_trains():
    from multimodal.bench import default_model, run_bench
    from multimodal.decoder import LocationAttention

    audio = default_model("audio", torch.device("cpu"))
    text = default_model("text", torch.device("cpu"))
    assert isinstance(audio.decoder.attention, LocationAttention) and audio.ctc_head is not None
    assert not isinstance(text.decoder.attention, LocationAttention) and text.ctc_head is None
    rows = run_bench("cpu", batches=(1, 2), beams=(2,), steps=3, families=("text",))
    assert [r["batch"] for r in rows] == [1, 2] and all(r["items_per_second"] > 0 for r in rows)
