"""Art4Apps's named drawings (Debian `pysiogame`): names from file names, the white paper cut
away, and the source's place last in the plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from multimodal.data.caption import art4apps as a4a
from multimodal.data.caption import openclipart as oc
from multimodal.data.caption.build import SCENE_SOURCES, SOURCES
from multimodal.data.caption.objects import picture
from multimodal.errors import MultimodalError


def test_names_come_from_file_names():
    assert a4a.name_of("guinea_pig.jpg") == "guinea pig"
    assert a4a.name_of("lama.jpg") == "llama"  # the file's spelling, mended


@pytest.mark.skipif(not oc.WORDS.exists(), reason="wamerican not installed")
def test_only_english_names_of_things_are_kept():
    assert a4a.is_thing("guinea pig") and a4a.is_thing("bananas")
    for name in ("magic", "lunch", "well", "xqzv"):
        assert not a4a.is_thing(name), name


def test_the_paper_is_cut_away_and_white_inside_the_drawing_stays(tmp_path: Path):
    sheet = Image.new("RGB", (60, 60), (252, 252, 250))  # paper, not quite white
    pen = ImageDraw.Draw(sheet)
    pen.ellipse((10, 10, 50, 50), fill=(200, 40, 30), outline=(0, 0, 0), width=2)
    pen.ellipse((25, 25, 35, 35), fill=(255, 255, 255))  # an eye: white, enclosed
    path = tmp_path / "ball.jpg"
    sheet.save(path, quality=90)
    cut = a4a.cut_out(path)
    alpha = np.asarray(cut.getchannel("A"))
    assert cut.mode == "RGBA" and cut.size == sheet.size
    assert alpha[0, 0] == 0 and alpha[59, 30] == 0  # the paper, from every side
    assert alpha[30, 15] == 255 and alpha[30, 30] == 255  # the red and the eye inside


def test_a_missing_package_is_named(tmp_path: Path):
    with pytest.raises(MultimodalError, match="pysiogame"):
        a4a.art4apps_objects(tmp_path, root=tmp_path / "absent")


@pytest.mark.skipif(not a4a.ROOT.exists() or not oc.WORDS.exists(),
                    reason="pysiogame / wamerican not installed")
def test_art4apps_drawings_are_named_cut_out_objects(tmp_path: Path):
    found = a4a.art4apps_objects(tmp_path)
    assert len({o.group for o in found}) > 350
    assert not {o.name for o in found} & a4a.NOT_THINGS
    pig = next(o for o in found if o.name == "guinea pig")
    assert pig.caption == "A guinea pig." and not pig.photo
    drawn = picture(pig)  # cropped to the drawing: the paper around it is gone
    with Image.open(a4a.ROOT / "animals" / "guinea_pig.jpg") as raw:
        assert drawn.mode == "RGBA" and drawn.size < raw.size
    # two files of one name ("bike", "bicycle") are one held-out unit
    assert len({o.group for o in found if o.name == "bicycle"}) == 1


def test_art4apps_comes_last_and_out_of_the_scenes():
    # so that it moves no earlier picture (test_caption_data checks the plan for that)
    assert SOURCES[-1] == "art4apps" and "art4apps" not in SCENE_SOURCES
