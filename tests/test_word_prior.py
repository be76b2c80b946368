"""The classifier word prior: Lite0's own ImageNet head, and names mixed into the search."""

import pytest
import torch
from test_search import random_batch, random_text_model

from multimodal.encoders import build_encoder
from multimodal.encoders.efficientnet_lite import efficientnet_lite0
from multimodal.search import SearchOptions, beam_search, greedy_search
from multimodal.word_prior import WordPrior, bonus, next_piece


def test_classifier_is_the_packages_imagenet_head_even_with_tuned_blocks():
    encoder = build_encoder("efficientnet_lite0", d_model=16, trainable_blocks=2).eval()
    with torch.no_grad():  # fine-tuning changes the top blocks: the classifier must not care
        for p in encoder.trainable[-1].parameters():
            p.add_(torch.randn_like(p))
    x = torch.rand(3, 3, 224, 224) * 2 - 1
    reference = efficientnet_lite0(pretrained=True).eval()
    with torch.no_grad():
        out = encoder(x)
        expected = reference(x).log_softmax(-1)
        tuned = encoder.trunk(x.contiguous(memory_format=torch.channels_last))
    assert torch.allclose(out.class_log_probs, expected, atol=1e-4)
    # the name bank's query: the untouched trunk's pooled features, not the tuned ones
    pooled = reference.forward_features(x).mean(dim=(2, 3))
    assert torch.allclose(out.pooled, pooled, atol=1e-4)
    assert torch.equal(out.index_select(torch.tensor([2])).pooled, out.pooled[2:])
    assert not torch.allclose(reference.forward_features(x), tuned, atol=1e-2)
    assert len(encoder.classifier.labels) == out.class_log_probs.shape[1] == 1000
    # never stored in our bundles, never trained, and left out in training
    assert "classifier." in encoder.external_state_prefixes()
    assert not any(p.requires_grad for p in encoder.classifier.parameters())
    encoder.train()
    assert not encoder.classifier.training
    assert encoder(x).class_log_probs is None


def test_lite0_from_scratch_has_no_classifier():
    encoder = build_encoder("efficientnet_lite0", d_model=16, pretrained=False, freeze=False)
    assert encoder.classifier is None
    assert encoder.eval()(torch.rand(1, 3, 64, 64)).class_log_probs is None


def test_next_piece_starts_continues_and_ends_a_name():
    name = (7, 8, 9)
    assert next_piece([], name) == (7, False)
    assert next_piece([3, 7], name) == (8, True)
    assert next_piece([3, 7, 8], name) == (9, True)
    assert next_piece([7, 8, 9, 4], name) is None  # said once: never again
    assert next_piece([7, 4], name) == (7, False)  # broken off: may start over


def test_bonus_weighs_starts_by_the_weight_and_continuations_by_the_label():
    names = [[((5, 6), 0.8), ((5, 9), 0.1), ((2,), 0.05)]]
    start = bonus(names, torch.tensor([[1]]), 10, weight=0.5)[0]
    assert start[5] == pytest.approx(0.4) and start[2] == pytest.approx(0.025)
    assert start.count_nonzero() == 2
    inside = bonus(names, torch.tensor([[1, 5]]), 10, weight=0.5)[0]
    assert inside[6] == pytest.approx(0.8) and inside[9] == pytest.approx(0.1)
    assert inside.count_nonzero() == 3  # (2,) may still start; 5 is begun, not restarted


class Spelling:
    """A stand-in tokenizer: every label is one made-up piece id."""

    def __init__(self, ids: dict[str, list[int]]):
        self.ids = ids

    def encode(self, text: str) -> list[int]:
        return self.ids[text.strip()]


@pytest.mark.parametrize("search", [greedy_search, beam_search])
def test_a_confident_label_gets_its_name_said_and_a_weight_of_zero_changes_nothing(search):
    model = random_text_model(0)
    x, lengths = random_batch(0)
    enc = model.encode(x, lengths)
    options = SearchOptions(beam=3, max_len_b=12)
    plain = search(model.decoder, enc, options)
    # a name the model would not say by itself, for every input of the batch
    said = {t for hyps in plain for t in hyps[0].tokens}
    name = next(t for t in range(4, 40) if t not in said)
    prior = WordPrior(["thing", "other"], Spelling({"thing": [name], "other": [name + 1]}))
    phrases = prior(torch.tensor([[0.0, -30.0]]).repeat(len(lengths), 1))
    assert phrases[0][0] == ((name,), pytest.approx(1.0))
    off = search(model.decoder, enc, options, phrases=phrases)
    assert [h[0].tokens for h in off] == [h[0].tokens for h in plain]
    on = search(model.decoder, enc, SearchOptions(beam=3, max_len_b=12, word_prior=5.0),
                phrases=phrases)
    assert all(h[0].tokens.count(name) == 1 for h in on)  # said, and only once
