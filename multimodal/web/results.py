"""Outcomes -> what the page shows: the text, the attention image, one line of details,
and the progress bar while it decodes.

A failed request on a task tab raises gr.Error (the page shows the message in a toast, the
API returns it as the error); on the Compare tab the other two columns still get their
results, so the failure is written into that column's details instead."""

from __future__ import annotations

import gradio as gr

from .decode import Outcome


def details(outcome: Outcome, device: str) -> str:
    pred = outcome.prediction
    cut = " · cut off at the length limit" if not pred.finished else ""
    line = (f"**{pred.seconds * 1000:.0f} ms** decode on **{device}** · {outcome.model_label} · "
            f"{len(pred.tokens)} tokens · score {pred.score:.2f}{cut}")
    return "  \n".join([line, *outcome.notes])


def shown(outcome: Outcome, device: str, alone: bool = True) -> tuple:
    """(text, image, details) for one request."""
    if outcome.notice:
        return "", None, outcome.notice
    if outcome.error:
        if alone:
            raise gr.Error(outcome.error)
        return "", None, f"**Error:** {outcome.error}"
    if outcome.warning:
        gr.Warning(outcome.warning)  # a toast on the visitor's page; also in the details
    return outcome.prediction.text, outcome.view, details(outcome, device)


def progress_bar(progress: gr.Progress, start: float = 0.0, share: float = 1.0):
    """A (segments done, total) callback that moves the page's bar from `start` over `share`
    of its length (Compare runs three decodes on one bar)."""

    def report(done: int, total: int) -> None:
        progress(start + share * done / total, desc="Decoding", total=total)

    return report

