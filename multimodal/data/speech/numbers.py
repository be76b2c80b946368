"""Numbers as a speaker says them: the model predicts words, so "42" becomes "forty two"."""

from __future__ import annotations

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand"))
ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                 "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}


def _below_thousand(n: int, with_and: bool) -> list[str]:
    words = []
    if n >= 100:
        words += [ONES[n // 100], "hundred"]
        n %= 100
        if n and with_and:
            words.append("and")
    if n >= 20:
        words.append(TENS[n // 10])
        n %= 10
        if n:
            words.append(ONES[n])
    elif n:
        words.append(ONES[n])
    return words


def cardinal(n: int, with_and: bool = False) -> str:
    """0 <= n < 10**12 -> "three hundred forty two" (British style "and" if asked)."""
    if not 0 <= n < 10**12:
        raise ValueError(f"number out of range: {n}")
    if n == 0:
        return "zero"
    words = []
    for size, name in SCALES:
        if n >= size:
            words += _below_thousand(n // size, with_and) + [name]
            n %= size
    if n:
        if words and n < 100 and with_and:
            words.append("and")
        words += _below_thousand(n, with_and)
    return " ".join(words)


def ordinal(n: int) -> str:
    """1 -> "first", 23 -> "twenty third", 40 -> "fortieth"."""
    words = cardinal(n).split()
    last = words[-1]
    if last in ORDINAL_WORDS:
        words[-1] = ORDINAL_WORDS[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return " ".join(words)


def year(n: int) -> str:
    """How years are read: 1984 -> "nineteen eighty four", 2005 -> "two thousand five"."""
    if 2000 <= n <= 2009 or n % 1000 == 0 or not 1000 <= n <= 2099:
        return cardinal(n)
    high, low = divmod(n, 100)
    if low == 0:
        return f"{cardinal(high)} hundred"
    if low < 10:
        return f"{cardinal(high)} oh {ONES[low]}"
    return f"{cardinal(high)} {cardinal(low)}"


def digits(text: str, zero: str = "zero") -> str:
    """"0815" -> "zero eight one five" (or "oh eight one five"), digit by digit."""
    return " ".join(zero if c == "0" else ONES[int(c)] for c in text)


def number_token(token: str) -> str | None:
    """A run of digits in running text -> words; None where a reading is a guess."""
    if not token.isdigit() or len(token) > 9:
        return None
    if len(token) > 1 and token[0] == "0":
        return digits(token)
    n = int(token)
    if len(token) == 4 and 1100 <= n <= 2099:
        return year(n)
    return cardinal(n)
