"""The speech corpus builder: text normalisation, evaluation exclusion, held-out splits,
the plan, and a tiny real synthesis with the fast engines (skipped where not installed)."""

from __future__ import annotations

import random
import shutil

import numpy as np
import pytest
import soundfile as sf

from multimodal.data.readers import read_manifest
from multimodal.data.speech import build as speech_build
from multimodal.data.speech import voices as engines
from multimodal.data.speech.augment import coloured_noise
from multimodal.data.speech.generated import ALONE_WORDS, GENERATORS
from multimodal.data.speech.normalize import Text, normalize
from multimodal.data.speech.numbers import cardinal, digits, ordinal, year
from multimodal.data.speech.plan import held_out_plan, isolated_word_plan, training_plan
from multimodal.data.speech.texts import (
    collect,
    corpus_texts,
    evaluation_keys,
    everyday_words,
    split_of,
    word_split,
)
from multimodal.errors import MultimodalError

FLITE = [engines.VOICE_BY_NAME["flite-slt"], engines.VOICE_BY_NAME["flite-awb"]]
needs_flite = pytest.mark.skipif(not (shutil.which("flite") and shutil.which("sox")),
                                 reason="flite and sox are not installed")


def _corpus(n: int = 60) -> dict[str, list[Text]]:
    words = "red green blue small large happy old new quiet bright".split()
    things = "cat dog house tree car boat bird lamp chair apple".split()
    rng = random.Random(0)
    texts = {normalize(f"A {rng.choice(words)} {rng.choice(things)} near the "
                       f"{rng.choice(words)} {rng.choice(things)}.", "stamps") for _ in range(n)}
    return {"stamps": sorted((t for t in texts if t is not None), key=lambda t: t.spoken)}


def test_numbers_read_as_words():
    assert cardinal(342) == "three hundred forty two"
    assert cardinal(2_000_017) == "two million seventeen"
    assert cardinal(105, with_and=True) == "one hundred and five"
    assert ordinal(23) == "twenty third" and ordinal(40) == "fortieth"
    assert year(1984) == "nineteen eighty four" and year(2005) == "two thousand five"
    assert digits("0815", zero="oh") == "oh eight one five"


def test_normalize_keeps_what_is_said_and_drops_what_engines_mangle():
    text = normalize("In 1984 we didn't see 12 well-known birds.")
    assert text.transcript == "in nineteen eighty four we didn't see twelve well known birds"
    assert text.spoken.startswith("In nineteen eighty four") and text.spoken.endswith(".")
    for bad in ("Install the KDE panel.", "Costs $5 now.", "Mr. Smith left.", "Open file2 now.",
                "see http://x.org", ""):
        assert normalize(bad) is None, bad


def test_generated_phrases_have_plain_word_transcripts():
    rng = random.Random(1)
    for name, generate in GENERATORS.items():
        for _ in range(20):
            text = generate(rng)
            assert text.transcript and text.transcript == text.transcript.lower(), name
            assert all(w.replace("'", "").isalpha() for w in text.transcript.split()), text


def test_evaluation_sentences_never_enter_training_but_single_words_may():
    keys = evaluation_keys(["Thank you.  Please enter your password followed by the "
                            "pound key.", "one", "ten of clubs"])
    texts = collect([("Please enter your password, followed by the pound key!", "ui"),
                     ("Ten of clubs.", "ui"), ("Thank you.", "ui"),
                     ("Press one.", "ui"), ("A red kangaroo.", "stamps")], keys)
    kept = {t.transcript for ts in texts.values() for t in ts}
    assert kept == {"thank you", "press one", "a red kangaroo"}


def test_held_out_text_split_is_stable_and_short_phrases_stay_in_training():
    assert split_of(Text("One.", "one")) == "train"
    corpus = _corpus(400)["stamps"]
    splits = [split_of(t) for t in corpus]
    assert splits == [split_of(t) for t in corpus]
    assert splits.count("train") > 0.9 * len(splits)


def test_plan_is_prefix_stable_and_keeps_held_out_voice_and_text_out_of_training():
    corpus = _corpus()
    small = [u.id for u in training_plan(corpus, FLITE, 0.01)]
    big = list(training_plan(corpus, FLITE, 0.03))
    assert len(big) > len(small) and [u.id for u in big[:len(small)]] == small
    assert all(u.voice.name != engines.HELD_OUT_VOICE for u in big)
    assert all(split_of(u.text) == "train" for u in big)


