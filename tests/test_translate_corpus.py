"""Corpus building rules: cleaning, splits by whole documents, no test sentence in training."""

from multimodal.data.translate.build import (
    deduplicate,
    parse_group,
    remove_overlap,
    split_by_document,
)
from multimodal.data.translate.clean import clean_pair
from multimodal.data.translate.pairs import Pair


def pair(src, en, doc="ddtp:x", lang="fr", domain="descriptions"):
    return Pair(src, en, lang, domain, doc)


def test_cleaning_rules():
    assert clean_pair(pair("  Le  chat\u00a0dort. ", "The cat sleeps.")) == pair(
        "Le chat dort.", "The cat sleeps.")
    for src, en in [("Ouvrir %s", "Open %s"), ("Fichier {0}", "File {0}"),
                    ("Bonjour $USER", "Hello $USER"), ("<b>Gras</b>", "<b>Bold</b>"),
                    ("Une phrase vraiment beaucoup trop longue", "Short"),  # ratio > 2.5
                    ("Linux", "Linux"), ("", "Empty"), ("123", "123 !"),
                    ("# Couleur du fond", "# Background colour")]:  # read as a comment
        assert clean_pair(pair(src, en)) is None, src


def test_split_keeps_documents_whole_and_tests_out_of_training():
    pairs = [pair(f"phrase {d} {i}", f"sentence {d} {i}", doc=f"ddtp:pkg{d}")
             for d in range(400) for i in range(5)]
    pairs.append(pair("phrase 0 0", "a different translation", doc="ddtp:other"))
    splits = split_by_document(deduplicate(pairs))
    docs = {name: {p.doc for p in items} for name, items in splits.items()}
    assert not docs["test"] & docs["train"] and not docs["dev"] & docs["train"]
    assert not docs["test"] & docs["dev"]
    assert 500 <= len(splits["test"]) < 510 and 300 <= len(splits["dev"]) < 310
    assert split_by_document(pairs) == splits  # repeatable
    train = remove_overlap(splits["train"], splits["test"] + splits["dev"])
    held = {p.src for p in splits["test"] + splits["dev"]} | {
        p.en for p in splits["test"] + splits["dev"]}
    assert not any(p.src in held or p.en in held for p in train)


def test_group_names_carry_language_and_domain():
    assert parse_group("fr:ddtp:apt") == ("fr", "descriptions")
    assert parse_group("es:bible:40") == ("es", "bible")
    assert parse_group("de:gettext:freeciv-data/freeciv-core") == ("de", "ui")
