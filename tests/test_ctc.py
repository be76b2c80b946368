"""The joint CTC loss on the encoder: what it reads from the decoder's targets, and where it
is switched on."""

import pytest
import torch

from multimodal.encoders.base import EncoderOutput
from multimodal.model import build_model
from multimodal.recipe import make_config
from multimodal.tokenizer import BOS_ID, EOS_ID, PAD_ID, Tokenizer


def _audio_model(ctc_weight, vocab=30):
    return build_model({
        "encoder": {"name": "cnn_bilstm", "args": {"d_model": 16, "conv_channels": 4,
                                                   "lstm_layers": 1, "n_mels": 20}},
        "decoder": {"vocab_size": vocab, "embed_dim": 8, "hidden_dim": 16, "num_layers": 1},
        "ctc_weight": ctc_weight})


def test_ctc_loss_reads_the_labels_between_bos_and_eos():
    torch.manual_seed(0)
    model = _audio_model(0.3)
    memory = torch.randn(2, 9, 16)
    mask = torch.tensor([[True] * 9, [True] * 6 + [False] * 3])
    enc = EncoderOutput(memory, mask)
    targets = torch.tensor([[BOS_ID, 5, 6, 6, 7, EOS_ID], [BOS_ID, 8, 9, EOS_ID, PAD_ID, PAD_ID]])
    expected = 0.0
    for i, labels in enumerate(([5, 6, 6, 7], [8, 9])):
        frames = int(mask[i].sum())
        log_probs = model.ctc_head(memory[i:i + 1, :frames]).log_softmax(-1).transpose(0, 1)
        expected += torch.nn.functional.ctc_loss(
            log_probs, torch.tensor([labels]), torch.tensor([frames]),
            torch.tensor([len(labels)]), blank=PAD_ID, reduction="sum")
    assert torch.allclose(model.ctc_loss(enc, targets), expected, atol=1e-5)


def test_ctc_head_only_when_asked_for():
    assert _audio_model(0.0).ctc_head is None
    with pytest.raises(ValueError):
        _audio_model(1.0)


def test_transcribe_trains_with_ctc_by_default_and_other_tasks_without():
    tokenizer = Tokenizer.train(["one two three", "four five six"] * 5, 30)
    config = make_config("transcribe", {"target": tokenizer}, None, {}, {})
    assert config["ctc_weight"] == 0.5
    assert config["decoder"]["attention"] == "location"
    assert config["search"]["ctc_weight"] == 0.5  # joint CTC/attention beam search
    assert make_config("translate", {"target": tokenizer, "source": tokenizer}, None, {},
                       {})["decoder"]["attention"] == "additive"
    assert "ctc_weight" not in make_config("transcribe", {"target": tokenizer}, None, {}, {},
                                           ctc_weight=0.0)
    assert "ctc_weight" not in make_config("caption", {"target": tokenizer}, None, {}, {})


def test_a_bundle_keeps_its_ctc_head(tmp_path):
    from multimodal.bundle import load_bundle, save_bundle

    target = Tokenizer.train(["one two three", "four five six"] * 5, 30)
    model = _audio_model(0.3, len(target)).eval()
    config = {"task": "transcribe", "encoder": {"name": "cnn_bilstm", "args": {
        "d_model": 16, "conv_channels": 4, "lstm_layers": 1, "n_mels": 20}},
        "decoder": {"vocab_size": len(target), "embed_dim": 8, "hidden_dim": 16,
                    "num_layers": 1},
        "ctc_weight": 0.3, "preprocessing": {"sample_rate": 16000}}
    loaded, _, _ = load_bundle(save_bundle(tmp_path / "asr", model, config, {"target": target}))
    assert loaded.ctc_weight == 0.3
    assert torch.equal(loaded.ctc_head.weight, model.ctc_head.weight)


def _prefix_scores(log_probs, lengths, prefixes, candidates):
    """Total CTC prefix log-score of every prefix + candidate, walked token by token."""
    from multimodal.ctc_prefix import CTCPrefixScorer

    rows = len(prefixes)
    scorer = CTCPrefixScorer(log_probs, lengths, torch.arange(rows), PAD_ID, EOS_ID)
    total = torch.zeros(rows)
    for step in range(len(prefixes[0])):
        tokens = torch.tensor([prefix[step] for prefix in prefixes])
        total += scorer.score(tokens.unsqueeze(1))[:, 0]
        scorer.advance(torch.arange(rows), tokens)
    return total.unsqueeze(1) + scorer.score(candidates)


def test_ctc_prefix_score_of_the_end_is_the_whole_ctc_probability():
    torch.manual_seed(0)
    log_probs = torch.randn(2, 9, 7).log_softmax(-1)
    lengths = torch.tensor([9, 6])  # the second input is padded
    sequences = [[4, 4, 5], [5, 6, 5]]  # a repeated label needs a blank in between
    got = _prefix_scores(log_probs, lengths, sequences, torch.full((2, 1), EOS_ID))[:, 0]
    expected = -torch.nn.functional.ctc_loss(
        log_probs.transpose(0, 1), torch.tensor(sequences), lengths, torch.tensor([3, 3]),
        blank=PAD_ID, reduction="none")
    assert torch.allclose(got, expected, atol=1e-4)


