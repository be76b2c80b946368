"""Openclipart drawings (Debian `openclipart-svg`) as named objects.

Their titles are noisy: theme and collection names ("Part of the Flat Icon Collection"),
artists' names, Italian or French words ("cavallo"), file-name leftovers ("homes clipart
01"). A drawing is kept only where a short title, cleaned, is made of English dictionary
words (Debian `wamerican`) and the folder or the keywords agree with it; the folders of
icons, shapes, flags, maps and logos are skipped (they are not pictures of things). All
drawings with one title are one object (one held-out unit), and a few of them are enough."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

from .objects import CaptionObject
from .phrases import phrase_from_name, phrase_from_sentence, single_caption

OPENCLIPART = Path("/usr/share/openclipart/svg")
WORDS = Path("/usr/share/dict/words")
FOLDERS = {"animals", "buildings", "containers", "decorations", "education", "electronics",
           "food", "office", "people", "plants", "recreation", "science", "tools",
           "transportation", "unsorted"}
FILLER = {"clipart", "clip", "art", "svg", "illustration", "icon", "stylized", "outline",
          "simple", "cartoon", "drawing", "colour", "color", "coloured", "colored"}
PER_TITLE = 3  # 226 playing cards are all titled "card"
MAX_WORDS = 4


@cache
def english_words() -> frozenset[str]:
    """Lower-case dictionary words (proper nouns and possessives left out)."""
    words = WORDS.read_text(encoding="utf-8", errors="replace").split()
    return frozenset(w for w in words if w.isalpha() and w.islower())


def all_english(words: list[str]) -> bool:
    """Every word is a dictionary word, or the plural of one."""
    return all(w in english_words() or w.rstrip("s") in english_words() for w in words)


def _metadata(svg: Path) -> tuple[str, set[str]]:
    text = svg.read_text(encoding="utf-8", errors="replace")
    title = re.search(r"<dc:title>(.*?)</dc:title>", text, re.S)
    keywords = re.findall(r"<rdf:li>(.*?)</rdf:li>", text)
    words = {w for k in keywords for w in re.findall(r"[a-z]+", k.lower())}
    return html.unescape(title.group(1)) if title else "", words


def clean_title(title: str, context: set[str]) -> str | None:
    """A title -> an English object name, or None. `context`: words of the drawing's
    folders, file name and keywords; one of the name's words must be among them."""
    stems = {w.rstrip("s") for w in context}
    for part in re.split(r"\s+-\s+|\s{2,}|[:(),/]", title.lower()):
        part = re.sub(r"[_-]+", " ", part)
        words = [w for w in re.sub(r"\s*\d+\s*$", "", part).split() if w not in FILLER]
        if not 1 <= len(words) <= MAX_WORDS or not all(re.fullmatch(r"[a-z]+", w) for w in words):
            continue
        if not all_english(words):
            continue
        if any(w.rstrip("s") in stems for w in words if len(w) > 2):
            return " ".join(words)
    return None


def drawings(root: Path = OPENCLIPART) -> dict[str, list[Path]]:
    """{clean title: its drawings (at most PER_TITLE, spread over the sorted list)}."""
    by_title: dict[str, list[Path]] = defaultdict(list)
    for svg in sorted({p.resolve() for p in root.rglob("*.svg")}):
        rel = svg.relative_to(root.resolve())
        if rel.parts[0] not in FOLDERS:
            continue
        title, keywords = _metadata(svg)
        context = keywords | set(re.findall(r"[a-z]+", str(rel).lower()))
        if (name := clean_title(title, context)) is not None:
            by_title[name].append(svg)
    return {name: files[::max(1, len(files) // PER_TITLE)][:PER_TITLE]
            for name, files in by_title.items()}


def phrase_of(name: str):
    """'dog on leash' -> ('a', 'dog on leash'); 'a boy plays soccer' -> ('a', 'boy plays
    soccer'); None where the name does not make a noun phrase."""
    if name.split()[0] in ("a", "an", "the"):
        return phrase_from_sentence(name)
    return phrase_from_name(name)


def openclipart_objects(root: Path = OPENCLIPART) -> list[CaptionObject]:
    found = []
    for name, files in sorted(drawings(root).items()):
        if (phrase := phrase_of(name)) is None:
            continue
        for n, svg in enumerate(files):
            found.append(CaptionObject(
                key=f"openclipart:{name}:{n}", group=f"openclipart:{name}",
                source="openclipart", name=phrase[1], caption=single_caption(phrase),
                phrase=phrase, file=str(svg)))
    return found
