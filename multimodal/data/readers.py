"""Readers for the corpus formats people already have -> a flat list of `Example`s.

Every reader fails with a one-line `InputError` naming the file (and line or entry) at fault,
so a broken corpus is found before training starts rather than hours into it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import InputError

HEADER_FIELDS = {"path", "file", "filename", "audio", "image"}
FORMATS = ("auto", "coco", "manifest", "librispeech", "pairs")


@dataclass(frozen=True)
class Example:
    source: str  # an absolute file path (image/audio) or a source sentence (translate)
    target: str  # the text to produce (caption / transcript / English translation)
    group: str = ""  # the source document it came from, so held-out splits can be made by source
    regions: tuple = ()  # an image's boxes (x0, y0, x1, y1 in [0, 1]) of what the text names


# --- shared helpers -------------------------------------------------------------------------


def _clean(text: str) -> str:
    return " ".join(text.split())


def _abspath(base: Path, name: str) -> Path:
    # abspath, not resolve(): keep the user's symlinked layout in the paths we hand back.
    return Path(os.path.abspath(base / name))


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a long sentence probed as a file name: ENAMETOOLONG
        return False


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    try:
        return data.decode("utf-8-sig")  # -sig: drop the BOM that Windows editors add
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(f"{path}: line {line}: not UTF-8 text") from None


def _rows(path: Path, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each row, skipping blank and '#' comment lines."""
    # CSV honours quotes (commas inside text); TSV takes quotes literally, as in most corpora.
    quoting = csv.QUOTE_MINIMAL if delimiter == "," else csv.QUOTE_NONE
    text = io.StringIO(_read_text(path), newline="")
    reader = csv.reader(text, delimiter=delimiter, quoting=quoting, strict=True)
    try:
        for row in reader:
            if any(f.strip() for f in row) and not row[0].lstrip().startswith("#"):
                yield reader.line_num, row
    except csv.Error as e:
        raise InputError(f"{path}: line {reader.line_num}: {e}") from None


def _check_fields(row: list[str], counts: tuple[int, ...], layout: str, where: str) -> None:
    if len(row) not in counts:
        raise InputError(f"{where}: expected {layout}, found {len(row)} field(s)")


def _nonempty(examples: list[Example], path: Path, what: str) -> list[Example]:
    if not examples:
        raise InputError(f"{path}: no {what} found")
    return examples


# --- COCO captions --------------------------------------------------------------------------


def _entries(data, key: str, fields: tuple[str, ...], path: Path) -> Iterator[list]:
    """The values of `fields` in each entry of the top-level list `key`."""
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise InputError(f'{path}: no "{key}" list; not a COCO captions file')
    for i, entry in enumerate(data[key]):
        if not isinstance(entry, dict) or any(f not in entry for f in fields):
            need = ", ".join(f'"{f}"' for f in fields)
            raise InputError(f"{path}: {key}[{i}]: each entry needs the keys {need}")
        yield [i] + [entry[f] for f in fields]


def read_coco_captions(json_path, image_root=None) -> list[Example]:
    """One Example per caption of a COCO captions JSON; group = the image id."""
    path = Path(json_path)
    root = Path(image_root) if image_root is not None else path.parent
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: line {e.lineno}: not valid JSON ({e.msg})") from None
    images = {image_id: name for _, image_id, name in
              _entries(data, "images", ("id", "file_name"), path)}
    examples = []
    for i, image_id, caption in _entries(data, "annotations", ("image_id", "caption"), path):
        where = f"{path}: annotations[{i}]"
        if image_id not in images:
            raise InputError(f"{where}: image_id {image_id!r} is not in the images list")
        text = _clean(caption) if isinstance(caption, str) else ""
        if not text:
            raise InputError(f"{where}: empty caption")
        image = _abspath(root, str(images[image_id]))
        if not _is_file(image):
            raise InputError(f"{where}: image file not found: {image}")
        examples.append(Example(str(image), text, str(image_id)))
    return _nonempty(examples, path, "captions")


# --- manifests ------------------------------------------------------------------------------


def _manifest_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Rows of a CSV (by suffix) or TSV manifest, without its optional header row."""
    rows = _rows(path, "," if path.suffix.lower() == ".csv" else "\t")
    for i, (n, row) in enumerate(rows):
        if i == 0 and row[0].strip().lower() in HEADER_FIELDS:
            continue
        yield n, row


def read_manifest(path) -> list[Example]:
    """`path<TAB>text` (or `path,text` in a .csv) rows; group = the file's parent folder."""
    path = Path(path)
    layout = "path,text" if path.suffix.lower() == ".csv" else "path<TAB>text"
    examples = []
    for n, row in _manifest_rows(path):
        where = f"{path}: line {n}"
        _check_fields(row, (2,), layout, where)
        file, text = _abspath(path.parent, row[0].strip()), _clean(row[1])
        if not text:
            raise InputError(f"{where}: empty text")
        if not _is_file(file):
            raise InputError(f"{where}: file not found: {file}")
        examples.append(Example(str(file), text, file.parent.name))
    return _nonempty(examples, path, "manifest entries")


