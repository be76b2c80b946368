"""Text input: Unicode-normalised, control characters removed, bounded."""

from __future__ import annotations

import unicodedata

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
