"""Numbers as speech-to-text and OCR write them, read again as digits.

A voice transcript spells a number partly out ("four three three nine 4832 7658 six four four
five", "M T two nine seven eight nine five C"), and a scanned form breaks it with stray spaces
("241 - 97 -5412", "0 9 / 2 6", "06 1 2 48 57 3 9", "3 7 7  8 9 5  3 8 8"). The detectors read digits, so the scanner
also reads a rewritten copy of such a text: a spoken run as the digits it says (with the single
capitals spelled right before or after it), spaces around a dash, slash or bracket between digits
dropped, and single digits standing one space apart joined (groups two spaces apart stay groups), as
are the single letters of the words beside them ("S S N :"). ``rereadings`` returns such copies and, for
each of its characters, its offset in the text it came from; the findings in it are mapped back and
settled with those of the text as written.
"""

from __future__ import annotations

import re

from ahocorasick_rs import AhoCorasick, BytesAhoCorasick, Implementation

_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9",
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
    "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
    # as Italian, Spanish, Portuguese, French and German callers say them
    "uno": "1", "due": "2", "tre": "3", "quattro": "4", "cinque": "5", "sei": "6", "sette": "7", "otto": "8",
    "nove": "9", "cero": "0", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6", "siete": "7",
    "ocho": "8", "nueve": "9", "dois": "2", "três": "3", "sete": "7", "oito": "8", "zéro": "0",
    "un": "1", "deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "sept": "7", "huit": "8", "neuf": "9",
    "eins": "1", "zwei": "2", "drei": "3", "vier": "4", "fünf": "5", "sechs": "6", "sieben": "7", "acht": "8",
    "neun": "9",
}  # fmt: skip
_TENS = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
_WORD = "|".join(sorted([*_DIGIT_WORDS, *_TENS], key=len, reverse=True))  # "sette" before "sete" and "sei"
# A spoken run: digit words and digit groups, two words among them at least, pauses as commas, with
# a single capital spelled at either end ("M T two nine seven eight nine five C").
_TOKEN = rf"(?:{_WORD}|\d+)"
_SPOKEN = re.compile(
    rf"(?<![\w'’-])(?-i:[A-Z] ){{0,2}}{_TOKEN}(?:(?:,? |-){_TOKEN})+(?-i: [A-Z](?!\w))?",
    re.IGNORECASE,
)
_PARTS = re.compile(
    rf"(?i)\b(?:{'|'.join(_TENS)})(?:[ -](?:one|two|three|four|five|six|seven|eight|nine)\b)?|[A-Za-z]+|\d+"
)
# Stray spaces: around a dash or slash between digits, inside brackets, and single digits one space apart.
_SPACED_MARK = re.compile(r"(?<=\d) *[-/] *(?=\d)|\( +(?=\d)|(?<=\d) +\)")
# (the last digit may stand before a comma that ends the clause: "routing is 1 2 1 0 0 0 3 5 8, account ...";
# not before a decimal comma: "1 2,5")
_SPACED_DIGITS = re.compile(r"(?<![\w.,])\d(?: \d(?!\w|[.,]\d))+")
# OCR of a form that spaces every character, its groups two spaces apart: "3 7 7  8 9 5  3 8 8"
_SPACED_GROUPS = re.compile(r"(?<![\w.,])\d(?: \d(?![\w,]|\.\d))+(?:  \d(?: \d(?![\w,]|\.\d))+)+")
# A card read out in groups with pauses written as commas ("it's 4476, 4110, 4066, 2757"), a card's word
# before it: read as the groups they are
_COMMA_GROUPS = re.compile(
    r"(?<![\d,.])\d(?: ?\d){3}(?:, \d(?: ?\d){3}){3}(?!\d|,\s?\d| \d)"
)  # "5 4 1 2, 7 5 5 3, ..." too
# A pause written between a number's groups ("539 061... 283"), a slash URL-encoded in a form dump
# ("cc_exp=11%2F2027"): read as a space and a slash
_PAUSE = re.compile(r"(?<=\d)\.{2,3} ?(?=\d)")
_ENCODED_SLASH = re.compile(r"(?<=\d)%2[Ff](?=\d)")
_CARD_WORD = re.compile(r"(?i)card|visa|master|amex|discover|karte|tarjeta|carte|cartão|carta|kaart")
_GROUP_GAP = re.compile(r" {2,}")
_WIDE_GAP = re.compile(r" {3,}")
# ... or with uneven gaps ("4 9 1  6    7 1  2  2", "T K 8 6  0 8 7  0 A"): seven characters at least,
# five of them digits, groups three spaces or more apart (a run with capitals in it: one group)
_SPACED_RUN = re.compile(r"(?<![\w.,'’])[A-Z0-9](?: {1,4}[A-Z0-9](?![^\W_]|[.,]\d)){6,}")  # capitals: "it's 8 7 8 ..."
# ... and its words too: "S S N :", "E x p : 0 3 / 2 9", "C a r d  N o" (three letters at least)
_SPACED_LETTERS = re.compile(r"(?<![^\W\d_])[^\W\d_](?: {1,2}[^\W\d_](?![^\W\d_])){2,}")
# A spoken run holds digit words standing alone: one pass of an automaton says whether any does.
_HINTS = AhoCorasick(
    [f" {word} " for word in _DIGIT_WORDS if len(word) > 2 or word in ("oh", "un")],
    implementation=Implementation.DFA,
)


