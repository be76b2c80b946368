"""The caption corpus: phrases and scene sentences, objects from the packages, pictures,
and a split that keeps every held-out object out of training."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from multimodal.data.caption import objects as objs
from multimodal.data.caption import openclipart as oc
from multimodal.data.caption.build import (
    SCENE_SOURCES,
    SOURCES,
    picture_path,
    plan,
    remove_stale,
    split_of,
)
from multimodal.data.caption.phrases import (
    names_object,
    phrase_from_name,
    phrase_from_sentence,
    say,
    scene_caption,
    single_caption,
)
from multimodal.data.caption.render import Backgrounds, draw_scene, draw_single


def test_phrases_from_names_and_human_sentences():
    assert phrase_from_name("grinning face") == ("a", "grinning face")
    assert phrase_from_name("owl") == ("an", "owl")
    assert phrase_from_name("chopsticks") == ("", "chopsticks")
    assert phrase_from_name("keycap: 1") is None
    assert phrase_from_sentence("A red kangaroo.") == ("a", "red kangaroo")
    assert phrase_from_sentence("An “Fuji” apple.") == ("an", "Fuji apple")
    assert phrase_from_sentence("The Eiffel Tower is in Paris.") is None
    assert single_caption(("an", "owl")) == "An owl."
    assert say(("an", "owl"), "big") == "a big owl"


def test_scene_captions_say_where_and_how_big():
    two = scene_caption([("a", "red apple"), ("an", "owl")], [(0.2, 0.5), (0.8, 0.5)],
                        [0.4, 0.15])
    assert two == "A big red apple to the left of a small owl."
    stacked = scene_caption([("a", "cat"), ("a", "dog")], [(0.5, 0.8), (0.5, 0.2)], [0.3, 0.3])
    assert stacked == "A cat below a dog."
    three = scene_caption([("a", "cat"), ("a", "dog"), ("an", "egg")],
                          [(0.8, 0.5), (0.2, 0.5), (0.5, 0.5)], [0.3, 0.3, 0.3])
    assert three == "A dog, an egg and a cat, from left to right."


def test_name_hit_ignores_colours_and_generic_words():
    assert names_object("A small dog on the grass.", "dog face")
    assert names_object("Two apples.", "red apple")
    assert not names_object("A red car.", "red apple")
    assert not names_object("A happy face.", "grinning face")


def _object(group: str, key: str | None = None, source: str = "noto") -> objs.CaptionObject:
    return objs.CaptionObject(key=key or group, group=group, source=source, name=group,
                              caption=f"A {group}.", phrase=("a", group), file="x")


@pytest.mark.parametrize("later", [s for s in SOURCES if s not in SCENE_SOURCES])
def test_a_later_source_moves_no_earlier_picture(later: str):
    earlier = [_object(f"tuxpaint:thing{i}", source="tuxpaint") for i in range(300)]
    before = plan(earlier)
    after = plan(earlier + [_object(f"{later}:thing{i}", source=later) for i in range(60)])
    for split, items in before.items():
        old = [picture_path(split, n, item) for n, item in enumerate(items)]
        new = [picture_path(split, n, item) for n, item in enumerate(after[split])]
        assert new[:len(old)] == old, split  # same pictures, same seeds
    added = [item for items in after.values() for item in items
             if any(k.startswith(f"{later}:") for k in item["objects"])]
    assert added and all(item["kind"] == "single" for item in added)


def test_held_out_objects_never_appear_in_training_pictures():
    many = [_object(f"thing{i}") for i in range(400)]
    splits = {o.key: split_of(o.group) for o in many}
    assert 0.07 < sum(s == "test" for s in splits.values()) / 400 < 0.14
    assert split_of("thing7") == split_of("thing7")  # a pure function of the object
    items = plan(many)
    for item in items["train"]:
        assert all(splits[k] == "train" for k in item["objects"])
    for item in items["test_single"] + items["test_scene"]:
        assert all(splits[k] == "test" for k in item["objects"])
    assert any(item["kind"] == "scene" for item in items["test_scene"])


def test_one_emoji_in_two_drawings_is_one_held_out_unit():
    noto, openmoji = _object("emoji:1F436", "noto:1F436"), _object("emoji:1F436", "openmoji:1F436")
    assert split_of(noto.group) == split_of(openmoji.group)


@pytest.mark.skipif(not objs.TUXPAINT.exists(), reason="tuxpaint-stamps-default not installed")
def test_tuxpaint_stamps_keep_their_human_sentences():
    stamps = objs.tuxpaint_objects()
    assert len(stamps) > 500
    apple = next(o for o in stamps if o.key.endswith("food/fruit/apple_red"))
    assert apple.caption == "A red apple." and apple.phrase == ("a", "red apple")
    assert any(o.photo for o in stamps) and not all(o.photo for o in stamps)
    assert not any("/symbols/" in o.file for o in stamps)


@pytest.mark.skipif(not objs.NOTO_FONT.exists() or not objs.EMOJI_TEST.exists(),
                    reason="fonts-noto-color-emoji / unicode-data not installed")
def test_noto_emoji_are_drawn_in_colour_and_named():
    emoji = {o.key: o for o in objs.noto_objects()}
    dog = emoji["noto:1F436"]
    assert dog.caption == "A dog face."
    assert not any(k.startswith("noto:1F1") for k in emoji)  # flags left out
    image = objs.picture(dog)
    assert image.mode == "RGBA" and min(image.size) > 50
    rgb = image.convert("RGB").getcolors(1 << 16)
    assert rgb is None or len(rgb) > 50  # a colour drawing, not a monochrome glyph


def test_pictures_are_drawn_on_varied_backgrounds(tmp_path: Path):
    from PIL import Image

    star = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    star.paste((255, 0, 0, 255), (10, 10, 30, 30))
    backgrounds = Backgrounds([])
    rng = random.Random(0)
    kinds = {backgrounds(rng).getcolors(1 << 17) is not None for _ in range(20)}
    assert kinds  # plain colours, gradients and textures all produce 256x256 RGB
    single, spot = draw_single(star, backgrounds(random.Random(1)), random.Random(1))
    assert single.size == (256, 256)
    pixels = np.asarray(single)
    is_red = (pixels[..., 0] > 200) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)
    assert int(is_red.sum()) > 500  # the object is on the picture, scaled up
    x0, y0, x1, y1 = (round(v * 256) for v in spot.box)  # and its box says where
    assert is_red[y0:y1, x0:x1].sum() >= 0.95 * is_red.sum() > 0.4 * (x1 - x0) * (y1 - y0)
    scene, spots = draw_scene([star, star], backgrounds(random.Random(2)), random.Random(2))
    assert len(spots) == 2 and spots[0].centre != spots[1].centre
    assert all(s.box is not None and s.box[0] < s.box[2] for s in spots)


def test_openmoji_needs_npm_or_says_why(tmp_path: Path, monkeypatch):
    if shutil.which("npm"):
        pytest.skip("npm is present; the error path is for machines without it")
    with pytest.raises(Exception, match="openmoji"):
        objs.openmoji_archive(tmp_path)


def test_the_apps_example_stamps_are_held_out_objects():
    for stamp in ("animals/mammals/equines/horse", "animals/marsupials/koala",
                  "animals/mammals/rodents/beaver"):
        assert split_of(f"tuxpaint:{stamp}") == "test"


def test_openclipart_titles_are_cleaned_or_refused(monkeypatch):
    english = frozenset("bored dog old book home printer etiquette part of the flat "
                        "icon collection".split())
    monkeypatch.setattr(oc, "english_words", lambda: english)
    assert oc.clean_title("Bored dog", {"mammal", "dog"}) == "bored dog"
    assert oc.clean_title("Homes clipart 01", {"homes"}) == "homes"
    assert oc.clean_title("stara ksiega - old book", {"book"}) == "old book"
    assert oc.clean_title("cavallo", {"cavallo", "animals"}) is None  # not English
    assert oc.clean_title("Etiquette Printer", {"icons"}) is None  # nothing agrees
    assert oc.clean_title("Part of the Flat Icon Collection (Wed Aug 25)", {"icons"}) is None
    assert oc.phrase_of("a boy plays soccer") == ("a", "boy plays soccer")
    assert oc.phrase_of("scissors") == ("", "scissors")


@pytest.mark.skipif(not oc.OPENCLIPART.exists() or not oc.WORDS.exists(),
                    reason="openclipart-svg / wamerican not installed")
def test_openclipart_drawings_are_named_objects_held_out_by_title():
    found = oc.openclipart_objects()
    groups: dict[str, list] = {}
    for obj in found:
        groups.setdefault(obj.group, []).append(obj)
    assert len(groups) > 500
    assert all(len(g) <= oc.PER_TITLE for g in groups.values())
    assert all(len({o.caption for o in g}) == 1 for g in groups.values())  # one object
    assert all(Path(o.file).relative_to(oc.OPENCLIPART.resolve()).parts[0] in oc.FOLDERS
               for o in found)  # no icons, flags, maps or logos
    english = oc.english_words()
    assert all(w in english or w.rstrip("s") in english for o in found for w in o.name.split())
    dog = next(o for o in found if o.name == "bored dog")
    assert dog.caption == "A bored dog."
    image = objs.picture(dog)
    assert image.mode == "RGBA" and min(image.size) > 20


def test_a_changed_plan_never_reuses_a_stale_picture(tmp_path: Path):
    one, other = {"kind": "single", "objects": ["a"]}, {"kind": "single", "objects": ["b"]}
    assert picture_path("train", 7, one) != picture_path("train", 7, other)
    assert picture_path("train", 7, one) == picture_path("train", 7, dict(one))
    keep, old = Path(picture_path("train", 7, one)).name, Path(picture_path("train", 7, other))
    for name in (keep, old.name):
        (tmp_path / name).write_bytes(b"jpeg")
    assert remove_stale(tmp_path, {keep}) == 1
    assert [p.name for p in tmp_path.iterdir()] == [keep]
