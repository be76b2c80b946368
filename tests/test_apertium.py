"""Apertium peer engine: plausible English, one output per input whatever the input, no German."""

from __future__ import annotations

import pytest

from multimodal.peers.apertium import (
    ApertiumError,
    apertium_available,
    apertium_sentences_per_second,
    apertium_translate,
)

needs_es = pytest.mark.skipif(
    not apertium_available("es"), reason="apertium / apertium-eng-spa not installed"
)
needs_fr = pytest.mark.skipif(
    not apertium_available("fr"), reason="apertium / apertium-fr-es / apertium-eng-spa missing"
)

TRICKY = [
    "^hola<n>$",
    "[nota] @usuario *estrella #etiqueta",
    "a / b \\ c",
    "<b>negrita</b> {llave}",
    "x ^ y $ z",
    "\\^\\$",
    "dijo: «sí»",
    "línea\npartida\r\nen tres",
    "nulo\x00y\u2028separadores\x85raros",
    "Precio: 5 € / 3$",
    "[",
    "}",
    "e-mail: a@b.com",
    "...",
]
WORDS = {
    "es": ["El gato negro duerme.", "la casa de mi madre", "¿Dónde está la estación?"],
    "fr": ["Le chat noir dort.", "la maison de ma mère", "Où est la gare ?"],
}


def batch(lang: str, n: int = 200) -> list[str]:
    """n sentences, each tagged with its own number, with empty and blank lines among them."""
    out = []
    for i in range(n):
        if i % 9 == 4:
            out.append("" if i % 2 else "   \t ")
        else:
            out.append(f"Q{i}Z {TRICKY[i % len(TRICKY)]} {WORDS[lang][i % len(WORDS[lang])]}")
    return out


def check_alignment(sentences: list[str], out: list[str]) -> None:
    assert len(out) == len(sentences)
    for i, (src, got) in enumerate(zip(sentences, out, strict=True)):
        if not src.strip():
            assert got == "", (i, got)
        else:
            assert f"Q{i}Z" in got, (i, src, got)


def test_german_has_no_pair():
    assert apertium_translate(["Der Hund schläft."], "de") is None
    assert not apertium_available("de")


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        apertium_translate(["Ciao"], "it")


@needs_es
def test_spanish_to_english():
    out = apertium_translate(
        ["El gato negro duerme.", "Mi hermano trabaja en un hospital.", "Tengo frío."],
        "es",
    )
    assert "cat" in out[0].lower()
    assert "brother" in out[1].lower() and "hospital" in out[1].lower()
    assert "cold" in out[2].lower()
    assert not any("*" in line for line in out)  # -u: unknown words are not marked


@needs_fr
def test_french_to_english_by_pivot():
    out = apertium_translate(["Le chat noir dort.", "Ma sœur habite à Marseille."], "fr")
    assert "cat" in out[0].lower()
    assert "sister" in out[1].lower()


@needs_es
def test_empty_list():
    assert apertium_translate([], "es") == []


@needs_es
def test_spanish_alignment_with_tricky_lines():
    sentences = batch("es")
    check_alignment(sentences, apertium_translate(sentences, "es"))


@needs_fr
def test_french_alignment_with_tricky_lines():
    sentences = batch("fr")
    check_alignment(sentences, apertium_translate(sentences, "fr"))


@needs_es
def test_batch_equals_one_by_one():
    sentences = ["dijo: «sí»", "x ^ y $ z", "la casa de mi madre", "¿Dónde está la estación?"]
    together = apertium_translate(sentences, "es")
    assert together == [apertium_translate([s], "es")[0] for s in sentences]


@needs_es
def test_lost_alignment_is_an_error(monkeypatch):
    import subprocess

    real_run = subprocess.run

    def dropping_run(*args, **kwargs):
        done = real_run(*args, **kwargs)
        done.stdout = done.stdout.replace(b"\n\n", b"\n", 1)
        return done

    monkeypatch.setattr(subprocess, "run", dropping_run)
    with pytest.raises(ApertiumError, match="alignment"):
        apertium_translate(["Hola.", "Adiós."], "es")
    assert issubclass(ApertiumError, RuntimeError)


def test_missing_apertium_names_the_packages(monkeypatch):
    import multimodal.peers.apertium as ap

    monkeypatch.setattr(ap.shutil, "which", lambda name: None)
    with pytest.raises(ApertiumError, match="apertium-eng-spa"):
        apertium_translate(["Hola."], "es")


@needs_es
def test_speed_is_positive():
    assert apertium_sentences_per_second(["Hola.", "Buenos días."], "es") > 0