def rereadings(text: str) -> list[tuple[str, list[int]]]:
    """The text with its spoken and broken numbers rewritten as digits, each with where its
    characters stood in ``text`` (one more entry: the end). A spoken run is read twice: its digit
    words joined and its numerals kept as the groups they are ("07946 018 223"), and all of it as
    one number ("956550098" for "nine 56 five five 0098"). None needed: an empty list."""
    spoken = _spoken_runs(text)
    fixes = _stray_spaces(text, [m.span() for m in spoken])
    if not spoken:
        return [_applied(text, sorted(fixes))] if fixes else []
    readings = []
    for joined in (False, True):
        edits = [(m.start(), m.end(), _digits(m.group(), joined)) for m in spoken]
        readings.append(_applied(text, sorted(edits + fixes)))
    return readings


def _spoken_runs(text: str) -> list[re.Match[str]]:
    """The spoken runs of ``text``: searched only near two digit words side by side (one automaton
    pass finds them; prose that merely holds "three things" costs no search of the whole text)."""
    padded = f" {text.lower().replace(',', ' ').replace(chr(10), ' ')} "
    hits = sorted((start, end) for _, start, end in _HINTS.find_matches_as_indexes(padded, overlapping=True))
    runs: list[re.Match[str]] = []
    searched_to = 0
    for (start, end), (next_start, _) in zip(hits, hits[1:], strict=False):
        if next_start - end > 1 or start < searched_to:  # not side by side (a space or two apart), or read
            continue
        low = max(searched_to, start - _LOOK_BACK)
        for match in _SPOKEN.finditer(text, low, min(len(text), start + _LOOK_AHEAD)):
            if match.start() <= start + 1 and match.end() >= start and _words(match.group()) >= 2:
                runs.append(match)
                searched_to = match.end()
                break
        else:
            searched_to = start + 1
    return runs


_LOOK_BACK, _LOOK_AHEAD = 40, 240  # characters a run may start before its first two words, and reach past them


def _words(run: str) -> int:
    return sum(token.lower() in _DIGIT_WORDS or token.lower() in _TENS for token in re.findall(r"[A-Za-z]+", run))


def _number_shapes() -> bytes:
    table = bytearray(b"x" * 256)
    for digit in b"0123456789":
        table[digit] = ord("0")
    for kept in b" -/(),.%":
        table[kept] = kept
    for space in b"\t\n\r":
        table[space] = ord(" ")
    return bytes(table)


_NUMBER_SHAPES = _number_shapes()
# What a stray space beside a number looks like in the text's shape (digits as 0): a pattern below
# can only match where one of these stands, so most texts skip the patterns' search.
_STRAY = BytesAhoCorasick(
    [b"0 -", b"- 0", b"0 /", b"/ 0", b"( 0", b"0 )", b" 0 0", b"0, 0", b"0..", b"0%0"],
    implementation=Implementation.DFA,
)


