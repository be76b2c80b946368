"""The paired bootstrap that says whether a difference between two systems is luck."""

import numpy as np
import pytest

from multimodal.metrics import bleu, wer
from multimodal.significance import (
    bleu_difference,
    format_difference,
    paired_difference,
    paired_score_difference,
    wer_difference,
    word_errors,
)


def test_a_consistent_lead_is_clear_and_noise_is_not():
    rng = np.random.default_rng(1)
    base = rng.uniform(0, 100, 200)
    ahead = paired_difference(base + 5 + rng.normal(0, 1, 200), base)
    assert ahead.clear and 4 < ahead.low < ahead.value < ahead.high < 6
    luck = paired_difference(base + rng.normal(0, 20, 200), base)
    assert not luck.clear and luck.low < 0 < luck.high


def test_pairing_cancels_what_both_systems_share():
    # the items differ wildly, the systems by exactly 1 on each: the interval is exactly 1
    items = np.array([0.0, 100, 3, 70, 12, 55])
    diff = paired_difference(items + 1, items)
    assert (diff.value, diff.low, diff.high) == (1.0, 1.0, 1.0)


def test_weights_make_a_ratio_of_sums():
    diff = paired_difference(np.array([2.0, 0.0]), np.array([0.0, 0.0]), np.array([1.0, 3.0]))
    assert diff.value == pytest.approx(0.5)  # (2 - 0) / (1 + 3), not the mean of 2/1 and 0/3


def test_word_errors_add_up_to_the_wer_of_the_set():
    refs = ["the cat sat on the mat", "one two three", "hello"]
    hyps = ["the cat sat on mat", "one too three four", "Hello!"]
    errors, words = word_errors(hyps, refs)
    assert list(errors) == [1, 2, 0] and list(words) == [6, 3, 1]
    assert 100 * errors.sum() / words.sum() == pytest.approx(wer(hyps, refs))
    assert wer_difference(hyps, refs, refs).value == pytest.approx(wer(hyps, refs))


def test_bleu_difference_is_the_difference_of_corpus_bleu():
    refs = [f"the {w} cat sat on the mat today" for w in ("red", "big", "old", "tiny")] * 10
    good = [r.replace("today", "now") for r in refs]
    bad = [r.replace("cat sat", "dog ran") for r in refs]
    diff = bleu_difference(good, bad, refs)
    assert diff.value == pytest.approx(bleu(good, refs) - bleu(bad, refs))
    assert diff.clear and diff.low <= diff.value <= diff.high
    same = bleu_difference(good, good, refs)
    assert (same.value, same.low, same.high) == (0.0, 0.0, 0.0)


def test_a_score_of_summed_statistics_is_rescored_from_each_resample():
    # a ratio score from summed (hits, tries) pairs: resampled, the interval brackets the value
    ours = np.array([[1, 1], [1, 1], [0, 1], [1, 1]])
    theirs = np.array([[0, 1], [0, 1], [0, 1], [1, 1]])
    diff = paired_score_difference(ours, theirs, lambda sums: 100 * sums[0] / sums[1])
    assert diff.value == pytest.approx(50.0) and 0 <= diff.low <= 50 <= diff.high <= 100


def test_an_empty_reference_counts_every_word_said_as_an_error():
    errors, words = word_errors(["a b", ""], ["", "x"])
    assert list(errors) == [2, 1] and list(words) == [0, 1]


def test_report_text_marks_only_clear_differences():
    assert format_difference(None) == "–"
    assert format_difference({"value": 3.0, "low": 1.0, "high": 5.0}) == "**+3.0 (+1.0 to +5.0)**"
    assert format_difference({"value": 3.0, "low": -1.0, "high": 5.0}) == "+3.0 (-1.0 to +5.0)"


def test_mismatched_systems_are_refused():
    with pytest.raises(ValueError):
        paired_difference(np.ones(3), np.ones(2))
