"""AppStream metadata (Debian's DEP-11 files) as French/Spanish/German -> English pairs.

Every desktop application in the archive has a component with its name, summary and
description written upstream and translated by its translators, in the same record:

    Summary:
      C: Displays Exif tags in the side panel
      fr: Affiche les balises Exif dans le panneau latéral

Descriptions are AppStream markup (`<p>`, `<ul><li>`) and pair block by block, then sentence
by sentence, wherever both sides have the same shape (archive.py fetches the files). A
component counts as its package's description (document `ddtp:<source>`, see
`ddtp.description_doc`): a package's descriptions, Debian's and upstream's, always land on
the same side of the held-out split.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from .archive import component_files
from .ddtp import description_doc, pair_sentences, read_list_file, source_packages
from .pairs import LANGUAGES, Pair

DOMAIN = "descriptions"
FIELDS = ("Name", "Summary", "Description")
_BLOCK = re.compile(r"<(p|li)>(.*?)</\1>", re.S)
_INLINE = re.compile(r"</?(?:em|code|b|i)>")


def read_components(path: Path) -> Iterator[dict]:
    """Each component record of one DEP-11 YAML file (the first record is a header)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for record in yaml.load_all(read_list_file(path), Loader=loader):
        if isinstance(record, dict) and "Package" in record:
            yield record


def blocks(markup: str) -> list[tuple[str, str]]:
    """A description's paragraphs and list items as (kind, plain text)."""
    return [(kind, " ".join(html.unescape(_INLINE.sub("", text)).split()))
            for kind, text in _BLOCK.findall(markup)]


def translation(texts: dict, lang: str) -> str | None:
    """The text in `lang`, or in one regional variant of it ("es_ES") when that is all."""
    if lang in texts:
        return texts[lang]
    return next((v for k, v in sorted(texts.items()) if k.startswith(lang + "_")), None)


def pair_component(component: dict, lang: str) -> list[tuple[str, str]]:
    """(source, English) pairs from one component's name, summary and description."""
    pairs = []
    for field in FIELDS:
        texts = component.get(field)
        if not isinstance(texts, dict) or not isinstance(texts.get("C"), str):
            continue
        src = translation(texts, lang)
        if not isinstance(src, str):
            continue
        if field != "Description":
            pairs.append((" ".join(src.split()), " ".join(texts["C"].split())))
            continue
        src_blocks, en_blocks = blocks(src), blocks(texts["C"])
        if [k for k, _ in src_blocks] == [k for k, _ in en_blocks]:
            for (_, s), (_, e) in zip(src_blocks, en_blocks, strict=True):
                pairs.extend(pair_sentences(s, e))
    return [(s, e) for s, e in pairs if s and e and s != e]


def read_appstream_pairs(lists_dir: Path) -> Iterator[Pair]:
    """Every French, Spanish and German pair of the archive's AppStream components."""
    sources = source_packages(lists_dir)
    for path in component_files(lists_dir):
        for component in read_components(path):
            package = str(component["Package"])
            doc = description_doc(sources.get(package, package))
            for lang in LANGUAGES:
                for src, en in pair_component(component, lang):
                    yield Pair(src, en, lang, DOMAIN, doc)
