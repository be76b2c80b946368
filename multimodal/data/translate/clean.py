"""Cleaning rules for parallel sentences: no format strings or markup, sane length ratio,
one copy of each pair."""

from __future__ import annotations

import re
import unicodedata

from .pairs import Pair

MIN_RATIO, MAX_RATIO = 0.5, 2.5  # source characters / English characters
MAX_WORDS = 80

# printf (%s %d %1$s %(name)s %1), shell/perl ($var ${x}), brace ({x} {0}), markup (<b> &amp;)
FORMAT_STRING = re.compile(
    r"%(\(\w+\))?[-+ #0-9.]*[sdifgxXcuplLzn%]|%\d|\$\{?\w+\}?|\{[\w.:!]*\}|</?\w+[^>]*>|"
    r"&[a-zA-Z]+;|&#\d+;|\\[nt]|\b__\w+__\b")
LETTER = re.compile(r"[^\W\d_]")


def normalise(text: str) -> str:
    """NFC, typographic apostrophes made plain, single spaces."""
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u00a0", " ")
    return " ".join(text.split())


def key(text: str) -> str:
    """What counts as 'the same sentence' for de-duplication and test-overlap removal."""
    return re.sub(r"[^\w]+", " ", normalise(text).casefold()).strip()


def clean_pair(pair: Pair) -> Pair | None:
    """The pair, normalised, or None when it should not be used."""
    src, en = normalise(pair.src), normalise(pair.en)
    if not src or not en or not LETTER.search(src) or not LETTER.search(en):
        return None
    if FORMAT_STRING.search(src) or FORMAT_STRING.search(en):
        return None
    if src.startswith("#") or en.startswith("#"):  # the TSV readers take these for comments
        return None
    if key(src) == key(en):  # untranslated, or a name
        return None
    if not MIN_RATIO <= len(src) / len(en) <= MAX_RATIO:
        return None
    if len(src.split()) > MAX_WORDS or len(en.split()) > MAX_WORDS:
        return None
    return Pair(src, en, pair.lang, pair.domain, pair.doc)
