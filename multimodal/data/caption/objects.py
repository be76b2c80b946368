"""The objects the captioner learns: pictures with a human-written or Unicode name.

- Tux Paint stamps (Debian `tuxpaint-stamps-default`): PNG/SVG pictures, many real photos
  cut out on transparency, each with an English sentence written by a person.
- Noto Color Emoji (Debian `fonts-noto-color-emoji`) with their Unicode names
  (`unicode-data`'s emoji-test.txt).
- OpenMoji (npm `openmoji`): a second drawing of the same emoji, with its annotation.

An emoji drawn by Noto and by OpenMoji is one object (one group), so holding it out holds
out both drawings."""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFont

from ...errors import MultimodalError
from .phrases import Phrase, phrase_from_name, phrase_from_sentence, single_caption

TUXPAINT = Path("/usr/share/tuxpaint/stamps")
NOTO_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
EMOJI_TEST = Path("/usr/share/unicode/emoji/emoji-test.txt")
OPENMOJI_VERSION = "17.0.0"
PHOTO_COLOURS = 4000  # a cut-out photo has thousands of distinct colours; drawings far fewer
# Letters, signs, flags and logos say little about what a picture shows.
SKIPPED_EMOJI_GROUPS = {"symbols", "flags", "component", "extras-openmoji", "extras-unicode"}


@dataclass(frozen=True)
class CaptionObject:
    key: str  # unique: source:id
    group: str  # the held-out unit: one emoji (both drawings) or one stamp
    source: str  # tuxpaint | noto | openmoji | openclipart | gcompris | art4apps
    name: str  # what the object is called, for the name hit rate
    caption: str  # the caption of the object alone
    phrase: Phrase | None  # for scenes; None where the caption is not a noun phrase
    file: str  # where the picture comes from (a path, or an emoji character for noto)
    photo: bool = False


def _tuxpaint_sentence(txt: Path) -> str:
    first = txt.read_text(encoding="utf-8", errors="replace").splitlines()[:1]
    return first[0].strip() if first else ""


def is_photo(png: Path) -> bool:
    with Image.open(png) as im:
        rgba = np.asarray(im.convert("RGBA"))
    opaque = rgba[rgba[..., 3] > 200][:, :3]
    return len(np.unique(opaque.astype(np.uint32) @ np.array([65536, 256, 1]))) > PHOTO_COLOURS


def tuxpaint_objects(root: Path = TUXPAINT) -> list[CaptionObject]:
    """Every stamp outside `symbols/` that has a picture and an English sentence."""
    objects = []
    for txt in sorted(root.rglob("*.txt")):
        rel = txt.relative_to(root).with_suffix("")
        if rel.parts[0] == "symbols":
            continue
        picture = next((p for p in (txt.with_suffix(".png"), txt.with_suffix(".svg"))
                        if p.exists()), None)
        text = _tuxpaint_sentence(txt)
        if picture is None or not text:
            continue
        phrase = phrase_from_sentence(text)
        name = phrase[1] if phrase else rel.name.replace("_", " ")
        objects.append(CaptionObject(
            key=f"tuxpaint:{rel}", group=f"tuxpaint:{rel}", source="tuxpaint", name=name,
            caption=text.replace("’", "'").replace("“", '"').replace("”", '"'),
            phrase=phrase, file=str(picture),
            photo=picture.suffix == ".png" and "cartoon" not in rel.parts
            and is_photo(picture)))
    return objects


def _emoji_names(path: Path = EMOJI_TEST) -> list[tuple[str, str]]:
    """(hexcode, name) of each fully-qualified emoji without skin-tone variants, outside the
    groups that are not pictures of things (symbols, flags)."""
    found, group = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# group: "):
            group = line[9:].strip().lower()
        if group in SKIPPED_EMOJI_GROUPS:
            continue
        match = re.match(r"^([0-9A-F ]+?)\s*; fully-qualified\s*# \S+ E[\d.]+ (.+)$", line)
        if match and "skin tone" not in match.group(2):
            found.append((match.group(1).replace(" ", "-"), match.group(2)))
    return found


