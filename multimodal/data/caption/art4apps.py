"""Art4Apps drawings of named things (Debian `pysiogame`) as objects.

The children's game ships the Art4Apps picture dictionary: one hand-drawn, coloured picture
per word, on white, filed by topic (animals, food, fruit and vegetables, clothes, buildings,
vehicles, landscapes, body parts, jobs), the file named by the word ("guinea_pig.jpg" ->
"guinea pig"). The `actions` and `sport` folders are verbs and the `people` folder
relatives and pronoun-like words, so they are left out; a name is kept where its words are
English dictionary words. The white around a drawing is cut away (made transparent from
the border in), so that the drawing lands on the corpus's backgrounds as the other sources'
cut-out pictures do. Each name is one object, one held-out unit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from ...errors import MultimodalError
from .objects import CaptionObject
from .openclipart import all_english
from .phrases import phrase_from_name, single_caption

ROOT = Path("/usr/share/games/pysiogame/res/images/art4apps")
TOPICS = ("animals", "body", "clothes_n_accessories", "construction", "food", "fruit_n_veg",
          "jobs", "nature", "transport")
# Not a thing one picture shows, or a word the picture shows only in part.
NOT_THINGS = {"magic", "office", "feast", "lunch", "meal", "spread", "sprinkle", "slice",
              "bottom", "land", "step", "patch", "kernel", "back", "well", "ballet"}
RENAMED = {"lama": "llama", "bike": "bicycle", "zip": "zipper"}
WHITE = 40  # how far from pure white the flood from the border still counts as paper
MARKER = (255, 0, 254)  # the flood's colour: one no drawing fills an area with


def name_of(file_name: str) -> str:
    """'guinea_pig.jpg' -> 'guinea pig'."""
    name = Path(file_name).stem.replace("_", " ").strip().lower()
    return RENAMED.get(name, name)


def is_thing(name: str) -> bool:
    return bool(name.split()) and name not in NOT_THINGS and all_english(name.split())


def cut_out(drawing: Path) -> Image.Image:
    """The drawing as RGBA, its white paper (what is near-white and reaches the border)
    transparent; white inside the drawing (an eye, a shirt) stays."""
    with Image.open(drawing) as raw:
        rgb = ImageOps.expand(raw.convert("RGB"), border=1, fill="white")
    flooded = rgb.copy()
    ImageDraw.floodfill(flooded, (0, 0), MARKER, thresh=WHITE)
    paper = (np.asarray(flooded) == MARKER).all(axis=-1)
    cut = rgb.convert("RGBA")
    cut.putalpha(Image.fromarray(np.where(paper, 0, 255).astype(np.uint8)))
    return cut.crop((1, 1, cut.width - 1, cut.height - 1))


def art4apps_objects(work: Path, root: Path = ROOT) -> list[CaptionObject]:
    """One object per named drawing, its cut-out written once into `work/art4apps/`."""
    if not root.is_dir():  # a silently smaller corpus would change every split's scores
        raise MultimodalError(f"{root} is missing: apt-get install pysiogame")
    found = []
    for topic in TOPICS:
        for drawing in sorted((root / topic).glob("*.jpg")):
            name = name_of(drawing.name)
            if not is_thing(name) or (phrase := phrase_from_name(name)) is None:
                continue
            target = work / "art4apps" / topic / f"{drawing.stem}.png"
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                cut_out(drawing).save(target)
            found.append(CaptionObject(
                key=f"art4apps:{topic}/{drawing.stem}", group=f"art4apps:{name}",
                source="art4apps", name=phrase[1], caption=single_caption(phrase),
                phrase=phrase, file=str(target)))
    return found
