"""GCompris's pictures: the Qt resource reader, names from file names, the package's objects
(that a later source moves no earlier picture is test_caption_data's)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from multimodal.data.caption import gcompris as gc
from multimodal.data.caption import openclipart as oc
from multimodal.data.caption.objects import CaptionObject, picture
from multimodal.data.caption.qt_resources import read_resources
from multimodal.errors import MultimodalError


def qt_bundle(files: dict[str, tuple[bytes, int]], version: int = 3) -> bytes:
    """A format-3 `.rcc` with one folder `a` holding `files` ({name: (bytes, flags)})."""
    names, name_at = b"", {}
    for name in ["a", *files]:
        name_at[name] = len(names)
        text = name.encode("utf-16-be")
        names += struct.pack(">HI", len(text) // 2, 0) + text
    data, data_at = b"", {}
    for name, (content, flags) in files.items():
        stored = struct.pack(">I", len(content)) + zlib.compress(content) if flags else content
        data_at[name] = len(data)
        data += struct.pack(">I", len(stored)) + stored
    tree = struct.pack(">IHII8x", 0, 2, 1, 1)  # the root: one child, index 1
    tree += struct.pack(">IHII8x", name_at["a"], 2, len(files), 2)
    for name, (_, flags) in files.items():
        tree += struct.pack(">IHHHI8x", name_at[name], flags, 0, 0, data_at[name])
    header = 24
    return (b"qres" + struct.pack(">IIIII", version, header, header + len(tree),
                                  header + len(tree) + len(data), 0) + tree + data + names)


def test_a_qt_bundle_gives_back_its_files_plain_and_compressed(tmp_path: Path):
    path = tmp_path / "x.rcc"
    path.write_bytes(qt_bundle({"cat.webp": (b"plain bytes", 0),
                                "dog.svg": (b"<svg>" * 50, 1)}))
    assert list(read_resources(path)) == [("/a/cat.webp", b"plain bytes"),
                                          ("/a/dog.svg", b"<svg>" * 50)]


def test_a_broken_or_foreign_bundle_is_refused_clearly(tmp_path: Path):
    good = qt_bundle({"cat.webp": (b"x" * 40, 1)})
    for blob, says in ((b"PK\x03\x04 a zip file", "not a Qt resource bundle"),
                       (good[:60], "damaged"),
                       (qt_bundle({"cat.webp": (b"x", 4)}), "zstd")):
        path = tmp_path / "bad.rcc"
        path.write_bytes(blob)
        with pytest.raises(MultimodalError, match=says):
            list(read_resources(path))


def test_names_come_from_file_names():
    assert gc.name_of("red_panda.webp") == "red panda"
    assert gc.name_of("measuringTape3.webp") == "measuring tape"
    assert gc.name_of("04_hippopotamus.svg") == "hippopotamus"
    assert gc.name_of("orange-color.webp") == "orange color"
    assert gc.name_of("solar4.webp") == "solar panel"  # the file name says less


@pytest.mark.skipif(not oc.WORDS.exists(), reason="wamerican not installed")
def test_only_english_names_of_things_are_kept():
    assert gc.is_thing("red panda") and gc.is_thing("swans")
    for name in ("orange color", "yellow", "sixteen", "grandmother", "fusee", "background"):
        assert not gc.is_thing(name), name


@pytest.mark.skipif(not gc.BUNDLES.exists() or not oc.WORDS.exists(),
                    reason="gcompris-qt-data / wamerican not installed")
def test_gcompris_pictures_are_named_objects_held_out_by_name(tmp_path: Path):
    found = gc.gcompris_objects(tmp_path)
    groups: dict[str, list[CaptionObject]] = {}
    for obj in found:
        groups.setdefault(obj.group, []).append(obj)
    assert len(groups) > 150
    assert all(len(g) <= gc.PER_NAME and len({o.caption for o in g}) == 1
               for g in groups.values())
    assert not {o.name for o in found} & (gc.NOT_THINGS | gc.NUMBERS)
    panda = next(o for o in found if o.name == "red panda")
    assert panda.caption == "A red panda." and panda.photo
    assert sum(o.photo for o in found) > 100  # most are real photos
    # the word pictures are Art4Apps's drawings, however many colours they have
    assert not any(o.photo for o in found if Path(o.file).parent.name == "lang")
    assert picture(panda).mode == "RGBA" and min(picture(panda).size) > 50
    drawn = next(o for o in found if o.file.endswith(".svg"))
    assert not drawn.photo and picture(drawn).mode == "RGBA"


@pytest.mark.skipif(not oc.WORDS.exists(), reason="wamerican not installed")
def test_two_pictures_with_one_file_name_in_a_bundle_are_refused(tmp_path: Path, monkeypatch):
    # Both would be extracted to one file: the corpus would show one picture under two keys.
    tools, others = (gc.ACTIVITIES + folder for _, folder in gc.PICKS[4:6])
    monkeypatch.setattr(gc, "read_resources", lambda path: iter([
        (f"{tools}/hammer.webp", b"one"), (f"{others}/hammer.webp", b"two")]))
    with pytest.raises(MultimodalError, match="two pictures named hammer.webp"):
        gc.pictures_by_name(tmp_path / "work", bundles=tmp_path)
