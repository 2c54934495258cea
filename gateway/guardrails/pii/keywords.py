"""Context keywords as the detectors search them: one case-insensitive pattern per list, the
literal start of each keyword (its needle), and every list's needles in one Aho-Corasick automaton,
so that a text's needles are found in one pass however many lists a scan asks about."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from ahocorasick_rs import AhoCorasick, Implementation


@dataclass(frozen=True, slots=True)
class Keywords:
    """Context keywords: one case-insensitive pattern, and the literal start of each keyword (None
    when some keyword has none): every match of the pattern starts with one of them, so a text or a
    window holding none needs no search, and one holding some needs the pattern tried only there."""

    pattern: re.Pattern[str]
    needles: tuple[str, ...] | None
    needle_set: frozenset[str] = frozenset()  # ``needles`` as a set: whether a text mentions them is one set test


# Korean nouns take their particles unspaced; Thai, Lao, Khmer and Burmese do not space their words
_UNSPACED = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0eff\u1780-\u17ff\u1000-\u109f]")
# What a keyword in spaced script may not touch: a letter or digit, except one of an unspaced
# script ("受取銀行SWIFT：", "ログインID："), whose words run into a Latin label without a space.
_GLUED = r"[^\W_\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0eff\u1780-\u17ff\u1000-\u109f]"
_SPECIAL = frozenset(".^$*+?{}[]\\|()")  # what ends a fragment's literal start


def _needle(fragment: str) -> str | None:
    """The literal start of every match of ``fragment`` as ``str.lower`` writes it (None when it has
    none): its characters up to the first one with a meaning in a pattern, less one made optional."""
    if _branches(fragment):
        return None
    end = 0
    while end < len(fragment) and fragment[end] not in _SPECIAL and fragment[end] == fragment[end].lower():
        end += 1
    text = fragment[:end]
    if fragment[end : end + 1] in ("?", "*", "{"):
        text = text[:-1]  # the last character is optional
    return text or None


def _branches(fragment: str) -> bool:
    """Whether ``fragment`` has a "|" outside any group (its alternatives start differently)."""
    depth, escaped = 0, False
    for char in fragment:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


class _Needles:
    """Every keyword set's needles (and every gate's words) in one Aho-Corasick automaton: a text's
    present needles in one pass, however many sets ask (rebuilt when a set made later adds needles)."""

    def __init__(self) -> None:
        self.words: frozenset[str] = frozenset()
        self._automaton: _Automata | None = None

    def add(self, needles: Iterable[str]) -> None:
        fresh = set(needles) - self.words
        if fresh:
            self.words = self.words | fresh
            self._automaton = None

    def build(self) -> _Automata:
        """The automata for the needles added so far (about 4 ms for 500: built at import, once the
        detectors have added theirs, not by the first text scanned), and the one-character needles,
        kept out of them: "e" and "s" stand hundreds of times in any English text, and an automaton
        would list every one of them; ``in`` answers for each at once.

        Contiguous NFAs, not DFAs: as fast while in the CPU's caches (13 us on 2 KB), smaller, so
        faster once a request's other work has evicted them (17 against 20 us with 2 MB touched in
        between, 90 against 140 us with 24 MB; timed by hand). An ASCII text (most) is read by one
        holding only the ASCII needles (774 of 1,116), as none of the others can stand in it: 25
        against 32 us on a 2 KB prompt after 32 MB were written, 10 against 11 us warm."""
        built = self._automaton
        if built is None:
            words = self.words
            longer = sorted(w for w in words if len(w) > 1)
            single = tuple(sorted(w for w in words if len(w) == 1))
            built = self._automaton = _Automata(
                _automaton(longer),
                _automaton([w for w in longer if w.isascii()]),
                words,
                single,
                tuple(c for c in single if c.isascii()),
            )
        return built

    def present(self, lowered: str) -> tuple[frozenset[str], frozenset[str]]:
        """The needles ``lowered`` holds, and the needles that were looked for."""
        built = self.build()
        if lowered.isascii():
            automaton, single = built.ascii, built.ascii_single
        else:
            automaton, single = built.every, built.single
        found = set(automaton.find_matches_as_strings(lowered, overlapping=True))
        found.update(c for c in single if c in lowered)
        return frozenset(found), built.words


class _Automata(NamedTuple):
    every: AhoCorasick
    ascii: AhoCorasick  # the ASCII needles alone, for ASCII texts
    words: frozenset[str]
    single: tuple[str, ...]
    ascii_single: tuple[str, ...]


def _automaton(needles: list[str]) -> AhoCorasick:
    return AhoCorasick(needles, implementation=Implementation.ContiguousNFA)


NEEDLES = _Needles()


def keywords(*fragments: str) -> Keywords:
    """Keywords from regular expression fragments, each matched as a whole word (or words). Their
    needles join the text-wide automaton, so a search of a window first asks whether one of the
    needles the text holds stands in it. Needles keep the fragments' order."""
    spaced = [f for f in fragments if not _UNSPACED.match(f)]
    unspaced = [f for f in fragments if _UNSPACED.match(f)]  # Japanese, Chinese (and Korean particles): no spaces
    body = "|".join(sorted(spaced, key=len, reverse=True))
    alternatives = [rf"(?<!{_GLUED})(?:{body})(?!{_GLUED})"] + (
        ["|".join(sorted(unspaced, key=len, reverse=True))] if unspaced else []
    )
    pattern = re.compile("|".join(alternatives), re.IGNORECASE)
    needles = [_needle(f) for f in fragments]
    if None in needles:
        return Keywords(pattern, None)
    literal = tuple(n for n in dict.fromkeys(needles) if n is not None)
    NEEDLES.add(literal)
    return Keywords(pattern, literal, frozenset(literal))
