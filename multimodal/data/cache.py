"""Where built corpora and features live: git-ignored `cache/` (or $MULTIMODAL_CACHE)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    default = Path(__file__).resolve().parent.parent.parent / "cache"
    path = Path(os.environ.get("MULTIMODAL_CACHE", default))
    path.mkdir(parents=True, exist_ok=True)
    return path
