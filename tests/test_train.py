"""The training loop: exact resume, early stopping on a decoded dev score, logs, schedule."""

import json

import pytest
import torch
from helpers import ENGLISH, FRENCH, text_config

from multimodal.model import build_model
from multimodal.preprocess import Preprocessor
from multimodal.tokenizer import Tokenizer
from multimodal.train import ExampleDataset, TrainConfig, Trainer, lr_factor


def _setup(tmp_path, name, steps, evaluate=None, dropout=0.3, examples=5,
           by_length=True, **cfg):
    torch.manual_seed(0)
    source, target = Tokenizer.train(FRENCH, 60), Tokenizer.train(ENGLISH, 60)
    config = text_config(source, target)
    config["encoder"]["args"]["dropout"] = dropout  # dropout: the RNG state matters on resume
    config["decoder"]["dropout"] = dropout
    model = build_model(config)
    french, english = FRENCH[:examples], ENGLISH[:examples]
    data = ExampleDataset(french, english, Preprocessor("text", {}, source), target,
                          lengths=[len(s) for s in french] if by_length else None)
    settings = dict(steps=steps, batch_size=2, lr=5e-3, warmup=3, progress=False,
                    checkpoint_every=4, log_every=1)
    settings.update(cfg)
    return Trainer(model, data, tmp_path / name, TrainConfig(**settings),
                   torch.device("cpu"), evaluate)


def test_resume_is_exact(tmp_path):
    straight = _setup(tmp_path, "straight", 10)
    straight.fit()
    first = _setup(tmp_path, "resumed", 10, checkpoint_every=3)
    first.fit(until=4)  # interrupted at step 4, after a checkpoint ...
    second = _setup(tmp_path, "resumed", 10)  # ... a new process picks it up
    assert second.resume() and second.step == 4
    second.fit()
    a, b = straight.model.state_dict(), second.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    losses = [json.loads(line) for line in (tmp_path / "resumed" / "log.jsonl").open()]
    assert [r["step"] for r in losses] == list(range(1, 11))


def test_time_limit_pauses_with_a_checkpoint(tmp_path):
    trainer = _setup(tmp_path, "timed", 1000, checkpoint_every=500)
    result = trainer.fit(time_limit=0.0)  # out of time after the first step
    assert result.steps == 1 and trainer.checkpoint_path.exists()
    again = _setup(tmp_path, "timed", 1000)
    assert again.resume() and again.step == 1


def test_early_stopping_keeps_the_best_weights(tmp_path):
    scores = iter([1.0, 3.0, 2.0, 2.5, 0.0, 9.0])
    snapshots = []

    def evaluate(model):
        snapshots.append({k: v.clone() for k, v in model.state_dict().items()})
        return next(scores)

    trainer = _setup(tmp_path, "early", 100, evaluate, eval_every=2, patience=2)
    result = trainer.fit()
    assert result.stopped_early and result.steps == 8  # evals at 2,4,6,8; best at 4
    assert result.best_score == 3.0
    best = snapshots[1]
    assert all(torch.equal(best[k], v) for k, v in trainer.model.state_dict().items())
    log = [json.loads(line) for line in (tmp_path / "early" / "log.jsonl").open()]
    assert [r["dev_score"] for r in log if "dev_score" in r] == [1.0, 3.0, 2.0, 2.5]


def test_gradient_accumulation_matches_a_bigger_batch(tmp_path):
    # One step over the same four sentences of different lengths, cut differently.
    same = dict(dropout=0.0, examples=4, by_length=False, lr=1e-3)
    big = _setup(tmp_path, "big", 1, batch_size=4, **same)
    small = _setup(tmp_path, "small", 1, batch_size=2, grad_accum=2, **same)
    big.fit(), small.fit()
    a, b = big.model.state_dict(), small.model.state_dict()
    # float summation order differs with the thread count; a wrong accumulation would be off
    # by about the learning rate (1e-3)
    worst = max((a[k] - b[k]).abs().max().item() for k in a)
    assert worst < 1e-5, worst


