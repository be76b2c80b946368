"""Ready inputs for the page: Tux Paint stamps (a picture, a spoken English description and
a French sentence of one concept; see examples/README.md) and a few texts to translate."""

from __future__ import annotations

from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
# Stamps the caption corpus holds out (never trained on; see multimodal/data/caption).
STAMPS = ("horse", "koala", "beaver")
TEXTS = [  # [text, language]: the shipped translator knows software and package texts best
    ["Ce paquet contient la documentation du programme. Impossible de trouver le fichier.",
     "auto"],
    ["Este paquete contiene las bibliotecas compartidas.", "auto"],
    ["Dieses Paket enthält die Dokumentation.", "auto"],
    ["Le chat dort sur le canapé.", "auto"],
]


def stamps() -> list[tuple[str, str, str]]:
    """(picture path, recording path, French sentence) for each stamp that is present."""
    found = []
    for name in STAMPS:
        picture, speech, french = (EXAMPLES_DIR / f"{name}{ext}"
                                   for ext in (".png", ".ogg", ".fr.txt"))
        if picture.is_file() and speech.is_file() and french.is_file():
            found.append((str(picture), str(speech), french.read_text(encoding="utf-8").strip()))
    return found


def pictures() -> list[list[str]]:
    return [[picture] for picture, _, _ in stamps()]


def recordings() -> list[list[str]]:
    return [[speech] for _, speech, _ in stamps()]


def texts() -> list[list[str]]:
    return [[french, "fr"] for _, _, french in stamps()] + TEXTS
