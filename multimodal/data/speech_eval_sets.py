"""Recordings of real people, for EVALUATION ONLY (never train on them): the Asterisk prompts
and the transcribed utterances of pocketsphinx's test data, as `Example(wav, transcript, set)`.

Asterisk (Debian `asterisk-core-sounds-en-wav`, transcripts in `asterisk-core-sounds-en`):
one professional speaker (Allison), 8 kHz. Subsets follow the prompt's folder:
`digits/` -> "digits" (numbers, ordinals, days, months, time words), `letters/` -> "letters"
(letters and symbol names), `phonetic/` -> "phonetic" (alpha ... zulu), everything else ->
"sentences" (the system prompts: words, phrases and sentences).

A transcript says what is written, not always what is spoken, so each is turned into the
words heard: notes in brackets ("[beep]", "(simple tone sound plays)", "<beep ascending>")
are dropped, single digits and the keypad signs `*` `#` are spelt out as spoken ("press 1"
-> "press one"), and a few misspellings are corrected. A prompt is skipped when nothing
spoken remains (tones, silences), when it has no wav file, or when the transcript cannot say
how its numbers or names are read ("dial 1234", "H.323"); `AsteriskSet.skipped` says which
and why.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MultimodalError
from .readers import Example

ASTERISK_TRANSCRIPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
ASTERISK_SOUND_DIRS = (Path("/usr/share/asterisk/sounds/en"),
                       Path("/usr/share/asterisk/sounds/en_US_f_Allison"),
                       Path("/usr/share/asterisk/sounds/en_US"))
POCKETSPHINX_TESTDATA = Path("/usr/share/pocketsphinx/test/data")
ASTERISK_PACKAGES = "asterisk-core-sounds-en-wav asterisk-core-sounds-en"

SUBSET_OF_FOLDER = {"digits": "digits", "letters": "letters", "phonetic": "phonetic"}
SUBSETS = ("digits", "letters", "phonetic", "sentences")

_NOTES = re.compile(r"\[[^\]]*\]|\([^)]*\)|<[^>]*>")
_SINGLE_DIGIT = re.compile(r"(?<![\d.])\d(?![\d.])")
_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_SPOKEN_SIGNS = {"*": " star ", "#": " pound "}
_SPELLING = {"exclaimation": "exclamation", "represenatives": "representatives",
             "umute": "unmute", "witheld": "withheld", "fourtieth": "fortieth"}
_SPOKEN_FORMS = {"www.asterisk.org": "w w w dot asterisk dot org", "Un-indentified": "Unidentified"}


@dataclass
class AsteriskSet:
    examples: list[Example]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (prompt key, why)


def spoken_text(written: str) -> str:
    """A prompt's transcript as the words heard ("" when only notes are written)."""
    text = _NOTES.sub(" ", written)
    for written_form, spoken in _SPOKEN_FORMS.items():
        text = text.replace(written_form, spoken)
    for sign, word in _SPOKEN_SIGNS.items():
        text = text.replace(sign, word)
    text = _SINGLE_DIGIT.sub(lambda m: f" {_DIGIT_WORDS[int(m.group())]} ", text)
    text = re.sub(r"[A-Za-z]+", lambda m: _SPELLING.get(m.group().lower(), m.group()), text)
    return " ".join(text.split())


def asterisk_sound_dir() -> Path | None:
    for folder in ASTERISK_SOUND_DIRS:
        if (folder / "digits" / "0.wav").is_file():
            return folder
    return None


def asterisk_available() -> bool:
    return ASTERISK_TRANSCRIPTS.is_file() and asterisk_sound_dir() is not None


def _subset(key: str) -> str:
    folder = key.split("/")[0] if "/" in key else ""
    return SUBSET_OF_FOLDER.get(folder, "sentences")


def read_asterisk(transcripts: Path = ASTERISK_TRANSCRIPTS,
                  sounds: Path | None = None) -> AsteriskSet:
    """Every usable Asterisk prompt, in transcript order, grouped by subset."""
    sounds = sounds or asterisk_sound_dir()
    if not transcripts.is_file() or sounds is None:
        raise MultimodalError(f"the Asterisk prompts are not installed: apt-get install -y "
                              f"{ASTERISK_PACKAGES}")
    with gzip.open(transcripts, "rt", encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    result = AsteriskSet([])
    for line in lines:
        key, sep, written = line.partition(":")
        key = key.strip()
        if not sep or line.startswith(";") or not key:
            continue
        wav = sounds / f"{key}.wav"
        spoken = spoken_text(written)
        if not wav.is_file():
            result.skipped.append((key, "no wav file"))
        elif not spoken:
            result.skipped.append((key, "no speech (a tone, a sound or silence)"))
        elif re.search(r"\d", spoken):
            result.skipped.append((key, "the transcript does not say how its numbers are read"))
        else:
            result.examples.append(Example(str(wav), spoken, _subset(key)))
    return result


def pocketsphinx_testdata_available() -> bool:
    return (POCKETSPHINX_TESTDATA / "librivox" / "transcription").is_file()


def read_pocketsphinx_testdata(root: Path = POCKETSPHINX_TESTDATA) -> list[Example]:
    """The 10 transcribed wav utterances: 5 LibriVox sentences and 5 spoken card names."""
    if not (root / "librivox" / "transcription").is_file():
        raise MultimodalError("pocketsphinx's test data is not installed: apt-get install -y "
                              "pocketsphinx-testdata")
    examples = []
    for folder, transcription in (("librivox", "transcription"), ("cards", "cards.transcription")):
        for line in (root / folder / transcription).read_text(encoding="utf-8").splitlines():
            # "<s> ten of clubs </s> (001)": words between the sentence marks, then the file id
            match = re.fullmatch(r"\s*(?:<s>)?(.*?)(?:</s>)?\s*\(([^)]+)\)\s*", line)
            if not match:
                continue
            wav = root / folder / f"{match.group(2)}.wav"
            if wav.is_file():
                examples.append(Example(str(wav), " ".join(match.group(1).split()), folder))
    return examples