def test_schedule_warms_up_then_decays():
    cfg = TrainConfig(steps=100, warmup=10, final_lr_ratio=0.1)
    factors = [lr_factor(s, cfg) for s in range(100)]
    assert factors[0] == pytest.approx(0.1) and factors[9] == pytest.approx(1.0)
    assert all(x >= y for x, y in zip(factors[9:], factors[10:], strict=False))
    assert lr_factor(100, cfg) == pytest.approx(0.1)


def test_best_weights_of_a_speech_model_are_kept(tmp_path):
    """The audio encoder holds torchaudio buffers (the mel window) that safetensors' own
    model saving refuses; the best weights must still be written and restored."""
    from helpers import TRANSCRIPTS, tiny_decoder, write_sounds

    torch.manual_seed(0)
    target = Tokenizer.train(TRANSCRIPTS, 40)
    model = build_model({"encoder": {"name": "cnn_bilstm", "args": {
        "d_model": 16, "conv_channels": 4, "lstm_layers": 1, "n_mels": 20}},
        "decoder": tiny_decoder(len(target)), "ctc_weight": 0.3})
    sounds = write_sounds(tmp_path)
    data = ExampleDataset(sounds, TRANSCRIPTS, Preprocessor("audio", {"sample_rate": 16000}),
                          target)
    scores = iter([1.0, 0.0])
    trainer = Trainer(model, data, tmp_path / "run", TrainConfig(
        steps=4, batch_size=2, warmup=1, progress=False, eval_every=2, checkpoint_every=2),
        torch.device("cpu"), lambda m: next(scores))
    trainer.fit(until=2)
    best = {k: v.clone() for k, v in model.state_dict().items()}
    trainer.fit()  # step 4 scores worse: the step-2 weights come back
    assert all(torch.equal(best[k], v) for k, v in model.state_dict().items())


def test_batches_carry_each_pictures_boxes_padded_with_zeros():
    source, target = Tokenizer.train(FRENCH, 60), Tokenizer.train(ENGLISH, 60)
    boxes = [(), ((0.1, 0.1, 0.5, 0.5), (0.5, 0.5, 0.9, 0.9))]
    data = ExampleDataset(FRENCH[:2], ENGLISH[:2], Preprocessor("text", {}, source), target,
                          regions=boxes)
    *_, regions = data.collate([data[0], data[1]])
    assert regions.shape == (2, 2, 4)
    assert regions[0].abs().sum() == 0
    assert regions[1, 1].tolist() == pytest.approx([0.5, 0.5, 0.9, 0.9])
    plain = ExampleDataset(FRENCH[:2], ENGLISH[:2], Preprocessor("text", {}, source), target)
    *_, none = plain.collate([plain[0]])
    assert none is None


def test_balancing_draws_small_domains_more_often_and_stays_reproducible():
    from collections import Counter

    from multimodal.train import ResumableBatchSampler, domain_shares

    domains = ["ui"] * 90 + ["bible"] * 9 + ["descriptions"] * 1
    shares = domain_shares(domains, 2.0)
    assert sum(shares.values()) == pytest.approx(1)
    assert shares["descriptions"] == pytest.approx(1 / (9.4868 + 3 + 1), rel=1e-3)  # sqrt sizes
    assert domain_shares(domains, 1.0)["ui"] == pytest.approx(0.9)

    sampler = ResumableBatchSampler(100, 10, seed=0, domains=domains, temperature=2.0)
    epoch = [i for batch in sampler.batches(0) for i in batch]
    assert len(epoch) == 100  # an epoch keeps its length
    drawn = Counter(domains[i] for i in epoch)
    assert drawn == {"ui": 70, "bible": 22, "descriptions": 8}  # 70.3 / 22.2 / 7.4, rounded
    assert set(epoch) >= set(range(90, 100))  # every small-domain example is drawn
    assert epoch == [i for b in sampler.batches(0) for i in b]  # resumable: same order again
    assert epoch != [i for b in sampler.batches(1) for i in b]
    # Temperature 1 leaves the plain shuffled permutation.
    plain = ResumableBatchSampler(100, 10, seed=0, domains=domains, temperature=1.0)
    assert sorted(i for b in plain.batches(0) for i in b) == list(range(100))
