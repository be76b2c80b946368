"""Scores from the field's own libraries: sacreBLEU (BLEU, chrF) and jiwer (WER, CER), with
one text normaliser for every system scored."""

from __future__ import annotations

import re
import unicodedata

import jiwer
import sacrebleu


def normalise_for_wer(text: str) -> str:
    """Lower case, no punctuation, single spaces: the same for our model and every peer."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    text = re.sub(r"[^\w' ]+", " ", text)
    return " ".join(text.split())


def bleu(hypotheses: list[str], references: list[str]) -> float:
    return sacrebleu.corpus_bleu(hypotheses, [references]).score


def chrf(hypotheses: list[str], references: list[str]) -> float:
    return sacrebleu.corpus_chrf(hypotheses, [references]).score


def wer(hypotheses: list[str], references: list[str]) -> float:
    """Word error rate in percent over the whole set."""
    refs = [normalise_for_wer(r) for r in references]
    hyps = [normalise_for_wer(h) for h in hypotheses]
    return 100 * jiwer.wer(refs, hyps) if any(refs) else float("nan")


def cer(hypotheses: list[str], references: list[str]) -> float:
    refs = [normalise_for_wer(r) for r in references]
    hyps = [normalise_for_wer(h) for h in hypotheses]
    return 100 * jiwer.cer(refs, hyps) if any(refs) else float("nan")


def task_scores(task: str, hypotheses: list[str], references: list[str]) -> dict[str, float]:
    if task == "transcribe":
        return {"WER": wer(hypotheses, references), "CER": cer(hypotheses, references)}
    return {"BLEU": bleu(hypotheses, references), "chrF": chrf(hypotheses, references)}


def dev_score(task: str, hypotheses: list[str], references: list[str]) -> float:
    """One number where higher is better, for early stopping."""
    if task == "transcribe":
        return -wer(hypotheses, references)
    return bleu(hypotheses, references)
