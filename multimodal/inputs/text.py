"""Text input: Unicode-normalised, control characters removed, bounded."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from ..errors import InputError

MAX_TEXT_CHARS = 100_000


def clean_text(text) -> str:
    if not isinstance(text, str):
        raise InputError(f"expected text, got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"the text has {len(text):,} characters; the limit is "
                         f"{MAX_TEXT_CHARS:,}")
    text = unicodedata.normalize("NFC", text)
    # Control characters (category C*) carry no meaning for translation; tabs/newlines are space.
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    text = " ".join(text.split())
    if not text:
        raise InputError("the text is empty")
    return text


MAX_SEGMENT_WORDS = 50
# A sentence ends at . ! ? or an ellipsis (not after a digit: "am 3. Mai" goes on), before
# a space and then a capital, an opening quote or bracket, or Spanish inverted punctuation.
SENTENCE_END = re.compile(r"(?<=[^\d\s][.!?\u2026])\s+(?=[A-Z\u00c0-\u00d6\u00d8-\u00de"
                          r"\"'\u00ab\u201c\u00bf\u00a1(])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a cleaned text; over-long ones are cut at clause marks, then at word
    boundaries, so that nothing is ever dropped."""
    out = []
    for sentence in SENTENCE_END.split(text):
        words = sentence.split()
        while len(words) > MAX_SEGMENT_WORDS:
            head = words[:MAX_SEGMENT_WORDS]
            # Prefer to cut after the last clause mark in the window.
            cut = max((i + 1 for i, w in enumerate(head) if w[-1] in ",;:"), default=len(head))
            out.append(" ".join(words[:cut]))
            words = words[cut:]
        if words:
            out.append(" ".join(words))
    return out


def require_latin_script(text: str) -> None:
    """French, Spanish and German are written in Latin letters; text mostly in another
    script (Cyrillic, Greek, Han...) cannot be translated by these models."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return
    scripts = Counter(unicodedata.name(ch, "UNKNOWN").split()[0] for ch in letters)
    if scripts["LATIN"] < 0.5 * len(letters):
        main = scripts.most_common(1)[0][0].title()
        raise InputError(f"the text is in {main} script; this model translates French, "
                         "Spanish and German, written in Latin letters")
