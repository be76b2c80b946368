"""The record every translation source yields."""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("fr", "es", "de")
DOMAINS = ("descriptions", "bible", "ui", "phrases", "synthetic")


@dataclass(frozen=True)
class Pair:
    src: str  # the French, Spanish or German sentence
    en: str  # its English counterpart
    lang: str  # one of LANGUAGES
    domain: str  # one of DOMAINS
    doc: str  # the source document: held-out sets are split by this, never by line


def group_of(pair: Pair) -> str:
    """The pair's `lang:doc`, as the corpus files write it."""
    return f"{pair.lang}:{pair.doc}"


def parse_group(group: str) -> tuple[str, str]:
    """`lang:doc` -> (lang, domain); the domain is named by the doc's prefix."""
    lang, doc = group.split(":", 1)
    prefix = doc.split(":", 1)[0]
    return lang, {"ddtp": "descriptions", "bible": "bible", "gettext": "ui",
                  "stamps": "phrases", "cldr": "phrases", "bt": "synthetic"}[prefix]
