"""Held-out objects whose picture a training object shares are found and left out."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from multimodal.data.caption.build import plan
from multimodal.data.caption.objects import CaptionObject, drawable_picture
from multimodal.data.caption.twins import twins_of_training


def drawing(path: Path, colour: str, shape: str = "ellipse", size: int = 120) -> Path:
    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(im)
    if shape == "ellipse":
        pen.ellipse((10, 30, 110, 90), fill=colour, outline="black", width=3)
    else:
        pen.polygon([(60, 5), (115, 115), (5, 115)], fill=colour, outline="black")
    im.save(path)
    return path


def thing(key: str, file: Path) -> CaptionObject:
    return CaptionObject(key=key, group=key, source="tuxpaint", name=key, caption=f"A {key}.",
                         phrase=("a", key), file=str(file))


def test_a_held_out_copy_of_a_training_picture_is_a_twin_and_nothing_else_is(tmp_path: Path):
    red = drawing(tmp_path / "red.png", "red")
    bigger_red = drawing(tmp_path / "red_big.png", "red", size=240)  # the same, scaled
    blue = drawing(tmp_path / "blue.png", "blue")  # the same shape in another colour
    triangle = drawing(tmp_path / "triangle.png", "red", "triangle")
    objects = [thing("train-red", red), thing("test-red", bigger_red),
               thing("test-blue", blue), thing("test-triangle", triangle),
               thing("dev-red", red)]
    found = twins_of_training(objects, lambda group: group.split("-")[0], workers=1)
    assert found == {"test-red", "dev-red"}


def test_the_plan_leaves_twins_out_of_dev_and_test_only():
    def obj(key: str, group: str) -> CaptionObject:
        return CaptionObject(key=key, group=group, source="tuxpaint", name=key,
                             caption="A t.", phrase=("a", "t"), file="")

    objects = [obj(f"o{i}", f"tuxpaint:{i}") for i in range(400)]
    everything = plan(objects)
    held_out = {k for split in ("dev", "test_single") for item in everything[split]
                for k in item["objects"]}
    twins = set(sorted(held_out)[:5]) | {"o1"}  # o1 may be a training object: it stays
    fewer = plan(objects, twins)
    assert fewer["train"] == everything["train"]
    shown = {k for split in ("dev", "test_single", "test_scene") for item in fewer[split]
             for k in item["objects"]}
    assert not shown & (twins - {"o1"}) and shown == held_out - twins


def test_an_undrawable_picture_is_skipped_not_a_crash(tmp_path: Path):
    red = drawing(tmp_path / "red.png", "red")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    assert drawable_picture(thing("test-broken", broken)) is None
    assert drawable_picture(thing("train-red", red)).size == (101, 61)  # cropped to it
    objects = [thing("train-red", red), thing("test-broken", broken), thing("test-red", red)]
    assert twins_of_training(objects, lambda group: group.split("-")[0],
                             workers=1) == {"test-red"}
