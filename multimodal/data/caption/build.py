"""Build the caption corpus: objects -> held-out split by object -> rendered pictures.

    python -m multimodal data caption   # -> cache/caption/{train,dev,test_single,test_scene}.tsv

Rows are `images/<split>/<n>.jpg<TAB>caption` (the manifest format `train` reads), with a
`.jsonl` beside each manifest naming the objects in every picture (for the name hit rate
and the per-source scores). 15% of the objects (10% test, 5% dev) are held out entirely:
they appear in no training picture, alone or in a scene. Every picture is drawn from a seed
of its own, so a rebuild gives the same files and an interrupted build resumes."""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections import Counter
from collections.abc import Set
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from ...errors import MultimodalError
from ..cache import cache_dir
from .art4apps import art4apps_objects
from .gcompris import gcompris_objects
from .objects import (
    CaptionObject,
    drawable_picture,
    noto_objects,
    openmoji_objects,
    tuxpaint_objects,
)
from .openclipart import openclipart_objects
from .phrases import scene_caption
from .render import Backgrounds, draw_scene, draw_single, wallpapers
from .twins import twins_of_training

TEST_SHARE, DEV_SHARE = 0.10, 0.05
# Pictures per object alone (the human-written Tux Paint captions weigh more) and scenes.
SINGLES = {"tuxpaint": 8, "noto": 2, "openmoji": 2, "openclipart": 2, "gcompris": 4,
           "art4apps": 6}
SCENES = {"train": 8_000, "dev": 150, "test_scene": 400}
# A picture's seed is its place in the plan, so a new source goes last: every training
# picture drawn before stays as it was (and so do the cached features). Held-out pictures
# after a newly found twin (twins.py) are drawn anew.
SOURCES = ("noto", "openclipart", "openmoji", "tuxpaint", "gcompris", "art4apps")
# The scenes draw from these: a source added to them would redraw every scene, so GCompris
# and Art4Apps (added after the shipped decoder was trained) join when a decoder is next
# trained anew.
SCENE_SOURCES = {"noto", "openclipart", "openmoji", "tuxpaint"}
WORKERS = 2
TWINS_KEY = "held-out twins of a training picture (left out)"  # in counts.json


def corpus_dir() -> Path:
    return cache_dir() / "caption"


def split_of(group: str) -> str:
    """A pure function of the object's group: its hash decides train, dev or test."""
    x = int(hashlib.sha1(group.encode()).hexdigest()[:8], 16) / 2**32
    return "test" if x < TEST_SHARE else "dev" if x < TEST_SHARE + DEV_SHARE else "train"


def collect(out: Path) -> list[CaptionObject]:
    objects = (tuxpaint_objects() + noto_objects() + openmoji_objects(out / "sources")
               + openclipart_objects() + gcompris_objects(out / "sources")
               + art4apps_objects(out / "sources"))
    return sorted(objects, key=lambda o: (SOURCES.index(o.source), o.key))


def _singles(objects: list[CaptionObject], split: str) -> list[dict]:
    return [{"kind": "single", "objects": [obj.key]}
            for obj in objects for _ in range(SINGLES[obj.source] if split == "train" else 1)]


def _scenes(pool: list[CaptionObject], split: str) -> list[dict]:
    rng = random.Random(f"scenes:{split}")
    nameable = [o for o in pool if o.phrase is not None]
    scenes = []
    for _ in range(SCENES[split]):
        chosen = rng.sample(nameable, rng.choice((2, 2, 3)))
        if len({o.group for o in chosen}) == len(chosen):  # not one emoji twice
            scenes.append({"kind": "scene", "objects": [o.key for o in chosen]})
    return scenes


def plan(objects: list[CaptionObject], twins: Set[str] = frozenset()) -> dict[str, list[dict]]:
    """Every picture to draw: {split: [{kind, objects: [keys]}]}; deterministic. Each split
    lists the scene sources' single pictures, then the scenes, then the later sources'
    single pictures, so that adding a source moves no training picture. Held-out objects
    in `twins` (a training picture's twin, twins.py) are left out."""
    by_split: dict[str, list[CaptionObject]] = {"train": [], "dev": [], "test": []}
    for obj in objects:
        if (split := split_of(obj.group)) == "train" or obj.key not in twins:
            by_split[split].append(obj)
    items: dict[str, list[dict]] = {}
    for split, scene_split, pool in (("train", "train", by_split["train"]),
                                     ("dev", "dev", by_split["dev"]),
                                     ("test_single", "test_scene", by_split["test"])):
        earlier = [o for o in pool if o.source in SCENE_SOURCES]
        later = [o for o in pool if o.source not in SCENE_SOURCES]
        items[split] = _singles(earlier, split)
        items[scene_split] = items.get(scene_split, []) + _scenes(earlier, scene_split)
        items[split] += _singles(later, split)
    return items


