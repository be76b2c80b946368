"""Held-out objects whose picture is a training object's picture under another name.

The sources share pictures: Tux Paint stamps include openclipart drawings, GCompris's word
pictures are the Art4Apps dictionary's drawings, and an openclipart title may be drawn
twice. An object held out while its twin is trained on is not unseen, so the build leaves
such objects out of dev and test. A twin is a picture that looks the same at 16x16, in
shape (difference hash) and in colour (a green and a purple heart are two objects)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
from PIL import Image
from tqdm import tqdm

from .objects import CaptionObject, drawable_picture

SHAPE_BITS = 4  # of 64 difference-hash bits that may differ
COLOUR = 12.0  # mean absolute difference of the 16x16 colour thumbnails, of 255


def fingerprint(image: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """(64 shape bits, a 16x16 colour thumbnail) of an RGBA picture, on white."""
    white = Image.new("RGBA", image.size, "white")
    white.alpha_composite(image.convert("RGBA"))
    grey = np.asarray(white.convert("L").resize((9, 8), Image.BILINEAR), dtype=np.int16)
    colour = np.asarray(white.convert("RGB").resize((16, 16), Image.BILINEAR), dtype=np.float32)
    return (grey[:, 1:] > grey[:, :-1]).flatten(), colour


def _fingerprint_of(obj: CaptionObject) -> tuple[np.ndarray, np.ndarray] | None:
    return None if (image := drawable_picture(obj)) is None else fingerprint(image)


def twins_of_training(objects: list[CaptionObject], split_of, workers: int = 2) -> set[str]:
    """The keys of held-out objects (split_of(group) is not 'train') whose picture is a twin
    of a training object's picture."""
    with ProcessPoolExecutor(workers) as pool:
        prints = list(tqdm(pool.map(_fingerprint_of, objects, chunksize=32),
                           total=len(objects), desc="look for held-out twins", unit=" objects"))
    train = [i for i, (o, f) in enumerate(zip(objects, prints, strict=True))
             if f is not None and split_of(o.group) == "train"]
    if not train:
        return set()
    shapes = np.stack([prints[i][0] for i in train])
    colours = np.stack([prints[i][1] for i in train])
    twins = set()
    for obj, found in zip(objects, prints, strict=True):
        if found is None or split_of(obj.group) == "train":
            continue
        shape, colour = found
        near = (shapes != shape).sum(1) <= SHAPE_BITS
        if near.any() and (np.abs(colours[near] - colour).mean((1, 2, 3)) <= COLOUR).any():
            twins.add(obj.key)
    return twins
