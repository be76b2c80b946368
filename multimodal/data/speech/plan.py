"""The utterance plan: which text, which voice, which rate, pitch and augmentation, for every
clip. A pure function of the seed, the texts and the voices; utterance i never depends on
the target size, so a bigger build extends a smaller one and reuses its clips."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass

from .augment import Effects, draw_noisy_test_effects, draw_training_effects
from .generated import ALONE_WORDS, GENERATORS
from .normalize import Text, transcript_key
from .texts import split_of, word_split
from .voices import ESPEAK_VARIANTS, HELD_OUT_VOICE, Voice, pitch_cents

SEED = 20261121
# Share of training utterances per text source (generated phrases are short, so their
# share of the audio hours is smaller than of the clip count).
SOURCE_WEIGHTS = {"descriptions": 20, "ui": 14, "bible": 14, "stamps": 4, "commands": 14,
                  "digits": 9, "numbers": 7, "money": 2, "dates": 4, "times": 4,
                  "letters": 4, "phonetic": 3, "symbols": 1}
# Share per voice; espeak (robotic) about a fifth, spread over its accents.
ENGINE_WEIGHTS = {"espeak": 20, "piper": 20}
VOICE_WEIGHTS = {"flite-slt": 10, "flite-rms": 10, "flite-kal16": 8, "festival-slt-hts": 12,
                 "festival-kal": 10, "festival-ked": 10,
                 # the later voices (voices.MORE_VOICES): festival's reading of an MBROLA
                 # database shares its person with espeak-ng's, and don has few diphones
                 **{f"festival-{db}-mbrola": 6 for db in ("us1", "us2", "us3", "en1")},
                 "festival-don": 4}
# Clips of one word said alone, per main training clip. The main plan's texts seldom leave
# a word alone (3% of its clips, mostly letters), and a recogniser that never heard a number
# by itself answers a spoken "one" with letters. Planned after the main plan, so that its
# clips stay as they were.
ISOLATED_WORD_SHARE = 0.08
# Clips by the later voices (voices.MORE_VOICES), per main training clip: six more people.
# Planned after the words said alone, with sentences of their own order.
MORE_VOICES_SHARE = 0.4
# Clips of an everyday word said alone ("frog", "umbrella"), per main training clip. A word
# alone was a number, a day or a letter in every earlier clip, and a spoken "koala" came out
# "a rat", a spoken "dolphin" "alpha". Planned after every other clip, their own test
# (held-out words by the held-out voice) too, so that no earlier clip moved.
NAMES_SHARE = 0.08
NAMES_TEST = 200
# Clips by the HMM voices of RHVoice and SVOX Pico (voices.HMM_VOICES), per main training
# clip: six more people, planned after every other clip with sentences of their own order.
HMM_VOICES_SHARE = 0.25
SECONDS_PER_WORD, SECONDS_FIXED = 0.335, 0.37  # speech length, for sizing the plan only (fitted)


@dataclass(frozen=True)
class Utterance:
    split: str  # train | dev | test | test_noisy
    voice: Voice
    text: Text
    rate: float
    pitch: float
    variant: str
    effects: Effects
    seed: int

    @property
    def id(self) -> str:
        key = "|".join((self.voice.name, self.text.spoken, f"{self.rate:.3f}",
                        f"{self.pitch:.3f}", self.variant, repr(self.effects)))
        return hashlib.sha1(key.encode()).hexdigest()[:16]

    @property
    def path(self) -> str:
        """Relative to the corpus folder; the folder names the voice (the manifest group)."""
        return f"clips/{self.voice.name}/{self.id}.flac"

    def estimated_seconds(self) -> float:
        return (SECONDS_PER_WORD * self.text.words + SECONDS_FIXED) / self.rate / self.effects.speed


def voice_weight(voice: Voice, voices: list[Voice]) -> float:
    if voice.engine in ENGINE_WEIGHTS:
        same = sum(v.engine == voice.engine for v in voices)
        return ENGINE_WEIGHTS[voice.engine] / same
    return VOICE_WEIGHTS.get(voice.name, 10)


def _voice_settings(rng: random.Random, voice: Voice) -> tuple[float, float, str]:
    rate, pitch = round(rng.uniform(0.85, 1.2), 3), round(rng.uniform(0.88, 1.14), 3)
    if voice.engine == "espeak":
        variant = rng.choice(ESPEAK_VARIANTS)
    elif voice.engine == "piper":
        variant = f"{rng.uniform(0.4, 0.8):.2f},{rng.uniform(0.5, 1.0):.2f}"
    else:
        variant = ""
    return rate, pitch, variant


def _generated(rng: random.Random, source: str, split: str,
               excluded: frozenset[str]) -> Text | None:
    for _ in range(20):
        text = GENERATORS[source](rng)
        if split_of(text) == split and transcript_key(text.transcript) not in excluded:
            return text
    return None


class TextStream:
    """Texts of one split, source by source: corpus sentences in a fixed shuffled order
    (cycled), generated phrases drawn fresh; never an `excluded` (evaluation) sentence."""

    def __init__(self, corpus: dict[str, list[Text]], split: str,
                 excluded: frozenset[str] = frozenset(), weights: dict[str, float] | None = None,
                 order: str = ""):
        self.split, self.excluded = split, excluded
        self.weights = SOURCE_WEIGHTS if weights is None else weights
        self.pools = {}
        for source, texts in sorted(corpus.items()):
            pool = [t for t in texts if split_of(t) == split
                    and transcript_key(t.transcript) not in excluded]
            random.Random(f"{SEED}:{order}{source}").shuffle(pool)
            if pool:
                self.pools[source] = pool
        self.taken = dict.fromkeys(self.pools, 0)
        self.sources = [s for s in self.weights if s in self.pools or s in GENERATORS]

    def next(self, rng: random.Random) -> Text:
        while True:
            source = rng.choices(self.sources, [self.weights[s] for s in self.sources])[0]
            if source in self.pools:
                pool = self.pools[source]
                text = pool[self.taken[source] % len(pool)]
                self.taken[source] += 1
                return text
            text = _generated(rng, source, self.split, self.excluded)
            if text is not None:
                return text


def _utterance(split: str, index: int, voices: list[Voice], texts: TextStream | WordStream,
               stream: str | None = None) -> Utterance:
    """The `index`-th utterance of `split`, drawn from its own seed (`stream` names a second
    sequence of the split's utterances)."""
    rng = random.Random(f"{SEED}:{stream or split}:{index}")
    voice = rng.choices(voices, [voice_weight(v, voices) for v in voices])[0]
    text = texts.next(rng)
    rate, pitch, variant = _voice_settings(rng, voice)
    cents = pitch_cents(pitch) if voice.sox_pitch else 0
    effects = draw_training_effects(rng, cents) if split == "train" else Effects(cents)
    return Utterance(split, voice, text, rate, pitch, variant, effects, rng.randrange(2**31))


def training_plan(corpus: dict[str, list[Text]], voices: list[Voice], hours: float,
                  excluded: frozenset[str] = frozenset()) -> Iterator[Utterance]:
    """Training utterances by the training voices until `hours` (estimated) are planned."""
    train_voices = [v for v in voices if v.name != HELD_OUT_VOICE]
    texts = TextStream(corpus, "train", excluded)
    total, index = 0.0, 0
    while total < hours * 3600:
        utt = _utterance("train", index, train_voices, texts)
        total += utt.estimated_seconds()
        index += 1
        yield utt


def isolated_word_plan(voices: list[Voice], count: int,
                       excluded: frozenset[str] = frozenset()) -> list[Utterance]:
    """`count` training utterances of one word said alone, by the training voices."""
    train_voices = [v for v in voices if v.name != HELD_OUT_VOICE]
    texts = TextStream({}, "train", excluded, weights={"words": 1})
    return [_utterance("train", i, train_voices, texts, stream="train_words")
            for i in range(count)]


def more_voices_plan(corpus: dict[str, list[Text]], voices: list[Voice], count: int,
                     excluded: frozenset[str] = frozenset(),
                     group: str = "more") -> list[Utterance]:
    """`count` training utterances by a group of later voices, the sentences in an order of
    the group's own (so the plan does not depend on how many clips the main plan took)."""
    texts = TextStream(corpus, "train", excluded, order=f"{group}:")
    return [_utterance("train", i, voices, texts, stream=f"train_{group}") for i in range(count)]


class WordStream:
    """Words said alone, in a fixed shuffled order, cycled (`next` as TextStream's)."""

    def __init__(self, words: list[str], order: str):
        self.words = sorted(words)
        random.Random(f"{SEED}:{order}").shuffle(self.words)
        self.taken = 0

    def next(self, rng: random.Random) -> Text:
        word = self.words[self.taken % len(self.words)]
        self.taken += 1
        return Text(word.capitalize() + ".", word, "names")


def names_plan(voices: list[Voice], words: list[str], count: int) -> list[Utterance]:
    """`count` training clips of the training words (texts.word_split) said alone by the
    training voices, then NAMES_TEST clips of the held-out words by the held-out voice."""
    train_voices = [v for v in voices if v.name != HELD_OUT_VOICE]
    held_out = [v for v in voices if v.name == HELD_OUT_VOICE]
    seen = [w for w in words if word_split(w) == "train"]
    # a held-out word must not be one the words-alone plan says (a number, a day, "stop")
    unseen = [w for w in words if word_split(w) == "test" and w not in ALONE_WORDS]
    if not seen or not unseen:
        return []
    train, test = WordStream(seen, "names"), WordStream(unseen, "test_names")
    return ([_utterance("train", i, train_voices, train, stream="train_names")
             for i in range(count)]
            + [_utterance("test_names", i, held_out, test)
               for i in range(min(NAMES_TEST, len(unseen)))])


def held_out_plan(corpus: dict[str, list[Text]], voices: list[Voice], count: int,
                  excluded: frozenset[str] = frozenset()) -> list[Utterance]:
    """Dev: held-out text by the training voices. Test: other held-out text by the held-out
    voice, clean, plus a noisy copy of each."""
    train_voices = [v for v in voices if v.name != HELD_OUT_VOICE]
    held_out = [v for v in voices if v.name == HELD_OUT_VOICE]
    dev_texts = TextStream(corpus, "dev", excluded)
    test_texts = TextStream(corpus, "test", excluded)
    plan = [_utterance("dev", i, train_voices, dev_texts) for i in range(count)]
    for i in range(count):
        clean = _utterance("test", i, held_out, test_texts)
        rng = random.Random(f"{SEED}:test_noisy:{i}")
        noisy = draw_noisy_test_effects(rng, clean.effects.pitch_cents)
        plan += [clean, Utterance("test_noisy", clean.voice, clean.text, clean.rate,
                                  clean.pitch, clean.variant, noisy, rng.randrange(2**31))]
    return plan