def _emoji_object(source: str, hexcode: str, name: str, file: str) -> CaptionObject | None:
    phrase = phrase_from_name(name)
    if phrase is None:
        return None
    return CaptionObject(key=f"{source}:{hexcode}", group=f"emoji:{hexcode}", source=source,
                         name=phrase[1], caption=single_caption(phrase), phrase=phrase,
                         file=file)


def noto_objects() -> list[CaptionObject]:
    found = []
    for hexcode, name in _emoji_names():
        char = "".join(chr(int(h, 16)) for h in hexcode.split("-"))
        if (obj := _emoji_object("noto", hexcode, name, char)) is not None:
            found.append(obj)
    return found


def openmoji_archive(work: Path) -> Path:
    """The npm package tarball, fetched once with the system's npm configuration."""
    tgz = work / f"openmoji-{OPENMOJI_VERSION}.tgz"
    if not tgz.exists():
        work.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(["npm", "pack", f"openmoji@{OPENMOJI_VERSION}", "--silent"],
                           cwd=work, check=True, capture_output=True, timeout=600)
        except (OSError, subprocess.SubprocessError) as err:
            raise MultimodalError(f"could not fetch the openmoji npm package: {err}") from err
    return tgz


def openmoji_objects(work: Path) -> list[CaptionObject]:
    """OpenMoji's colour SVGs (extracted once into `work/openmoji/`)."""
    folder = work / "openmoji"
    meta = folder / "openmoji.json"
    if not meta.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with tarfile.open(openmoji_archive(work)) as tar:
            for member in tar.getmembers():
                if member.isfile() and (member.name.startswith("package/color/svg/")
                                        or member.name == "package/data/openmoji.json"):
                    data = tar.extractfile(member).read()
                    (folder / Path(member.name).name).write_bytes(data)
    found = []
    for entry in json.loads(meta.read_text(encoding="utf-8")):
        svg = folder / f"{entry['hexcode']}.svg"
        if (entry.get("skintone") or not svg.exists()
                or entry.get("group") in SKIPPED_EMOJI_GROUPS):
            continue
        if (obj := _emoji_object("openmoji", entry["hexcode"], entry["annotation"],
                                 str(svg))) is not None:
            found.append(obj)
    return found


# --- pictures ---------------------------------------------------------------------------


def _svg_to_image(svg: Path, size: int) -> Image.Image:
    import cairosvg

    png = cairosvg.svg2png(url=str(svg), output_width=size, output_height=size)
    return Image.open(io.BytesIO(png)).convert("RGBA")


def _emoji_to_image(char: str) -> Image.Image:
    font = ImageFont.truetype(str(NOTO_FONT), 109)  # the one size the bitmap font has
    im = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    from PIL import ImageDraw

    ImageDraw.Draw(im).text((80, 80), char, font=font, embedded_color=True, anchor="mm")
    return im


def picture(obj: CaptionObject, size: int = 256) -> Image.Image:
    """The object as RGBA, cropped to what is opaque (transparent around it)."""
    if obj.source == "noto":
        im = _emoji_to_image(obj.file)
    elif obj.file.endswith(".svg"):
        im = _svg_to_image(Path(obj.file), size)
    else:
        with Image.open(obj.file) as raw:
            im = raw.convert("RGBA")
            im.thumbnail((size * 2, size * 2))
    box = im.getchannel("A").point(lambda a: 255 if a > 8 else 0).getbbox()
    return im.crop(box) if box else im


def drawable_picture(obj: CaptionObject) -> Image.Image | None:
    """`picture(obj)`, or None when it cannot be drawn (a broken or unsafe SVG): such an
    object is left out of the corpus."""
    try:
        return picture(obj)
    except Exception:  # cairosvg/PIL raise many kinds
        return None
