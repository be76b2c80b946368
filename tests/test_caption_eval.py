"""The caption table: ours next to the template and retrieval baselines, same pictures."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch
from PIL import Image
from safetensors.torch import save_file

from multimodal import caption_eval
from multimodal.caption_eval import caption_scores, caption_table, format_table, looks_at_objects
from multimodal.errors import BundleError
from multimodal.name_bank import BANK_NAME
from multimodal.pipeline import load

pytest.importorskip("pycocoevalcap")


def _rows(captions: list[str], names: list[list[str]]) -> list[dict]:
    return [{"caption": c, "names": n} for c, n in zip(captions, names, strict=True)]


def test_scores_reward_the_right_caption_and_the_object_name():
    rows = _rows(["A red apple.", "A small dog to the left of a big car.", "An owl."],
                 [["red apple"], ["dog", "car"], ["owl"]])
    perfect = caption_scores([r["caption"] for r in rows], rows)
    assert perfect["bleu1"] == pytest.approx(100) and perfect["name_hit"] == 100
    wrong = caption_scores(["A photo of a tabby cat.", "A tree.", "An owl."], rows)
    assert wrong["bleu4"] < perfect["bleu4"] and wrong["cider"] < perfect["cider"]
    assert wrong["name_hit"] == pytest.approx(100 / 4)  # only the owl of 4 objects


@pytest.fixture
def tiny_corpus(tmp_path, monkeypatch):
    monkeypatch.setenv("MULTIMODAL_CACHE", str(tmp_path))
    folder = tmp_path / "caption"
    colours = {"red": (220, 20, 20), "blue": (20, 40, 220), "green": (20, 180, 40)}
    for split, items in {"train": ["red", "blue"], "test_single": ["green", "red", "blue"],
                         "test_scene": ["blue"]}.items():
        lines = []
        for i, colour in enumerate(items):
            path = folder / "images" / split / f"{i}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (96, 96), colours[colour]).save(path)
            lines.append(json.dumps({"path": str(path.relative_to(folder)), "kind": "single",
                                     "objects": [f"{colour}-square"],
                                     "caption": f"A {colour} square.", "names": ["square"],
                                     "photo": colour != "green",
                                     "sources": ["gcompris" if (split, colour) == (
                                         "test_single", "blue") else "tuxpaint"],
                                     "boxes": [[0.0, 0.0, 0.5, 1.0]]}))
        (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n")
        (folder / f"{split}.tsv").write_text("".join(
            f"images/{split}/{i}.jpg\tA {colour} square.\n" for i, colour in enumerate(items)))
    return folder


def test_table_puts_three_systems_on_the_same_pictures(tiny_corpus, untrained_bundles):
    pipe = load(untrained_bundles["caption"], device="cpu")
    table = caption_table(pipe, beam=1)
    sets = {r["set"] for r in table}
    assert sets == {"held-out single objects", "held-out real-photo stamps",
                    "held-out GCompris photos", "held-out scenes"}
    for r in table:
        assert r["system"] in {"ours", "template", "retrieval"}
        assert 0 <= r["bleu4"] <= 100 + 1e-6 and 0 <= r["name_hit"] <= 100
    # each source's photos are a set of their own: the red stamp, the blue GCompris photo
    photo = [r for r in table if r["set"] in ("held-out real-photo stamps",
                                              "held-out GCompris photos")]
    assert all(r["pictures"] == 1 for r in photo)
    assert {r["examples"][0][0] for r in photo} == {"1.jpg", "2.jpg"}
    template = next(r for r in table if r["system"] == "template")
    assert all(h.startswith("A photo of") for _, h in template["examples"])
    retrieval = next(r for r in table if r["system"] == "retrieval"
                     and r["set"] == "held-out single objects")
    # The nearest training picture of the red test square is the red training square.
    assert dict(retrieval["examples"])["1.jpg"] == "A red square."
    assert "| held-out scenes | 1 | retrieval |" in format_table(table)
    ours = [r for r in table if r["system"] == "ours"]
    assert all(0 <= r["looks"] <= 100 and r["cover"] == pytest.approx(50) for r in ours)
    assert all("looks" not in r for r in table if r["system"] != "ours")
    # every baseline row carries ours minus it in CIDEr-D, with the interval around it
    for r in table:
        margin = r["ours_minus_this"]
        assert (margin is None) == (r["system"] == "ours")
        if margin:
            mine = next(o for o in ours if o["set"] == r["set"])
            assert margin["value"] == pytest.approx(mine["cider"] - r["cider"])
            assert margin["low"] <= margin["value"] <= margin["high"]
    # The naming ceiling rides on the template's rows: "square" is a training-caption word.
    for r in table:
        assert ("top10" in r) == (r["system"] == "template")
    assert all(r["seen"] == 100 and r["top1"] <= r["top5"] <= r["top10"]
               for r in table if r["system"] == "template")


def test_a_bundle_with_the_word_prior_on_is_also_scored_without_it(tiny_corpus, tmp_path):
    from helpers import lite0_caption_bundle

    table = caption_table(load(lite0_caption_bundle(tmp_path, word_prior=3.0), device="cpu"))
    systems = [r["system"] for r in table if r["set"] == "held-out single objects"]
    assert systems == ["ours", "ours, no word prior", "template", "retrieval"]
    assert "| ours, no word prior |" in format_table(table)


def test_a_name_bank_is_built_into_a_bundle_and_scored_against_its_absence(
        tiny_corpus, tmp_path, capsys, untrained_bundles):
    from helpers import lite0_caption_bundle

    from multimodal.cli import main
    from multimodal.tune import write_search

    bundle = lite0_caption_bundle(tmp_path, word_prior=3.0)
    # a bank of the older format (nearest pictures) stops the bundle loading, not its rebuild
    save_file({"features": torch.zeros(2, 4)}, str(bundle / BANK_NAME), metadata={"names": "[]"})
    with pytest.raises(BundleError, match="older format"):
        load(bundle, device="cpu")
    assert main(["name-bank", "--weights", str(bundle), "--device", "cpu"]) == 0
    assert "2 pictures, 1 names" in capsys.readouterr().out  # the two training squares
    write_search(bundle, "name_bank", 1.0)
    pipe = load(bundle, device="cpu")
    assert pipe.word_prior.bank.names == ["square"] and pipe.options.name_bank == 1.0
    table = caption_table(pipe)
    systems = [r["system"] for r in table if r["set"] == "held-out single objects"]
    assert systems == ["ours", "ours, no name bank", "ours, no word prior", "template",
                       "retrieval"]
    # a bundle of a trunk without pretrained features has nothing to compare
    assert main(["name-bank", "--weights", str(untrained_bundles["caption"])]) == 1
    assert "needs a caption bundle with a pretrained" in capsys.readouterr().err


def test_looking_at_an_object_is_the_attention_peak_inside_its_box():
    import numpy as np

    def pred(peaks):  # a 2x2 grid; one word per peak cell
        attention = np.full((len(peaks), 4), 0.1, dtype=np.float32)
        attention[np.arange(len(peaks)), peaks] = 0.7
        return SimpleNamespace(grid=(2, 2), attention=attention)

    left = {"boxes": [[0.0, 0.0, 0.5, 1.0]]}  # cells 0 and 2 (row-major)
    assert looks_at_objects([pred([0, 2, 2])], [left]) == {"looks": 100.0, "cover": 50.0}
    assert looks_at_objects([pred([1, 3]), pred([0, 0])], [left, left])["looks"] == 50.0
    assert looks_at_objects([pred([0])], [{"boxes": []}]) is None  # no boxes known


def test_card_reports_scores_and_keeps_them_in_the_config(tiny_corpus, untrained_bundles,
                                                           tmp_path):
    import shutil

    from multimodal.caption_card import write_card

    bundle = tmp_path / "weights" / "caption-x"
    shutil.copytree(untrained_bundles["caption"], bundle)
    pipe = load(bundle, device="cpu")
    table = caption_table(pipe, beam=1)
    write_card(pipe, table, bundle)
    card = (bundle / "MODEL_CARD.md").read_text()
    assert "| held-out scenes | 1 | template |" in card and "examples/koala.png" in card
    assert "a name word is in the training captions" in card
    metrics = json.loads((bundle / "config.json").read_text())["metadata"]["metrics"]
    assert "single CIDEr-D" in metrics and "scenes names the object %" in metrics
    assert "single looks at an object %" in metrics
    # The card says so when the words look at the objects no more than looking anywhere.
    ours = [r for r in table if r["system"] == "ours"]
    blind = any(r["looks"] <= r["cover"] for r in ours)
    assert ("attention maps do not point at the objects" in card) == blind


def test_card_says_when_the_decoder_was_trained_before_the_corpus_grew(tiny_corpus, tmp_path):
    from multimodal.caption_card import _corpus_counts, _decoder_share
    from multimodal.name_bank import BANK_NAME

    (tiny_corpus / "counts.json").write_text(json.dumps({"train": {"single": 10, "scene": 5}}))
    counts = _corpus_counts()
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    assert _decoder_share(15, bundle, counts) == ""  # trained on the whole training split
    assert "12 of its 15 training pictures." in _decoder_share(12, bundle, counts)
    (bundle / BANK_NAME).write_bytes(b"")
    assert "the name bank learnt from all of them" in _decoder_share(12, bundle, counts)


def test_missing_corpus_says_how_to_build_it(tmp_path, monkeypatch, untrained_bundles):
    monkeypatch.setenv("MULTIMODAL_CACHE", str(tmp_path))
    pipe = load(untrained_bundles["caption"], device="cpu")
    args = SimpleNamespace(beam=1, batch_size=4, limit=None, json=False, card=False)
    with pytest.raises(Exception, match="data caption"):
        caption_eval.run(pipe, args)


def test_every_caption_word_has_a_map_over_the_image_grid(untrained_bundles, tmp_path):
    picture = tmp_path / "p.png"
    Image.new("RGB", (120, 80), (200, 30, 30)).save(picture)
    [pred] = load(untrained_bundles["caption"], device="cpu").predict([str(picture)], beam=2)
    rows, cols = pred.grid
    assert pred.attention.shape == (len(pred.tokens), rows * cols) and rows == cols == 2
    maps = pred.attention.reshape(len(pred.tokens), rows, cols)
    assert maps.sum(axis=(1, 2)) == pytest.approx([1.0] * len(pred.tokens), abs=1e-4)


def test_bench_times_every_setting_with_the_encoder_share(tiny_corpus, untrained_bundles,
                                                          capsys):
    from multimodal.bench_caption import run_caption_bench

    rows = run_caption_bench(load(untrained_bundles["caption"], device="cpu"),
                             batches=(1, 2), beams=(1, 2))
    assert [(r["beam"], r["batch"]) for r in rows] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    assert all(r["captions_per_second"] > 0 and r["encoder_share"] > 0 for r in rows)
    assert "encoder share" in capsys.readouterr().out


def test_card_warns_only_when_the_words_do_not_look_at_the_objects():
    from multimodal.caption_card import _attention_limit

    row = {"set": "held-out single objects", "system": "ours", "cover": 40.0}
    assert _attention_limit([{**row, "looks": 95.0}]) == []
    [warning] = _attention_limit([{**row, "looks": 2.0}, {**row, "system": "template"}])
    assert "do not point at the objects" in warning and "2% against 40%" in warning
