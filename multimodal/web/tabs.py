"""The Caption, Transcribe and Translate tabs: one input, the search controls, the output
text, the attention view and a line of details. Each button is a queued API endpoint named
after its task, whose requests the task's Batcher decodes together."""

from __future__ import annotations

import gradio as gr

from ..inputs.text import MAX_TEXT_CHARS
from ..search import SearchOptions
from . import examples
from .batcher import MAX_BATCH, Batcher
from .decode import Request
from .languages import NAMES
from .models import Models
from .prepare import MAX_AUDIO_SECONDS
from .results import progress_bar, shown

TITLES = {"caption": "Caption", "transcribe": "Transcribe", "translate": "Translate"}
# Handlers running at once, over every tab (one shared limit); each task's Batcher decodes
# those that wait together in one batch, one batch per task at a time.
QUEUED = {"concurrency_limit": MAX_BATCH, "concurrency_id": "decode"}


def image_input(**kwargs) -> gr.Image:
    """gr.Image that passes the uploaded file on untouched (image_mode=None: no re-encoding)
    and leaves unreadable files to our own loader, whose message says what is wrong. (Set on
    the instance: a subclass would make Gradio write a .pyi stub into the package.)"""
    kwargs = {"label": "Image", "height": 300, **kwargs}
    image = gr.Image(type="filepath", image_mode=None, sources=["upload", "webcam", "clipboard"],
                     **kwargs)
    strict = image.preprocess

    def preprocess(payload):
        try:
            return strict(payload)
        except (OSError, ValueError):  # PIL's UnidentifiedImageError is an OSError
            return payload.path

    image.preprocess = preprocess
    return image


def input_component(task: str, **kwargs) -> gr.components.Component:
    if task == "caption":
        return image_input(**kwargs)
    if task == "transcribe":
        return gr.Audio(sources=["upload", "microphone"], type="filepath",
                        label=f"English speech (up to {MAX_AUDIO_SECONDS} s)", **kwargs)
    return gr.Textbox(label="French, Spanish or German text", lines=5,
                      max_length=MAX_TEXT_CHARS, placeholder="Le chat dort sur le canapé.",
                      **kwargs)


def language_choice(models: Models) -> gr.Dropdown:
    readable = sorted({code for b in models.bundles["translate"]
                       for code in b.config.get("source_languages", [])}) or list(NAMES)
    return gr.Dropdown([("Detect automatically", "auto")]
                       + [(NAMES.get(code, code), code) for code in readable],
                       value="auto", label="Source language")


def model_choice(models: Models, task: str) -> gr.Dropdown:
    """Every bundle of the task, its encoder named; hidden when there is none (then its one
    value "none" keeps the API argument optional, and the task answers "no model yet")."""
    bundles = models.bundles[task]
    choices = [(b.label, b.name) for b in bundles] or [("none", "none")]
    return gr.Dropdown(choices, value=choices[0][1], label=f"{TITLES[task]} model",
                       visible=bool(bundles))


def search_sliders(beam: int = 5, max_len: int = SearchOptions.max_len):
    return (gr.Slider(1, 16, value=beam, step=1, label="Beam size"),
            gr.Slider(1, 512, value=max_len, step=1, label="Maximum length (tokens)"))


def search_controls(models: Models, task: str):
    """Model choice, then beam size and maximum length defaulting to the bundle's own."""
    bundles = models.bundles[task]
    options = SearchOptions(**(bundles[0].config.get("search", {}) if bundles else {}))
    return (model_choice(models, task), *search_sliders(options.beam, options.max_len))


def make_handler(batcher: Batcher, task: str, device: str):
    """The function behind a tab's button. Its parameter names are the API's: caption(image,
    ...), transcribe(audio, ...), translate(text, ...); gr.Progress is filled in by Gradio."""

    def run(item, model, beam_size, max_length, language, progress):
        outcome = batcher.submit(Request(item, model, beam_size, max_length, language),
                                 progress_bar(progress))
        return shown(outcome, device)

    def caption(image, model, beam_size, max_length, progress=gr.Progress()):
        return run(image, model, beam_size, max_length, "auto", progress)

    def transcribe(audio, model, beam_size, max_length, progress=gr.Progress()):
        return run(audio, model, beam_size, max_length, "auto", progress)

    def translate(text, model, beam_size, max_length, source_language, progress=gr.Progress()):
        return run(text, model, beam_size, max_length, source_language, progress)

    return {"caption": caption, "transcribe": transcribe, "translate": translate}[task]


def build_task_tab(models: Models, batcher: Batcher, task: str, device: str) -> None:
    with gr.Tab(TITLES[task], id=task, elem_id=f"{task}-tab"):
        if not models.bundles[task]:
            gr.Markdown(f"**{models.no_model_message(task)}.** Train one with "
                        f"`python -m multimodal train --task {task} ...`; until then this tab "
                        "answers with that message.")
        with gr.Row():
            with gr.Column():
                item = input_component(task, elem_id=f"{task}-input")
                extra = [language_choice(models)] if task == "translate" else []
                with gr.Accordion("Model and search", open=True):
                    model, beam, max_len = search_controls(models, task)
                button = gr.Button(TITLES[task], variant="primary", elem_id=f"{task}-button")
            with gr.Column():
                text = gr.Textbox(label="English", interactive=False, lines=2,
                                  elem_id=f"{task}-output")
                info = gr.Markdown(f"Runs on **{device}**.", label="details",
                                   elem_id=f"{task}-details")
                view = gr.Image(label="Attention: where the decoder looked for each word",
                                type="pil", format="png", interactive=False,
                                elem_id=f"{task}-view")
        sample = {"caption": examples.pictures, "transcribe": examples.recordings,
                  "translate": examples.texts}[task]()
        if sample:
            gr.Examples(sample, [item, *extra], label="Examples", elem_id=f"{task}-examples")
        button.click(make_handler(batcher, task, device), [item, model, beam, max_len, *extra],
                     [text, view, info], api_name=task, **QUEUED)