def test_a_prefix_is_its_exact_end_plus_all_its_extensions():
    torch.manual_seed(1)
    vocab = 6
    scores = torch.randn(1, 5, vocab)
    scores[..., EOS_ID] = float("-inf")  # the end is never a CTC label (as in training)
    log_probs = scores.log_softmax(-1)
    lengths = torch.tensor([5])
    labels = [c for c in range(vocab) if c not in (PAD_ID, EOS_ID)]
    for prefix in ([], [4], [4, 4], [4, 5]):
        # P(audio begins with g) = P(audio is exactly g) + sum over c of P(begins with g c)
        parts = _prefix_scores(log_probs, lengths, [prefix], torch.tensor([[EOS_ID] + labels]))
        whole = (_prefix_scores(log_probs, lengths, [prefix[:-1]], torch.tensor([prefix[-1:]]))
                 if prefix else torch.zeros(1, 1))
        assert torch.isclose(torch.logsumexp(parts[0], 0), whole[0, 0], atol=1e-4)


def test_joint_ctc_search_is_exact_in_a_batch_and_off_at_weight_zero():
    from multimodal.search import SearchOptions, search

    torch.manual_seed(1)
    model = _audio_model(0.3).eval()
    waves, lengths = torch.randn(3, 16000) * 0.1, torch.tensor([16000, 12000, 7000])
    enc = model.encode(waves, lengths)

    def summary(results):
        return [[(h.tokens, round(h.score, 4)) for h in hyps] for hyps in results]

    plain = SearchOptions(beam=4, max_len_b=6, nbest=4)
    assert summary(model.generate(waves, lengths, plain)) == summary(
        search(model.decoder, enc, plain))
    joint = SearchOptions(beam=3, max_len_b=6, nbest=3, ctc_weight=0.5)
    batched = model.generate(waves, lengths, joint)
    for i in range(3):
        alone = model.generate(waves[i:i + 1, :lengths[i]], lengths[i:i + 1], joint)
        assert summary(alone) == summary(batched[i:i + 1])
    assert summary(batched) != summary(model.generate(waves, lengths, plain))


def test_a_new_decoder_can_start_from_a_trained_encoder(tmp_path):
    from safetensors.torch import save_file

    from multimodal.errors import MultimodalError
    from multimodal.recipe import init_encoder

    torch.manual_seed(0)
    trained = _audio_model(0.3)
    torch.manual_seed(1)
    fresh = _audio_model(0.3)
    fresh.decoder = build_model({  # another attention: only the encoder can carry over
        "encoder": {"name": "cnn_bilstm", "args": {"d_model": 16, "conv_channels": 4,
                                                   "lstm_layers": 1, "n_mels": 20}},
        "decoder": {"vocab_size": 30, "embed_dim": 8, "hidden_dim": 16, "num_layers": 1,
                    "attention": "location"}}).decoder
    save_file({k: v.contiguous() for k, v in trained.state_dict().items()
               if k != "decoder.output.weight"},  # tied to the embedding: stored once
              tmp_path / "trained.safetensors")
    decoder_before = {k: v.clone() for k, v in fresh.decoder.state_dict().items()}
    assert init_encoder(fresh, tmp_path / "trained.safetensors") > 0
    for name, tensor in trained.state_dict().items():
        if name.startswith(("encoder.", "ctc_head.")):
            assert torch.equal(fresh.state_dict()[name], tensor)
    for name, tensor in fresh.decoder.state_dict().items():
        assert torch.equal(tensor, decoder_before[name])  # the decoder starts afresh
    (tmp_path / "broken.safetensors").write_bytes(b"not weights")
    with pytest.raises(MultimodalError, match="not readable weights"):
        init_encoder(fresh, tmp_path / "broken.safetensors")


def _scores_by_loop(scorer, candidates):
    """The prefix recurrence frame by frame, as first written: the reference."""
    from multimodal.ctc_prefix import NEG_INF

    x = scorer.x[:, scorer.items.unsqueeze(1), candidates]
    blanks = scorer.x[:, scorer.items, scorer.blank].unsqueeze(-1)
    r_prev = scorer.r.unsqueeze(2)
    either = torch.logaddexp(r_prev[..., 0], r_prev[..., 1])
    repeat = (candidates == scorer.last.unsqueeze(1)).unsqueeze(0)
    phi = torch.where(repeat, r_prev[..., 1], either)
    r = torch.full((*x.shape, 2), NEG_INF)
    r[0, ..., 0] = torch.where(scorer.empty.unsqueeze(1), x[0], NEG_INF)
    for t in range(1, x.shape[0]):
        r[t, ..., 0] = torch.logaddexp(r[t - 1, ..., 0], phi[t - 1]) + x[t]
        r[t, ..., 1] = torch.logaddexp(r[t - 1, ..., 0], r[t - 1, ..., 1]) + blanks[t]
    return r


def test_prefix_scores_unrolled_match_the_frame_by_frame_recurrence():
    from multimodal.ctc_prefix import CTCPrefixScorer

    torch.manual_seed(0)
    vocab, frames = 12, 40
    log_probs = (3 * torch.randn(2, frames, vocab)).log_softmax(-1)
    lengths = torch.tensor([frames, 23])  # the second input is padded
    items = torch.tensor([0, 0, 0, 1, 1, 1])  # three hypotheses per input
    scorer = CTCPrefixScorer(log_probs, lengths, items, blank=PAD_ID, eos=EOS_ID)
    for _ in range(6):
        candidates = torch.stack([torch.randperm(vocab - 4)[:5] + 4 for _ in items])
        candidates[:, 0] = EOS_ID
        expected = _scores_by_loop(scorer, candidates)
        scorer.score(candidates)
        finite = expected > -1e30
        assert torch.equal(finite, scorer.next_r > -1e30)
        assert torch.allclose(scorer.next_r[finite], expected[finite], atol=1e-4, rtol=1e-5)
        pick = torch.randint(1, 5, (len(items),))
        scorer.advance(torch.arange(len(items)), candidates[torch.arange(len(items)), pick])
