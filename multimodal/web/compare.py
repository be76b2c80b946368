"""The Compare tab: one image, one recording and one text at once, three English outputs in
one row, each with its attention view, decode time and device. The same decoder code reads
three kinds of memory; a modality with no input or no trained model says so in its column."""

from __future__ import annotations

import gradio as gr

from . import examples
from .batcher import Batcher
from .decode import Outcome, Request
from .models import Models
from .prepare import is_empty
from .results import progress_bar, shown
from .tabs import QUEUED, input_component, model_choice, search_sliders

TASKS = ("caption", "transcribe", "translate")
HEADINGS = {"caption": "From the image", "transcribe": "From the recording",
            "translate": "From the text"}
NOT_GIVEN = {"caption": "No image given.", "transcribe": "No recording given.",
             "translate": "No text given."}


def make_handler(models: Models, batchers: dict[str, Batcher], device: str):
    def compare(image, audio, text, caption_model, transcribe_model, translate_model,
                beam_size, max_length, progress=gr.Progress()):
        """Three decodes, one row of nine outputs; each joins its task's batch."""
        raws = {"caption": image, "transcribe": audio, "translate": text}
        names = {"caption": caption_model, "transcribe": transcribe_model,
                 "translate": translate_model}
        if all(is_empty(raws[t]) for t in TASKS):
            raise gr.Error("Give an image, a recording or a text (or pick an example below)")
        row = []
        for k, task in enumerate(TASKS):
            if not models.bundles[task]:
                outcome = Outcome(notice=models.no_model_message(task) + ".")
            elif is_empty(raws[task]):
                outcome = Outcome(notice=NOT_GIVEN[task])
            else:
                outcome = batchers[task].submit(
                    Request(raws[task], names[task], beam_size, max_length),
                    progress_bar(progress, start=k / len(TASKS), share=1 / len(TASKS)))
            row += shown(outcome, device, alone=False)  # errors go in that column's details
        return tuple(row)

    return compare


def build_compare_tab(models: Models, batchers: dict[str, Batcher], device: str) -> None:
    with gr.Tab("Compare", id="compare", elem_id="compare-tab"):
        gr.Markdown("One concept, three ways in: a picture, a spoken sentence and a written "
                    "one, each read by its own encoder and decoded by the same attention "
                    "decoder into English. Pick an example below, or bring your own.")
        with gr.Row():
            image = input_component("caption", elem_id="compare-image", height=220)
            audio = input_component("transcribe", elem_id="compare-audio")
            text = input_component("translate", elem_id="compare-text")
        with gr.Accordion("Models and search", open=False), gr.Row():
            choices = [model_choice(models, task) for task in TASKS]
            beam, max_len = search_sliders()
        button = gr.Button("Compare", variant="primary", elem_id="compare-button")
        outputs = []
        with gr.Row(equal_height=False):
            for task in TASKS:
                with gr.Column():
                    gr.Markdown(f"### {HEADINGS[task]}")
                    out_text = gr.Textbox(label="English", interactive=False, lines=2,
                                          elem_id=f"compare-{task}-output")
                    out_info = gr.Markdown(f"Runs on **{device}**.", label=f"{task} details",
                                           elem_id=f"compare-{task}-details")
                    out_view = gr.Image(label="Attention", type="pil", format="png",
                                        interactive=False, elem_id=f"compare-{task}-view")
                    outputs += [out_text, out_view, out_info]
        sample = [list(stamp) for stamp in examples.stamps()]
        if sample:
            gr.Examples(sample, [image, audio, text], label="Tux Paint stamps",
                        elem_id="compare-examples")
        button.click(make_handler(models, batchers, device),
                     [image, audio, text, *choices, beam, max_len], outputs,
                     api_name="compare", **QUEUED)

