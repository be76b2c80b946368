"""The name bank: the nearest training pictures' names, stored small, joining the word prior."""

import numpy as np
import pytest
import torch
from test_word_prior import Spelling

from multimodal.errors import BundleError
from multimodal.name_bank import BANK_NAME, NameBank
from multimodal.word_prior import WordPrior


def clustered_bank(seed: int = 0) -> tuple[NameBank, np.ndarray, list[str]]:
    """Three objects, four noisy views each, in a 1,280-d feature space like Lite0's."""
    rng = np.random.default_rng(seed)
    centres = rng.random((3, 1280)).astype(np.float32) ** 4  # non-negative, like ReLU6 output
    feats = np.concatenate([c + 0.05 * rng.random((4, 1280), dtype=np.float32) for c in centres])
    names = [n for n in ("cat", "apple", "boat") for _ in range(4)]
    return NameBank.build(feats, names, dimensions=8), centres, names


def test_nearest_pictures_vote_for_their_names_and_survive_storage(tmp_path):
    bank, centres, _ = clustered_bank()
    votes = bank.nearest(torch.from_numpy(centres), k=5)
    # four views of the query's own object and one of another: 4/5 for the right name
    for query, name in zip(votes, ("cat", "apple", "boat"), strict=True):
        best = max(query, key=query.get)
        assert bank.names[best] == name and query[best] == pytest.approx(0.8)
        assert sum(query.values()) == pytest.approx(1.0)
    path = bank.save(tmp_path)
    assert path.name == BANK_NAME and path.stat().st_size < 20_000  # int8, 8 dimensions
    again = NameBank.load(tmp_path)
    assert again.names == bank.names
    assert again.nearest(torch.from_numpy(centres), k=5) == votes
    assert NameBank.load(tmp_path / "elsewhere") is None  # no bank: the prior goes without


def test_a_broken_bank_is_a_clear_error(tmp_path):
    (tmp_path / BANK_NAME).write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(BundleError, match="name bank is corrupt"):
        NameBank.load(tmp_path)


def test_bank_names_join_the_labels_by_their_share_of_the_votes():
    bank, centres, _ = clustered_bank()
    spelling = Spelling({"tabby": [4], "pear": [5], "cat": [6], "apple": [7], "boat": [8]})
    prior = WordPrior(["tabby", "pear"], spelling, bank)
    labels = torch.tensor([[0.0, -30.0]])  # the classifier is sure: a tabby
    pooled = torch.from_numpy(centres[:1])
    assert prior(labels) == prior(labels, pooled, share=0.0)  # off: the labels alone
    phrases = dict(prior(labels, pooled, share=1.0)[0])
    assert phrases[(4,)] == pytest.approx(1.0) and phrases[(5,)] < 1e-6
    assert phrases[(6,)] == pytest.approx(0.8)  # 4 of the 5 nearest pictures are cats
    assert phrases[(7,)] == pytest.approx(0.2) or phrases.get((8,)) == pytest.approx(0.2)
    capped = dict(prior(labels, pooled, share=2.0)[0])
    assert capped[(6,)] == pytest.approx(1.0)  # 2 x 0.8, capped
