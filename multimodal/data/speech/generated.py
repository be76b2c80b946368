"""Generated phrases: numbers, digit strings, dates, times, money, spelled letters, the
phonetic alphabet, key names, telephone-menu style commands and words said alone.

Each generator takes a `random.Random` and returns a Text; `spoken` spells out what the
engines must say (letter names as "bee", "double you"), `transcript` is what is heard."""

from __future__ import annotations

import random

from .normalize import Text
from .numbers import ONES, TENS, cardinal, digits, ordinal, year

LETTER_NAMES = dict(zip("abcdefghijklmnopqrstuvwxyz", (
    "ay", "bee", "see", "dee", "ee", "eff", "gee", "aitch", "eye", "jay", "kay", "el", "em",
    "en", "oh", "pee", "cue", "are", "ess", "tee", "you", "vee", "double you", "ex", "why",
    "zee"), strict=True))
NATO = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
        "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee "
        "zulu").split()
NATO_SPOKEN = {"xray": "x-ray"}
SYMBOLS = ("dollar sign", "percent", "ampersand", "asterisk", "star", "comma", "colon",
           "semicolon", "question mark", "exclamation mark", "open parenthesis",
           "close parenthesis", "left bracket", "right bracket", "left brace", "right brace",
           "slash", "backslash", "underscore", "dash", "hyphen", "dot", "period", "plus",
           "minus", "equals", "pound sign", "hash", "at sign", "tilde", "caret", "pipe",
           "quote", "apostrophe", "less than", "greater than", "space", "zero", "oh")
MONTHS = ("january february march april may june july august september october november "
          "december").split()
DAYS = "monday tuesday wednesday thursday friday saturday sunday".split()

# Telephone-menu vocabulary, combined freely so that no one fixed prompt is memorised.
THINGS = ("account number", "password", "pin", "extension", "mailbox number",
          "phone number", "zip code", "date of birth", "card number", "member number",
          "order number", "room number", "access code", "conference number",
          "booking reference", "customer number", "passcode", "agent number")
ENDINGS = ("followed by the pound key", "followed by the hash key", "then press pound",
           "followed by the star key", "and then press the hash key", "now",
           "using your keypad", "when you are ready", "after the tone")
ACTIONS = ("speak to an operator", "hear your messages", "leave a message",
           "repeat this menu", "return to the main menu", "change your password",
           "record your greeting", "check your balance", "pay a bill", "report a fault",
           "talk to sales", "reach technical support", "cancel", "confirm",
           "hear these options again", "send a fax", "go back", "save this message",
           "delete this message", "forward this message", "skip to the next message",
           "transfer the call", "end the call", "join the meeting", "mute your line")
STATUS = ("is not available", "is busy", "has been saved", "has been deleted",
          "is invalid", "was not recognised", "has been changed", "is correct",
          "has expired", "is full", "could not be found", "has been forwarded",
          "is on another call", "has been recorded")
POLITE = ("please", "please try again and", "sorry,", "thank you,", "", "")


def _digit(rng: random.Random) -> int:
    return rng.randrange(10)


def digit_string(rng: random.Random) -> Text:
    """A phone, card or PIN number read digit by digit, zero sometimes said "oh"."""
    n = rng.choice((3, 4, 4, 5, 6, 7, 10, 11))
    raw = "".join(str(_digit(rng)) for _ in range(n))
    words = digits(raw, zero=rng.choice(("zero", "zero", "oh")))
    return Text(words.capitalize() + ".", words, "digits")


def number(rng: random.Random) -> Text:
    kind = rng.random()
    if kind < 0.35:
        n = rng.randrange(0, 100)
    elif kind < 0.7:
        n = rng.randrange(100, 10_000)
    else:
        n = rng.randrange(10_000, 10_000_000)
    words = cardinal(n, with_and=rng.random() < 0.3)
    if rng.random() < 0.2:
        words = ordinal(max(n % 1000, 1))
    if rng.random() < 0.15:
        words = "minus " + words
    return Text(words.capitalize() + ".", words, "numbers")


def money(rng: random.Random) -> Text:
    dollars, cents = rng.randrange(0, 2000), rng.randrange(0, 100)
    unit = "dollar" if dollars == 1 else "dollars"
    words = f"{cardinal(dollars)} {unit}"
    if cents:
        words += f" and {cardinal(cents)} {'cent' if cents == 1 else 'cents'}"
    return Text(words.capitalize() + ".", words, "numbers")


