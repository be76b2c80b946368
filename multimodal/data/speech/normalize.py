"""Written English -> what a speaker says: `spoken` (fed to the engines, keeps the pauses
that punctuation gives) and `transcript` (lowercase words, what the model must predict).

Sentences an engine would mis-speak (symbols, acronyms, abbreviations, mixed letters and
digits, words no dictionary knows) are dropped rather than guessed: a wrong transcript
teaches the model a wrong word."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .numbers import number_token

CMU_DICT = Path("/usr/share/festival/dicts/cmu/cmudict-0.4.out")
PUNCT_KEPT = ",.?!;:"
# Typographic characters mapped to plain ones before anything else looks at the text.
TYPOGRAPHY = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"',
                            "\u2013": "-", "\u2014": "-", "\u00a0": " "})
ALLOWED = re.compile(r"[A-Za-z0-9 ,.?!;:'\"-]+")
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "etc", "vs", "eg", "ie", "jr", "sr", "no",
                 "co", "inc", "ltd", "approx", "fig", "vol", "ch", "ver"}


@dataclass(frozen=True)
class Text:
    spoken: str
    transcript: str
    source: str = ""

    @property
    def words(self) -> int:
        return len(self.transcript.split())


@lru_cache(maxsize=1)
def dictionary() -> frozenset[str] | None:
    """Words the CMU pronouncing dictionary knows (without apostrophes), if installed."""
    if not CMU_DICT.is_file():
        return None
    words = set()
    with open(CMU_DICT, encoding="latin-1") as f:
        for line in f:
            if line.startswith('("'):
                words.add(line[2:line.index('"', 2)])
    return frozenset(words)


def transcript_key(text: str) -> str:
    """Comparison key: lowercase letters and digits only, so "Don't!" == "dont"."""
    return " ".join(re.sub(r"[^a-z0-9 ]", "", text.lower().replace("-", " ")).split())


CONTRACTIONS = ("n't", "'s", "'re", "'ve", "'ll", "'d", "'m")


def _known(word: str, words: frozenset[str] | None) -> bool:
    if len(word) == 1 and word not in "ai":
        return False  # a stray letter in prose: a variable, an initial or a typo
    if words is None or word.replace("'", "") in words:
        return True
    # The dictionary lists few contractions: "didn't" is known when "did" is.
    return any(word.endswith(c) and word[:-len(c)] in words for c in CONTRACTIONS)


def _token(raw: str, first: bool, words: frozenset[str] | None) -> tuple[str, str] | None:
    """One whitespace token -> (spoken, transcript words) or None if it cannot be said."""
    core = raw.strip("\"'")
    trail = ""
    while core and core[-1] in PUNCT_KEPT:
        trail, core = core[-1] + trail, core[:-1]
    core = core.strip("\"'")
    if not core:
        return ("", "") if trail else None
    if trail.startswith(".") and core.lower() in ABBREVIATIONS:
        return None
    if core.isdigit():
        said = number_token(core)
        return None if said is None else (said + trail[:1], said)
    parts = core.split("-")  # "well-known" is two spoken words
    if any(not p for p in parts):
        return None
    for p in parts:
        if not WORD.fullmatch(p.lower()) or not _known(p.lower(), words):
            return None
        rest = p[1:]
        if any(c.isupper() for c in rest) and not (p.isupper() and len(p) == 1):
            return None  # GNOME, iPhone, KDE: engines spell or mangle these
        if p.isupper() and len(p) == 1 and p not in "AI":
            return None
    spoken = " ".join(parts)
    return spoken + trail[:1], spoken.lower()


def normalize(sentence: str, source: str = "", min_words: int = 1, max_words: int = 20,
              check_words: bool = True) -> Text | None:
    """A written sentence -> Text, or None when it cannot be spoken unambiguously."""
    sentence = " ".join(sentence.translate(TYPOGRAPHY).split())
    if not sentence or not ALLOWED.fullmatch(sentence):
        return None
    words = dictionary() if check_words else None
    spoken, transcript = [], []
    for i, raw in enumerate(sentence.split()):
        token = _token(raw, i == 0, words)
        if token is None:
            return None
        if token[1]:
            spoken.append(token[0])
            transcript.append(token[1])
        elif spoken:
            spoken[-1] += token[0]
    if not min_words <= len(" ".join(transcript).split()) <= max_words:
        return None
    said = " ".join(spoken)
    return Text(said[0].upper() + said[1:], " ".join(transcript).lower(), source)
