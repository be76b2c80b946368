"""CTC prefix scores for joint CTC/attention beam search (Watanabe et al., 2017; as in
ESPnet's CTCPrefixScoreTH).

For every hypothesis in the beam and every candidate next token c, the CTC head gives the
probability that the audio *begins* with prefix + c (any alignment, any continuation);
for the end token, the probability that it is exactly the prefix. Mixed into the
attention decoder's scores, this keeps the decoder from looping, skipping words or ending
early: the decoder proposes, the monotonic CTC alignment vetoes.
"""

from __future__ import annotations

import torch

NEG_INF = float("-inf")


FLOOR = -1e4  # a finite stand-in for log 0 in running sums (log-probabilities stay far above)


def unrolled(start: torch.Tensor, inputs: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    """Every frame at once of y[0] = start, y[t] = logaddexp(y[t-1], inputs[t-1]) + steps[t].

    Unrolled, y[t] = S[t] + log(exp(start) + sum over 1 <= s <= t of exp(inputs[s-1] - S[s-1]))
    with S[t] = steps[1] + ... + steps[t]: one cumulative log-sum-exp instead of a loop over
    the frames. The loop ran a few tiny kernels per frame, and a GPU spent more time
    launching them than computing (a 10 s clip took longer on an H200 than on 2 CPU cores).
    In float32 the running sums lose no more than the loop's own rounding did."""
    w = steps.clamp(min=FLOOR)
    w[0] = 0.0
    total = w.cumsum(0)
    terms = torch.cat([start.unsqueeze(0), inputs[:-1] - total[:-1]])
    return total + torch.logcumsumexp(terms, 0)


class CTCPrefixScorer:
    """State for `rows` hypotheses: per frame, the log-probability of the prefix so far
    ending in a label (`r[..., 0]`) or in a blank (`r[..., 1]`).

    log_probs [B, T, V] and lengths [B] are per input; `items` [rows] says which input each
    hypothesis reads (beams of one input share its frames)."""

    def __init__(self, log_probs: torch.Tensor, lengths: torch.Tensor, items: torch.Tensor,
                 blank: int, eos: int):
        frames = log_probs.shape[1]
        padding = torch.arange(frames, device=log_probs.device) >= lengths.unsqueeze(1)
        # Past an input's end only blanks follow, with probability 1: every alignment then
        # reaches the last frame with the prefix it had at the real end.
        x = log_probs.float().masked_fill(padding.unsqueeze(-1), NEG_INF)
        x[..., blank] = x[..., blank].masked_fill(padding, 0.0)
        self.x = x.transpose(0, 1)  # [T, B, V]
        self.blank, self.eos = blank, eos
        self.items = items
        blanks = self.x[:, items, blank]  # [T, rows]
        self.r = torch.stack([torch.full_like(blanks, NEG_INF), blanks.cumsum(0)], -1)
        self.prefix = torch.zeros(len(items), device=x.device)  # log-score of the prefix
        self.last = torch.full((len(items),), -1, dtype=torch.long, device=x.device)
        self.empty = torch.ones(len(items), dtype=torch.bool, device=x.device)
        self.candidates: torch.Tensor | None = None

    def score(self, candidates: torch.Tensor) -> torch.Tensor:
        """candidates [rows, P] -> CTC log-score increments [rows, P] of prefix + candidate."""
        x = self.x[:, self.items.unsqueeze(1), candidates]  # [T, rows, P]
        blanks = self.x[:, self.items, self.blank].unsqueeze(-1)  # [T, rows, 1]
        r_prev = self.r.unsqueeze(2)  # [T, rows, 1, 2]
        either = torch.logaddexp(r_prev[..., 0], r_prev[..., 1])  # [T, rows, 1]
        # A repeated label needs a blank in between: only prefixes ending in blank extend it.
        repeat = (candidates == self.last.unsqueeze(1)).unsqueeze(0)
        phi = torch.where(repeat, r_prev[..., 1], either)  # [T, rows, P]
        # r[t, 0] = logaddexp(r[t-1, 0], phi[t-1]) + x[t]: the prefix ends in the candidate;
        # r[t, 1] = logaddexp(r[t-1, 0], r[t-1, 1]) + blank[t]: it ends in a blank.
        label = unrolled(torch.where(self.empty.unsqueeze(1), x[0], NEG_INF), phi, x)
        # Past an input's end a label has probability 0, as x says there; unrolled() saw a
        # finite stand-in for it.
        label = label.masked_fill(x == NEG_INF, NEG_INF)
        blank = unrolled(torch.full_like(x[0], NEG_INF), label, blanks.expand_as(x))
        r = torch.stack([label, blank], -1)
        psi = torch.logsumexp(torch.cat([r[:1, ..., 0], phi[:-1] + x[1:]]), 0)  # [rows, P]
        # The end token: the whole audio is exactly the prefix.
        psi = torch.where(candidates == self.eos, either[-1], psi)
        self.candidates, self.next_r, self.next_prefix = candidates, r, psi
        return psi - self.prefix.unsqueeze(1)

    def advance(self, rows: torch.Tensor, tokens: torch.Tensor) -> None:
        """Keep, for each new hypothesis, its source row extended by its chosen token (one
        of that row's last candidates)."""
        pick = (self.candidates[rows] == tokens.unsqueeze(1)).float().argmax(1)
        self.r = self.next_r[:, rows, pick]
        self.prefix = self.next_prefix[rows, pick]
        self.items, self.last = self.items[rows], tokens
        self.empty = torch.zeros_like(self.empty[rows])
