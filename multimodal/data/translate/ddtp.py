"""Debian package descriptions (DDTP) as French/Spanish/German -> English sentence pairs.

apt keeps one `Translation-xx` file per language and release (archive.py fetches several
releases into a folder of ours); every translated record carries the md5 of the English
description it translates, so records pair exactly on `Description-md5`. Descriptions are
then paired piece by piece: the short description, then paragraph by paragraph, then
sentence by sentence (or list item by list item) wherever the two sides have the same shape,
and whole paragraphs only where they are short.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from tqdm import tqdm

from multimodal.data.translate.pairs import LANGUAGES, Pair

APT_HELPER = "/usr/lib/apt/apt-helper"
DOMAIN = "descriptions"
MAX_WHOLE_WORDS = 60  # a paragraph whose sentences do not line up is kept whole only if short

_COMPRESSED = frozenset({".lz4", ".gz", ".xz", ".bz2", ".zst", ".lzma"})

# A list item: "*", "-", "+", "•", a dash or "1." / "1)" then text.
_BULLET = re.compile(r"\s*(?:[*+\-•–—]|\d{1,2}[.)])\s+(?=\S)")
# A possible sentence end: terminal punctuation, closing quotes/brackets, then whitespace.
_SENTENCE_END = re.compile(r"[.!?]+[\"'’”»)\]]*\s+")
# Openers that may precede the capital letter of the next sentence.
_OPENERS = "\"'‘“«([¿¡"
# Words whose trailing dot is not a sentence end (compared lower-case, without the dot).
_ABBREVIATIONS = frozenset("""
    e.g i.e etc vs cf approx incl esp eg ie al mr mrs ms dr prof st jr inc ltd co corp nr vol fig
    ver resp min max bzw usw ca vgl evtl ggf inkl bspw sog zb dh ua etw ex ej sr sra srta env
    aprox núm pág cap
