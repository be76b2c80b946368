"""The name bank: a classifier over the training objects' names, stored small, joining the
word prior."""

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from test_word_prior import Spelling

from multimodal.errors import BundleError
from multimodal.name_bank import BANK_NAME, NameBank
from multimodal.word_prior import WordPrior


def clustered_bank(seed: int = 0) -> tuple[NameBank, np.ndarray, list[list[str]]]:
    """Three objects, four noisy views each, in a 1,280-d feature space like Lite0's."""
    rng = np.random.default_rng(seed)
    centres = rng.random((3, 1280)).astype(np.float32) ** 4  # non-negative, like ReLU6 output
    feats = np.concatenate([c + 0.05 * rng.random((4, 1280), dtype=np.float32) for c in centres])
    names = [[n] for n in ("cat", "apple", "boat") for _ in range(4)]
    return NameBank.build(feats, names, rank=8, epochs=60), centres, names


def test_the_classifier_learns_the_names_and_survives_storage(tmp_path):
    bank, centres, _ = clustered_bank()
    likely = bank.likely_names(torch.from_numpy(centres), k=5)
    for query, name in zip(likely, ("cat", "apple", "boat"), strict=True):
        best = max(query, key=query.get)
        assert bank.names[best] == name and query[best] > 0.6
        assert len(query) == 3 and sum(query.values()) == pytest.approx(1.0, abs=1e-4)
    assert len(bank.likely_names(torch.from_numpy(centres), k=1)[0]) == 1
    path = bank.save(tmp_path)
    assert path.name == BANK_NAME and path.stat().st_size < 30_000  # int8, rank 8
    again = NameBank.load(tmp_path)
    assert again.names == bank.names
    for a, b in zip(again.likely_names(torch.from_numpy(centres)), likely, strict=True):
        assert a.keys() == b.keys() and list(a.values()) == pytest.approx(list(b.values()))
    assert NameBank.load(tmp_path / "elsewhere") is None  # no bank: the prior goes without


def test_the_same_pictures_train_the_same_bank_and_leave_the_global_rng_alone():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a, centres, _ = clustered_bank()
    assert torch.equal(torch.get_rng_state(), before)  # the caller's random stream is its own
    torch.manual_seed(456)  # and the global seed does not reach the bank
    b, _, _ = clustered_bank()
    assert torch.equal(a.out, b.out) and torch.equal(a.down, b.down)


def test_a_scene_teaches_each_of_its_objects_names():
    rng = np.random.default_rng(0)
    centres = rng.random((3, 1280)).astype(np.float32) ** 4
    scene = (centres[0] + centres[2]) / 2  # a cat beside a boat, and nothing else like it
    feats = np.concatenate([centres, np.stack([scene] * 4)])
    bank = NameBank.build(feats, [["cat"], ["apple"], ["boat"], *[["cat", "boat"]] * 4],
                          rank=8, epochs=60)
    likely = bank.likely_names(torch.from_numpy(scene[None]))[0]
    cat, apple, boat = (likely.get(bank.names.index(n), 0.0) for n in ("cat", "apple", "boat"))
    # label smoothing leaves every name a floor (0.5 / 3 here); the scene's two stand far above it
    assert cat > 0.3 and boat > 0.3 and apple < min(cat, boat) / 2


def test_a_bank_whose_names_and_classifier_disagree_is_a_clear_error(tmp_path):
    bank, _, _ = clustered_bank()
    bank.names = bank.names[:2]  # three classes, two names
    bank.save(tmp_path)
    with pytest.raises(BundleError, match="names and classifier disagree"):
        NameBank.load(tmp_path)


def test_a_bank_of_the_older_format_asks_to_be_rebuilt(tmp_path):
    save_file({"features": torch.zeros(2, 4), "name_ids": torch.zeros(2, dtype=torch.int16)},
              str(tmp_path / BANK_NAME), metadata={"names": '["cat"]'})
    with pytest.raises(BundleError, match="older format.*python -m multimodal name-bank"):
        NameBank.load(tmp_path)


def test_a_broken_bank_is_a_clear_error(tmp_path):
    (tmp_path / BANK_NAME).write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(BundleError, match="name bank is corrupt"):
        NameBank.load(tmp_path)


def test_bank_names_join_the_labels_by_their_probability():
    bank, centres, _ = clustered_bank()
    spelling = Spelling({"tabby": [4], "pear": [5], "cat": [6], "apple": [7], "boat": [8]})
    prior = WordPrior(["tabby", "pear"], spelling, bank)
    labels = torch.tensor([[0.0, -30.0]])  # the classifier is sure: a tabby
    pooled = torch.from_numpy(centres[:1])
    assert prior(labels) == prior(labels, pooled, share=0.0)  # off: the labels alone
    phrases = dict(prior(labels, pooled, share=1.0)[0])
    assert phrases[(4,)] == pytest.approx(1.0) and phrases[(5,)] < 1e-6
    (p_cat, p_apple, p_boat), = [[q[bank.names.index(n)] for n in ("cat", "apple", "boat")]
                                 for q in bank.likely_names(pooled)]
    assert phrases[(6,)] == pytest.approx(p_cat) and p_cat > 0.6
    assert phrases[(7,)] == pytest.approx(p_apple) and phrases[(8,)] == pytest.approx(p_boat)
    capped = dict(prior(labels, pooled, share=2.0)[0])
    assert capped[(6,)] == pytest.approx(1.0)  # 2 x p(cat), capped
    assert capped[(7,)] == pytest.approx(2 * p_apple)
