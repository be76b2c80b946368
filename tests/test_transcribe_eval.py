"""Human evaluation sets, the PocketSphinx peer, and the transcription report end to end."""

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import TRANSCRIPTS, write_sounds

import multimodal
from multimodal.bundle import CARD_NAME, CONFIG_NAME
from multimodal.data.speech_eval_sets import (
    asterisk_available,
    pocketsphinx_testdata_available,
    read_asterisk,
    read_pocketsphinx_testdata,
    spoken_text,
)
from multimodal.metrics import wer
from multimodal.peers.pocketsphinx import pocketsphinx_available, pocketsphinx_transcribe
from multimodal.transcribe_eval import run, spread, transcription_table

needs_asterisk = pytest.mark.skipif(not asterisk_available(), reason="Asterisk prompts absent")
needs_testdata = pytest.mark.skipif(not pocketsphinx_testdata_available(),
                                    reason="pocketsphinx-testdata absent")
needs_pocketsphinx = pytest.mark.skipif(not pocketsphinx_available(),
                                        reason="pocketsphinx absent")


def test_transcripts_become_the_words_spoken():
    said = spoken_text("Press 1 for [beep] help, # to exit.")
    assert said == "Press one for help, pound to exit."
    assert spoken_text("3D audio (note: loud)") == "three D audio"
    assert spoken_text("exclaimation-point [!]") == "exclamation-point"
    assert spoken_text("[sound of monkeys screaming]") == ""
    assert spoken_text("dial 1234 or 28.8") == "dial 1234 or 28.8"  # left for the reader to skip


def test_spread_takes_items_across_the_list():
    assert spread(list(range(10)), 3) == [0, 3, 6]
    assert spread([1, 2], 5) == [1, 2] and spread([1, 2], None) == [1, 2]


@needs_asterisk
def test_asterisk_prompts_by_subset():
    found = read_asterisk()
    by_key = {e.source.rsplit("/", 2)[-2] + "/" + e.source.rsplit("/", 1)[-1]: e
              for e in found.examples}
    groups = {e.group for e in found.examples}
    assert groups == {"digits", "letters", "phonetic", "sentences"}
    assert 540 <= len(found.examples) <= 570
    assert by_key["digits/0.wav"].target == "zero"
    assert by_key["phonetic/a_p.wav"].target == "alpha"
    assert by_key["letters/at.wav"].target == "at"  # "at [@]": the note is not spoken
    assert not any(ch.isdigit() for e in found.examples for ch in e.target)
    skipped = dict(found.skipped)
    assert "silence/1" in skipped and "beep" in skipped and "demo-instruct" in skipped


@needs_testdata
def test_pocketsphinx_testdata_has_its_ten_utterances():
    examples = read_pocketsphinx_testdata()
    assert len(examples) == 10 and {e.group for e in examples} == {"librivox", "cards"}
    assert "he was not an ill disposed young man" in [e.target for e in examples]


@needs_asterisk
@needs_pocketsphinx
def test_pocketsphinx_hears_an_asterisk_prompt():
    [prompt] = [e for e in read_asterisk().examples
                if e.source.endswith("/cannot-complete-as-dialed.wav")]
    [text] = pocketsphinx_transcribe([prompt.source])  # 5.1.1 gets this one word for word
    assert wer([text], [prompt.target]) < 50, text


def _args(**kw):
    return SimpleNamespace(**{"beam": 2, "batch_size": 8, "limit": 2, "json": False,
                              "card": False, "output": None, "device": "cpu",
                              "no_peer": False, **kw})


def test_report_end_to_end(untrained_bundles, tmp_path, monkeypatch, capsys):
    # A tiny "unseen voice" set in a private cache, next to whatever human sets are installed.
    (tmp_path / "cache" / "speech").mkdir(parents=True)
    wavs = write_sounds(tmp_path)
    (tmp_path / "cache" / "speech" / "test_voice.tsv").write_text(
        "".join(f"{w}\t{t}\n" for w, t in zip(wavs, TRANSCRIPTS, strict=True)))
    monkeypatch.setenv("MULTIMODAL_CACHE", str(tmp_path / "cache"))
    bundle = shutil.copytree(untrained_bundles["transcribe"], tmp_path / "bundle")
    (bundle / CARD_NAME).write_text("# tiny\n\nKept text.\n")
    pipe = multimodal.load(bundle, "cpu")
    assert run(pipe, _args(json=True, card=True, output=str(tmp_path / "hyps.tsv"))) == 0
    report = json.loads(capsys.readouterr().out)
    rows = {r["set"]: r for r in report["rows"]}
    expected = {"unseen voice (synthetic)": 2}
    if asterisk_available():
        expected |= {"Asterisk (all)": 8, "Asterisk: digits": 2, "Asterisk: letters": 2,
                     "Asterisk: phonetic": 2, "Asterisk: sentences": 2}
    if pocketsphinx_testdata_available():
        expected["pocketsphinx-testdata"] = 2
    assert {name: r["items"] for name, r in rows.items()} == expected
    for r in rows.values():
        assert r["wer"] >= 0 and r["cer"] >= 0 and r["audio_minutes"] > 0
        if pocketsphinx_available():
            assert r["pocketsphinx_wer"] is not None and r["pocketsphinx_wer"] >= 0
            margin = r["wer_minus_pocketsphinx"]
            assert margin["value"] == pytest.approx(r["wer"] - r["pocketsphinx_wer"])
            assert margin["low"] <= margin["value"] <= margin["high"]
    card = (bundle / CARD_NAME).read_text()
    assert card.startswith("# bundle: English speech recognition")
    for heading in ("## Data: synthetic speech only", "## Training", "## Held-out scores",
                    "## The app's example recordings", "## Known limits"):
        assert card.count(heading) == 1, heading
    assert "| unseen voice (synthetic) | 2 |" in card
    assert "| `examples/horse.ogg` | A horse. |" in card
    config = json.loads((bundle / CONFIG_NAME).read_text())
    assert "unseen voice (synthetic) WER" in config["metadata"]["metrics"]
    lines = (tmp_path / "hyps.tsv").read_text().splitlines()
    assert len(lines) == 1 + sum(expected[k] for k in expected if not k.startswith("Asterisk:"))


