"""Web app: caption images, transcribe English speech, translate fr/es/de into English.

    python app.py [--host 127.0.0.1] [--port 7860] [--device auto|cpu|cuda] [--weights DIR]

Each tab uses the trained bundles found in the weights folder; with none, it says so plainly.
"""

from __future__ import annotations

import argparse
import os
import threading
from pathlib import Path
from typing import NamedTuple

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported

import gradio as gr
import torch

import multimodal
from multimodal.devices import describe, pick_device
from multimodal.errors import MultimodalError, NoModelError

HERE = Path(__file__).resolve().parent
TASKS = {  # task -> (tab title, what to say when the input is missing)
    "caption": ("Caption", "Upload an image first"),
    "transcribe": ("Transcribe", "Upload or record some speech first"),
    "translate": ("Translate", "Type some text first"),
}
MAX_FILE_SIZE = "50mb"
CONCURRENCY = 2  # events of one kind that run at once
THEME = gr.themes.Base(font=["ui-sans-serif", "system-ui", "sans-serif"],
                       font_mono=["ui-monospace", "SFMono-Regular", "monospace"])


class ModelCache:
    """Loads each bundle on first use, once, and keeps it (keyed by path)."""

    def __init__(self, device: torch.device):
        self.device, self.models, self.lock = device, {}, threading.Lock()

    def get(self, path: str) -> multimodal.Pipeline:
        with self.lock:
            if path not in self.models:
                self.models[path] = multimodal.load(path, device=self.device)
            return self.models[path]


class Bundle(NamedTuple):
    label: str  # 'name (encoder)', what the dropdown shows
    name: str  # the folder name, what the dropdown (and the API) passes
    path: str
    config: dict


def find_bundles(weights_dir: Path) -> dict[str, list[Bundle]]:
    """task -> the bundles found for it, by name."""
    found: dict[str, list[Bundle]] = {task: [] for task in TASKS}
    for path, config in multimodal.find_bundles(weights_dir):
        label = f"{path.name} ({config['encoder']['name']})"
        found[config["task"]].append(Bundle(label, path.name, str(path), config))
    return found


def no_model_message(task: str, weights_dir: Path) -> str:
    return f"No {task} model is trained yet (no bundle in {weights_dir.name}/)"


def describe_prediction(pred: multimodal.Prediction) -> str:
    ending = "" if pred.finished else " · cut off at the length limit"
    return f"score {pred.score:.3f} · {len(pred.tokens)} tokens · {pred.seconds:.2f} s{ending}"


def make_handler(task: str, bundles: list[Bundle], weights_dir: Path, cache: ModelCache):
    """The function behind one tab's button: (input, model, beam, max_len) -> (text, details)."""
    known = {b.name: b.path for b in bundles}

    def handler(item, model: str | None = None, beam: int = 0, max_len: int = 0):
        try:
            if not known:
                raise NoModelError(no_model_message(task, weights_dir))
            if model not in known:
                raise MultimodalError(f"unknown model {model!r}; pick one from the list")
            if item is None or (isinstance(item, str) and not item.strip()):
                raise MultimodalError(TASKS[task][1])
            [pred] = cache.get(known[model]).predict([item], beam=int(beam), max_len=int(max_len))
        except MultimodalError as err:
            raise gr.Error(str(err)) from None
        return pred.text, describe_prediction(pred)

    return handler


def input_component(task: str) -> gr.components.Component:
    if task == "caption":
        return gr.Image(type="filepath", label="Image")
    if task == "transcribe":
        return gr.Audio(sources=["upload", "microphone"], type="filepath", label="Speech")
    return gr.Textbox(label="French, Spanish or German text", lines=4)


def build_tab(task: str, bundles: list[Bundle], weights_dir: Path, cache: ModelCache) -> None:
    """One tab: input, model choice, search controls, button, output."""
    with gr.Tab(TASKS[task][0]):
        if not bundles:
            gr.Markdown(f"**{no_model_message(task, weights_dir)}.**")
        item = input_component(task)
        defaults = multimodal.SearchOptions(**(bundles[0].config.get("search", {})
                                               if bundles else {}))
        with gr.Row(visible=bool(bundles)):
            model = gr.Dropdown([(b.label, b.name) for b in bundles],
                                value=bundles[0].name if bundles else None, label="Model")
            beam = gr.Slider(1, 16, value=defaults.beam, step=1, label="Beam size")
            max_len = gr.Slider(1, 512, value=defaults.max_len, step=1, label="Max length")
        button = gr.Button(TASKS[task][0], variant="primary")
        text = gr.Textbox(label="Output", interactive=False)
        details = gr.Markdown(label="Details")
        button.click(make_handler(task, bundles, weights_dir, cache),
                     inputs=[item, model, beam, max_len], outputs=[text, details], api_name=task)


def build_demo(weights_dir: str | Path, device: torch.device) -> gr.Blocks:
    """The whole app, not launched (tests build it directly)."""
    weights_dir = Path(weights_dir)
    cache, bundles = ModelCache(device), find_bundles(weights_dir)
    with gr.Blocks(title="multimodal", analytics_enabled=False) as demo:
        gr.Markdown(f"# multimodal\nRunning on **{describe(device)}**.")
        for task in TASKS:
            build_tab(task, bundles[task], weights_dir, cache)
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


def launch(demo: gr.Blocks, host: str, port: int, block: bool = True):
    return demo.launch(server_name=host, server_port=port, max_file_size=MAX_FILE_SIZE,
                       theme=THEME, prevent_thread_lock=not block, share=False)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, mps")
    parser.add_argument("--weights", type=Path, default=HERE / "weights",
                        help="folder of model bundles")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        device = pick_device(args.device)
    except MultimodalError as err:
        raise SystemExit(f"error: {err}") from None
    launch(build_demo(args.weights, device), args.host, args.port)


if __name__ == "__main__":
    main()
