"""Shallow fusion: a language model over the target pieces, trained by `train-lm`, steers
beam search by `lm_weight`, is stored in the bundle and resumes its training."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
import torch
from helpers import TRANSCRIPTS
from test_search import random_batch, random_text_model

from multimodal.bundle import load_bundle
from multimodal.cli import main
from multimodal.language_model import TokenLM
from multimodal.search import SearchOptions, beam_search
from multimodal.tokenizer import BOS_ID, EOS_ID

SENTENCE = [7, 9, 11, 13]  # the one sequence the test LM learns


def _lm_of_one_sentence(vocab: int = 40) -> TokenLM:
    torch.manual_seed(0)
    lm = TokenLM(vocab, embed_dim=16, hidden_dim=32, dropout=0.0)
    optimiser = torch.optim.Adam(lm.parameters(), lr=0.03)
    ids = torch.tensor([[BOS_ID, *SENTENCE, EOS_ID]])
    for _ in range(150):
        logits, _ = lm(ids[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits[0], ids[0, 1:])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return lm.eval()


def test_one_step_at_a_time_equals_the_whole_sequence():
    lm = _lm_of_one_sentence()
    ids = torch.tensor([[BOS_ID, 7, 9, 20, 3], [BOS_ID, 5, 5, 5, 5]])
    with torch.no_grad():
        whole = torch.log_softmax(lm(ids)[0], -1)
        state = lm.init_state(2, ids.device)
        for t in range(ids.shape[1]):
            step, state = lm.step(ids[:, t], state)
            assert torch.allclose(step, whole[:, t], atol=1e-5)


@pytest.mark.parametrize("ctc", [False, True])
def test_a_heavy_lm_weight_makes_beam_search_write_the_lms_sentence(ctc):
    model = random_text_model(3)
    lm = _lm_of_one_sentence()
    x, lengths = random_batch(3)
    enc = model.encode(x, lengths)
    ctc_log_probs = torch.randn(5, 9, 40).log_softmax(-1) if ctc else None
    plain = SearchOptions(beam=3, max_len_b=8, ctc_weight=0.3 if ctc else 0.0)
    without = beam_search(model.decoder, enc, plain, ctc_log_probs)
    unweighted = beam_search(model.decoder, enc, plain, ctc_log_probs, lm=lm)
    fused = beam_search(model.decoder, enc, SearchOptions(**{**plain.__dict__, "lm_weight": 20}),
                        ctc_log_probs, lm=lm)
    assert [h[0].tokens for h in unweighted] == [h[0].tokens for h in without]
    assert all(h[0].tokens != SENTENCE for h in without)
    # (CTC rules out four pieces from the one frame of input 3)
    able = [i for i, n in enumerate(lengths.tolist()) if not ctc or n >= len(SENTENCE)]
    assert [fused[i][0].tokens for i in able] == [SENTENCE] * len(able) and len(able) >= 4
    assert all(h[0].finished for h in fused)


def test_train_lm_writes_a_bundle_with_its_lm_and_resumes(tmp_path, untrained_bundles):
    train, dev = tmp_path / "train.txt", tmp_path / "dev.txt"
    train.write_text("\n".join(TRANSCRIPTS * 20) + "\n")
    dev.write_text("\n".join(TRANSCRIPTS) + "\n")
    common = ["train-lm", "--weights", str(untrained_bundles["transcribe"]), "--train",
              str(train), "--dev", str(dev), "--out", str(tmp_path / "fused"), "--run-dir",
              str(tmp_path / "run"), "--lm-arg", "hidden_dim=32", "--lm-arg", "embed_dim=16",
              "--batch-size", "8", "--warmup", "5", "--lr", "0.01", "--device", "cpu"]
    assert main(common + ["--steps", "10", "--eval-every", "10"]) == 0
    first = json.loads((tmp_path / "fused" / "config.json").read_text())["metadata"]["lm"]
    assert main(common + ["--steps", "60", "--eval-every", "25"]) == 0
    model, config, tokenizers = load_bundle(tmp_path / "fused")
    meta = config["metadata"]["lm"]
    assert meta["steps"] == 60 and meta["dev_perplexity"] < first["dev_perplexity"]
    assert config["lm"]["hidden_dim"] == 32 and config["search"]["lm_weight"] == 0.0
    assert isinstance(model.lm, TokenLM)
    # the learnt LM knows the sentences: one's first piece is far likelier than chance
    ids = tokenizers["target"].encode("hello world", add_bos=True)
    with torch.no_grad():
        step, _ = model.lm.step(torch.tensor([BOS_ID]), model.lm.init_state(1, "cpu"))
    assert step[0, ids[1]].exp() > 3 / len(tokenizers["target"])
    original, _, _ = load_bundle(untrained_bundles["transcribe"])
    assert original.lm is None  # the source bundle is left as it was
    # Fine-tuning the acoustic model keeps the language model and what the card says of it.
    for i in range(2):
        sf.write(tmp_path / f"{i}.wav", np.random.default_rng(i).normal(0, 0.1, 8000), 16000)
    (tmp_path / "clips.tsv").write_text("path\ttext\n" + "".join(
        f"{tmp_path / f'{i}.wav'}\t{text}\n" for i, text in enumerate(TRANSCRIPTS[:2])))
    assert main(["train", "--task", "transcribe", "--init", str(tmp_path / "fused"), "--train",
                 str(tmp_path / "clips.tsv"), "--out", str(tmp_path / "tuned"), "--run-dir",
                 str(tmp_path / "run-tuned"), "--steps", "1", "--batch-size", "2",
                 "--device", "cpu"]) == 0
    tuned_model, tuned, _ = load_bundle(tmp_path / "tuned")
    assert tuned["metadata"]["lm"] == meta and isinstance(tuned_model.lm, TokenLM)


def test_the_model_card_says_how_the_lm_joins_the_search():
    from multimodal.transcribe_card import _lm

    config = {"lm": {"hidden_dim": 512, "num_layers": 1}, "search": {"lm_weight": 0.3},
              "metadata": {"lm": {"sentences": 600000, "steps": 5000, "batch_size": 128,
                                  "seconds": 2520, "dev_perplexity": 9.5}}}
    said = _lm(config)
    assert "600,000 lines" in said and "42 minutes" in said and "weight 0.3" in said
    config["search"]["lm_weight"] = 0.0
    assert "off (LM weight 0)" in _lm(config)
    assert _lm({"search": {}}) == ""
