"""Synthetic Spanish descriptions by back-translation, for training only.

Spanish has few human-translated package descriptions (13k pairs against 109k French), and
many more English descriptions have no Spanish translation at all. Back-translation
(Sennrich et al., 2016) pairs such human English sentences with a machine translation into
the source language: Apertium's `eng-spa` writes the Spanish side, so the model learns to
produce real English from imperfect Spanish. Only training uses them (domain `synthetic`):

- never from a package held out in any language (the pinned held-out documents), and the
  build removes any pair whose English is a held-out sentence as for every source;
- never from a package that has a human Spanish description (those pairs are real already);
- at most MAX_PAIRS sentences, chosen by hash so a rebuild picks the same ones, and the
  translations are cached (`sources/backtranslated-es.tsv`), so a rebuild does not rerun
  Apertium."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

from .ddtp import (
    description_doc,
    paragraph_segments,
    read_translations,
    source_packages,
    split_description,
    split_sentences,
    translation_files,
)
from .held_out import read_held_out
from .pairs import Pair

LANG, DOMAIN = "es", "synthetic"
MAX_PAIRS = 180_000
MIN_WORDS, MAX_WORDS = 4, 40
CHUNK = 2_000  # sentences per Apertium call (progress, and a failure costs one chunk)


def description_sentences(description: str) -> list[str]:
    """The short description and every prose sentence or list item of its paragraphs."""
    short, paragraphs = split_description(description)
    sentences = [short]
    for lines in paragraphs:
        for kind, text in paragraph_segments(lines):
            sentences += [text] if kind == "item" else split_sentences(text)
    return [s for s in sentences if MIN_WORDS <= len(s.split()) <= MAX_WORDS]


def english_without_spanish(lists_dir: Path, excluded_docs: set[str]) -> dict[str, str]:
    """{English sentence: its document} from descriptions whose package has no Spanish
    translation and is not excluded; the first document to use a sentence keeps it."""
    sources = source_packages(lists_dir)

    def doc(package: str) -> str:
        return description_doc(sources.get(package, package))

    spanish = {doc(package) for package, _, _ in
               read_translations(translation_files(LANG, lists_dir), LANG)}
    sentences: dict[str, str] = {}
    for package, _, text in read_translations(translation_files("en", lists_dir), "en"):
        document = doc(package)
        if document in spanish or document in excluded_docs:
            continue
        for sentence in description_sentences(text):
            sentences.setdefault(sentence, document)
    return sentences


def choose(sentences: dict[str, str], limit: int) -> list[str]:
    """`limit` sentences by hash order: a pure function of the sentences."""
    return sorted(sentences, key=lambda s: hashlib.sha1(s.encode()).digest())[:limit]


def read_cache(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    rows = (line.split("\t") for line in path.read_text(encoding="utf-8").splitlines())
    return {row[0]: row[1] for row in rows if len(row) == 2}


def translate_missing(english: list[str], cache: Path) -> dict[str, str]:
    """English -> Apertium's Spanish for every sentence, from the cache or Apertium (whose
    answers are appended to the cache chunk by chunk)."""
    from multimodal.peers.apertium import apertium_from_english

    known = read_cache(cache)
    todo = [s for s in english if s not in known]
    with open(cache, "a", encoding="utf-8") as f:
        for start in tqdm(range(0, len(todo), CHUNK), desc="apertium eng-spa",
                          unit=" chunks", disable=not todo):
            chunk = todo[start:start + CHUNK]
            for en, es in zip(chunk, apertium_from_english(chunk, LANG), strict=True):
                if "\t" not in es:
                    known[en] = es
                    f.write(f"{en}\t{es}\n")
    return known


def read_backtranslated_pairs(lists_dir: Path, work: Path,
                              limit: int = MAX_PAIRS) -> Iterator[Pair]:
    """(Apertium's Spanish, human English) pairs; doc `bt:<source package>`."""
    from multimodal.peers.apertium import from_english_available

    if not from_english_available(LANG):
        print("back-translation skipped: apertium's eng-spa mode is not installed "
              "(apt-get install apertium apertium-eng-spa)")
        return
    held = {group.split(":", 1)[1] for groups in read_held_out().values() for group in groups}
    sentences = english_without_spanish(lists_dir, held)
    chosen = choose(sentences, limit)
    spanish = translate_missing(chosen, work / f"backtranslated-{LANG}.tsv")
    for en in chosen:
        if en in spanish:
            doc = sentences[en].replace("ddtp:", "bt:", 1)
            yield Pair(spanish[en], en, LANG, DOMAIN, doc)
