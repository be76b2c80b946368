"""A peer engine's outputs per input file, kept on disk so that evaluating another model on
the same sets does not run the peer again (PocketSphinx on 1.8 hours of audio takes minutes).

One JSON line per file: the engine, the file's path, size and modification time, and its
output; a changed file or engine version is simply a miss."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from ..data.cache import cache_dir


class PeerMemo:
    def __init__(self, engine: str, path: Path | None = None):
        self.engine = engine
        self.path = path or cache_dir() / "peers" / "outputs.jsonl"
        self.known: dict[str, str] = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:  # a line cut by an interrupted run
                    continue
                self.known[record["key"]] = record["output"]

    def key(self, source: str | Path) -> str:
        stat = os.stat(source)
        return f"{self.engine}|{Path(source).resolve()}|{stat.st_size}|{stat.st_mtime_ns}"

    def outputs(self, sources: Sequence[str | Path], run: Callable[[str | Path], str],
                progress: Callable[[int, int], None] | None = None) -> list[str]:
        """Each source's output, running `run(source)` only for those not kept. Every new
        output is written at once, so an interrupted evaluation loses nothing."""
        keys = [self.key(s) for s in sources]
        missing = [i for i, k in enumerate(keys) if k not in self.known]
        if missing:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as f:
                for done, i in enumerate(missing, 1):
                    self.known[keys[i]] = run(sources[i])
                    f.write(json.dumps({"key": keys[i], "output": self.known[keys[i]]},
                                       ensure_ascii=False) + "\n")
                    f.flush()
                    if progress:
                        progress(done, len(missing))
        return [self.known[k] for k in keys]
