"""Which source language a text looks like, for the page to show. The translator needs no
language tag; this only tells the visitor what "auto" took the text for, or that a chosen
language is not one the model reads."""

from __future__ import annotations

import re

from ..errors import InputError

NAMES = {"fr": "French", "es": "Spanish", "de": "German"}
# Frequent short words that are frequent in one language and rare in the other two.
MARKERS = {
    "fr": set("le les une des du et est pas je il elle nous vous ne qui sur dans "
              "pour avec au aux ce cette".split()),
    "es": set("el los las una unos y no yo por para con del al se lo su "
              "muy pero".split()),
    "de": set("der die das ein eine und ist nicht ich er sie wir mit auf für von zu den dem "
              "im auch".split()),
}
LETTERS = {"fr": set("çèêëàâîôûœ"), "es": set("ñ¿¡áíóú"), "de": set("äöüß")}
WORD = re.compile(r"[^\W\d_]+")


def guess_language(text: str) -> str | None:
    """'fr', 'es' or 'de' by marker-word counts (case-folded); None when nothing stands out."""
    words = [w.casefold() for w in WORD.findall(text[:5000])]
    counts = {lang: sum(w in markers for w in words)
              + sum(ch in LETTERS[lang] for ch in text[:5000].casefold())
              for lang, markers in MARKERS.items()}
    best = max(counts, key=counts.get)
    ties = sum(c == counts[best] for c in counts.values())
    return best if counts[best] and ties == 1 else None


def language_note(text: str, chosen: str, readable: list[str]) -> str:
    """A line for the page: what the text was taken for. Raises InputError when `chosen`
    is a language the model does not read."""
    if chosen not in (None, "", "auto"):
        if readable and chosen not in readable:
            names = ", ".join(NAMES.get(code, code) for code in readable)
            raise InputError(f"this model translates from {names}, not "
                             f"{NAMES.get(chosen, chosen)}")
        return f"source: {NAMES.get(chosen, chosen)} (chosen)"
    guess = guess_language(text)
    return f"source: {NAMES[guess]} (detected)" if guess else "source: not detected"