""".split())
# Dotted initials ("e.g.", "z.", "J.C.", "U.S.") never end a sentence here.
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+")


# --- reading apt's files -----------------------------------------------------------------


def _uncompressed_name(path: Path) -> str:
    return path.name[: -len(path.suffix)] if path.suffix in _COMPRESSED else path.name


def list_files(kind: str, lists_dir: Path) -> list[Path]:
    """apt list files whose name, less any compression suffix, ends with `kind`."""
    return sorted(path for path in lists_dir.glob(f"*{kind}*")
                  if _uncompressed_name(path).endswith(kind))


def translation_files(lang: str, lists_dir: Path) -> list[Path]:
    return list_files(f"_i18n_Translation-{lang}", lists_dir)


def read_list_file(path: Path) -> str:
    """The text of an apt list file; apt-helper decompresses whatever apt stored (lz4 here)."""
    if path.suffix not in _COMPRESSED:
        return path.read_text(encoding="utf-8", errors="replace")
    done = subprocess.run([APT_HELPER, "cat-file", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{path}: apt-helper cat-file failed: {done.stderr.decode().strip()}")
    return done.stdout.decode("utf-8", errors="replace")


# --- RFC822 stanzas ----------------------------------------------------------------------


def iter_stanzas(text: str) -> Iterator[dict[str, str]]:
    """Each blank-line separated record as {field: value}; continuation lines keep their
    leading space so description structure (paragraphs, indented lists) survives."""
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        name = None
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and name is not None:
                fields[name] += "\n" + line
            elif ":" in line:
                name, value = line.split(":", 1)
                fields[name] = value.strip()
        if fields:
            yield fields


def source_packages(lists_dir: Path) -> dict[str, str]:
    """Binary package -> source package, from the Packages files apt already has."""
    sources: dict[str, str] = {}
    for path in list_files("_Packages", lists_dir):
        for stanza in iter_stanzas(read_list_file(path)):
            if "Package" in stanza and "Source" in stanza:
                # "Source: name (version)" when the binary's version differs.
                sources[stanza["Package"]] = stanza["Source"].split()[0]
    return sources


def read_translations(paths: Iterable[Path], lang: str) -> Iterator[tuple[str, str, str]]:
    """(package, description md5, description) for each record, once per (package, md5)."""
    seen = set()
    for path in paths:
        for stanza in iter_stanzas(read_list_file(path)):
            key = (stanza.get("Package"), stanza.get("Description-md5"))
            description = stanza.get(f"Description-{lang}")
            if None in key or description is None or key in seen:
                continue
            seen.add(key)
            yield key[0], key[1], description


# --- descriptions, paragraphs, sentences -------------------------------------------------


def normalise(text: str) -> str:
    return " ".join(text.split())


def split_description(description: str) -> tuple[str, list[list[str]]]:
    """(short description, paragraphs); each paragraph is its lines without the one leading
    space of RFC822 continuation, so deeper indentation (list items) is kept."""
    # French DDTP writes its non-breaking spaces as "⋅".
    short, *body = description.replace("⋅", " ").split("\n")
    paragraphs: list[list[str]] = [[]]
    for line in body:
        line = line[1:] if line[:1] in (" ", "\t") else line
        if line.strip() == ".":
            paragraphs.append([])
        elif line.strip():
            paragraphs[-1].append(line)
    return normalise(short), [lines for lines in paragraphs if lines]


def paragraph_segments(lines: list[str]) -> list[tuple[str, str]]:
    """A paragraph as ("prose" | "item", text) segments: wrapped prose lines are joined, and
    each list item with its indented continuation lines becomes one segment."""
    segments: list[list[str]] = []
    for line in lines:
        bullet = _BULLET.match(line)
        if bullet:
            segments.append(["item", line[bullet.end():]])
        elif segments and (segments[-1][0] == "prose" or line[:1].isspace()):
            segments[-1][1] += " " + line
        else:
            segments.append(["prose", line])
    return [(kind, normalise(text)) for kind, text in segments if normalise(text)]


def _ends_sentence(before: str, after: str) -> bool:
    """Whether the punctuation at the end of `before` closes a sentence, given what follows."""
    if not after.lstrip(_OPENERS)[:1].isupper():
        return False
    token = before.split()[-1] if before.split() else ""
    if not token.endswith("."):
        return True  # "!" and "?" always end a sentence
    word = token.rstrip(".").lstrip(_OPENERS)
    # Abbreviations, initials and numbers ("version 2.", German "3. Mai") do not.
    return not (word.lower() in _ABBREVIATIONS or _INITIALS.fullmatch(token.lstrip(_OPENERS))
                or word.isdigit())


def split_sentences(text: str) -> list[str]:
    """Sentences of one paragraph: split after . ! ? followed by a capitalised word."""
    sentences, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        closing = text[match.start():match.end()].rstrip()
        punctuation = closing.rstrip("\"'’”»)]")
        before = text[start:match.start() + len(punctuation)]
        if _ends_sentence(before, text[match.end():]):
            sentences.append(text[start:match.start() + len(closing)])
            start = match.end()
    sentences.append(text[start:])
    return [normalise(sentence) for sentence in sentences if sentence.strip()]


def whole_if_short(src: str, en: str) -> list[tuple[str, str]]:
    """The two texts as one pair if both are short enough to be a usable example."""
    if max(len(src.split()), len(en.split())) <= MAX_WHOLE_WORDS:
        return [(src, en)]
    return []


def pair_sentences(src: str, en: str) -> list[tuple[str, str]]:
    """Sentence pairs when both sides split into as many sentences, else the text whole."""
    src_sentences, en_sentences = split_sentences(src), split_sentences(en)
    if len(src_sentences) == len(en_sentences):
        return list(zip(src_sentences, en_sentences, strict=True))
    return whole_if_short(src, en)


def pair_paragraph(src_lines: list[str], en_lines: list[str]) -> list[tuple[str, str]]:
    """Pairs from one paragraph: segment by segment when both have the same prose/list shape."""
    src, en = paragraph_segments(src_lines), paragraph_segments(en_lines)
    if [kind for kind, _ in src] != [kind for kind, _ in en]:
        return whole_if_short(" ".join(t for _, t in src), " ".join(t for _, t in en))
    return [pair for (_, s), (_, e) in zip(src, en, strict=True) for pair in pair_sentences(s, e)]


def pair_description(src: str, en: str) -> list[tuple[str, str]]:
    """All pairs from one translated description and its English original."""
    src_short, src_paragraphs = split_description(src)
    en_short, en_paragraphs = split_description(en)
    pairs = [(src_short, en_short)]
    # Paragraphs only line up when both sides have as many.
    if len(src_paragraphs) == len(en_paragraphs):
        for src_lines, en_lines in zip(src_paragraphs, en_paragraphs, strict=True):
            pairs.extend(pair_paragraph(src_lines, en_lines))
    # Identical sides are untranslated text or code: they teach only copying.
    return [(s, e) for s, e in pairs if s and e and s != e]


# --- the reader --------------------------------------------------------------------------


def description_doc(source_package: str) -> str:
    """The held-out document of a package's descriptions: its source package."""
    return f"ddtp:{source_package}"


def english_descriptions(lists_dir: Path) -> dict[str, str]:
    """Description md5 -> English description, over every suite apt knows."""
    return {md5: text for _, md5, text in read_translations(translation_files("en", lists_dir),
                                                              "en")}


def read_ddtp_pairs(lists_dir: Path, progress: bool = True) -> Iterator[Pair]:
    """Every French, Spanish and German description pair, as sentence-level Pairs."""
    english = english_descriptions(lists_dir)
    sources = source_packages(lists_dir)
    for lang in LANGUAGES:
        records = read_translations(translation_files(lang, lists_dir), lang)
        for package, md5, description in tqdm(records, desc=f"ddtp {lang}", disable=not progress):
            if md5 not in english:
                continue  # translates an English text no suite carries any more
            doc = description_doc(sources.get(package, package))
            for src, en in pair_description(description, english[md5]):
                yield Pair(src, en, lang, DOMAIN, doc)
