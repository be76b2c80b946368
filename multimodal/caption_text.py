"""A caption's pieces made into a sentence: articles that agree with the word after them
("an envelope", "a koala"), one space between words, a capital to begin.

The caption decoder chooses its article before the word prior (multimodal.word_prior) puts
in a name it never read, so "A" can come before "envelope", a name can open the caption
("chitons."), and a name's first piece can follow a bare word-start piece (two spaces).
Articles are mended piece by piece, so the pieces and their attention rows stay one to one;
spaces and the capital are mended in the text only."""

from __future__ import annotations

import re

from .tokenizer import Tokenizer

# words spelled with a vowel that begin with a consonant sound, and the reverse
CONSONANT_SOUND = ("eu", "ewe", "one", "once", "uni", "use", "usu", "ut", "uk", "ura", "ure",
                   "uri", "uro", "ubi")
SILENT_H = ("hour", "honest", "honor", "honour", "heir")
VOWEL_LETTER_NAMES = "AEFHILMNORSX"  # "an F", "an X": a letter said by its name
OTHER_FORM = {"▁a": "▁an", "▁A": "▁An", "▁an": "▁a", "▁An": "▁A"}


def wants_an(word: str) -> bool:
    if len(word) == 1:
        return word.upper() in VOWEL_LETTER_NAMES
    word = word.lower()
    if word.startswith(SILENT_H):
        return True
    return word[:1] in ("a", "e", "i", "o", "u") and not word.startswith(CONSONANT_SOUND)


def _next_word(pieces: list[str], start: int) -> str:
    """The word that begins at pieces[start] (a piece that starts one), '' if none does."""
    if start >= len(pieces) or not pieces[start].startswith("▁"):
        return ""
    word = pieces[start][1:]
    for piece in pieces[start + 1:]:
        if piece.startswith("▁"):
            break
        word += piece
    return word


def mend_articles(tokens: list[int], tokenizer: Tokenizer) -> list[int]:
    """`tokens` with each "a"/"an" (either case) in the form the next word asks for."""
    pieces = tokenizer.pieces(tokens)
    out = list(tokens)
    for i, piece in enumerate(pieces):
        if piece not in OTHER_FORM:
            continue
        word = _next_word(pieces, i + 1)  # "▁a" + "pple" is a word, not an article
        if not word[:1].isalpha():
            continue
        is_an = piece.lower() == "▁an"
        if wants_an(word) != is_an:
            other = tokenizer.id_of(OTHER_FORM[piece])
            if other is not None:
                out[i] = other
    return out


def sentence_case(text: str) -> str:
    """One space between words and a capital first letter ("chitons." -> "Chitons.")."""
    text = re.sub(r"\s+", " ", text).strip()
    return text[:1].upper() + text[1:]
