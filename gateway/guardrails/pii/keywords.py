"""Context keywords as the detectors search them: one case-insensitive pattern per list, the
literal start of each keyword (its needle), and every list's needles in one Aho-Corasick automaton,
so that a text's needles are found in one pass however many lists a scan asks about."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import ahocorasick


@dataclass(frozen=True, slots=True)
class Keywords:
    """Context keywords: one case-insensitive pattern, and the literal start of each keyword (None
    when some keyword has none), to skip the pattern on texts that cannot hold any."""

    pattern: re.Pattern[str]
    needles: tuple[str, ...] | None


def after_keywords(
    pattern: re.Pattern[str], near: Keywords, reach: int, longest: int
) -> Callable[[str], Iterable[re.Match[str]]]:
    """A detector's ``matches`` for values its judge takes only after a keyword: ``pattern`` tried
    in the ``reach`` characters after each keyword (a value up to ``longest`` characters), not over
    the whole text. The keywords are found from their literal starts (``needles``: a few substring
    searches) where they have them."""

    def matches(text: str) -> Iterable[re.Match[str]]:
        last = -1
        for keyword_end in _keyword_ends(near, text):
            end = min(len(text), keyword_end + reach + longest)
            for match in pattern.finditer(text, keyword_end, end):
                if match.start() > last and match.start() <= keyword_end + reach:
                    last = match.start()
                    yield match

    return matches


def _keyword_ends(near: Keywords, text: str) -> list[int]:
    if near.needles is None:
        return [m.end() for m in near.pattern.finditer(text)]
    lowered = text.lower()
    if len(lowered) != len(text):  # lower-casing moved the offsets (rare letters): search it all
        return [m.end() for m in near.pattern.finditer(text)]
    ends = set()
    for needle in near.needles:
        at = lowered.find(needle)
        while at >= 0:
            if (found := near.pattern.match(text, at)) is not None:
                ends.add(found.end())
            at = lowered.find(needle, at + 1)
    return sorted(ends)


_UNSPACED = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")  # Korean nouns take their particles unspaced
# Lower-case Latin letters with accents, kana, CJK ideographs and Hangul too.
_LITERAL = re.compile(r"[a-z0-9 '/#\u00df-\u024f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]+")


def _needle(fragment: str) -> str | None:
    literal = _LITERAL.match(fragment)
    if literal is None:
        return None
    text = literal.group()
    if fragment[literal.end() : literal.end() + 1] in ("?", "*", "{"):
        text = text[:-1]  # the last character is optional
    return text or None


class _Needles:
    """Every keyword set's needles in one Aho-Corasick automaton: a text's present needles in one
    pass, however many sets ask (rebuilt when a set made later adds needles)."""

    def __init__(self) -> None:
        self.words: set[str] = set()
        self._automaton: Any = None

    def add(self, needles: Iterable[str]) -> None:
        fresh = set(needles) - self.words
        if fresh:
            self.words |= fresh
            self._automaton = None

    def present(self, lowered: str) -> frozenset[str]:
        automaton = self._automaton
        if automaton is None:
            automaton = ahocorasick.Automaton()
            for word in self.words:
                automaton.add_word(word, word)
            automaton.make_automaton()
            self._automaton = automaton
        return frozenset(word for _, word in automaton.iter(lowered))


NEEDLES = _Needles()


def keywords(*fragments: str, prefilter: bool = True) -> Keywords:
    """Keywords from regular expression fragments, each matched as a whole word (or words).
    ``prefilter``: look for the literal parts in the whole text first (worth it for keywords that
    gate a detector; not for long lists consulted once per candidate). Needles keep the fragments'
    order (the commonest first: a text that holds one stops the search early)."""
    spaced = [f for f in fragments if not _UNSPACED.match(f)]
    unspaced = [f for f in fragments if _UNSPACED.match(f)]  # Japanese, Chinese (and Korean particles): no spaces
    body = "|".join(sorted(spaced, key=len, reverse=True))
    alternatives = [rf"(?<![^\W_])(?:{body})(?![^\W_])"] + (
        ["|".join(sorted(unspaced, key=len, reverse=True))] if unspaced else []
    )
    pattern = re.compile("|".join(alternatives), re.IGNORECASE)
    needles = [_needle(f) for f in fragments]
    if not prefilter or None in needles:
        return Keywords(pattern, None)
    literal = [n for n in dict.fromkeys(needles) if n is not None]
    kept = tuple(n for n in literal if not any(o != n and o in n for o in literal))
    NEEDLES.add(kept)
    return Keywords(pattern, kept)