def date(rng: random.Random) -> Text:
    day, month = rng.randrange(1, 29), rng.choice(MONTHS)
    style = rng.randrange(4)
    if style == 0:
        words = f"{month} {ordinal(day)}"
    elif style == 1:
        words = f"the {ordinal(day)} of {month}"
    elif style == 2:
        words = f"{rng.choice(DAYS)} {month} {ordinal(day)}"
    else:
        words = f"{month} {ordinal(day)} {year(rng.randrange(1900, 2040))}"
    if rng.random() < 0.3:
        words = rng.choice(("on", "from", "until", "before", "after")) + " " + words
    return Text(words.capitalize() + ".", words, "dates")


def clock_time(rng: random.Random) -> Text:
    hour = rng.randrange(1, 13)
    minute = rng.choice((0, 5, 10, 15, 20, 30, 45, rng.randrange(60)))
    if minute == 0:
        said = f"{cardinal(hour)} o'clock" if rng.random() < 0.5 else cardinal(hour)
    elif minute < 10:
        said = f"{cardinal(hour)} oh {ONES[minute]}"
    else:
        said = f"{cardinal(hour)} {cardinal(minute)}"
    words = said
    spoken = said
    if rng.random() < 0.5 and "clock" not in said:
        half = rng.choice(("a m", "p m"))
        words += " " + half
        spoken += " " + " ".join(LETTER_NAMES[c] for c in half.split())
    if rng.random() < 0.4:
        lead = rng.choice(("at", "the time is", "it is", "until", "from"))
        words, spoken = f"{lead} {words}", f"{lead} {spoken}"
    return Text(spoken.capitalize() + ".", words, "times")


def letters(rng: random.Random) -> Text:
    chosen = [rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randrange(1, 6))]
    spoken = ", ".join(LETTER_NAMES[c] for c in chosen)
    return Text(spoken.capitalize() + ".", " ".join(chosen), "letters")


def phonetic(rng: random.Random) -> Text:
    chosen = [rng.choice(NATO) for _ in range(rng.choice((1, 1, 2, 3, 4)))]
    spoken = ", ".join(NATO_SPOKEN.get(w, w) for w in chosen)
    return Text(spoken.capitalize() + ".", " ".join(chosen), "phonetic")


def symbol(rng: random.Random) -> Text:
    words = rng.choice(SYMBOLS)
    return Text(words.capitalize() + ".", words, "symbols")


def command(rng: random.Random) -> Text:
    key = rng.choice(ONES[:10] + ["star", "pound", "hash"])
    style = rng.randrange(5)
    if style == 0:
        action = rng.choice(ACTIONS)
        words, spoken = f"to {action} press {key}", f"to {action}, press {key}"
    elif style == 1:
        polite = rng.choice(POLITE)
        words = f"{polite} enter your {rng.choice(THINGS)} {rng.choice(ENDINGS)}"
        spoken = words
    elif style == 2:
        words = f"press {key} to {rng.choice(ACTIONS)}"
        spoken = words
    elif style == 3:
        words = f"the {rng.choice(THINGS)} you entered {rng.choice(STATUS)}"
        spoken = words
    else:
        words = f"{rng.choice(POLITE)} say or enter your {rng.choice(THINGS)}"
        spoken = words
    words = " ".join(words.replace(",", "").split())
    spoken = " ".join(spoken.split())
    return Text(spoken[0].upper() + spoken[1:].rstrip(".") + ".", words, "commands")


# Words people say alone, as telephone systems prompt them: "fourteen", "Monday", "dollars"
ALONE = (*ONES, *TENS[2:], "hundred", "thousand", "million", "billion", *DAYS, *MONTHS,
         "dollars", "dollar", "cents", "percent", "yes", "no", "okay", "hello", "goodbye",
         "help", "stop", "cancel", "repeat", "continue")
DAY_ORDINALS = tuple(ordinal(n) for n in range(1, 32))  # "first" to "thirty first"


def isolated_word(rng: random.Random) -> Text:
    """One word said alone: a number up to ninety, an ordinal, a day, a month, a unit."""
    # choice over 31 draws as randint(1, 31) did, so the corpus stays the same
    word = rng.choice(DAY_ORDINALS) if rng.random() < 0.2 else rng.choice(ALONE)
    return Text(word.capitalize() + ".", word, "words")


# Every word the generators say alone (a held-out word said alone must be none of them).
ALONE_WORDS = frozenset(ALONE) | frozenset(NATO) | frozenset(DAY_ORDINALS)

GENERATORS = {"digits": digit_string, "numbers": number, "money": money, "dates": date,
              "times": clock_time, "letters": letters, "phonetic": phonetic,
              "symbols": symbol, "commands": command, "words": isolated_word}
