"""User-interface sentences from the gettext catalogues (.mo files) of Debian packages.

Each package is fetched with `apt-get download` and unpacked with `dpkg-deb -x` under the work
folder (never installed); only its French, Spanish and German catalogues are kept. The .mo
files already installed on this machine are read too. msgid is the English source, msgstr the
translation. A whole gettext domain is one source document, so held-out sets never share a
domain with training.

Only light junk removal happens here; `clean.py` drops format strings, markup and bad length
ratios later."""

from __future__ import annotations

import gettext
import logging
import re
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

from .pairs import LANGUAGES, Pair

log = logging.getLogger(__name__)

# Sentence-rich catalogues: office help tips, game stories and encyclopaedias, long option
# and tool descriptions.
LIBREOFFICE = ("libreoffice-l10n-fr", "libreoffice-l10n-es", "libreoffice-l10n-de")
WESNOTH = ("wesnoth-1.16-data",) + tuple(  # core + the mainline campaigns (their dialogue)
    f"wesnoth-1.16-{c}" for c in ("did", "dm", "dw", "ei", "httt", "l", "low", "nr", "sof",
                                  "sota", "sotbe", "thot", "trow", "tsg", "ttb", "utbs"))
OTHERS = ("freeciv-data", "gimp-data", "vlc-l10n", "gnucash-common", "gramps", "inkscape",
          "blender-data", "gnumeric-common", "krita-l10n", "evolution-common", "digikam-data",
          "kstars-data")
PACKAGES = LIBREOFFICE + WESNOTH + OTHERS

INSTALLED = "installed"  # the pseudo-package for this machine's own catalogues
INSTALLED_ROOT = Path("/usr/share/locale")

LOCALE = re.compile(r"([a-z]{2,3})(?:[_@.].*)?")  # fr, fr_CA, es_419, de_DE.UTF-8, sr@latin

# Keyboard accelerators: LibreOffice ~File, Qt/KDE &File (but not &amp;), GTK _File.
TILDE = re.compile(r"~(?=[^\W_])")
AMPERSAND = re.compile(r"(?<!&)&(?=[^\W_])(?![a-zA-Z]+;)")
UNDERSCORE = re.compile(r"_(?=[^\W_])")
LETTER = re.compile(r"[^\W\d_]")


# -- locales and catalogue files -------------------------------------------------------------

def lang_of_locale(locale: str) -> str | None:
    """fr, fr_FR, fr_CA -> fr (es*, de* likewise); None for other languages (frp is Arpitan)."""
    match = LOCALE.fullmatch(locale)
    return match.group(1) if match and match.group(1) in LANGUAGES else None


def catalog_lang(mo: Path) -> str | None:
    """The language of a `<locale>/LC_MESSAGES/<domain>.mo` file, None if unwanted."""
    if mo.suffix != ".mo" or mo.parent.name != "LC_MESSAGES":
        return None
    return lang_of_locale(mo.parent.parent.name)


def choose_catalogs(root: Path) -> dict[tuple[str, str], Path]:
    """One .mo per (text domain, language) under root. The plain locale (fr) wins over its
    regional variants (fr_CA), which are near copies that would only add duplicates."""
    chosen: dict[tuple[str, str], tuple[tuple, Path]] = {}
    for mo in root.rglob("*.mo"):
        # A symlink is an old name for a catalogue that is also read under its own name.
        if (lang := catalog_lang(mo)) is None or mo.is_symlink():
            continue
        rank = (mo.parent.parent.name != lang, str(mo))
        key = (mo.stem, lang)
        if key not in chosen or rank < chosen[key][0]:
            chosen[key] = (rank, mo)
    return {key: mo for key, (_rank, mo) in sorted(chosen.items())}


# -- reading a catalogue ---------------------------------------------------------------------

def catalog_entries(mo: Path) -> Iterator[tuple[str, str]]:
    """(msgid, msgstr) pairs: no header, no context, plurals as their singular form only."""
    try:
        with open(mo, "rb") as f:
            catalog = gettext.GNUTranslations(f)._catalog
    except (OSError, UnicodeError, LookupError, ValueError, struct.error) as e:
        log.warning("skipping unreadable catalogue %s: %s", mo, e)
        return
    for msgid, msgstr in catalog.items():
        if isinstance(msgid, tuple):  # plural: (msgid, n) -> the n-th form
            msgid, form = msgid
            if form != 0:
                continue
        msgid = msgid.rsplit("\x04", 1)[-1]  # "context\x04msgid"
        if msgid:
            yield msgid, msgstr


