"""The browser demo (Gradio): `python app.py` builds it with `build_demo` and serves it."""

from .demo import build_demo, launch

__all__ = ["build_demo", "launch"]