def with_regions(examples: list[Example], manifest) -> list[Example]:
    """Where a manifest has a `.jsonl` beside it whose rows give each picture's object
    `boxes` (the caption corpus does), the examples get them as their regions."""
    sidecar = Path(manifest).with_suffix(".jsonl")
    if Path(manifest).suffix.lower() not in (".tsv", ".csv") or not sidecar.exists():
        return examples
    boxes = {}
    for line in _read_text(sidecar).splitlines():
        row = json.loads(line) if line.strip() else {}
        if row.get("path") and row.get("boxes"):
            boxes[str(_abspath(sidecar.parent, row["path"]))] = tuple(
                tuple(float(v) for v in box) for box in row["boxes"])
    return [replace(e, regions=boxes.get(e.source, ())) for e in examples]


# --- LibriSpeech ----------------------------------------------------------------------------


def _read_transcripts(trans: Path) -> list[Example]:
    """The utterances of one SPEAKER/CHAPTER/SPEAKER-CHAPTER.trans.txt."""
    folder, speaker = trans.parent, trans.parent.parent.name
    examples = []
    for n, line in enumerate(_read_text(trans).splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2:
            raise InputError(f"{trans}: line {n}: expected 'UTTID WORDS...'")
        utt, words = parts
        audio = next((p for p in (folder / f"{utt}.flac", folder / f"{utt}.wav") if _is_file(p)),
                     None)
        if audio is None:
            raise InputError(f"{trans}: line {n}: no {utt}.flac or {utt}.wav in {folder}")
        examples.append(Example(os.path.abspath(audio), words.strip(), speaker))
    return examples


def read_librispeech(root) -> list[Example]:
    """Every utterance under a LibriSpeech-style folder; group = the speaker id."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    examples = []
    # rglob: accept both a split folder (train-clean-100/) and the LibriSpeech/ above it.
    for trans in sorted(root.rglob("*.trans.txt")):
        examples += _read_transcripts(trans)
    return _nonempty(examples, root, "LibriSpeech transcripts (SPEAKER/CHAPTER/*.trans.txt)")


# --- sentence pairs -------------------------------------------------------------------------


def read_sentence_pairs(path) -> list[Example]:
    """`source<TAB>target[<TAB>group]` rows: a foreign sentence and its English translation."""
    path = Path(path)
    examples = []
    for n, row in _rows(path, "\t"):
        where = f"{path}: line {n}"
        _check_fields(row, (2, 3), "source<TAB>target[<TAB>group]", where)
        source, target = _clean(row[0]), _clean(row[1])
        if not source or not target:
            raise InputError(f"{where}: empty {'source' if not source else 'target'} sentence")
        examples.append(Example(source, target, _clean(row[2]) if len(row) == 3 else ""))
    return _nonempty(examples, path, "sentence pairs")


# --- dispatch -------------------------------------------------------------------------------

READERS = {"coco": read_coco_captions, "manifest": read_manifest,
           "librispeech": read_librispeech, "pairs": read_sentence_pairs}


def _sniff_table(path: Path) -> str:
    """A table whose first data field names an existing file is a manifest, else pairs."""
    for _, row in _rows(path, "," if path.suffix.lower() == ".csv" else "\t"):
        first = row[0].strip()
        manifest = first.lower() in HEADER_FIELDS or _is_file(_abspath(path.parent, first))
        return "manifest" if manifest else "pairs"
    return "pairs"  # nothing in it: let the pairs reader say so


def _detect_format(path: Path) -> str:
    if path.is_dir():
        return "librispeech"
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "coco"
    if suffix in (".tsv", ".csv", ".txt"):
        return _sniff_table(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    raise InputError(f"{path}: cannot tell the data format from the name; "
                     f"pass a format ({', '.join(READERS)})")


def read_examples(path, fmt="auto") -> list[Example]:
    """Read any supported corpus; fmt is one of FORMATS ("auto" guesses from the path)."""
    path = Path(path)
    if fmt not in FORMATS:
        raise InputError(f"unknown data format {fmt!r}; use one of {', '.join(FORMATS)}")
    return READERS[_detect_format(path) if fmt == "auto" else fmt](path)