def test_words_said_alone_are_added_to_training_without_moving_any_other_clip():
    corpus = _corpus()
    main = [u.id for u in training_plan(corpus, FLITE, 0.02)]
    plan = speech_build.make_plan(corpus, FLITE, 0.02, frozenset(), held_out=5)
    alone = plan[len(main):len(plan) - 15]  # 5 dev, then 5 test and their 5 noisy copies
    assert [u.id for u in plan[:len(main)]] == main
    assert [u.id for u in plan[len(plan) - 15:]] == [
        u.id for u in held_out_plan(corpus, FLITE, 5, frozenset())]
    assert len(alone) == round(speech_build.ISOLATED_WORD_SHARE * len(main)) > 0
    assert all(u.split == "train" and u.text.source == "words" and u.text.words <= 2
               and u.voice.name != engines.HELD_OUT_VOICE for u in alone)
    said = {u.text.transcript for u in isolated_word_plan(FLITE, 300)}
    assert {"fourteen", "monday", "dollars"} <= said and not said & set("abcdefghijk")


def test_later_voices_speak_a_plan_of_their_own_after_every_earlier_clip():
    corpus, more = _corpus(), [engines.VOICE_BY_NAME[n] for n in ("mbrola-us1", "festival-rab")]
    before = [u.id for u in speech_build.make_plan(corpus, FLITE, 0.02, frozenset(), 5)]
    plan = speech_build.make_plan(corpus, FLITE, 0.02, frozenset(), 5, more)
    main = len(list(training_plan(corpus, FLITE, 0.02)))
    alone = round(speech_build.ISOLATED_WORD_SHARE * main)
    later = plan[main + alone:len(plan) - 15]
    assert [u.id for u in plan[:main + alone]] + [u.id for u in plan[len(plan) - 15:]] == before
    assert len(later) == round(speech_build.MORE_VOICES_SHARE * main) > 0
    assert {u.voice.name for u in later} == {"mbrola-us1", "festival-rab"}
    assert all(u.split == "train" and split_of(u.text) == "train" for u in later)
    # Their sentences do not follow the main plan's size: a bigger build keeps these clips.
    bigger = speech_build.make_plan(corpus, FLITE, 0.04, frozenset(), 5, more)
    assert set(u.id for u in later) <= {u.id for u in bigger}


def test_hmm_voices_come_after_every_earlier_clip_with_sentences_of_their_own():
    corpus = _corpus()
    hmm = [engines.VOICE_BY_NAME[n] for n in ("rhvoice-bdl", "pico-en-gb")]
    before = [u.id for u in speech_build.make_plan(corpus, FLITE, 0.02, frozenset(), 5,
                                                   words=WORDS)]
    plan = speech_build.make_plan(corpus, FLITE, 0.02, frozenset(), 5, words=WORDS, hmm=hmm)
    assert [u.id for u in plan[:len(before)]] == before
    newest = plan[len(before):]
    main = len(list(training_plan(corpus, FLITE, 0.02)))
    assert len(newest) == round(speech_build.HMM_VOICES_SHARE * main) > 0
    assert {u.voice.name for u in newest} == {"rhvoice-bdl", "pico-en-gb"}
    assert all(u.split == "train" and split_of(u.text) == "train" for u in newest)
    # not the later voices' sentence order: the two groups do not say the same things in turn
    as_more = speech_build.make_plan(corpus, FLITE, 0.02, frozenset(), 5, hmm, words=WORDS)
    start = main + round(speech_build.ISOLATED_WORD_SHARE * main)
    assert {u.voice.name for u in as_more[start:start + len(newest)]} == {"rhvoice-bdl",
                                                                          "pico-en-gb"}
    assert [u.text for u in newest] != [u.text for u in as_more[start:start + len(newest)]]


# Everyday words (some held out by word_split: badger, balloon, banjo, camel, chicken).
WORDS = ["apple", "badger", "balloon", "banjo", "camel", "candle", "chicken", "frog", "kite",
         "lemon", "piano", "rocket", "taxi", "tiger", "umbrella", "violin", "cancel"]


