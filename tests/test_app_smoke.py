"""The app builds and serves with no trained model, and says so instead of inventing output."""

import socket
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import app  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_builds_with_empty_weights(tmp_path):
    demo = app.build_demo(tmp_path, torch.device("cpu"))
    names = {dep.get("api_name") for dep in demo.config["dependencies"]}
    assert {"caption", "transcribe", "translate"} <= names


def test_translate_without_model_is_a_plain_error(tmp_path):
    from gradio_client import Client

    demo = app.build_demo(tmp_path / "weights", torch.device("cpu"))
    app.launch(demo, "127.0.0.1", free_port(), block=False)
    try:
        client = Client(demo.local_url, verbose=False)
        with pytest.raises(Exception, match="No translate model is trained yet"):
            client.predict("Bonjour le monde.", api_name="/translate")
    finally:
        demo.close()
