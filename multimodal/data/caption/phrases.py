"""Noun phrases and the sentences built from them: articles, sizes, where things are.

A phrase is (article, words): ("a", "red apple"), ("the", "flag of France"), ("", "chopsticks").
Keeping the article apart lets a size word go in front of the words with the right a/an."""

from __future__ import annotations

import re

from ...caption_text import wants_an

Phrase = tuple[str, str]

# Words that say nothing about which object it is, left out of the object-name hit test.
GENERIC = {"a", "an", "the", "of", "with", "and", "in", "on", "face", "symbol", "sign",
           "button", "mark", "small", "big", "large", "little", "red", "green", "blue",
           "yellow", "orange", "purple", "brown", "black", "white", "pink", "grey", "gray",
           "light", "dark", "medium", "old", "new", "some", "two", "three", "to", "for", "at"}
PLURAL_NAME = re.compile(r"(?<![su])s$")  # "chopsticks" but not "glass" or "octopus"
NOUN_PHRASE = re.compile(r"^(a|an|the) ([\w'’ -]+)$", re.IGNORECASE)
VERBISH = re.compile(r"\b(is|are|was|has|have|can|will|who|which|that)\b", re.IGNORECASE)


def article_for(word: str) -> str:
    return "an" if wants_an(word) else "a"


def phrase_from_name(name: str) -> Phrase | None:
    """An emoji's CLDR name ('grinning face', 'flag: France') -> a phrase, or None."""
    name = name.strip().lower()
    if name.startswith("flag: "):
        return "the", f"flag of {name[6:].title()}"
    if ":" in name or not re.fullmatch(r"[a-z][a-z' -]*", name):
        return None  # keycaps, skin tones, names with digits or symbols
    if PLURAL_NAME.search(name.split()[-1]) or name.split()[0] in {"two", "three", "people"}:
        return "", name
    return article_for(name), name


def phrase_from_sentence(sentence: str) -> Phrase | None:
    """A human caption that is just a noun phrase ('A red apple.') -> a phrase, else None."""
    text = sentence.strip().rstrip(".!").replace("“", "").replace("”", "").replace('"', "")
    match = NOUN_PHRASE.match(text)
    if not match or VERBISH.search(text) or len(text.split()) > 7:
        return None
    return match.group(1).lower(), match.group(2).replace("’", "'")


def say(phrase: Phrase, size: str = "") -> str:
    """('a', 'apple'), 'big' -> 'a big apple'."""
    article, words = phrase
    if size:
        words = f"{size} {words}"
        if article in ("a", "an"):
            article = article_for(words)
    return f"{article} {words}".strip()


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def single_caption(phrase: Phrase) -> str:
    return sentence(say(phrase))


def relation(a: tuple[float, float], b: tuple[float, float]) -> str:
    """Where centre `a` is relative to centre `b` (image y grows downwards)."""
    dx, dy = a[0] - b[0], a[1] - b[1]
    if abs(dx) >= abs(dy):
        return "to the left of" if dx < 0 else "to the right of"
    return "above" if dy < 0 else "below"


def sizes(scales: list[float]) -> list[str]:
    """'small'/'big' only where one object is clearly bigger than another."""
    if max(scales) < 1.6 * min(scales):
        return [""] * len(scales)
    middle = (max(scales) + min(scales)) / 2
    return ["big" if s >= middle else "small" for s in scales]


def scene_caption(phrases: list[Phrase], centres: list[tuple[float, float]],
                  scales: list[float]) -> str:
    """Two objects: 'A big red apple to the left of a small dog.'; three: listed left to right."""
    words = [say(p, s) for p, s in zip(phrases, sizes(scales), strict=True)]
    if len(words) == 2:
        return sentence(f"{words[0]} {relation(centres[0], centres[1])} {words[1]}")
    order = sorted(range(len(words)), key=lambda i: centres[i][0])
    listed = [words[i] for i in order]
    return sentence(f"{', '.join(listed[:-1])} and {listed[-1]}, from left to right")


def key_words(name: str) -> set[str]:
    """The words of an object's name that identify it (for the name hit rate)."""
    words = set(re.findall(r"[a-z']+", name.lower())) - GENERIC
    return words or set(re.findall(r"[a-z']+", name.lower()))


def word_forms(text: str) -> set[str]:
    """The words of `text`, each also as its singular and plural (a crude 's' rule)."""
    words = set(re.findall(r"[a-z']+", text.lower()))
    return words | {w[:-1] for w in words if w.endswith("s")} | {w + "s" for w in words}


def names_object(caption: str, name: str) -> bool:
    """Does the caption name the object? Any identifying word, singular or plural."""
    return bool(key_words(name) & word_forms(caption))
