"""Corpus building rules: cleaning, splits by whole documents, no test sentence in training."""

from multimodal.data.translate.build import deduplicate, remove_overlap, split_by_document
from multimodal.data.translate.clean import clean_pair
from multimodal.data.translate.pairs import Pair, parse_group


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
    assert parse_group("de:stamps:clothes/bluejeans2") == ("de", "phrases")
    assert parse_group("fr:cldr:emoji") == ("fr", "phrases")


def test_phrases_train_only_and_everyday_sentences_stay_out():
    from multimodal.data.translate.build import everyday_pairs

    pairs = [pair(f"phrase {d} {i}", f"sentence {d} {i}", doc=f"stamps:s{d}", domain="phrases")
             for d in range(400) for i in range(3)]
    splits = split_by_document(pairs)
    assert len(splits["train"]) == 1200 and not splits["dev"] and not splits["test"]
    everyday = everyday_pairs()
    assert len(everyday) == 60 and {p.lang for p in everyday} == {"fr", "es", "de"}
    leaked = pair("Il fait très froid ce matin.", "It is very cold this morning.",
                  domain="phrases", doc="stamps:weather")
    assert remove_overlap([leaked, pairs[0]], everyday) == [pairs[0]]


def test_stamp_and_cldr_readers_pair_the_same_item(tmp_path):
    from multimodal.data.translate.phrases import read_cldr_pairs, read_stamp_pairs

    stamp = tmp_path / "stamps" / "clothes" / "jeans.txt"
    stamp.parent.mkdir(parents=True)
    stamp.write_text("A pair of blue jeans.\nde.utf8=Eine blaue Jeans.\nfr.utf8=Un blue jeans."
                     "\nit.utf8=Un paio di jeans.\n", encoding="utf-8")
    got = sorted(read_stamp_pairs(tmp_path / "stamps"), key=lambda p: p.lang)
    assert [(p.lang, p.src, p.en, p.doc) for p in got] == [
        ("de", "Eine blaue Jeans.", "A pair of blue jeans.", "stamps:clothes/jeans"),
        ("fr", "Un blue jeans.", "A pair of blue jeans.", "stamps:clothes/jeans")]

    def locale(lang, emoji, country, tomorrow, short):
        (tmp_path / "cldr" / "annotations").mkdir(parents=True, exist_ok=True)
        (tmp_path / "cldr" / "main").mkdir(parents=True, exist_ok=True)
        (tmp_path / "cldr" / "annotations" / f"{lang}.xml").write_text(
            f'<ldml><annotations><annotation cp="🐴">a | b</annotation>'
            f'<annotation cp="🐴" type="tts">{emoji}</annotation></annotations></ldml>',
            encoding="utf-8")
        (tmp_path / "cldr" / "main" / f"{lang}.xml").write_text(
            f'<ldml><localeDisplayNames><territories><territory type="DE">{country}</territory>'
            f'<territory type="DE" alt="short">x</territory></territories></localeDisplayNames>'
            f'<dates><fields><field type="day"><relative type="1">{tomorrow}</relative></field>'
            f'<field type="wed-short"><relative type="1">{short}</relative></field>'
            f'</fields></dates></ldml>', encoding="utf-8")

    locale("en", "horse face", "Germany", "tomorrow", "next W")
    locale("fr", "tête de cheval", "Allemagne", "demain", "mer. prochain")
    got = {(p.lang, p.src, p.en, p.doc) for p in read_cldr_pairs(tmp_path / "cldr")}
    assert got == {("fr", "tête de cheval", "horse face", "cldr:emoji"),
                   ("fr", "Allemagne", "Germany", "cldr:territories"),
                   ("fr", "demain", "tomorrow", "cldr:relative")}  # no abbreviations


def test_pinned_held_out_sets_are_found_again_in_order_under_their_document(tmp_path):
    from multimodal.data.translate.held_out import pick_held_out, read_held_out, write_held_out

    assert read_held_out(tmp_path / "none.tsv") == {"dev": {}, "test": {}}
    dev = [pair("Ouvrir", "Open", doc="gettext:app-data/app", domain="ui")]
    test = [pair("Un outil.", "A tool.", doc="ddtp:foo"),
            pair("Au commencement.", "In the beginning.", doc="bible:1", domain="bible",
                 lang="es")]
    write_held_out({"dev": dev, "test": test}, tmp_path / "held.tsv")
    pinned = read_held_out(tmp_path / "held.tsv")
    # A later build: other order, other spacing and case, the tool now first seen in
    # another package, and the Bible verse gone from the sources.
    later = [pair("Ouvrir un fichier", "Open a file", doc="gettext:app-data/app", domain="ui"),
             pair("un  outil.", "A TOOL.", doc="ddtp:foo-ng"),
             pair("Ouvrir", "Open", doc="gettext:app-data/app", domain="ui")]
    sets, missing = pick_held_out(later, pinned)
    assert sets == {"dev": dev, "test": [pair("un  outil.", "A TOOL.", doc="ddtp:foo")]}
    assert missing == {"test es:bible:1": 1}
    # Where the pinned document still has its own copy, that copy is the one taken.
    sets, _ = pick_held_out(later + test, pinned)
    assert sets == {"dev": dev, "test": test}


