"""The one batched search: beam 1 is greedy, limits and fallbacks hold, batching is exact."""

import pytest
import torch

from multimodal.model import build_model
from multimodal.search import SearchOptions, beam_search, greedy_search
from multimodal.tokenizer import EOS_ID


def random_text_model(seed: int, vocab: int = 40, attention: str = "additive"):
    torch.manual_seed(seed)
    config = {"encoder": {"name": "birnn", "args": {"vocab_size": 50, "d_model": 64}},
              "decoder": {"vocab_size": vocab, "embed_dim": 32, "hidden_dim": 64,
                          "dropout": 0.0, "attention": attention}}
    return build_model(config).eval()


def random_batch(seed: int):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([9, 4, 7, 1, 6])
    tokens = torch.randint(4, 50, (5, 9), generator=g)
    for i, n in enumerate(lengths):
        tokens[i, n:] = 0
    return tokens, lengths


def never_ending(model):
    with torch.no_grad():
        model.decoder.output.bias[EOS_ID] = -1e4
    return model


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("no_repeat", [0, 2])
@pytest.mark.parametrize("attention", ["additive", "location"])
def test_beam_one_equals_greedy(seed, no_repeat, attention):
    model = random_text_model(seed, attention=attention)
    x, lengths = random_batch(seed)
    options = SearchOptions(beam=1, max_len_b=15, no_repeat_ngram=no_repeat)
    enc = model.encode(x, lengths)
    greedy = greedy_search(model.decoder, enc, options)
    beam = beam_search(model.decoder, enc, options)
    for g, b in zip(greedy, beam, strict=True):
        assert g[0].tokens == b[0].tokens
        assert g[0].score == pytest.approx(b[0].score, abs=1e-5)
        assert g[0].finished == b[0].finished
        assert torch.allclose(g[0].attention, b[0].attention, atol=1e-6)


@pytest.mark.parametrize("beam", [1, 4])
def test_never_ending_model_returns_best_hypothesis_at_length_limit(beam):
    model = never_ending(random_text_model(3))
    x, lengths = random_batch(3)
    options = SearchOptions(beam=beam, max_len_a=1.0, max_len_b=2, nbest=beam)
    results = model.generate(x, lengths, options)
    for nbest, n in zip(results, lengths.tolist(), strict=True):
        assert len(nbest) == beam  # every beam is returned, best first
        assert [h.score for h in nbest] == sorted((h.score for h in nbest), reverse=True)
        for hyp in nbest:
            assert not hyp.finished
            assert len(hyp.tokens) == n + 2  # the limit tied to the input length
            assert hyp.attention.shape == (n + 2, n)
            assert EOS_ID not in hyp.tokens


@pytest.mark.parametrize("beam", [1, 3])
@pytest.mark.parametrize("attention", ["additive", "location"])
def test_batched_search_equals_one_by_one(beam, attention):
    model = random_text_model(4, attention=attention)
    x, lengths = random_batch(4)
    options = SearchOptions(beam=beam, max_len_b=12)
    batched = model.generate(x, lengths, options)
    for i in range(len(x)):
        alone = model.generate(x[i:i + 1, : lengths[i]], lengths[i:i + 1], options)[0]
        assert alone[0].tokens == batched[i][0].tokens
        assert alone[0].score == pytest.approx(batched[i][0].score, abs=1e-4)


@pytest.mark.parametrize("beam", [1, 3])
def test_repeat_ngram_blocking_and_min_length(beam):
    model = never_ending(random_text_model(5, vocab=30))
    x, lengths = random_batch(5)
    for n in (1, 2, 3):
        options = SearchOptions(beam=beam, max_len_b=20, no_repeat_ngram=n)
        for nbest in model.generate(x, lengths, options):
            tokens = nbest[0].tokens
            grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
            assert len(grams) == len(set(grams)), f"repeated {n}-gram in {tokens}"
    model = random_text_model(5, vocab=30)
    with torch.no_grad():
        model.decoder.output.bias[EOS_ID] = 1e4  # would end at once ...
    options = SearchOptions(beam=beam, max_len_b=20, min_len=6)
    for nbest in model.generate(x, lengths, options):
        assert len(nbest[0].tokens) == 6 and nbest[0].finished  # ... but not before min_len


def test_attention_rows_are_distributions_over_real_positions():
    model = random_text_model(6)
    x, lengths = random_batch(6)
    for beam in (1, 3):
        for nbest, n in zip(model.generate(x, lengths, SearchOptions(beam=beam)),
                            lengths.tolist(), strict=True):
            att = nbest[0].attention
            assert att.shape[1] == n
            assert torch.allclose(att.sum(1), torch.ones(len(att)), atol=1e-5)


def test_coverage_term_rewards_attending_to_every_input_position():
    from multimodal.search import coverage

    full = torch.tensor([[0.5, 0.5, 0.0], [0.0, 0.5, 1.0], [0.5, 0.0, 0.0]])
    assert coverage(full) == pytest.approx(0.0)  # every column sums to at least 1
    skipped = torch.tensor([[1.0, 0.0], [1.0, 0.0], [0.9, 0.1]])
    assert coverage(skipped) == pytest.approx(torch.tensor(0.1).log().item(), abs=1e-5)
    assert coverage(torch.zeros(0, 3)) == 0.0


def test_coverage_penalty_reranks_finished_hypotheses_by_their_attention():
    from multimodal.search import coverage

    model = random_text_model(5)
    x, lengths = random_batch(5)
    enc = model.encode(x, lengths)
    plain = beam_search(model.decoder, enc, SearchOptions(beam=4, max_len_b=12, nbest=4))
    beta = 2.0
    covered = beam_search(model.decoder, enc, SearchOptions(beam=4, max_len_b=12, nbest=4,
                                                            coverage_penalty=beta))
    assert any(coverage(h.attention) < -0.1 for hyps in plain for h in hyps)
    for before, after in zip(plain, covered, strict=True):
        # The same hypotheses, each score moved by beta times its coverage, sorted anew.
        assert sorted(h.tokens for h in before) == sorted(h.tokens for h in after)
        moved = {tuple(h.tokens): h.score + beta * coverage(h.attention) for h in before}
        for h in after:
            assert h.score == pytest.approx(moved[tuple(h.tokens)], abs=1e-4)
        assert [h.score for h in after] == sorted((h.score for h in after), reverse=True)
