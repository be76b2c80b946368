"""The gettext source reader, on tiny .mo files written here (no network, no apt)."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from multimodal.data.translate import gettext_catalogs as gc
from multimodal.data.translate.pairs import Pair

HEADER = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n > 1);\n"
FRENCH = {
    "": HEADER,
    "Open the file": "Ouvrir le fichier",
    "menu\x04_Save": "_Enregistrer",  # context + GTK mnemonic
    "%d file\x00%d files": "%d fichier\x00%d fichiers",  # plural
    "STR_CLOSE\x04~Close the document": "~Fermer le document",  # LibreOffice
    "&Quit": "&Quitter",  # Qt
    "Tom &amp; Jerry": "Tom &amp; Jerry en français",  # an entity is not an accelerator
    "Line one\nline  two": "Ligne un\\nligne deux",
    "OK": "OK",  # untranslated
    "Missing": "",  # no translation
    "42": "quarante-deux",  # no English letter
}


def write_mo(path: Path, entries: dict[str, str]) -> Path:
    """A GNU .mo file: header, sorted key and value tables, then the NUL-ended strings."""
    keys = sorted(entries)
    ids = [k.encode() for k in keys]
    strs = [entries[k].encode() for k in keys]
    n = len(keys)
    data_start = 28 + 16 * n
    blob, id_table, str_table = b"", [], []
    for table, items in ((id_table, ids), (str_table, strs)):
        for s in items:
            table.append((len(s), data_start + len(blob)))
            blob += s + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, n, 28, 28 + 8 * n, 0, data_start)
    tables = b"".join(struct.pack("<2I", *entry) for entry in id_table + str_table)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + tables + blob)
    return path


def test_catalog_entries_skip_header_context_and_plural_forms(tmp_path):
    mo = write_mo(tmp_path / "fr" / "LC_MESSAGES" / "demo.mo", FRENCH)
    entries = dict(gc.catalog_entries(mo))
    assert "" not in entries
    assert entries["_Save"] == "_Enregistrer"
    assert entries["%d file"] == "%d fichier"
    assert "%d files" not in entries and "%d fichiers" not in entries.values()


def test_catalog_pairs_tidy_and_drop_junk(tmp_path):
    mo = write_mo(tmp_path / "fr" / "LC_MESSAGES" / "demo.mo", FRENCH)
    assert sorted(gc.catalog_pairs(mo)) == sorted([
        ("Ouvrir le fichier", "Open the file"),
        ("Enregistrer", "Save"),
        ("%d fichier", "%d file"),
        ("Fermer le document", "Close the document"),
        ("Quitter", "Quit"),
        ("Tom &amp; Jerry en français", "Tom &amp; Jerry"),
        ("Ligne un ligne deux", "Line one line two"),
    ])


@pytest.mark.parametrize("text, want", [
    ("_File", "File"), ("Collec_t at end", "Collect at end"), ("~Close", "Close"),
    ("Save &As", "Save As"), ("R&&D", "R&&D"), ("file_name and other_name", "file_name and "
                                                "other_name"), ("a ~ b", "a ~ b"),
])
def test_strip_accelerators(text, want):
    assert gc.strip_accelerators(text) == want


@pytest.mark.parametrize("locale, lang", [
    ("fr", "fr"), ("fr_FR", "fr"), ("fr_CA", "fr"), ("fr_FR.UTF-8", "fr"), ("es", "es"),
    ("es_419", "es"), ("es_MX", "es"), ("de", "de"), ("de_CH", "de"), ("de@hebrew", "de"),
    ("frp", None), ("it", None), ("en_GB", None), ("french", None), ("LC_MESSAGES", None),
])
def test_lang_of_locale(locale, lang):
    assert gc.lang_of_locale(locale) == lang


def make_tree(root: Path) -> Path:
    """fr and fr_CA (fr wins), es_MX only; Italian, a stray .mo and a symlink are ignored."""
    write_mo(root / "usr/share/locale/fr/LC_MESSAGES/app.mo", {"": HEADER, "Yes": "Oui"})
    write_mo(root / "usr/share/locale/fr_CA/LC_MESSAGES/app.mo", {"": HEADER, "Yes": "Ouais"})
    write_mo(root / "usr/share/locale/es_MX/LC_MESSAGES/app.mo", {"": HEADER, "Yes": "Sí"})
    write_mo(root / "usr/share/locale/it/LC_MESSAGES/app.mo", {"": HEADER, "Yes": "Sì"})
    write_mo(root / "usr/share/app/fr.mo", {"": HEADER, "No": "Non"})
    (root / "usr/share/locale/fr/LC_MESSAGES/old-app.mo").symlink_to("app.mo")
    return root


def test_tree_pairs_one_catalogue_per_domain_and_language(tmp_path):
    pairs = list(gc.tree_pairs(make_tree(tmp_path), "app-data"))
    assert sorted(pairs, key=lambda p: p.lang) == [
        Pair("Sí", "Yes", "es", "ui", "gettext:app-data/app"),
        Pair("Oui", "Yes", "fr", "ui", "gettext:app-data/app"),
    ]


def test_read_gettext_pairs_reuses_trees_and_skips_missing_packages(tmp_path, monkeypatch):
    make_tree(tmp_path / "gettext" / "trees" / "have")  # fetched earlier
    installed = tmp_path / "locale"
    write_mo(installed / "de" / "LC_MESSAGES" / "tool.mo", {"": HEADER, "Yes": "Ja"})
    monkeypatch.setattr(gc, "PACKAGES", ("have", "gone"))
    monkeypatch.setattr(gc, "INSTALLED_ROOT", installed)
    calls = []

    def apt(cmd, **kwargs):  # every package but "gone" is already fetched
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 100, "", "E: Unable to locate package gone")

    monkeypatch.setattr(gc.subprocess, "run", apt)
    pairs = list(gc.read_gettext_pairs(tmp_path, progress=False))
    assert calls == [["apt-get", "download", "gone"]]
    assert {(p.src, p.lang, p.doc) for p in pairs} == {
        ("Oui", "fr", "gettext:have/app"), ("Sí", "es", "gettext:have/app"),
        ("Ja", "de", "gettext:installed/tool")}


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")
def test_extract_keeps_only_wanted_catalogues(tmp_path):
    package = make_tree(tmp_path / "pkg")
    (package / "usr/share/doc").mkdir(parents=True)
    (package / "usr/share/doc/README").write_text("not a catalogue")
    (package / "DEBIAN").mkdir()
    (package / "DEBIAN/control").write_text(
        "Package: demo\nVersion: 1\nArchitecture: all\nMaintainer: x <x@example.org>\n"
        "Description: demo\n")
    deb = tmp_path / "debs" / "demo_1_all.deb"
    deb.parent.mkdir()
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(package), str(deb)],
                   check=True, capture_output=True)
    tree = gc.fetch_package("demo", tmp_path)
    assert tree == tmp_path / "trees" / "demo" and not deb.exists()
    kept = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file())
    assert kept == ["usr/share/locale/es_MX/LC_MESSAGES/app.mo",
                    "usr/share/locale/fr/LC_MESSAGES/app.mo",
                    "usr/share/locale/fr_CA/LC_MESSAGES/app.mo"]
    assert gc.fetch_package("demo", tmp_path) == tree  # second call: nothing to do
