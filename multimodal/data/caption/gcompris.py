"""GCompris's named pictures (Debian `gcompris-qt-data`) as objects.

The educational suite packs its pictures in Qt resource bundles, each named by the thing
it shows: real photos of animals (`erase`, `explore_*_animals`), of tools, household
things, fish and windmills (`categorization`), and drawings of the words children learn
(`lang`), of instruments, animals, food and toys. The name comes from the file name
("red_panda", "measuringTape3", "04_hippopotamus" -> "red panda", "measuring tape",
"hippopotamus"), kept only where its words are English dictionary words and it names a
thing (not a colour, a number or a relative). All pictures with one name are one object,
one held-out unit, as openclipart's drawings with one title are."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from ...errors import MultimodalError
from .objects import CaptionObject, is_photo
from .openclipart import all_english
from .phrases import phrase_from_name, single_caption
from .qt_resources import read_resources

BUNDLES = Path("/usr/share/gcompris-qt/rcc")
ACTIVITIES = "/gcompris/src/activities/"
# (bundle, folder inside it) holding pictures of things; the monuments, letters and
# numbers of `categorization` are left out (proper names and symbols).
PICKS = (
    ("lang", "lang/resource/words_sample"),
    ("erase", "erase/resource"),
    ("explore_farm_animals", "explore_farm_animals/resource/animals"),
    ("explore_world_animals", "explore_world_animals/resource/animals"),
    ("categorization", "categorization/resource/images/tools"),
    ("categorization", "categorization/resource/images/others"),
    ("categorization", "categorization/resource/images/fishes"),
    ("categorization", "categorization/resource/images/renewable"),
    ("instruments", "instruments/resource"),
    ("memory", "memory/resource"),
    ("babymatch", "babymatch/resource/images"),
    ("babyshapes", "babyshapes/resource/food"),
)
NUMBERS = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
           "ten", "eleven", "twelve", "sixteen"}
# Names that are not a thing a picture shows, or a game's own parts.
NOT_THINGS = {"color", "orange color", "black", "blue", "brown", "gray", "green", "mauve",
              "pink", "red", "white", "yellow", "animal", "fruit", "reptile", "family",
              "friend", "brother", "sister", "son", "dad", "mother", "grandmother",
              "background", "question", "error", "sound", "light", "rape", "tux",
              "transparent square", "transparent square green", "transparent square yellow",
              "farm animals"}
# File names that say less than the picture shows.
RENAMED = {"geothermal": "geothermal plant", "solar": "solar panel", "bulb": "light bulb",
           "screw driver": "screwdriver"}
PER_NAME = 4  # 28 photos are all "fish"
# The folders of real photos; `lang`'s word pictures are the Art4Apps dictionary's drawings,
# many-coloured enough to pass the colour test for a photo.
PHOTO_BUNDLES = {"erase", "explore_farm_animals", "explore_world_animals", "categorization"}
PICTURE = (".webp", ".svg", ".png")


def name_of(file_name: str) -> str:
    """'red_panda.webp' -> 'red panda'; 'measuringTape3.webp' -> 'measuring tape';
    '04_hippopotamus.svg' -> 'hippopotamus'."""
    stem = Path(file_name).stem
    stem = re.sub(r"^\d+_|\d+$", "", stem)
    stem = re.sub(r"([a-z])([A-Z])", r"\1 \2", stem)
    name = " ".join(re.split(r"[\s_-]+", stem.lower())).strip()
    return RENAMED.get(name, name)


def is_thing(name: str) -> bool:
    words = name.split()
    return (bool(words) and name not in NOT_THINGS and name not in NUMBERS
            and all_english(words))


def pictures_by_name(work: Path, bundles: Path = BUNDLES) -> dict[str, list[Path]]:
    """{name: its pictures (at most PER_NAME, spread over the sorted list)}, each written
    once into `work/gcompris/<bundle>/`."""
    if not bundles.is_dir():  # a silently smaller corpus would change every split's scores
        raise MultimodalError(f"{bundles} is missing: apt-get install gcompris-qt-data")
    by_name: dict[str, list[Path]] = defaultdict(list)
    for bundle in sorted({b for b, _ in PICKS}):
        folders = {ACTIVITIES + f for b, f in PICKS if b == bundle}
        written: dict[str, str] = {}  # file name -> its path inside the bundle
        for inside, content in read_resources(bundles / f"{bundle}.rcc"):
            folder, _, file_name = inside.rpartition("/")
            if folder not in folders or not file_name.endswith(PICTURE):
                continue
            if not is_thing(name := name_of(file_name)):
                continue
            if written.setdefault(file_name, inside) != inside:  # one file, two pictures
                raise MultimodalError(f"{bundle}.rcc holds two pictures named {file_name} "
                                      f"({written[file_name]}, {inside}); extract them to "
                                      "separate files before this source can use both")
            target = work / "gcompris" / bundle / file_name
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            by_name[name].append(target)
    return {name: sorted(files)[::max(1, len(files) // PER_NAME)][:PER_NAME]
            for name, files in by_name.items()}


def gcompris_objects(work: Path, bundles: Path = BUNDLES) -> list[CaptionObject]:
    found = []
    for name, files in sorted(pictures_by_name(work, bundles).items()):
        if (phrase := phrase_from_name(name)) is None:
            continue
        for picture in files:
            found.append(CaptionObject(
                key=f"gcompris:{picture.parent.name}/{picture.name}", group=f"gcompris:{name}",
                source="gcompris", name=phrase[1], caption=single_caption(phrase),
                phrase=phrase, file=str(picture),
                photo=(picture.parent.name in PHOTO_BUNDLES and picture.suffix == ".webp"
                       and is_photo(picture))))
    return found
