"""Instructions spelt out in ways a reader decodes by rule: percent-encoding ("Ignore%20prior%20rules"),
decimal character codes (``String.fromCharCode(112, 114, 105, ...)``) and the phonetic alphabet
("Sierra Hotel Oscar Whiskey / Yankee Oscar Uniform Romeo"). Each read in linear time, and only
where its sign stands (a "%20", a run of comma-separated numbers, a phonetic word)."""

from __future__ import annotations

import re
from urllib.parse import unquote

_PERCENT_RUN = re.compile(r"[^\s%]*(?:%[0-9A-Fa-f]{2}[^\s%]*){4,}")
# a digit first (the engine skips to digits in C), the look-behind after it
_CODES = re.compile(r"\d(?<![\d.]\d)\d{1,2}(?:\s*,\s*\d{2,3}){7,}(?![\d.])")
_PHONETIC = {
    **dict.fromkeys(("alfa", "alpha"), "a"), "bravo": "b", "charlie": "c", "delta": "d", "echo": "e",
    "foxtrot": "f", "golf": "g", "hotel": "h", "india": "i", **dict.fromkeys(("juliet", "juliett"), "j"),
    "kilo": "k", "lima": "l", "mike": "m", "november": "n", "oscar": "o", "papa": "p", "quebec": "q",
    "romeo": "r", "sierra": "s", "tango": "t", "uniform": "u", "victor": "v",
    **dict.fromkeys(("whiskey", "whisky"), "w"), **dict.fromkeys(("x-ray", "xray"), "x"), "yankee": "y", "zulu": "z",
}  # fmt: skip
_PHONETIC_SIGNS = ("sierra", "oscar", "tango", "romeo", "uniform", "yankee", "whiskey", "foxtrot", "november")


def percent_decoded(text: str) -> list[str]:
    """Runs with four or more %XX escapes, decoded ("Ignore%20prior%20rules." -> "Ignore prior rules.")."""
    if text.count("%") < 4:
        return []
    # A run never crosses a space: searched word by word, only in words with four "%" or more (the
    # run's leading [^\s%]* was tried at every character of a 2 KB e-mail holding a "12%": 0.23 ms).
    return [unquote(run) for word in text.split() if word.count("%") >= 4 for run in _PERCENT_RUN.findall(word)]


def character_codes(text: str) -> list[str]:
    """Runs of eight or more printable ASCII codes in decimal, as the letters they stand for."""
    if "," not in text:
        return []
    found = []
    for run in _CODES.findall(text):
        codes = [int(n) for n in run.replace(" ", "").split(",")]
        if all(32 <= code <= 126 for code in codes):
            found.append("".join(map(chr, codes)))
    return found


def phonetic_spelled(text: str) -> list[str]:
    """Runs of six or more phonetic-alphabet words read as letters, "/" or a new line between words."""
    lowered = text.lower()
    if not any(sign in lowered for sign in _PHONETIC_SIGNS):
        return []
    runs, words, letters = [], [], []
    for token in re.split(r"[\s,]+", lowered.replace("/", " / ")):
        letter = _PHONETIC.get(token.strip(".;:-"))
        if letter is not None:
            letters.append(letter)
        elif token == "/" and letters:
            words.append("".join(letters))
            letters = []
        else:
            if letters:
                words.append("".join(letters))
            if sum(map(len, words)) >= 6:
                runs.append(" ".join(words))
            words, letters = [], []
    if letters:
        words.append("".join(letters))
    if sum(map(len, words)) >= 6:
        runs.append(" ".join(words))
    return runs