@pytest.mark.parametrize("no_peer, installed, reason", [
    (True, True, "left out of this run (`evaluate --no-peer`)"),
    (False, False, "not installed where this card was written (pip install pocketsphinx")])
def test_ours_alone_when_the_peer_is_left_out_or_missing(
        untrained_bundles, tmp_path, monkeypatch, capsys, no_peer, installed, reason):
    import multimodal.transcribe_eval as transcribe_eval
    from multimodal.data.readers import Example

    wavs = write_sounds(tmp_path)
    monkeypatch.setattr(transcribe_eval, "eval_sets", lambda limit, note: (
        {"tiny": [Example(w, t) for w, t in zip(wavs, TRANSCRIPTS, strict=True)]}, []))
    monkeypatch.setattr(transcribe_eval, "pocketsphinx_available", lambda: installed)
    if no_peer:
        monkeypatch.setattr(transcribe_eval, "_peer", lambda *a: pytest.fail("the peer ran"))
    bundle = shutil.copytree(untrained_bundles["transcribe"], tmp_path / "bundle")
    pipe = multimodal.load(bundle, "cpu")
    assert run(pipe, _args(json=True, no_peer=no_peer, card=True)) == 0
    [row] = json.loads(capsys.readouterr().out)["rows"]
    assert row["items"] == len(TRANSCRIPTS) and row["wer"] >= 0
    assert row["pocketsphinx_wer"] is None and row["wer_minus_pocketsphinx"] is None
    assert f"; {reason}" in (bundle / CARD_NAME).read_text()


def test_peer_runs_once_per_file(tmp_path):
    from multimodal.peers.memo import PeerMemo

    wavs = write_sounds(tmp_path)
    calls = []

    def run(path):
        calls.append(path)
        return f"heard {Path(path).name}"

    memo_file = tmp_path / "memo.jsonl"
    first = PeerMemo("engine-1", memo_file).outputs(wavs, run)
    again = PeerMemo("engine-1", memo_file).outputs(wavs[::-1], run)  # a new process
    assert again == first[::-1] and calls == wavs
    PeerMemo("engine-2", memo_file).outputs(wavs[:1], run)  # another version: a miss
    Path(wavs[1]).write_bytes(Path(wavs[1]).read_bytes() + b"\0\0")  # a changed file: a miss
    PeerMemo("engine-1", memo_file).outputs(wavs, run)
    assert calls[len(wavs):] == [wavs[0], wavs[1]]


def test_an_interrupted_peer_run_keeps_what_it_finished(tmp_path):
    from multimodal.peers.memo import PeerMemo

    wavs = write_sounds(tmp_path)

    def fails_on_third(path):
        if path == wavs[2]:
            raise KeyboardInterrupt
        return "ok"

    with pytest.raises(KeyboardInterrupt):
        PeerMemo("e", tmp_path / "m.jsonl").outputs(wavs, fails_on_third)
    calls = []
    PeerMemo("e", tmp_path / "m.jsonl").outputs(wavs, lambda p: calls.append(p) or "ok")
    assert calls == wavs[2:]


def test_table_without_peer_says_so(untrained_bundles, tmp_path, monkeypatch):
    import multimodal.transcribe_eval as te

    monkeypatch.setattr(te, "pocketsphinx_available", lambda: False)
    wavs = write_sounds(tmp_path)
    from multimodal.data.readers import Example

    pipe = multimodal.load(untrained_bundles["transcribe"], "cpu")
    rows, _ = transcription_table(pipe, {"tiny": [Example(w, t) for w, t in
                                                  zip(wavs, TRANSCRIPTS, strict=True)]}, beam=1)
    assert rows[0]["pocketsphinx_wer"] is None and "| n/a | n/a |" in te.format_table(rows)


def test_the_noisy_set_is_a_bounded_spread(tmp_path, monkeypatch):
    import multimodal.transcribe_eval as te

    speech = tmp_path / "cache" / "speech"
    speech.mkdir(parents=True)
    rows = "".join(f"clip{i}.flac\tword {i}\n" for i in range(500))
    for i in range(500):
        (speech / f"clip{i}.flac").touch()  # the reader only checks that clips exist
    (speech / "test_voice.tsv").write_text(rows)
    (speech / "test_voice_noisy.tsv").write_text(rows)
    monkeypatch.setenv("MULTIMODAL_CACHE", str(tmp_path / "cache"))
    notes = []
    sets, _ = te.eval_sets(note=notes.append)
    assert te.UNSEEN_WORDS not in sets and any("test_names.tsv" in n for n in notes)
    (speech / "test_names.tsv").write_text("".join(rows.splitlines(True)[:30]))
    sets, _ = te.eval_sets(note=lambda _: None)
    assert len(sets[te.UNSEEN_WORDS]) == 30  # words said alone: whole, like the clean voice
    assert len(sets[te.UNSEEN_VOICE]) == 500  # the clean voice is evaluated whole
    noisy = sets[te.UNSEEN_NOISY]
    assert len(noisy) == te.NOISY_CLIPS
    assert noisy[0].target == "word 0" and noisy[-1].target != "word 199"  # spread out
    assert len(te.eval_sets(limit=50, note=lambda _: None)[0][te.UNSEEN_NOISY]) == 50
