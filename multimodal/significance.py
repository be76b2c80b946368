"""Is "ahead" or "behind" more than the luck of which items a held-out set holds? A paired
bootstrap (Koehn 2004): resample the items with replacement, score both systems on each
resample, and read the 2.5th and 97.5th percentiles of the difference. The two systems are
scored on the same resampled items, so what they share (hard items, easy items) cancels.

Most scores here are ratios of per-item sums: WER is (sum of word errors) / (sum of
reference words); a mean such as CIDEr-D is (sum of item scores) / (number of items). BLEU
is a function of summed per-sentence n-gram counts, so it is rescored from each resample's
sums (as sacreBLEU's own `--paired-bs` does)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jiwer
import numpy as np
from sacrebleu.metrics import BLEU

from .metrics import normalise_for_wer

RESAMPLES = 2000

# what a report's interval column means, for the model cards
EXPLAINED = (f"In brackets after a difference: its 95% interval from a paired bootstrap over "
             f"the items ({RESAMPLES} resamples); in bold where the interval leaves out 0, so "
             "that the sign is not the luck of which items the set holds.")


@dataclass(frozen=True)
class Difference:
    """`ours - theirs` on the whole set, with its 95% bootstrap interval."""
    value: float
    low: float
    high: float

    @property
    def clear(self) -> bool:
        """The interval excludes 0: the sign of the difference is not a matter of luck."""
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        return f"{self.value:+.1f} ({self.low:+.1f} to {self.high:+.1f})"


def format_difference(record: dict | None, missing: str = "–") -> str:
    """A Difference kept as a dict (asdict, as in --json output) -> '+3.6 (-1.2 to +8.5)',
    in bold where the interval leaves out 0."""
    if record is None:
        return missing
    diff = Difference(**record)
    return f"**{diff}**" if diff.clear else str(diff)


def _resamples(items: int, resamples: int, seed: int) -> np.ndarray:
    """Which items each resample draws, (resamples, items); a fixed seed keeps a report
    repeatable."""
    return np.random.default_rng(seed).integers(0, items, size=(resamples, items))


def _with_interval(value: float, samples: np.ndarray | list[float]) -> Difference:
    low, high = np.percentile(samples, [2.5, 97.5])
    return Difference(float(value), float(low), float(high))


def paired_difference(ours: np.ndarray, theirs: np.ndarray, weights: np.ndarray | None = None,
                      resamples: int = RESAMPLES, seed: int = 0) -> Difference:
    """`sum(ours) / sum(weights) - sum(theirs) / sum(weights)` (weights 1: the difference of
    the means) with its 95% paired-bootstrap interval."""
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    weights = np.ones_like(ours) if weights is None else np.asarray(weights, dtype=float)
    if not (len(ours) == len(theirs) == len(weights)) or not len(ours):
        raise ValueError("both systems need a score for each of the same items")
    delta = ours - theirs
    picks = _resamples(len(delta), resamples, seed)
    # a resample whose items have no weight at all (every reference empty) has no score
    totals = weights[picks].sum(1)
    samples = delta[picks].sum(1)[totals > 0] / totals[totals > 0]
    return _with_interval(delta.sum() / weights.sum(), samples)


def paired_score_difference(ours: np.ndarray, theirs: np.ndarray,
                            score: Callable[[np.ndarray], float],
                            resamples: int = RESAMPLES, seed: int = 0) -> Difference:
    """`score(ours.sum(0)) - score(theirs.sum(0))` for a corpus score computed from summed
    per-item statistics (one row per item), with its 95% paired-bootstrap interval."""
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    if ours.shape != theirs.shape or not len(ours):
        raise ValueError("both systems need statistics for each of the same items")
    n = len(ours)
    # how often each item is drawn in each resample: its sums are then one matrix product
    drawn = np.stack([np.bincount(p, minlength=n) for p in _resamples(n, resamples, seed)])
    samples = [score(a) - score(b) for a, b in zip(drawn @ ours, drawn @ theirs, strict=True)]
    return _with_interval(score(ours.sum(0)) - score(theirs.sum(0)), samples)


def bleu_difference(ours: list[str], theirs: list[str], references: list[str]) -> Difference:
    """sacreBLEU corpus BLEU of ours minus theirs on the same sentences (one reference each)."""
    # the per-sentence statistics and the score from their sums are the methods sacreBLEU's
    # own significance module uses (underscored, hence the pinned version in requirements)
    metric = BLEU()

    def stats(hypotheses: list[str]) -> np.ndarray:
        return np.array(metric._extract_corpus_statistics(hypotheses, [references]))

    def score(sums: np.ndarray) -> float:
        return metric._compute_score_from_stats([int(round(x)) for x in sums]).score

    return paired_score_difference(stats(ours), stats(theirs), score)


def word_errors(hypotheses: list[str], references: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per item: (substitutions + deletions + insertions, reference words), after the one
    normaliser every system is scored with, so that their sums give metrics.wer."""
    errors, words = [], []
    for hyp, ref in zip(hypotheses, references, strict=True):
        ref, hyp = normalise_for_wer(ref), normalise_for_wer(hyp)
        n = len(ref.split())
        if not n:  # jiwer has no alignment against nothing: every hypothesis word is inserted
            errors.append(len(hyp.split()))
        else:
            out = jiwer.process_words(ref, hyp)
            errors.append(out.substitutions + out.deletions + out.insertions)
        words.append(n)
    return np.array(errors, dtype=float), np.array(words, dtype=float)


def wer_difference(ours: list[str], theirs: list[str], references: list[str]) -> Difference:
    """WER % of ours minus theirs on the same clips (negative: ours makes fewer errors)."""
    mine, words = word_errors(ours, references)
    other, _ = word_errors(theirs, references)
    return paired_difference(100 * mine, 100 * other, words)
