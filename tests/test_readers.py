"""Corpus readers: exact examples from each fixture format, format auto-detection, and a
one-line InputError naming the file for each kind of malformed input."""

import json
import shutil
from pathlib import Path

import pytest

from multimodal.data import (
    Example,
    read_coco_captions,
    read_examples,
    read_librispeech,
    read_manifest,
    read_sentence_pairs,
)
from multimodal.data.readers import with_regions
from multimodal.errors import InputError

DATA = Path(__file__).parent / "fixtures" / "data"
AUDIO = DATA / "audio"
HELLO, GOODBYE = str(AUDIO / "alice" / "hello.wav"), str(AUDIO / "bob" / "goodbye.wav")

COCO = [Example(str(DATA / "coco" / "red.png"), "A red square.", "1"),
        Example(str(DATA / "coco" / "red.png"), "A small red tile", "1"),
        Example(str(DATA / "coco" / "blue.png"), "A blue square.", "2"),
        Example(str(DATA / "coco" / "blue.png"), "A small blue tile.", "2")]
MANIFEST_TSV = [Example(HELLO, "hello world", "alice"), Example(GOODBYE, "goodbye for now", "bob")]
MANIFEST_CSV = [Example(HELLO, "hello, world", "alice"), Example(GOODBYE, "goodbye for now", "bob")]
LIBRI = DATA / "librispeech" / "19" / "198"
LIBRISPEECH = [Example(str(LIBRI / "19-198-0000.flac"), "NORTHANGER ABBEY", "19"),
               Example(str(LIBRI / "19-198-0001.flac"), "CHAPTER ONE", "19")]
PAIRS = [Example("Bonjour le monde.", "Hello world.", "greetings"),
         Example("Le chat dort.", "The cat is sleeping.", "animals"),
         Example("« Où est la gare ? »", '"Where is the station?"', "")]