def _stray_spaces(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    shape = b" " + text.encode("utf-8", "surrogatepass").translate(_NUMBER_SHAPES)
    if not _STRAY.find_matches_as_indexes(shape):
        return []
    edits: list[tuple[int, int, str]] = []
    occupied = sorted(taken)  # disjoint spans already rewritten, in order: one walk per pattern (linear)
    for pattern in (
        _COMMA_GROUPS,
        _PAUSE,
        _ENCODED_SLASH,
        _SPACED_MARK,
        _SPACED_RUN,
        _SPACED_GROUPS,
        _SPACED_DIGITS,
        _SPACED_LETTERS,
    ):
        fresh: list[tuple[int, int]] = []
        index = 0
        for match in pattern.finditer(text):
            start, end = match.span()
            while index < len(occupied) and occupied[index][1] <= start:
                index += 1
            if (" " not in match.group() and pattern is not _PAUSE and pattern is not _ENCODED_SLASH) or (
                index < len(occupied) and occupied[index][0] < end
            ):
                continue  # nothing to drop, or inside a span already rewritten
            if pattern is _SPACED_RUN and not _uneven_run(match.group()):
                continue  # letters spaced out ("S I N"), or even gaps that _SPACED_GROUPS reads as groups
            if pattern is _COMMA_GROUPS:
                if _CARD_WORD.search(text, max(0, start - 120), start) is None:
                    continue  # four years or codes in a list
                edits.append((start, end, " ".join(group.replace(" ", "") for group in match.group().split(", "))))
                fresh.append((start, end))
                continue
            if pattern is _PAUSE or pattern is _ENCODED_SLASH:
                edits.append((start, end, " " if pattern is _PAUSE else "/"))
                fresh.append((start, end))
                continue
            if pattern is _SPACED_RUN:
                groups = _WIDE_GAP.split(match.group())
            elif pattern is _SPACED_GROUPS or pattern is _SPACED_LETTERS:
                groups = _GROUP_GAP.split(match.group())
            else:
                groups = [match.group()]
            edits.append((start, end, " ".join(group.replace(" ", "") for group in groups)))
            fresh.append((start, end))
        occupied = sorted(occupied + fresh)
    return edits


def _uneven_run(run: str) -> bool:
    """Five digits at least, and a gap of three spaces or a capital among them."""
    return sum(c.isdigit() for c in run) >= 5 and (_WIDE_GAP.search(run) is not None or any(c.isalpha() for c in run))


# What Python's case folding reads as ASCII letters though lower-casing does not give them (the
# patterns above match "ſeven" and "nıne" as digit words).
_FOLDED_LETTERS = str.maketrans({"\u017f": "s", "\u0131": "i", "\u0130": "I"})


def _digits(run: str, joined: bool) -> str:
    """A spoken run as digits: words joined, numerals kept apart as groups (or everything joined);
    spelled capitals joined to the number."""
    out: list[str] = []
    last_word = False
    for token in _PARTS.findall(run):
        lower = token.translate(_FOLDED_LETTERS).lower()  # "twenty-ſeven": folding matched it as "seven"
        head = lower.split()[0].split("-")[0]
        if head in _TENS:
            unit = lower[len(head) :].strip(" -")
            digits, word = _TENS[head] + (_DIGIT_WORDS[unit] if unit else "0"), True
        elif lower in _DIGIT_WORDS:
            digits, word = _DIGIT_WORDS[lower], True
        elif token.isalpha():
            out.append(token.upper())
            last_word = True  # a spelled capital joins the digits next to it
            continue
        else:
            digits, word = token, len(token) == 1
        if out and not joined and not (word and last_word):
            out.append(" ")
        out.append(digits)
        last_word = word
    return "".join(out).replace("  ", " ")


def _applied(text: str, edits: list[tuple[int, int, str]]) -> tuple[str, list[int]]:
    """``text`` with ``edits`` made; each new character maps to the first offset of what it
    replaced (spread over the replaced span), the others to their own."""
    pieces: list[str] = []
    offsets: list[int] = []
    position = 0
    for start, end, replacement in edits:
        pieces.append(text[position:start])
        offsets.extend(range(position, start))
        pieces.append(replacement)
        span = end - start
        offsets.extend(start + (i * span) // max(1, len(replacement)) for i in range(len(replacement)))
        position = end
    pieces.append(text[position:])
    offsets.extend(range(position, len(text) + 1))
    return "".join(pieces), offsets