def test_everyday_words_said_alone_come_after_every_earlier_clip_and_hold_out_words():
    corpus = _corpus()
    before = [u.id for u in speech_build.make_plan(corpus, FLITE, 0.02, frozenset(), 5)]
    plan = speech_build.make_plan(corpus, FLITE, 0.02, frozenset(), 5, words=WORDS)
    assert [u.id for u in plan[:len(before)]] == before
    names = plan[len(before):]
    train = [u for u in names if u.split == "train"]
    test = [u for u in names if u.split == "test_names"]
    main = len(list(training_plan(corpus, FLITE, 0.02)))
    assert len(train) == round(speech_build.NAMES_SHARE * main) > 0
    assert all(u.text.source == "names" and u.text.words == 1
               and word_split(u.text.transcript) == "train"
               and u.voice.name != engines.HELD_OUT_VOICE for u in train)
    # each held-out word once, by the held-out voice, and never one said alone elsewhere
    assert sorted(u.text.transcript for u in test) == ["badger", "balloon", "banjo", "camel",
                                                       "chicken"]
    assert all(u.voice.name == engines.HELD_OUT_VOICE for u in test)
    assert "cancel" in ALONE_WORDS and not {u.text.transcript for u in train} & {
        u.text.transcript for u in test}


def test_everyday_words_are_the_one_word_emoji_names_and_keywords(tmp_path):
    xml = tmp_path / "en.xml"
    xml.write_text('<ldml><annotations>'
                   '<annotation cp="🐸">face | frog | Frog | toad</annotation>'
                   '<annotation cp="🐸" type="tts">frog</annotation>'
                   '<annotation cp="🚕">taxi | yellow cab | ox | T-shirt</annotation>'
                   '</annotations></ldml>', encoding="utf-8")
    assert everyday_words(xml) == ["face", "frog", "taxi", "toad"]
    assert everyday_words(tmp_path / "missing.xml") == []


def test_a_clip_too_short_for_its_words_is_refused():
    from multimodal.data.speech.augment import check_length

    sentence = "Click to enable or disable the uniform light source."
    with pytest.raises(MultimodalError, match="stopped early"):
        check_length(0.55, sentence)  # what festival's MBROLA us3 once made of it
    check_length(2.4, sentence)
    check_length(0.2, "Aitch.")  # short words said alone are not judged


def test_a_voice_whose_package_is_missing_is_skipped_by_name(capsys):
    absent = engines.Voice("festival-nobody", "festival", "voice_nobody", data="/no/such/voice")
    assert not engines.voice_available(absent)
    assert speech_build.usable_more_voices([absent]) == []
    assert "festival-nobody" in capsys.readouterr().out


def test_plan_never_speaks_an_evaluation_sentence_even_a_generated_one():
    first = list(training_plan(_corpus(), FLITE, 0.05))
    long = {u.text.transcript for u in first if u.text.words >= 3}
    assert any(u.text.source == "commands" for u in first)
    excluded = frozenset(evaluation_keys(long))
    again = list(training_plan(_corpus(), FLITE, 0.05, excluded))
    assert again and not long & {u.text.transcript for u in again}


def test_missing_sources_stop_the_build_instead_of_shrinking_it(tmp_path):
    # Without the translation corpus the plan would be another, much smaller corpus.
    stamps = tmp_path / "stamps"
    stamps.mkdir()
    (stamps / "cat.txt").write_text("A cat asleep on a warm rug.\nfr.utf8=Un chat.\n")
    with pytest.raises(MultimodalError, match="data translate"):
        corpus_texts(set(), translation=tmp_path / "no-such.tsv", stamps=stamps)
    translation = tmp_path / "train.tsv"
    translation.write_text("Un grand arbre vert.\tA big green tree.\tfr:ddtp:tree\n")
    with pytest.raises(MultimodalError, match="tuxpaint-stamps-default"):
        corpus_texts(set(), translation=translation, stamps=tmp_path / "none")
    texts = corpus_texts(set(), translation=translation, stamps=stamps)
    assert [t.transcript for t in texts["stamps"]] == ["a cat asleep on a warm rug"]
    assert [t.transcript for t in texts["descriptions"]] == ["a big green tree"]


def test_bad_size_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("MULTIMODAL_SPEECH_HOURS", "lots")
    with pytest.raises(MultimodalError, match="MULTIMODAL_SPEECH_HOURS"):
        speech_build.main()


