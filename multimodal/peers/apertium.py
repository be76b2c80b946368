"""Apertium, the rule-based translator, as a peer engine for French/Spanish -> English.

Debian packages: `apertium` (the pipeline), `apertium-eng-spa` (mode `spa-eng`) and
`apertium-fr-es` (mode `fr-es`). There is no French -> English pair, so French goes by pivot
fr -> es -> en; there is no German pair at all, so German gives None.

One call runs one `apertium` process per mode over the whole list. Sentences are written one
per line with an empty line between them: in the plain-text format (`-f txt`) Apertium keeps
newlines as blanks, and a blank line is a paragraph break, which it treats as a sentence end.
That keeps the output aligned line for line and makes each sentence's translation the same as
if it were translated on its own (a single newline lets the tagger's context and the
capitalisation of one line leak into the next). Characters Apertium's stream format gives a
meaning to (`^ $ [ ] @ * # / \\ < > { }`) are escaped by the text deformatter, so they pass
through as text. Newlines and other line breaks inside a sentence become spaces, so they
cannot shift the alignment; the output is checked for it all the same.

apertium-fr-es only knows the `oe` spelling of words such as `sœur`, `cœur`, `œuf` (with the
ligature they come out untranslated), so French input has `œ`/`Œ` spelt out first. Outputs
are stripped and runs of spaces (left where a word is dropped) become one space.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import time

APERTIUM_PACKAGES = ("apertium", "apertium-eng-spa", "apertium-fr-es")

# The modes each source language goes through, in order; German has no pair.
MODES: dict[str, tuple[str, ...] | None] = {
    "es": ("spa-eng",),
    "fr": ("fr-es", "spa-eng"),
    "de": None,
}
# English -> source language, for synthetic training sources (data/translate/backtranslate.py).
FROM_ENGLISH = {"es": ("eng-spa",)}

# Everything that could end a line for Apertium or for us, plus NUL (its flush character).
_LINE_BREAKS = re.compile("[\r\n\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_SEPARATOR = "\n\n"
_SPACES = re.compile(" {2,}")  # left where a pipeline drops a word (mostly after the pivot)
# Spellings the analysers do not know, replaced before the first mode, per source language.
_SPELLINGS = {"fr": str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae"})}
_TIMEOUT_S = 600


class ApertiumError(RuntimeError):
    """Apertium is missing, failed, or lost the alignment between input and output."""


def _install_hint() -> str:
    return "install it with: apt-get install -y " + " ".join(APERTIUM_PACKAGES)


@functools.lru_cache(maxsize=1)
def _installed_modes() -> frozenset[str]:
    """The modes `apertium -l` lists; empty when apertium is not installed."""
    if shutil.which("apertium") is None:
        return frozenset()
    try:
        done = subprocess.run(
            ["apertium", "-l"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.strip() for line in done.stdout.splitlines() if line.strip())


def _modes_for(lang: str) -> tuple[str, ...] | None:
    if lang not in MODES:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(MODES)}")
    return MODES[lang]


def apertium_available(lang: str) -> bool:
    """Whether apertium and every mode `lang` needs are installed (False for German)."""
    modes = _modes_for(lang)
    return modes is not None and set(modes) <= _installed_modes()


def from_english_available(lang: str) -> bool:
    """Whether apertium can translate English into `lang` here."""
    return lang in FROM_ENGLISH and set(FROM_ENGLISH[lang]) <= _installed_modes()


def _clean(sentence: str) -> str:
    return _LINE_BREAKS.sub(" ", sentence)


def _run_mode(sentences: list[str], mode: str) -> list[str]:
    """Translate `sentences` (free of line breaks) through one mode in one process."""
    if not sentences:
        return []
    text = "".join(s + _SEPARATOR for s in sentences)
    try:
        done = subprocess.run(
            ["apertium", "-u", "-f", "txt", mode],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError as e:
        raise ApertiumError(f"apertium is not installed; {_install_hint()}") from e
    except subprocess.TimeoutExpired as e:
        raise ApertiumError(
            f"apertium {mode} took more than {_TIMEOUT_S} s on {len(sentences)} sentences"
        ) from e
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ApertiumError(
            f"apertium {mode} failed (exit {done.returncode}): {err[-1] if err else 'no message'}"
        )
    lines = done.stdout.decode("utf-8", "replace").split("\n")
    # n sentences, each followed by "\n\n", come back as 2n + 1 pieces: the translations at
    # even places, empty strings at odd ones, and an empty one after the last newline.
    n = len(sentences)
    if len(lines) != 2 * n + 1 or any(lines[1::2]) or lines[-1]:
        raise ApertiumError(
            f"apertium {mode} lost the line alignment: {n} sentences in, "
            f"{len(lines)} lines out where {2 * n + 1} were expected"
        )
    return [line.strip() for line in lines[0 : 2 * n : 2]]


def apertium_translate(sentences: list[str], lang: str) -> list[str] | None:
    """English translations of `sentences` (one per input, same order), or None for German.

    French goes fr -> es -> en. Raises ApertiumError (a RuntimeError) when apertium or a mode
    is missing, or when the output does not line up with the input.
    """
    modes = _modes_for(lang)
    if modes is None:
        return None
    return _through(sentences, modes, _SPELLINGS.get(lang))


def apertium_from_english(sentences: list[str], lang: str) -> list[str]:
    """`lang` translations of English `sentences`, for back-translation (Spanish only)."""
    if lang not in FROM_ENGLISH:
        raise ValueError(f"apertium has no English -> {lang!r} mode here")
    return _through(sentences, FROM_ENGLISH[lang])


def _through(sentences: list[str], modes: tuple[str, ...], table: dict | None = None
             ) -> list[str]:
    """`sentences` through `modes` in turn, one process per mode."""
    if shutil.which("apertium") is None:
        raise ApertiumError(f"apertium is not installed; {_install_hint()}")
    missing = [m for m in modes if m not in _installed_modes()]
    if missing:
        raise ApertiumError(
            f"apertium mode(s) {', '.join(missing)} not installed; {_install_hint()}"
        )
    out = [s.translate(table) for s in sentences] if table else list(sentences)
    for mode in modes:
        out = _run_mode([_clean(s) for s in out], mode)
    out = [_SPACES.sub(" ", s) for s in out]
    if len(out) != len(sentences):  # _run_mode checks already; this is the promise kept
        raise ApertiumError(f"apertium gave {len(out)} translations for {len(sentences)} inputs")
    return out


def apertium_sentences_per_second(sentences: list[str], lang: str) -> float:
    """Sentences per second of wall time for one batch call (all modes, processes included)."""
    if not sentences:
        raise ValueError("no sentences to time")
    start = time.perf_counter()
    out = apertium_translate(sentences, lang)
    elapsed = time.perf_counter() - start
    if out is None:
        raise ValueError(f"apertium has no pair for {lang!r}")
    return len(sentences) / elapsed
