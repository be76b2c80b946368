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

    def outputs(self, sources: Sequence[str | Path],
                run: Callable[[list], list[str]]) -> list[str]:
        """Each source's output, running `run(missing sources)` only for those not kept."""
        keys = [self.key(s) for s in sources]
        missing = [i for i, k in enumerate(keys) if k not in self.known]
        if missing:
            fresh = run([sources[i] for i in missing])
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as f:
                for i, output in zip(missing, fresh, strict=True):
                    self.known[keys[i]] = output
                    f.write(json.dumps({"key": keys[i], "output": output},
                                       ensure_ascii=False) + "\n")
        return [self.known[k] for k in keys]
