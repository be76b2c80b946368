"""Which English sentences get spoken: collected from offline sources, cleaned, with the
evaluation transcripts removed and a hash-chosen slice of text held out for dev and test.

Sources: the English side of the translation corpus (descriptions, UI strings, Bible) and
the Tux Paint stamp sentences; everyday words said alone come from the emoji names of Unicode
CLDR. Generated phrases (numbers, letters, ...) are in generated.py.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path
from xml.etree import ElementTree

from tqdm import tqdm

from ...errors import MultimodalError
from ..cache import cache_dir
from ..caption.objects import TUXPAINT
from ..readers import read_sentence_pairs
from .normalize import Text, normalize, transcript_key

ASTERISK_PROMPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
POCKETSPHINX_TESTS = Path("/usr/share/pocketsphinx/test/data")
# Evaluation sentences this long or longer never enter training; shorter ones ("one",
# "a b") are general vocabulary that every recogniser must know.
EXCLUDE_MIN_WORDS = 3
# Texts this long or longer are split by hash: 1.5% dev, 1.5% test, the rest train.
HOLD_OUT_MIN_WORDS = 3
HOLD_OUT_PER_MILLE = {"dev": 15, "test": 15}
CORPUS_DOMAINS = {"ddtp": "descriptions", "gettext": "ui", "bible": "bible"}
MIN_WORDS, MAX_WORDS = 2, 20


def split_of(text: Text) -> str:
    """"train", "dev" or "test": a pure function of the transcript, stable across builds."""
    if text.words < HOLD_OUT_MIN_WORDS:
        return "train"
    digest = hashlib.sha1(transcript_key(text.transcript).encode()).digest()
    bucket = int.from_bytes(digest[:4], "big") % 1000
    if bucket < HOLD_OUT_PER_MILLE["dev"]:
        return "dev"
    if bucket < HOLD_OUT_PER_MILLE["dev"] + HOLD_OUT_PER_MILLE["test"]:
        return "test"
    return "train"


# --- everyday words said alone ---------------------------------------------------------------

CLDR_ENGLISH = Path("/usr/share/unicode/cldr/common/annotations/en.xml")
# One word in ten is held out (by hash) for the unseen-voice test of words said alone.
NAME_TEST_PER_MILLE = 100


def everyday_words(path: Path = CLDR_ENGLISH) -> list[str]:
    """Words that name everyday things, one word each: the English names and keywords of the
    emoji in Unicode CLDR (Debian `unicode-cldr-core`), "frog", "taxi", "umbrella"; [] when
    it is not installed."""
    if not path.is_file():
        return []
    words = set()
    for annotation in ElementTree.parse(path).iter("annotation"):
        words |= {w.strip().lower() for w in (annotation.text or "").split("|")}
    return sorted(w for w in words if re.fullmatch(r"[a-z]{3,}", w))


def word_split(word: str) -> str:
    """"train" or "test" for a word said alone: a pure function of the word."""
    bucket = int.from_bytes(hashlib.sha1(f"word:{word}".encode()).digest()[:4], "big") % 1000
    return "test" if bucket < NAME_TEST_PER_MILLE else "train"


# --- evaluation transcripts (never trained on) ---------------------------------------------


def _sentences(text: str) -> list[str]:
    """The whole prompt and each of its sentences: a prompt of two sentences must not
    leak into training one sentence at a time either."""
    parts = [p for p in re.split(r"(?<=[.?!])\s+", text) if p.strip()]
    return [text] + (parts if len(parts) > 1 else [])


def asterisk_transcripts(path: Path = ASTERISK_PROMPTS) -> list[str]:
    """The `key: text` lines of the Asterisk prompt list, sound effects ([beep]) left out."""
    if not path.is_file():
        return []
    out = []
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            if ":" not in line or line.startswith(";"):
                continue
            text = re.sub(r"\[[^\]]*\]", " ", line.split(":", 1)[1]).strip()
            if text:
                out.append(text)
    return out


def pocketsphinx_transcripts(root: Path = POCKETSPHINX_TESTS) -> list[str]:
    """`<s> words </s> (id)` and `words (id)` lines of the test data's transcriptions."""
    if not root.is_dir():
        return []
    out = []
    for path in sorted([*root.rglob("*.transcription"), *root.rglob("*.lsn"),
                        *root.rglob("transcription")]):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            text = re.sub(r"\([^)]*\)\s*$", "", line).replace("<s>", " ").replace("</s>", " ")
            if text.strip():
                out.append(text.strip())
    return out


def evaluation_keys(transcripts: Iterable[str] | None = None) -> set[str]:
    """Comparison keys of every evaluation sentence of EXCLUDE_MIN_WORDS words or more."""
    if transcripts is None:
        transcripts = asterisk_transcripts() + pocketsphinx_transcripts()
    keys = set()
    for transcript in transcripts:
        for sentence in _sentences(transcript):
            said = normalize(sentence, max_words=1000, check_words=False)
            for key in {transcript_key(sentence), said and transcript_key(said.transcript)}:
                if key and len(key.split()) >= EXCLUDE_MIN_WORDS:
                    keys.add(key)
    return keys


# --- training text sources -----------------------------------------------------------------


def translation_english(path: Path | None = None) -> Iterator[tuple[str, str]]:
    """(English sentence, domain) from the translation corpus, which must be built: without
    it the plan would silently become a different, much smaller corpus."""
    path = path or cache_dir() / "translate" / "train.tsv"
    if not path.is_file():
        raise MultimodalError(f"{path} is missing: the speech corpus speaks the English side "
                              "of the translation corpus, so build that first "
                              "(python -m multimodal data translate)")
    for example in read_sentence_pairs(path):
        doc = example.group.split(":")[1] if example.group.count(":") >= 1 else ""
        if doc in CORPUS_DOMAINS:  # the stamps and names come in as speech sources of their own
            yield example.target, CORPUS_DOMAINS[doc]


def tuxpaint_sentences(root: Path = TUXPAINT) -> Iterator[tuple[str, str]]:
    """Line 1 of each stamp's NAME.txt: a human-written English description."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*.txt")):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        if lines and "=" not in lines[0]:
            yield lines[0], "stamps"


def collect(raw: Iterable[tuple[str, str]],
            excluded: AbstractSet[str]) -> dict[str, list[Text]]:
    """Normalise, drop evaluation sentences and duplicates; texts per source domain."""
    seen: set[str] = set()
    by_source: dict[str, list[Text]] = defaultdict(list)
    for sentence, source in tqdm(raw, desc="collect sentences", unit=" sentences",
                                 leave=False, mininterval=2):
        text = normalize(sentence, source, MIN_WORDS, MAX_WORDS)
        if text is None:
            continue
        key = transcript_key(text.transcript)
        if key in seen or key in excluded:
            continue
        seen.add(key)
        by_source[source].append(text)
    return dict(by_source)


def corpus_texts(excluded: AbstractSet[str], translation: Path | None = None,
                 stamps: Path = TUXPAINT) -> dict[str, list[Text]]:
    """Every usable sentence from the offline sources, by domain."""
    def raw() -> Iterator[tuple[str, str]]:
        yield from tuxpaint_sentences(stamps)
        yield from translation_english(translation)

    texts = collect(raw(), excluded)
    if "stamps" not in texts:
        raise MultimodalError("no Tux Paint stamp sentences found: install the Debian package "
                              "tuxpaint-stamps-default")
    return texts
