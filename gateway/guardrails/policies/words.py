"""Word filters: custom words and phrases, and the managed PROFANITY list.

Matching is case-insensitive and on whole words: "ass" never matches "class", "assess" or
"Scunthorpe". A phrase matches as the same words in a row, whatever spacing or punctuation stands
between them on one line (up to ``MAX_GAP`` characters, no letter or digit), so "f-u-c-k" and
"f.u.c.k" match the list's "f u c k", and "project - - nightingale" the phrase "project nightingale".
Entries with symbols inside ("f*ck", "a$$") match literally, as whole tokens. Entries made only of
symbols ("!!!", "$$$", "-_-") match literally too, anywhere but inside a longer run of their own
edge characters: "!!!" in "wow!!!" and "wow !!! ok", not in "!!!!".

Text and entries are read folded (pii/folding.py): invisible characters inside a word do not split
it ("zebra\\u200bcorn" is "zebracorn"), fullwidth letters and digits are ASCII ones. A text with
invisible characters is also read with them as separators, as before; spans are the original text's.

Checking costs one tokenization of the text and a set intersection: only when every word of some
listed phrase is in the text does the slower position-by-position walk run. That keeps a 10,000-word
list as cheap as a 10-word one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources as package_files
from itertools import count

from gateway.guardrails.assessment import CUSTOM_WORDS, MANAGED_WORDS, Action, Detection
from gateway.guardrails.definition import Side, WordPolicyConfig
from gateway.guardrails.pii.folding import Folded, fold
from gateway.guardrails.policies.base import Resources, TextUnit
from gateway.guardrails.policies.regexes import REPORTED
from gateway.guardrails.text_memo import CHECKED

_WORD = re.compile(r"[^\W_]+")
_PLAIN = re.compile(r"[\w\s'.\-]+")  # entries made of words, spaces and joining punctuation
MAX_GAP = 32  # the most characters between two words of a phrase: keeps the walk linear
_SERIALS = count()  # each word list's own, for the memo of texts checked (text_memo.py)


@lru_cache(maxsize=4)
def _words_of(lowered: str) -> frozenset[str]:
    """The words of a text; remembered for the few latest texts, since every word list of a guardrail
    (custom words per action, the managed list) looks at the same text in turn."""
    return frozenset(_WORD.findall(lowered))


@lru_cache(maxsize=4)
def _folded(text: str) -> Folded:
    """``text`` folded; remembered like ``_words_of``, for the word lists that read it in turn."""
    return fold(text)


@dataclass(frozen=True, slots=True)
class WordList:
    """Phrases ready for matching: as word tuples under their first word, plus the symbol entries."""

    by_first: dict[str, tuple[tuple[str, ...], ...]]
    symbols: re.Pattern[str] | None = None
    marks: re.Pattern[str] | None = None  # a character only symbol entries have: they are looked for around it
    longest: int = 0  # the longest symbol entry
    serial: int = field(default_factory=lambda: next(_SERIALS), compare=False)

    def matches(self, text: str) -> list[tuple[int, int]]:
        """The (start, end) of every listed phrase in ``text``, left to right, not overlapping; a
        long text this list read before is answered from the memo (a conversation's history)."""
        key = CHECKED.key(("words", self.serial), text)
        if key is None:
            return self._read(text)
        kept = CHECKED.get(key)
        if kept is not None:
            return list(kept)
        found = self._read(text)
        CHECKED.put(key, tuple(found))
        return found

    def _read(self, text: str) -> list[tuple[int, int]]:
        folded = _folded(text)
        found = self._matches(folded.text)
        if not folded.removed:
            return found
        spans = {*(folded.span(start, end) for start, end in found), *self._matches(folded.wide)}
        kept: list[tuple[int, int]] = []  # the two readings' spans, the first (then longest) of overlapping ones
        for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
            if not kept or start >= kept[-1][1]:
                kept.append((start, end))
        return kept

    def _matches(self, text: str) -> list[tuple[int, int]]:
        lowered = text.lower()
        if len(lowered) != len(text):  # a few characters change length when lower-cased
            lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        found = self._phrases(text, lowered) if self._may_match(_words_of(lowered)) else []
        if self.symbols is not None and self.marks is not None:
            found = sorted({*found, *self._symbol_matches(text)})
        return found

    def _may_match(self, words: frozenset[str]) -> bool:
        """Whether every word of some listed phrase is in the text (a possessive's "s" alone must not
        send a text down the word-by-word walk for "s h i t")."""
        return any(
            len(phrase) == 1 or words.issuperset(phrase)
            for first in self.by_first.keys() & words
            for phrase in self.by_first[first]
        )

    def _symbol_matches(self, text: str) -> set[tuple[int, int]]:
        """Symbol entries, searched only around the (rare) symbol characters of the text."""
        assert self.symbols is not None and self.marks is not None
        spans: set[tuple[int, int]] = set()
        for mark in self.marks.finditer(text):
            low, high = max(0, mark.start() - self.longest), mark.end() + self.longest
            spans.update(m.span() for m in self.symbols.finditer(text, low, high) if _whole(text, *m.span()))
        return spans

    def _phrases(self, text: str, lowered: str) -> list[tuple[int, int]]:
        tokens = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(lowered)]
        found: list[tuple[int, int]] = []
        index = 0
        while index < len(tokens):
            length = self._phrase_at(tokens, index, text)
            if length:
                found.append((tokens[index][1], tokens[index + length - 1][2]))
                index += length
            else:
                index += 1
        return found

    def _phrase_at(self, tokens: list[tuple[str, int, int]], index: int, text: str) -> int:
        """The number of words of the longest phrase starting at ``tokens[index]`` (0: none)."""
        for phrase in self.by_first.get(tokens[index][0], ()):
            end = index + len(phrase)
            if end > len(tokens):
                continue
            if all(tokens[index + i][0] == word for i, word in enumerate(phrase)) and all(
                tokens[i + 1][1] - tokens[i][2] <= MAX_GAP and "\n" not in text[tokens[i][2] : tokens[i + 1][1]]
                for i in range(index, end - 1)
            ):
                return len(phrase)
        return 0


