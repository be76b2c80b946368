"""The record every translation source yields."""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("fr", "es", "de")
DOMAINS = ("descriptions", "bible", "ui", "phrases")


@dataclass(frozen=True)
class Pair:
    src: str  # the French, Spanish or German sentence
    en: str  # its English counterpart
    lang: str  # one of LANGUAGES
    domain: str  # one of DOMAINS
    doc: str  # the source document: held-out sets are split by this, never by line
