"""Outcomes -> what the page shows: the text, the attention image, one line of details.

A failed request alone in its batch raises gr.Error (the page shows the message in a
toast, the API returns it as the error); inside a larger batch the others still get their
results, so the failure is written into that request's details instead."""

from __future__ import annotations

import gradio as gr

from .decode import Outcome


def details(outcome: Outcome, device: str) -> str:
    pred = outcome.prediction
    cut = " · cut off at the length limit" if not pred.finished else ""
    line = (f"**{pred.seconds * 1000:.0f} ms** decode on **{device}** · {outcome.model_label} · "
            f"{len(pred.tokens)} tokens · score {pred.score:.2f}{cut}")
    return "  \n".join([line, *outcome.notes])


def shown(outcome: Outcome, device: str, alone: bool) -> tuple:
    """(text, image, details) for one request of a batch."""
    if outcome.notice:
        return "", None, outcome.notice
    if outcome.error:
        if alone:
            raise gr.Error(outcome.error)
        return "", None, f"**Error:** {outcome.error}"
    return outcome.prediction.text, outcome.view, details(outcome, device)


def columns(rows: list[tuple]) -> list[list]:
    """Per-request rows -> per-output lists, the shape a batch function returns."""
    return [list(col) for col in zip(*rows, strict=True)]