_WORKER: dict = {}


def _init_worker(objects: dict[str, CaptionObject], out: Path) -> None:
    _WORKER["objects"], _WORKER["backgrounds"] = objects, Backgrounds(wallpapers())
    _WORKER["out"] = out


def _pictures(objects: list[CaptionObject]) -> list | None:
    """The objects' pictures, or None when one cannot be drawn (a broken or unsafe SVG)."""
    pictures = [drawable_picture(o) for o in objects]
    return None if any(p is None for p in pictures) else pictures


def picture_path(split: str, n: int, item: dict) -> str:
    """Where picture n of a split goes; the name carries a digest of what it shows, so a
    rebuild with other objects never reuses a stale picture."""
    digest = hashlib.sha1(json.dumps(item, sort_keys=True).encode()).hexdigest()[:8]
    return f"images/{split}/{n:06d}-{digest}.jpg"


def remove_stale(folder: Path, keep: set[str]) -> int:
    """Delete the pictures of an earlier plan; returns how many."""
    stale = [p for p in folder.glob("*.jpg") if p.name not in keep] if folder.exists() else []
    for p in stale:
        p.unlink()
    return len(stale)


def draw(task: tuple[str, int, dict, str]) -> dict | None:
    """Draw one picture (unless it exists) and return its manifest metadata (None: skipped)."""
    split, n, item, path = task
    objects = [_WORKER["objects"][k] for k in item["objects"]]
    pictures = _pictures(objects)
    if pictures is None:
        return None
    rng = random.Random(f"{split}:{n}")
    meta = {"path": path, "kind": item["kind"], "objects": item["objects"],
            "names": [o.name for o in objects], "sources": [o.source for o in objects],
            "photo": objects[0].photo if len(objects) == 1 else False}
    background = _WORKER["backgrounds"](rng)
    if item["kind"] == "single":
        image, spot = draw_single(pictures[0], background, rng)
        meta["caption"], spots = objects[0].caption, [spot]
    else:
        image, spots = draw_scene(pictures, background, rng)
        meta["caption"] = scene_caption([o.phrase for o in objects],
                                        [s.centre for s in spots], [s.scale for s in spots])
    meta["boxes"] = [list(s.box) for s in spots]  # where each object is drawn
    target = _WORKER["out"] / path
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        image.convert("RGB").save(partial, "JPEG", quality=90)
        partial.rename(target)
    return meta


def build(out: Path | None = None) -> dict:
    try:  # without it every SVG picture would be skipped, silently shrinking the corpus
        import cairosvg  # noqa: F401
    except ImportError:
        raise MultimodalError("drawing the SVG pictures needs cairosvg: "
                              "pip install -r requirements-data.txt") from None
    out = out or corpus_dir()
    print("reading the objects of every source", file=sys.stderr)
    objects = collect(out)
    twins = twins_of_training(objects, split_of, WORKERS)
    items = plan(objects, twins)
    table = {o.key: o for o in objects}
    (out / "objects.jsonl").write_text(
        "".join(json.dumps(asdict(o)) + "\n" for o in objects), encoding="utf-8")
    counts: dict = {"objects": dict(Counter(f"{o.source}/{split_of(o.group)}"
                                            for o in objects if o.key not in twins)),
                    TWINS_KEY: dict(Counter(
                        f"{o.source}/{split_of(o.group)}" for o in objects if o.key in twins))}
    with ProcessPoolExecutor(WORKERS, initializer=_init_worker, initargs=(table, out)) as pool:
        for split, todo in items.items():
            tasks = [(split, n, item, picture_path(split, n, item))
                     for n, item in enumerate(todo)]
            remove_stale(out / "images" / split, {Path(t[3]).name for t in tasks})
            drawn = list(tqdm(pool.map(draw, tasks, chunksize=32), total=len(tasks),
                              desc=f"draw {split}", unit=" pictures"))
            metas = [m for m in drawn if m is not None]
            (out / f"{split}.tsv").write_text(
                "".join(f"{m['path']}\t{m['caption']}\n" for m in metas), encoding="utf-8")
            (out / f"{split}.jsonl").write_text(
                "".join(json.dumps(m) + "\n" for m in metas), encoding="utf-8")
            counts[split] = {**Counter(m["kind"] for m in metas),
                             "not drawable (skipped)": len(drawn) - len(metas)}
    (out / "counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    return counts


def main() -> None:
    """`python -m multimodal data caption`."""
    counts = build()
    print(json.dumps(counts, indent=2))
    print(f"written to {corpus_dir()}/{{train,dev,test_single,test_scene}}.tsv")
