"""Web app: caption pictures, transcribe English speech, translate French, Spanish and
German into English, and compare the three side by side.

    python app.py [--host 127.0.0.1] [--port 7860] [--device auto|cpu|cuda] [--weights DIR]

Each tab uses the trained bundles found in the weights folder; with none, it says so plainly.
The page itself lives in multimodal/web/.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from multimodal.devices import pick_device
from multimodal.errors import MultimodalError
from multimodal.web import build_demo, launch

HERE = Path(__file__).resolve().parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: local)")
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
