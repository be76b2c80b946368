"""Draw objects on varied backgrounds: one object alone, or a scene of two or three.

Backgrounds are wallpapers from Debian packages (gnome-backgrounds, mate-backgrounds),
plain colours, gradients and soft noise textures. A wallpaper is only ever a background:
its file name is never part of a caption."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

CANVAS = 256
WALLPAPER_DIRS = (Path("/usr/share/backgrounds"),)
PICTURE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def _opens(path: Path) -> bool:
    try:
        with Image.open(path) as im:
            return im.width >= CANVAS and im.height >= CANVAS
    except (OSError, ValueError):  # a few packaged files are stubs PIL cannot read
        return False


def wallpapers() -> list[Path]:
    return sorted(p for d in WALLPAPER_DIRS if d.exists() for p in d.rglob("*")
                  if p.suffix.lower() in PICTURE_SUFFIXES and _opens(p))


class Backgrounds:
    """Random backgrounds; wallpapers are loaded lazily and kept small."""

    def __init__(self, files: list[Path]):
        self.files, self.loaded = files, {}

    def _wallpaper(self, rng: random.Random) -> Image.Image:
        path = rng.choice(self.files)
        if path not in self.loaded:
            with Image.open(path) as im:
                im.draft("RGB", (CANVAS * 3, CANVAS * 3))
                small = im.convert("RGB")
                small.thumbnail((CANVAS * 3, CANVAS * 3))
                self.loaded[path] = small
        im = self.loaded[path]
        side = rng.randint(min(im.size) // 3, min(im.size))
        x, y = rng.randint(0, im.width - side), rng.randint(0, im.height - side)
        return im.crop((x, y, x + side, y + side)).resize((CANVAS, CANVAS))

    def __call__(self, rng: random.Random) -> Image.Image:
        kind = rng.random()
        if self.files and kind < 0.4:
            return self._wallpaper(rng)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        if kind < 0.6:
            return Image.new("RGB", (CANVAS, CANVAS), colour)
        if kind < 0.8:  # a linear gradient between two colours, in a random direction
            other = np.array([rng.randint(0, 255) for _ in range(3)], dtype=np.float32)
            t = np.linspace(0, 1, CANVAS, dtype=np.float32)[:, None, None]
            ramp = (1 - t) * np.array(colour, dtype=np.float32) + t * other
            im = Image.fromarray(np.broadcast_to(ramp, (CANVAS, CANVAS, 3)).astype(np.uint8))
            return im.rotate(rng.choice((0, 90, 180, 270)))
        noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 40, (CANVAS, CANVAS, 3))
        im = Image.fromarray(np.clip(np.array(colour) + noise, 0, 255).astype(np.uint8))
        return im.filter(ImageFilter.GaussianBlur(rng.uniform(1, 6)))


@dataclass
class Placed:
    centre: tuple[float, float]  # in [0, 1] image coordinates
    scale: float  # the object's longer side / the canvas side
    box: tuple[float, float, float, float] | None = None  # drawn: x0, y0, x1, y1 in [0, 1]


def _paste(canvas: Image.Image, obj: Image.Image, scale: float, centre: tuple[float, float],
           angle: float) -> tuple[float, float, float, float]:
    """Draw `obj` on `canvas`; returns the box its opaque pixels cover (for attention
    targets), clipped to the canvas."""
    side = max(8, int(scale * CANVAS))
    obj = obj.copy()
    obj.thumbnail((side, side), Image.Resampling.LANCZOS)
    if obj.width * obj.height and max(obj.size) < side:  # thumbnail only shrinks
        ratio = side / max(obj.size)
        obj = obj.resize((max(1, int(obj.width * ratio)), max(1, int(obj.height * ratio))),
                         Image.Resampling.LANCZOS)
    if angle:
        obj = obj.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    x = int(centre[0] * CANVAS - obj.width / 2)
    y = int(centre[1] * CANVAS - obj.height / 2)
    canvas.paste(obj, (x, y), obj)
    bx0, by0, bx1, by1 = obj.getchannel("A").getbbox() or (0, 0, obj.width, obj.height)
    return tuple(round(min(max(v / CANVAS, 0.0), 1.0), 4)
                 for v in (x + bx0, y + by0, x + bx1, y + by1))


def draw_single(obj: Image.Image, background: Image.Image,
                rng: random.Random) -> tuple[Image.Image, Placed]:
    scale = rng.uniform(0.45, 0.9)
    margin = scale / 2
    centre = (rng.uniform(margin, 1 - margin), rng.uniform(margin, 1 - margin))
    box = _paste(background, obj, scale, centre, rng.uniform(-15, 15))
    return background, Placed(centre, scale, box)


def _layout(count: int, rng: random.Random) -> list[Placed]:
    """Non-overlapping spots: two objects side by side or one above the other; three in a row."""
    if count == 2 and rng.random() < 0.35:
        centres = [(rng.uniform(0.3, 0.7), 0.27), (rng.uniform(0.3, 0.7), 0.73)]
        rng.shuffle(centres)
    else:
        slots = [(i + 0.5) / count for i in range(count)]
        centres = [(x + rng.uniform(-0.04, 0.04), rng.uniform(0.3, 0.7)) for x in slots]
    room = 0.9 / count if count == 3 else 0.44
    scales = [rng.uniform(0.45, 1.0) * room for _ in range(count)]
    if rng.random() < 0.5:  # make one clearly bigger, so the captions learn sizes
        scales[rng.randrange(count)] = room
        scales[rng.randrange(count)] = room * 0.45
    return [Placed(c, s) for c, s in zip(centres, scales, strict=True)]


def draw_scene(objects: list[Image.Image], background: Image.Image,
               rng: random.Random) -> tuple[Image.Image, list[Placed]]:
    spots = _layout(len(objects), rng)
    for obj, spot in zip(objects, spots, strict=True):
        spot.box = _paste(background, obj, spot.scale, spot.centre, rng.uniform(-10, 10))
    return background, spots
