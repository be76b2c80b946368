"""The everyday sentences: 20 per language, each with a clean English reference."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import multimodal.data.translate as translate_data

EVERYDAY = Path(translate_data.__file__).parent / "everyday.tsv"


def read_rows() -> list[tuple[str, str, str]]:
    lines = EVERYDAY.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "lang\tsource\tenglish"
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        assert len(fields) == 3, f"line {number}: {len(fields)} fields"
        rows.append((fields[0], fields[1], fields[2]))
    return rows


def test_twenty_per_language():
    rows = read_rows()
    assert len(rows) == 60
    assert Counter(lang for lang, _, _ in rows) == {"fr": 20, "es": 20, "de": 20}


def test_fields_are_clean():
    for lang, source, english in read_rows():
        for field in (lang, source, english):
            assert field and field == field.strip(), (lang, source, english)
            assert "  " not in field, field
        assert source[-1] in ".?!", source
        assert english[-1] in ".?!", english
        assert english.isascii(), english


def test_no_duplicates():
    rows = read_rows()
    sources = [source for _, source, _ in rows]
    assert len(set(sources)) == len(sources)
    for lang in ("fr", "es", "de"):
        english = [en for code, _, en in rows if code == lang]
        assert len(set(english)) == len(english), lang
