"""The translation table: per language and domain, ours next to Apertium and the copy floor."""

import pytest
from helpers import ENGLISH, FRENCH

import multimodal
from multimodal.data.readers import Example
from multimodal.peers.apertium import apertium_available
from multimodal.translate_eval import format_table, translation_table


def test_table_per_language_and_domain(text_bundle):
    pipe = multimodal.load(text_bundle, "cpu")
    examples = [Example(f, e, "fr:ddtp:pkg") for f, e in zip(FRENCH, ENGLISH, strict=True)]
    examples += [Example(f, e, "fr:bible:40") for f, e in zip(FRENCH, ENGLISH, strict=True)]
    rows = translation_table(pipe, examples, beam=2)
    assert [(r["lang"], r["domain"], r["sentences"]) for r in rows] == [
        ("fr", "bible", 5), ("fr", "descriptions", 5)]
    for r in rows:
        assert r["bleu"] == pytest.approx(100.0) and r["chrf"] == pytest.approx(100.0)
        assert r["copy_bleu"] < 20  # copying French is far from English
        if apertium_available("fr"):
            assert 0 <= r["apertium_bleu"] <= 100 + 1e-6
            lead = r["bleu_minus_apertium"]  # ours is perfect here: a lead, never behind
            assert lead["value"] == pytest.approx(r["bleu"] - r["apertium_bleu"])
            assert 0 <= lead["low"] <= lead["value"] <= lead["high"]
        else:
            assert r["apertium_bleu"] is None and r["bleu_minus_apertium"] is None
    table = format_table(rows)
    assert table.count("\n") == 3 and "| fr | bible | 5 | 100.0 |" in table


def test_limit_spreads_over_each_row(text_bundle):
    pipe = multimodal.load(text_bundle, "cpu")
    examples = [Example(f, e, "fr:ddtp:pkg") for f, e in zip(FRENCH, ENGLISH, strict=True)]
    [row] = translation_table(pipe, examples, beam=1, limit=2)
    assert row["sentences"] == 2


def test_everyday_sentences_are_scored_per_language_next_to_apertium():
    from multimodal.translate_card import everyday_scores

    rows = [{"lang": "fr", "english": e, "ours": e, "apertium": "It rains."} for e in ENGLISH]
    rows += [{"lang": "de", "english": "It is cold.", "ours": "The file.", "apertium": None}]
    table = everyday_scores(rows)
    fr = next(line for line in table.splitlines() if line.startswith("| fr |"))
    assert fr.startswith("| fr | 5 | 100.0 | 100.0 |") and not fr.endswith("| n/a | n/a |")
    assert "| de | 1 | 0.0 |" in table and table.endswith("| n/a | n/a |")
    assert "| es |" not in table  # no Spanish sentences, no row


def test_a_file_in_the_corpus_format_is_scored_per_language_and_domain(text_bundle, tmp_path,
                                                                       capsys):
    from multimodal.cli import main

    dev = tmp_path / "dev.tsv"
    dev.write_text("".join(f"{f}\t{e}\tfr:ddtp:pkg{i}\n"
                           for i, (f, e) in enumerate(zip(FRENCH, ENGLISH, strict=True))))
    assert main(["evaluate", "--task", "translate", "--weights", str(text_bundle),
                 "--test", str(dev), "--beam", "2"]) == 0
    assert "| fr | descriptions | 5 | 100.0 |" in capsys.readouterr().out
    # Its dev set must never end up in the model card as test scores.
    assert main(["evaluate", "--task", "translate", "--weights", str(text_bundle),
                 "--test", str(dev), "--card"]) == 1
    assert "leave out --test" in capsys.readouterr().err
    plain = tmp_path / "plain.tsv"  # no groups: one overall score, as for any pairs file
    plain.write_text("".join(f"{f}\t{e}\n" for f, e in zip(FRENCH, ENGLISH, strict=True)))
    assert main(["evaluate", "--task", "translate", "--weights", str(text_bundle),
                 "--test", str(plain)]) == 0
    assert "BLEU 100.00" in capsys.readouterr().out