def compile_words(phrases: Iterable[str]) -> WordList:
    """A word list for ``phrases`` (duplicates and case ignored; longer phrases win over their prefixes)."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    symbols: list[str] = []
    for phrase in {folded.strip().lower() for folded in (fold(p).text for p in phrases) if folded.strip()}:
        words = tuple(_WORD.findall(phrase))
        if words and _PLAIN.fullmatch(phrase):
            by_first.setdefault(words[0], []).append(words)
        else:
            symbols.append(phrase)
    ordered = {first: tuple(sorted(set(group), key=len, reverse=True)) for first, group in by_first.items()}
    if not symbols:
        return WordList(ordered)
    marks = {c for entry in symbols for c in entry if not (c.isalnum() or c.isspace())}
    mark_pattern = re.compile("[" + "".join(re.escape(c) for c in sorted(marks)) + "]")
    return WordList(ordered, _symbol_pattern(symbols), mark_pattern, max(map(len, symbols)))


def _symbol_pattern(entries: Sequence[str]) -> re.Pattern[str]:
    """Symbol entries, longest first; whole-token boundaries are checked on each match (``_whole``)."""
    return re.compile("|".join(re.escape(e) for e in sorted(entries, key=len, reverse=True)), re.IGNORECASE)


def _whole(text: str, start: int, end: int) -> bool:
    """Not inside a longer word: no letter or digit right before or after. A match made only of
    symbols ("!!!") has no word to be inside of: it must not be inside a longer run of its first
    or last character ("!!!!")."""
    if not any(c.isalnum() for c in text[start:end]):
        return not (start > 0 and text[start - 1] == text[start]) and not (
            end < len(text) and text[end] == text[end - 1]
        )
    return not (start > 0 and text[start - 1].isalnum()) and not (end < len(text) and text[end].isalnum())


@cache
def profanity() -> WordList:
    """The managed PROFANITY list (gateway/guardrails/data/profanity.txt), compiled once."""
    text = package_files.files("gateway.guardrails.data").joinpath("profanity.txt").read_text(encoding="utf-8")
    return compile_words(line for line in text.splitlines() if line.strip() and not line.startswith("#"))


@dataclass(frozen=True, slots=True)
class WordCheck:
    """Phrases that share an action on this side, matched in one pass."""

    words: WordList
    action: Action  # BLOCKED or NONE
    managed: bool
    policy: str = "wordPolicy"
    waits: bool = False  # pure pattern work: the engine runs it inline, no task

    async def detect(self, units: Sequence[TextUnit]) -> list[Detection]:
        section = MANAGED_WORDS if self.managed else CUSTOM_WORDS
        found: list[Detection] = []
        for index, unit in enumerate(units):
            for start, end in self.words.matches(unit.text):
                entry = {"match": unit.text[start:end], **({"type": "PROFANITY"} if self.managed else {})}
                found.append(Detection(section, entry, self.action, (index, start, end)))
        return found


def checks(config: WordPolicyConfig, side: Side, resources: Resources) -> list[WordCheck]:
    out: list[WordCheck] = []
    by_action: dict[Action, list[str]] = {}
    for word in config.wordsConfig or ():
        if word.inputEnabled if side is Side.INPUT else word.outputEnabled:
            action = word.inputAction if side is Side.INPUT else word.outputAction
            by_action.setdefault(REPORTED[action], []).append(word.text)
    out += [WordCheck(compile_words(phrases), action, managed=False) for action, phrases in by_action.items()]
    for managed in config.managedWordListsConfig or ():
        if managed.inputEnabled if side is Side.INPUT else managed.outputEnabled:
            action = managed.inputAction if side is Side.INPUT else managed.outputAction
            out.append(WordCheck(profanity(), REPORTED[action], managed=True))
    return out
