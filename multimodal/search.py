"""Batched greedy and beam search, written once for every model.

Both work on a whole batch at a time, block padding/BOS, honour a minimum length and
repeat-n-gram blocking, stop each input at a maximum length tied to its input length
(`a * input_length + b`, capped), drop finished inputs from the batch as they end, and
return tokens, scores and the attention matrix of every result. When no beam ends before
the length limit, the best unfinished hypotheses are returned (flagged `finished=False`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .ctc_prefix import CTCPrefixScorer
from .encoders.base import EncoderOutput
from .tokenizer import BOS_ID, EOS_ID, PAD_ID
from .word_prior import Phrases, bonus


@dataclass
class SearchOptions:
    beam: int = 5
    max_len_a: float = 0.0  # maximum output length = a * input length + b ...
    max_len_b: int = 50
    max_len: int = 256  # ... and never more than this
    min_len: int = 0  # no end token before this many tokens
    length_penalty: float = 1.0  # score = log-prob / length ** length_penalty
    no_repeat_ngram: int = 0  # block any n-gram of this size from appearing twice
    nbest: int = 1
    ctc_weight: float = 0.0  # beam > 1 and a CTC head: joint CTC/attention scores, this share
    coverage_penalty: float = 0.0  # beta of GNMT's coverage penalty on finished hypotheses
    word_prior: float = 0.0  # weight of the names a classifier suggests (multimodal.word_prior)
    name_bank: float = 0.0  # weight of the likeliest training names (multimodal.name_bank)
    lm_weight: float = 0.0  # beam > 1 and a language model: shallow fusion, this weight


@dataclass
class Hypothesis:
    tokens: list[int]  # without BOS / EOS
    score: float  # length-normalised log-probability
    log_prob: float
    attention: torch.Tensor  # [len(tokens), input length] on CPU, padding cut off
    finished: bool  # False when the length limit stopped it


def max_lengths(enc: EncoderOutput, options: SearchOptions) -> list[int]:
    lengths = enc.mask.sum(1).tolist()
    return [max(1, min(options.max_len, math.ceil(options.max_len_a * n + options.max_len_b)))
            for n in lengths]


def _normalise(log_prob: float, length: int, penalty: float) -> float:
    return log_prob / (max(length, 1) ** penalty)


def coverage(attention: torch.Tensor) -> float:
    """GNMT's coverage term (Wu et al. 2016): sum over input positions of
    log(min(attention received, 1)). 0 when every position was attended to in full, lower
    for hypotheses that skipped part of the input, which dropped or repeated text shows."""
    if attention.numel() == 0:
        return 0.0
    return attention.sum(0).clamp(1e-6, 1.0).log().sum().item()


def _finish(tokens: list[int], log_prob: float, length: int, attention: torch.Tensor,
            finished: bool, options: SearchOptions) -> Hypothesis:
    score = _normalise(log_prob, length, options.length_penalty)
    if options.coverage_penalty:
        score += options.coverage_penalty * coverage(attention)
    return Hypothesis(tokens, score, log_prob, attention, finished)


def _constrain(log_probs: torch.Tensor, history: torch.Tensor, options: SearchOptions):
    """Forbid PAD/BOS always, EOS before `min_len`, and repeated n-grams."""
    log_probs[:, PAD_ID] = float("-inf")
    log_probs[:, BOS_ID] = float("-inf")
    step = history.shape[1]
    if step < options.min_len:
        log_probs[:, EOS_ID] = float("-inf")
    n = options.no_repeat_ngram
    if n and step >= n - 1 and step >= 1:
        prefix = history[:, step - (n - 1):]  # the last n-1 tokens
        grams = history.unfold(1, n, 1) if step >= n else history[:, :0].unsqueeze(-1)
        if grams.shape[1]:
            hits = (grams[:, :, : n - 1] == prefix.unsqueeze(1)).all(-1)
            banned = torch.zeros_like(log_probs).scatter_add_(1, grams[:, :, -1], hits.float())
            log_probs.masked_fill_(banned > 0, float("-inf"))
    return log_probs


def _favour(log_probs: torch.Tensor, phrases: list[Phrases] | None, history: torch.Tensor,
            weight: float) -> torch.Tensor:
    """Mix the word prior's name pieces (one list of names per row of `history`) into the
    decoder's distribution: p' = (p + q) / (1 + sum(q)). A mixture, not a product, because
    the decoder gives a word it never read next to no probability at all."""
    if phrases is None:
        return log_probs
    q = bonus(phrases, history, log_probs.shape[-1], weight)
    return torch.logaddexp(log_probs, q.log()) - q.sum(-1, keepdim=True).log1p()


def _attention_rows(att: torch.Tensor, valid: int) -> torch.Tensor:
    return att[:, :valid].float().cpu()


@torch.inference_mode()
def greedy_search(decoder, enc: EncoderOutput, options: SearchOptions,
                  phrases: list[Phrases] | None = None) -> list[list[Hypothesis]]:
    batch = enc.memory.shape[0]
    limits = max_lengths(enc, options)
    valid = enc.mask.sum(1).tolist()
    state = decoder.init_state(enc)
    alive = list(range(batch))
    device = enc.memory.device
    last = torch.full((batch,), BOS_ID, dtype=torch.long, device=device)
    seqs = torch.empty(batch, 0, dtype=torch.long, device=device)
    atts = enc.memory.new_zeros(batch, 0, enc.memory.shape[1])
    log_prob = torch.zeros(batch, device=device)
    results: list[list[Hypothesis]] = [[] for _ in range(batch)]
    for step in range(max(limits)):
        logits, state = decoder(last.unsqueeze(1), state)
        lp = _constrain(_favour(torch.log_softmax(logits[:, -1].float(), -1), phrases, seqs,
                                options.word_prior), seqs, options)
        best, token = lp.max(-1)
        log_prob = log_prob + best
        seqs = torch.cat([seqs, token.unsqueeze(1)], 1)
        atts = torch.cat([atts, decoder.attention_weights[:, -1:]], 1)
        last = token
        ended = (token == EOS_ID).tolist()
        keep = []
        for row, item in enumerate(alive):
            if ended[row] or step + 1 >= limits[item]:
                n = step if ended[row] else step + 1
                results[item].append(_finish(
                    seqs[row, :n].tolist(), log_prob[row].item(), step + 1,
                    _attention_rows(atts[row, :n], valid[item]), bool(ended[row]), options))
            else:
                keep.append(row)
        if len(keep) < len(alive):
            if not keep:
                break
            index = torch.tensor(keep, device=device)
            state = state.reorder(index)
            seqs, atts, last, log_prob = seqs[index], atts[index], last[index], log_prob[index]
            phrases = None if phrases is None else [phrases[r] for r in keep]
            alive = [alive[r] for r in keep]
    return results


@torch.inference_mode()
def beam_search(decoder, enc: EncoderOutput, options: SearchOptions,
                ctc_log_probs: torch.Tensor | None = None,
                phrases: list[Phrases] | None = None, lm=None) -> list[list[Hypothesis]]:
    """`ctc_log_probs` [B, L, V] (a CTC head's output on `enc`) makes every step score
    (1 - w) * decoder + w * CTC prefix, w = options.ctc_weight; `phrases` (the word prior's
    names for each input) favour those names, weighted by options.word_prior; `lm` (a
    multimodal.language_model.TokenLM) adds options.lm_weight * its log-probability."""
    batch, k = enc.memory.shape[0], options.beam
    limits = max_lengths(enc, options)
    valid = enc.mask.sum(1).tolist()
    device = enc.memory.device
    state = decoder.init_state(enc.index_select(
        torch.arange(batch, device=device).repeat_interleave(k)))
    alive = list(range(batch))
    scores = torch.zeros(batch, k, device=device)
    scores[:, 1:] = float("-inf")  # all beams start identical: keep only the first
    last = torch.full((batch * k,), BOS_ID, dtype=torch.long, device=device)
    seqs = torch.empty(batch * k, 0, dtype=torch.long, device=device)
    atts = enc.memory.new_zeros(batch * k, 0, enc.memory.shape[1])
    results: list[list[Hypothesis]] = [[] for _ in range(batch)]
    ctc = None
    if ctc_log_probs is not None:
        ctc = CTCPrefixScorer(ctc_log_probs, enc.mask.sum(1),
                              torch.arange(batch, device=device).repeat_interleave(k),
                              PAD_ID, EOS_ID)
    lm_state = None if lm is None else lm.init_state(batch * k, device)
    for step in range(max(limits)):
        n_alive = len(alive)
        logits, state = decoder(last.unsqueeze(1), state)
        att_step = decoder.attention_weights[:, -1]
        lp = torch.log_softmax(logits[:, -1].float(), -1)
        if phrases is not None:
            lp = _favour(lp, [names for names in phrases for _ in range(k)], seqs,
                         options.word_prior)
        lp = _constrain(lp, seqs, options)
        vocab = lp.shape[-1]
        fused = lp
        if lm is not None:
            lm_lp, lm_state = lm.step(last, lm_state)
            fused = lp + options.lm_weight * lm_lp
        if ctc is not None:  # CTC scores the best few candidates of every beam
            w, candidates = options.ctc_weight, fused.topk(min(vocab, 2 * k)).indices
            joint = (1 - w) * lp.gather(1, candidates) + w * ctc.score(candidates)
            if lm is not None:
                joint = joint + options.lm_weight * lm_lp.gather(1, candidates)
            fused = torch.full_like(lp, float("-inf")).scatter_(1, candidates, joint)
        lp = fused
        top_scores, top_index = (scores.view(-1, 1) + lp).view(n_alive, k * vocab).topk(2 * k)
        source_row = torch.arange(n_alive, device=device).unsqueeze(1) * k + top_index // vocab
        token = top_index % vocab
        is_eos = token == EOS_ID

        # An end token among the k best candidates finishes that hypothesis.
        eos_hits = (is_eos[:, :k] & (top_scores[:, :k] > float("-inf"))).nonzero().tolist()
        for r, c in eos_hits:
            item, row = alive[r], source_row[r, c].item()
            if len(results[item]) < k:
                results[item].append(_finish(
                    seqs[row].tolist(), top_scores[r, c].item(), step + 1,
                    _attention_rows(atts[row], valid[item]), True, options))

        # The k best candidates that did not end carry on (at most k of 2k can end).
        scores, pick = top_scores.masked_fill(is_eos, float("-inf")).topk(k)
        rows = source_row.gather(1, pick).view(-1)
        last = token.gather(1, pick).view(-1)
        seqs = torch.cat([seqs[rows], last.unsqueeze(1)], 1)
        atts = torch.cat([atts[rows], att_step[rows].unsqueeze(1)], 1)

        keep = []
        for r, item in enumerate(alive):
            if len(results[item]) >= k:
                continue
            if step + 1 >= limits[item]:
                if not results[item]:  # nothing ended: fall back to the best unfinished
                    for j, lp_sum in enumerate(scores[r].tolist()):
                        if j == 0 or lp_sum > float("-inf"):
                            results[item].append(_finish(
                                seqs[r * k + j].tolist(), lp_sum, step + 1,
                                _attention_rows(atts[r * k + j], valid[item]), False, options))
                continue
            keep.append(r)
        if len(keep) == n_alive:
            state = state.reorder_hidden(rows)
            if ctc is not None:
                ctc.advance(rows, last)
            if lm is not None:
                lm_state = lm.reorder(lm_state, rows)
            continue
        if not keep:
            break
        index = torch.tensor(keep, device=device)
        flat = (index.unsqueeze(1) * k + torch.arange(k, device=device)).view(-1)
        state = state.reorder(rows[flat])
        if ctc is not None:
            ctc.advance(rows[flat], last[flat])
        if lm is not None:
            lm_state = lm.reorder(lm_state, rows[flat])
        scores, last, seqs, atts = scores[index], last[flat], seqs[flat], atts[flat]
        phrases = None if phrases is None else [phrases[r] for r in keep]
        alive = [alive[r] for r in keep]

    for hyps in results:
        hyps.sort(key=lambda h: h.score, reverse=True)
        del hyps[options.nbest:]
    return results


def search(decoder, enc: EncoderOutput, options: SearchOptions,
           ctc_log_probs: torch.Tensor | None = None,
           phrases: list[Phrases] | None = None, lm=None) -> list[list[Hypothesis]]:
    """n-best hypotheses for every input of the batch, best first (joint with CTC where
    `ctc_log_probs` are given and the beam is wider than 1, fused with `lm` likewise;
    `phrases`, one list per input from multimodal.word_prior, favour the names they spell,
    by options.word_prior)."""
    if options.beam <= 1:
        return greedy_search(decoder, enc, options, phrases)
    return beam_search(decoder, enc, options, ctc_log_probs, phrases, lm)