def assert_fails(path, message: str, reader, *args) -> None:
    """The reader raises InputError whose one-line message starts with the file's path."""
    with pytest.raises(InputError) as error:
        reader(*args)
    text = str(error.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text, text


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- each reader ----------------------------------------------------------------------------


def test_coco_captions_resolve_against_the_json_folder():
    assert read_coco_captions(DATA / "coco" / "captions.json") == COCO


def test_coco_captions_resolve_against_image_root(tmp_path):
    json_path = shutil.copy(DATA / "coco" / "captions.json", tmp_path)
    assert read_coco_captions(json_path, image_root=DATA / "coco") == COCO


def test_manifest_tsv_skips_comments_and_blank_lines():
    assert read_manifest(DATA / "manifest.tsv") == MANIFEST_TSV


def test_manifest_csv_has_header_and_quoted_commas():
    assert read_manifest(DATA / "manifest.csv") == MANIFEST_CSV


def test_manifest_absolute_paths_and_bom(tmp_path):
    manifest = tmp_path / "m.tsv"
    manifest.write_text(f"\ufeffaudio\ttext\n{HELLO}\thi\n", encoding="utf-8")
    assert read_manifest(manifest) == [Example(HELLO, "hi", "alice")]


def test_a_jsonl_sidecar_gives_pictures_their_object_boxes(tmp_path):
    red, blue = DATA / "coco" / "red.png", DATA / "coco" / "blue.png"
    manifest = tmp_path / "train.tsv"
    manifest.write_text(f"{red}\tA red square.\n{blue}\tA blue square.\n")
    examples = read_manifest(manifest)
    assert with_regions(examples, manifest) == examples  # no sidecar: nothing changes
    (tmp_path / "train.jsonl").write_text(
        json.dumps({"path": str(red), "boxes": [[0.1, 0.2, 0.5, 0.6]]}) + "\n"
        + json.dumps({"path": str(blue), "kind": "single"}) + "\n")
    boxed = with_regions(examples, manifest)
    assert boxed[0].regions == ((0.1, 0.2, 0.5, 0.6),) and boxed[1].regions == ()
    assert [e.target for e in boxed] == [e.target for e in examples]


def test_librispeech():
    assert read_librispeech(DATA / "librispeech") == LIBRISPEECH


def test_librispeech_accepts_wav(tmp_path):
    chapter = tmp_path / "7" / "11"
    write(chapter / "7-11.trans.txt", "7-11-0000 HELLO THERE\n")
    shutil.copy(HELLO, chapter / "7-11-0000.wav")
    assert read_librispeech(tmp_path) == [
        Example(str(chapter / "7-11-0000.wav"), "HELLO THERE", "7")]


def test_sentence_pairs():
    assert read_sentence_pairs(DATA / "pairs.tsv") == PAIRS


def test_sentence_pairs_drop_a_bom(tmp_path):
    pairs = tmp_path / "p.tsv"
    pairs.write_bytes("Oui.\tYes.\n".encode("utf-8-sig"))
    assert read_sentence_pairs(pairs) == [Example("Oui.", "Yes.")]


# --- dispatch -------------------------------------------------------------------------------


@pytest.mark.parametrize("path, expected", [
    ("coco/captions.json", COCO),
    ("manifest.tsv", MANIFEST_TSV),
    ("manifest.csv", MANIFEST_CSV),
    ("librispeech", LIBRISPEECH),
    ("pairs.tsv", PAIRS),
])
def test_read_examples_detects_the_format(path, expected):
    assert read_examples(DATA / path) == expected


def test_read_examples_with_explicit_format(tmp_path):
    pairs = shutil.copy(DATA / "pairs.tsv", tmp_path / "corpus.dat")  # no telling suffix
    assert read_examples(pairs, fmt="pairs") == PAIRS


def test_txt_manifest_is_detected_by_its_existing_paths(tmp_path):
    manifest = write(tmp_path / "list.txt", f"{HELLO}\thello\n")
    assert read_examples(manifest) == [Example(HELLO, "hello", "alice")]


def test_read_examples_rejects_unknown_format_and_suffix(tmp_path):
    with pytest.raises(InputError, match="unknown data format 'yaml'"):
        read_examples(DATA / "pairs.tsv", fmt="yaml")
    odd = write(tmp_path / "corpus.dat", "a\tb\n")
    with pytest.raises(InputError, match="corpus.dat: cannot tell the data format"):
        read_examples(odd)
    with pytest.raises(InputError, match="no such file"):
        read_examples(tmp_path / "missing.tsv")


# --- malformed input ------------------------------------------------------------------------

IMAGES = [{"id": 1, "file_name": str(DATA / "coco" / "red.png")}]


def coco(tmp_path, data) -> Path:
    return write(tmp_path / "captions.json", data if isinstance(data, str) else json.dumps(data))


COCO_CASES = {
    "not json": ('{"images": [\n', "line 2: not valid JSON"),
    "no annotations": ({"images": IMAGES}, 'no "annotations" list'),
    "image without file_name": ({"images": [{"id": 1}], "annotations": []},
                                'images[0]: each entry needs the keys "id", "file_name"'),
    "caption without text": ({"images": IMAGES, "annotations": [{"image_id": 1}]},
                             'annotations[0]: each entry needs the keys "image_id", "caption"'),
    "unknown image id": ({"images": IMAGES, "annotations": [{"image_id": 2, "caption": "x"}]},
                         "annotations[0]: image_id 2 is not in the images list"),
    "missing image": ({"images": [{"id": 1, "file_name": "nope.png"}],
                       "annotations": [{"image_id": 1, "caption": "x"}]},
                      "annotations[0]: image file not found"),
    "empty caption": ({"images": IMAGES, "annotations": [{"image_id": 1, "caption": " "}]},
                      "annotations[0]: empty caption"),
    "no captions": ({"images": IMAGES, "annotations": []}, "no captions found"),
}


@pytest.mark.parametrize("case", COCO_CASES)
def test_malformed_coco(tmp_path, case):
    data, message = COCO_CASES[case]
    path = coco(tmp_path, data)
    assert_fails(path, message, read_coco_captions, path)


MANIFEST_CASES = {
    "missing tab": ("m.tsv", f"path\ttext\n{HELLO} hello\n", "line 2: expected path<TAB>text"),
    "missing comma": ("m.csv", f"{HELLO}\n", "line 1: expected path,text"),
    "missing file": ("m.tsv", "# c\nnope.wav\thello\n", "line 2: file not found"),
    "empty text": ("m.tsv", f"{HELLO}\t \n", "line 1: empty text"),
    "header only": ("m.csv", "file,text\n", "no manifest entries found"),
    "not utf-8": ("m.tsv", None, "line 2: not UTF-8 text"),
}


@pytest.mark.parametrize("case", MANIFEST_CASES)
def test_malformed_manifest(tmp_path, case):
    name, text, message = MANIFEST_CASES[case]
    path = tmp_path / name
    if text is None:
        path.write_bytes(f"{HELLO}\thello\n{GOODBYE}\tcaf\xe9\n".encode("latin-1"))
    else:
        write(path, text)
    assert_fails(path, message, read_manifest, path)


LIBRISPEECH_CASES = {
    "no words": ("19-198-0000\n", "line 1: expected 'UTTID WORDS...'"),
    "missing audio": ("19-198-0000 HI\n19-198-0009 GONE\n", "line 2: no 19-198-0009.flac"),
}


@pytest.mark.parametrize("case", LIBRISPEECH_CASES)
def test_malformed_librispeech(tmp_path, case):
    text, message = LIBRISPEECH_CASES[case]
    shutil.copy(LIBRI / "19-198-0000.flac", write(tmp_path / "19/198/19-198.trans.txt", text)
                .parent)
    with pytest.raises(InputError, match="19-198.trans.txt: ") as error:
        read_librispeech(tmp_path)
    assert message in str(error.value)


def test_librispeech_without_transcripts(tmp_path):
    with pytest.raises(InputError, match=f"^{tmp_path}: no LibriSpeech transcripts"):
        read_librispeech(tmp_path)
    with pytest.raises(InputError, match="not a folder"):
        read_librispeech(tmp_path / "missing")


PAIRS_CASES = {
    "missing tab": ("Bonjour.\tHello.\nMerci. Thanks.\n", "line 2: expected source<TAB>target"),
    "too many fields": ("a\tb\tc\td\n", "line 1: expected source<TAB>target[<TAB>group]"),
    "empty target": ("Bonjour.\t \n", "line 1: empty target sentence"),
    "only comments": ("# nothing\n\n", "no sentence pairs found"),
}


@pytest.mark.parametrize("case", PAIRS_CASES)
def test_malformed_sentence_pairs(tmp_path, case):
    text, message = PAIRS_CASES[case]
    path = write(tmp_path / "pairs.tsv", text)
    assert_fails(path, message, read_sentence_pairs, path)
