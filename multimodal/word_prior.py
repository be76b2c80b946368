"""A word prior from the encoder's own classifier: the search favours the names of the labels
the pretrained ImageNet head gives a picture, in proportion to its confidence.

The captioner learns its words from a few thousand drawn objects; the ImageNet head knows a
thousand real-world classes (most photos' objects among them) but only as labels, and the
caption vocabulary spells most of their names in pieces the decoder never put together.
So a label's name is mixed into the decoder's distribution as a whole (a soft form of the
lexical constraints of constrained beam search, Anderson et al. 2017, for novel objects):
its first piece gets the mass `weight * p(label)` wherever the name has not been said yet,
and once a hypothesis has begun the name, its next piece gets `p(label)`, until the name is
complete. The decoder's own language model still decides where in the sentence the name
goes. The weight (`SearchOptions.word_prior`) is chosen on the dev set; 0 turns it off.

Where the bundle has a name bank (multimodal.name_bank), the training objects' names its
classifier finds likeliest join the labels' names, each with `SearchOptions.name_bank x
p(name)` as its probability.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from .tokenizer import Tokenizer

if TYPE_CHECKING:  # a type only: name_bank reads bundle.py, which imports the search
    from .name_bank import NameBank

TOP_LABELS = 5  # only the classifier's most likely labels speak: the rest is noise

# per input: (the pieces that spell a label's name, the label's probability)
Phrases = list[tuple[tuple[int, ...], float]]


class WordPrior:
    """Class log-probabilities [B, classes] -> each input's top labels, spelled in pieces."""

    def __init__(self, labels: list[str], tokenizer: Tokenizer, bank: NameBank | None = None):
        self.bank = bank
        self.spellings = [tuple(tokenizer.encode(" " + label)) for label in labels]
        self.bank_spellings = ([tuple(tokenizer.encode(" " + name)) for name in bank.names]
                               if bank is not None else [])

    def __call__(self, class_log_probs: torch.Tensor, pooled: torch.Tensor | None = None,
                 share: float = 0.0) -> list[Phrases]:
        k = min(TOP_LABELS, class_log_probs.shape[-1])
        probs, top = class_log_probs.float().exp().topk(k, dim=-1)
        phrases = [[(self.spellings[c], p) for p, c in zip(ps, cs, strict=True)]
                   for ps, cs in zip(probs.tolist(), top.tolist(), strict=True)]
        if self.bank is None or pooled is None or not share:
            return phrases
        for names, likely in zip(phrases, self.bank.likely_names(pooled), strict=True):
            names += [(self.bank_spellings[i], min(1.0, share * p)) for i, p in likely.items()]
        return phrases


def _said(history: list[int], spelling: tuple[int, ...]) -> bool:
    n = len(spelling)
    return any(tuple(history[i:i + n]) == spelling for i in range(len(history) - n + 1))


def next_piece(history: list[int], spelling: tuple[int, ...]) -> tuple[int, bool] | None:
    """(the piece that continues the name where the history ends inside it, True), or (its
    first piece, False) when the history is not inside it, or None when the history has
    said the whole name already."""
    if _said(history, spelling):
        return None
    for begun in range(min(len(spelling) - 1, len(history)), 0, -1):
        if tuple(history[-begun:]) == spelling[:begun]:
            return spelling[begun], True
    return spelling[0], False


def bonus(phrases: list[Phrases], history: torch.Tensor, vocab: int,
          weight: float) -> torch.Tensor:
    """[rows, vocab]: per hypothesis (row of `history`, the pieces it has said), the mass
    to mix in for each piece: `weight * p(label)` for the first piece of a label's name,
    `p(label)` for the next piece of a name the hypothesis has begun (begun, a name is
    finished unless the decoder is surer of something else), the likeliest label's where
    several share a piece."""
    # (row, piece) -> mass, in plain Python: indexing a tensor per name and step is slow
    masses: dict[tuple[int, int], float] = {}
    for row, (said, names) in enumerate(zip(history.tolist(), phrases, strict=True)):
        for spelling, p in names:
            step = next_piece(said, spelling)
            if step is None:
                continue
            piece, begun = step
            mass = p if begun else weight * p
            masses[row, piece] = max(mass, masses.get((row, piece), 0.0))
    out = torch.zeros(len(phrases), vocab)
    if masses:
        rows, pieces = zip(*masses, strict=True)
        out[list(rows), list(pieces)] = torch.tensor(list(masses.values()))
    return out.to(history.device)