def test_telephone_noise_has_no_energy_outside_the_phone_band():
    noise = coloured_noise(16000, 1.0, np.random.default_rng(0), telephone=True)
    spectrum = np.abs(np.fft.rfft(noise))
    freqs = np.fft.rfftfreq(16000, 1 / 16000)
    assert np.sqrt(np.mean(noise**2)) == pytest.approx(1.0, rel=1e-3)
    assert spectrum[freqs > 3500].max() < 1e-6 * spectrum.max()


LM_SENTENCES = {"train": 300, "dev": 20}


@needs_flite
def test_tiny_build_writes_16k_mono_clips_and_clean_splits(tmp_path, monkeypatch):
    monkeypatch.setattr(speech_build, "CHECKPOINT_S", -1)  # exercise interim manifests too
    counts = speech_build.build(tmp_path, hours=0.003, workers=1, corpus=_corpus(),
                                voices=FLITE, held_out=2, lm_sentences=LM_SENTENCES,
                                words=WORDS)
    assert counts["this_run"]["failed"] == 0 and counts["this_run"]["clips_made"] >= 5
    splits = {name: read_manifest(tmp_path / f) for name, f in speech_build.MANIFESTS.items()}
    assert all(splits.values())
    for examples in splits.values():
        for ex in examples:
            audio, rate = sf.read(ex.source)
            seconds = len(audio) / rate
            assert rate == 16000 and audio.ndim == 1
            assert np.sqrt(np.mean(audio**2)) > 0.005  # not silent
            assert 0.12 * len(ex.target.split()) < seconds < 1.5 * len(ex.target.split()) + 2
    assert {ex.group for ex in splits["train"]} == {"flite-slt"}
    assert {ex.group for ex in splits["test"] + splits["test_names"]} == {
        engines.HELD_OUT_VOICE}
    train_text = {ex.target for ex in splits["train"]}
    held_out = {ex.target for ex in splits["dev"] + splits["test"] if len(ex.target.split()) >= 3}
    assert held_out and not train_text & held_out
    lm_text = set((tmp_path / "lm_train.txt").read_text().splitlines())
    assert counts["language_model_text"] == {"lm_train.txt": 300, "lm_dev.txt": 20}
    by_split = {split: {t.transcript for t in _corpus()["stamps"] if split_of(t) == split}
                for split in ("train", "dev", "test")}
    assert by_split["train"] & lm_text and not lm_text & (held_out | by_split["dev"]
                                                          | by_split["test"])
    assert set((tmp_path / "lm_dev.txt").read_text().splitlines()) & {
        ex.target for ex in splits["dev"]}
    again = speech_build.build(tmp_path, hours=0.003, workers=1, corpus=_corpus(),
                               voices=FLITE, held_out=2, lm_sentences=LM_SENTENCES,
                               words=WORDS)
    assert again["this_run"]["clips_made"] == 0 and again["split"] == counts["split"]


@pytest.mark.parametrize("name", ["espeak-en-gb", "festival-kal", "festival-slt-hts",
                                  "piper-joe", "mbrola-us3", "festival-us1-mbrola",
                                  "festival-rab", "rhvoice-clb", "pico-en-us"])
def test_every_engine_renders_a_clip(name, tmp_path):
    voice = engines.VOICE_BY_NAME[name]
    if not engines.voice_available(voice) or not shutil.which("sox"):
        pytest.skip(f"{voice.name} or sox is not installed")
    from multimodal.data.speech.augment import Effects, finish

    jobs = [engines.Job(s, 1.1, 0.95, "m3" if voice.engine == "espeak" else "0.6,0.8",
                        tmp_path / f"{i}.wav")
            for i, s in enumerate(["Press nine to cancel.", 'A "quoted" word.'])]
    if voice.engine == "festival":
        assert engines.festival(voice, jobs, tmp_path) == ["", ""]
    else:
        for job in jobs:
            engines.SPEAK_ONE[voice.engine](voice, job)
    for i, job in enumerate(jobs):
        seconds = finish(job.out, tmp_path / f"{i}.flac", Effects(pitch_cents=-50), seed=i)
        assert 0.6 < seconds < 5
        assert sf.info(tmp_path / f"{i}.flac").samplerate == 16000
