"""Short everyday text, for training only: the three main sources are software descriptions,
Bible verses and UI strings, so words like "sweater", "bakery" or "tomorrow" are rare.

- Tux Paint stamps: each stamp's English sentence ("A pair of blue jeans.") and its
  translations, written by people (`fr.utf8=Un blue jeans.` lines in the same file);
- Unicode CLDR (Debian `unicode-cldr-core`): emoji names, language and country names,
  months, weekdays and date words ("demain" = "tomorrow"), matched by their CLDR keys.

No held-out set comes from them: one-word names make poor test sentences. What they add is
measured on the everyday sentences written for this project (the model card's last table),
which stay out of training."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from ..caption.objects import TUXPAINT
from .pairs import LANGUAGES, Pair

DOMAIN = "phrases"
CLDR = Path("/usr/share/unicode/cldr/common")

# What to pair in a CLDR locale file: (document name, XPath of the elements, the attributes
# that identify one element across locales).
CLDR_MAIN = (
    ("languages", "localeDisplayNames/languages/language", ("type",)),
    ("territories", "localeDisplayNames/territories/territory", ("type",)),
    ("months", "dates/calendars/calendar[@type='gregorian']/months/monthContext"
               "[@type='format']/monthWidth[@type='wide']/month", ("type",)),
    ("days", "dates/calendars/calendar[@type='gregorian']/days/dayContext"
             "[@type='format']/dayWidth[@type='wide']/day", ("type",)),
    ("fields", "dates/fields/field/displayName", ()),
    ("relative", "dates/fields/field/relative", ("type",)),
)


def read_stamp_pairs(root: Path = TUXPAINT) -> Iterator[Pair]:
    """Every stamp's English first line with its fr/es/de line; doc is the stamp."""
    for txt in sorted(root.rglob("*.txt")):
        lines = txt.read_text(encoding="utf-8", errors="replace").splitlines()
        if not lines or not lines[0].strip():
            continue
        english = lines[0].strip()
        for line in lines[1:]:
            code, sep, text = line.partition(".utf8=")
            if sep and code in LANGUAGES and text.strip():
                doc = f"stamps:{txt.relative_to(root).with_suffix('')}"
                yield Pair(text.strip(), english, code, DOMAIN, doc)


@lru_cache(maxsize=8)
def _parsed(path: Path) -> tuple[ET.Element, dict]:
    """A locale file's root and each element's parent, parsed once for all its tables."""
    tree = ET.parse(path)
    return tree.getroot(), {child: parent for parent in tree.iter() for child in parent}


def _cldr_texts(path: Path, xpath: str, keys: tuple[str, ...],
                parent_key: bool) -> dict[tuple, str]:
    """{identifying attributes: text} of the elements at `xpath` (no alt/draft variants)."""
    if not path.is_file():
        return {}
    root, parents = _parsed(path)
    out = {}
    for element in root.iterfind(xpath):
        if element.get("alt") or not (element.text or "").strip():
            continue
        ident = tuple(element.get(k) for k in keys)
        if parent_key:  # date fields: the field's type says which ("day", "week", ...)
            field = parents[element].get("type") or ""
            if "-" in field:  # "wed-short", "day-narrow": abbreviations ("next W")
                continue
            ident = (field,) + ident
        out.setdefault(ident, element.text.strip())
    return out


def _annotations(path: Path) -> dict[tuple, str]:
    """{(emoji,): its spoken name} from a CLDR annotations file."""
    if not path.is_file():
        return {}
    return {(a.get("cp"),): a.text.strip() for a in ET.parse(path).getroot().iter("annotation")
            if a.get("type") == "tts" and (a.text or "").strip()}


def read_cldr_pairs(root: Path = CLDR) -> Iterator[Pair]:
    """The same CLDR item in English and in each source language; doc is the kind of item."""
    tables = [("emoji", lambda lang: _annotations(root / "annotations" / f"{lang}.xml"))]
    for doc, xpath, keys in CLDR_MAIN:
        tables.append((doc, lambda lang, x=xpath, k=keys, d=doc: _cldr_texts(
            root / "main" / f"{lang}.xml", x, k, parent_key=d in ("fields", "relative"))))
    for doc, read in tables:
        english = read("en")
        for lang in LANGUAGES:
            for ident, text in read(lang).items():
                if ident in english:
                    yield Pair(text, english[ident], lang, DOMAIN, f"cldr:{doc}")


def read_phrase_pairs() -> Iterator[Pair]:
    # Optional sources, but a build without them differs: say so rather than shrink quietly.
    for root, package in ((TUXPAINT, "tuxpaint-stamps-default"), (CLDR, "unicode-cldr-core")):
        if not root.is_dir():
            print(f"phrases: {root} is missing (Debian {package}); its pairs are left out")
    yield from read_stamp_pairs()
    yield from read_cldr_pairs()
