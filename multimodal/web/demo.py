"""The whole page: a header naming the device, then the Caption, Transcribe, Translate and
Compare tabs; and how it is served (local address, bounded uploads, no telemetry)."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported

import gradio as gr  # noqa: E402
import torch  # noqa: E402

from ..devices import describe  # noqa: E402
from .batcher import Batcher  # noqa: E402
from .compare import TASKS, build_compare_tab  # noqa: E402
from .decode import decode  # noqa: E402
from .models import Models  # noqa: E402
from .tabs import build_task_tab  # noqa: E402

MAX_FILE_SIZE = "50mb"  # uploads past this are refused by the page with a message
QUEUE_SIZE = 64  # waiting requests past this are turned away rather than piling up
# System fonts only: Gradio's default theme would fetch web fonts from the internet.
THEME = gr.themes.Base(font=["ui-sans-serif", "system-ui", "sans-serif"],
                       font_mono=["ui-monospace", "SFMono-Regular", "monospace"])
INTRO = ("One attention decoder, three encoders: a CNN reads pictures, a CNN+BiLSTM reads "
         "speech, a BiGRU reads French, Spanish and German; all three write English. Each "
         "result shows where the decoder looked for every word it wrote.")


def build_demo(weights_dir: str | Path, device: torch.device) -> gr.Blocks:
    """The app, not launched (tests build it directly). Models load on first use."""
    models, device_name = Models(weights_dir, device), describe(device)
    batchers = {task: Batcher(partial(decode, models, task)) for task in TASKS}
    with gr.Blocks(title="multimodal", analytics_enabled=False) as demo:
        gr.Markdown(f"# multimodal\n{INTRO}\n\nRunning on **{device_name}**.")
        with gr.Tabs():
            for task in TASKS:
                build_task_tab(models, batchers[task], task, device_name)
            build_compare_tab(models, batchers, device_name)
    demo.queue(max_size=QUEUE_SIZE)
    demo.models = models  # for tests and warm-up
    return demo


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, block: bool = True):
    return demo.launch(server_name=host, server_port=port, max_file_size=MAX_FILE_SIZE,
                       theme=THEME, prevent_thread_lock=not block, share=False,
                       show_error=True, footer_links=["api"])
