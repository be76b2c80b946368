"""Starting the app for the client and browser tests: a weights folder with the shipped
bundles plus untrained stand-ins for the tasks that have none, served on a free port."""

from __future__ import annotations

import contextlib
import shutil
import socket
from pathlib import Path

import torch

from multimodal.bundle import find_bundles
from multimodal.web import build_demo, launch

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "weights"
EXAMPLES = ROOT / "examples"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_weights(folder: Path, stand_ins: dict[str, Path]) -> Path:
    """The shipped bundles, and a stand-in (untrained) bundle for each task with none."""
    folder.mkdir(parents=True, exist_ok=True)
    shipped = list(find_bundles(SHIPPED))
    for path, _ in shipped:
        shutil.copytree(path, folder / path.name, dirs_exist_ok=True)
    tasks = {config["task"] for _, config in shipped}
    for task, path in stand_ins.items():
        if task not in tasks:
            shutil.copytree(path, folder / Path(path).name, dirs_exist_ok=True)
    return folder


@contextlib.contextmanager
def serving(weights_dir: Path, device: str = "cpu"):
    """The app running in this process (a server thread); yields its URL."""
    demo = build_demo(weights_dir, torch.device(device))
    launch(demo, "127.0.0.1", free_port(), block=False)
    try:
        yield demo.local_url
    finally:
        demo.close()


def make_stand_ins(folder: Path) -> dict[str, Path]:
    """Untrained caption and transcribe bundles (conftest's `untrained_bundles`, named
    `-untrained`), for showing the page where no trained model exists yet."""
    from helpers import untrained_bundles

    torch.manual_seed(0)  # the same stand-ins, and so the same screenshots, every time
    return untrained_bundles(folder, "untrained", "untrained stand-in for the screenshots")
