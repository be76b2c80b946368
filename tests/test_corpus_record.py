"""A speech bundle's card describes the corpus it trained on, not whatever the cache holds."""

import json

from multimodal import transcribe_card
from multimodal.recipe import corpus_counts

COUNTS = {"split": {"train": {"clips": 25840, "hours": 19.95}},
          "engine": {"train/flite": {"clips": 9000, "hours": 5.6},
                     "dev/flite": {"clips": 100, "hours": 0.1}},
          "voice": {"train/flite-slt": {"clips": 9000, "hours": 5.6}},
          "held_out_voice": "flite-awb"}


def test_training_keeps_the_split_and_engine_counts_beside_its_manifest(tmp_path):
    (tmp_path / "counts.json").write_text(json.dumps(COUNTS))
    kept = corpus_counts(str(tmp_path / "train.tsv"))
    assert kept == {"split": COUNTS["split"], "engine": COUNTS["engine"]}
    assert corpus_counts(str(tmp_path / "elsewhere" / "train.tsv")) == {}
    (tmp_path / "counts.json").write_text("{not json")
    assert corpus_counts(str(tmp_path / "train.tsv")) == {}
    (tmp_path / "counts.json").write_text(json.dumps({"objects": {}}))  # caption's kind
    assert corpus_counts(str(tmp_path / "train.tsv")) == {}


def test_card_prefers_the_bundles_record_to_a_smaller_cache_build(tmp_path, monkeypatch):
    (tmp_path / "speech").mkdir()
    small = {"split": {"train": {"clips": 135, "hours": 0.1}}, "engine": {}}
    (tmp_path / "speech" / "counts.json").write_text(json.dumps(small))
    monkeypatch.setattr(transcribe_card, "cache_dir", lambda: tmp_path)
    lines = "\n".join(transcribe_card._corpus({"metadata": {"corpus": COUNTS}}))
    assert "| train | 25,840 | 19.95 |" in lines and "flite 5.6 h (100%)" in lines
    assert "| train | 135 | 0.10 |" in "\n".join(transcribe_card._corpus({}))
    (tmp_path / "speech" / "counts.json").unlink()
    assert transcribe_card._corpus({}) == ["(corpus counts not available)"]