def strip_accelerators(text: str) -> str:
    text = AMPERSAND.sub("", TILDE.sub("", text))
    # A GTK mnemonic is a string's only underscore; several mean identifiers like file_name.
    return UNDERSCORE.sub("", text) if text.count("_") == 1 else text


def tidy(text: str) -> str:
    """Accelerators off, newlines (real or escaped) as spaces, single spaces."""
    text = strip_accelerators(text).replace("\\n", " ")
    return " ".join(text.split())


def usable(src: str, en: str) -> bool:
    """Both sides present, translated, and English with at least one letter."""
    return bool(src and en) and src.casefold() != en.casefold() and bool(LETTER.search(en))


def catalog_pairs(mo: Path) -> Iterator[tuple[str, str]]:
    """(translation, English) pairs of one catalogue, tidied, each once."""
    seen = set()
    for msgid, msgstr in catalog_entries(mo):
        src, en = tidy(msgstr), tidy(msgid)
        if usable(src, en) and (src, en) not in seen:
            seen.add((src, en))
            yield src, en


def tree_pairs(root: Path, package: str) -> Iterator[Pair]:
    """Every wanted catalogue under root; the doc is the package's text domain."""
    for (domain, lang), mo in choose_catalogs(root).items():
        doc = f"gettext:{package}/{domain}"
        for src, en in catalog_pairs(mo):
            yield Pair(src, en, lang, "ui", doc)


# -- fetching packages -----------------------------------------------------------------------

def download(package: str, debs: Path) -> Path | None:
    """The package's .deb in debs, downloaded unless already there; None if unavailable."""
    if found := sorted(debs.glob(f"{package}_*.deb")):
        return found[-1]
    debs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=debs) as tmp:  # no half-downloaded .deb in debs
        result = subprocess.run(["apt-get", "download", package], cwd=tmp,
                                capture_output=True, text=True)
        files = sorted(Path(tmp).glob("*.deb"))
        if result.returncode != 0 or not files:
            log.warning("cannot download %s: %s", package, result.stderr.strip()[-300:])
            return None
        return files[0].rename(debs / files[0].name)


def extract_catalogs(deb: Path, tree: Path) -> None:
    """Unpack deb and keep only its French, Spanish and German .mo files, at their paths."""
    tree.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tree.parent) as tmp:
        unpacked, kept = Path(tmp) / "unpacked", Path(tmp) / "kept"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True,
                       capture_output=True)
        kept.mkdir()
        for mo in unpacked.rglob("*.mo"):
            if catalog_lang(mo) and mo.is_file() and not mo.is_symlink():
                target = kept / mo.relative_to(unpacked)
                target.parent.mkdir(parents=True, exist_ok=True)
                mo.rename(target)
        kept.rename(tree)  # the finished tree appears at once: its presence means done


def fetch_package(package: str, work_dir: Path) -> Path | None:
    """The package's kept catalogue tree, fetched unless already there; None if unavailable.
    The .deb is deleted once extracted: the tree is all that is read."""
    tree = work_dir / "trees" / package
    if tree.is_dir():
        return tree
    if (deb := download(package, work_dir / "debs")) is None:
        return None
    try:
        extract_catalogs(deb, tree)
    except (subprocess.CalledProcessError, OSError) as e:
        log.warning("cannot extract %s: %s", deb.name, e)
        deb.unlink(missing_ok=True)  # probably corrupt: download afresh next time
        return None
    deb.unlink()
    return tree


def read_gettext_pairs(work_dir: Path, progress: bool = True) -> Iterator[Pair]:
    """Pairs from every package in PACKAGES (fetched under work_dir/gettext) and from the
    catalogues installed on this machine."""
    root = work_dir / "gettext"
    bar = tqdm(PACKAGES + (INSTALLED,), desc="gettext", unit=" pkg", disable=not progress)
    count = 0
    for package in bar:
        bar.set_postfix(package=package, pairs=count)
        tree = INSTALLED_ROOT if package == INSTALLED else fetch_package(package, root)
        if tree is None:
            continue
        for pair in tree_pairs(tree, package):
            count += 1
            yield pair
