"""Word-start anchors: the words a regular expression's every match must start one of, so that a
text holding none of them is not searched at all.

Why: the prompt-attack patterns are ~60 regexes tried on four readings of every text; Python's
``re`` tries each of them at every word of a 2 KB prompt (8 ms of the event loop's time per
prompt, most of a guarded request's CPU). Most patterns begin with a group of words ("ignore",
"disregard", ...); a prompt whose words start with none of them cannot match, and a set lookup per
anchor says so. ``Reading.may_match`` is never wrong in that direction: an anchor is taken only
where the pattern itself puts a word start (``\\b``, whitespace, a non-word character) before a
group of literal prefixes, one of which every match must begin with, and a text's word starts are
its ``\\w+`` runs, Python's own definition of a word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from ahocorasick_rs import AhoCorasick, Implementation

PREFIX = 8  # characters of a word kept for lookups; a longer anchor is looked up by its first 8
_MANY = 4  # more strings than this go in an Aho-Corasick automaton
_FEW = 16  # a character class of at most this many letters is read as that many prefixes
SHORTEST = 3  # an anchor set with a shorter word rules out too little to be worth testing
_WORD = re.compile(r"\w+")
_WORD_START_AFTER = {sre.AT_BOUNDARY, sre.AT_BEGINNING, sre.AT_BEGINNING_LINE, sre.AT_BEGINNING_STRING}
Items = Any  # a parsed sequence (re._parser.SubPattern), iterated as (opcode, argument) pairs


@dataclass(frozen=True, slots=True)
class Anchors:
    """What every match needs: for each set in ``words``, a word of the text starting with one of
    its prefixes; and, when ``anywhere`` is set, one of its strings somewhere in the text."""

    words: tuple[frozenset[str], ...] = ()
    anywhere: frozenset[str] | None = None
    # The same, ready for lookups: each set's prefixes cut to PREFIX (one set intersection tests a
    # set), and the strings in an Aho-Corasick automaton when there are many (one pass over the
    # text, not a substring test per string: the multilingual patterns have 60-80 strings each;
    # a regular-expression alternation of them cost 0.3 ms on a 2 KB e-mail).
    lookups: tuple[frozenset[str], ...] = field(default=(), init=False, compare=False, repr=False)
    search: Callable[[str], object] | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lookups", tuple(frozenset(p[:PREFIX] for p in prefixes) for prefixes in self.words))
        if self.anywhere:
            strings = sorted(self.anywhere, key=len, reverse=True)
            search: Callable[[str], object]
            if len(strings) > _MANY:  # an automaton: one pass over the text, whatever the number of strings
                search = AhoCorasick(strings, implementation=Implementation.DFA).find_matches_as_indexes
            else:
                search = partial(_holds_any, tuple(strings))  # a few: str's own search
            object.__setattr__(self, "search", search)


def _holds_any(strings: tuple[str, ...], text: str) -> bool:
    return any(s in text for s in strings)


def anchors(pattern: re.Pattern[str]) -> Anchors | None:
    """What every match of ``pattern`` needs of a text, or None when the pattern does not say
    (then it is always searched)."""
    if pattern.flags & (re.IGNORECASE | re.ASCII):  # case folding; another definition of a word
        return None
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # never stand in the way: no anchors
        return None
    return _of_pattern(list(parsed))


def _of_pattern(items: list[tuple[Any, Any]]) -> Anchors | None:
    if len(items) == 1 and items[0][0] is sre.BRANCH:  # A|B: each branch needs its own
        found = [_of_pattern(list(branch)) for branch in items[0][1][1]]
        if any(a is None for a in found):
            return None
        chosen = [a for a in found if a is not None]
        if all(a.words for a in chosen):
            return Anchors(words=(frozenset().union(*(a.words[0] for a in chosen)),))
        return Anchors(anywhere=frozenset().union(*(a.words[0] if a.words else a.anywhere or () for a in chosen)))
    words: list[frozenset[str]] = []
    anywhere: set[str] | None = None
    word_start = False
    for index, (op, argument) in enumerate(items):
        leading = _leading(items[index:])
        if leading and all(leading):
            starts = {_first_word(s) for s in leading}  # a word-start lookup sees one word
            if word_start and min(map(len, starts)) >= SHORTEST:
                if frozenset(starts) not in words:  # the same after each lookaround before it
                    words.append(frozenset(starts))
            elif min(map(len, leading)) >= 2 and (anywhere is None or min(map(len, leading)) > min(map(len, anywhere))):
                anywhere = leading
        word_start = _after(word_start, op, argument)
    if words:  # the rarest first: a text is usually ruled out by the first lookup
        return Anchors(words=tuple(sorted(words, key=lambda w: (-min(len(s) for s in w), len(w)))))
    return Anchors(anywhere=frozenset(anywhere)) if anywhere else None


def _leading(items: Iterable[tuple[Any, Any]]) -> set[str] | None:
    """The literal prefixes one of which every match of ``items`` begins with; None: no prefix."""
    run = ""
    for op, argument in items:
        if op is sre.LITERAL:
            run += chr(argument)
            continue
        if op in (sre.ASSERT, sre.ASSERT_NOT):  # a lookaround consumes nothing
            continue
        if op is sre.IN and 0 < len(argument) <= _FEW and all(kind is sre.LITERAL for kind, _ in argument):
            return {run + chr(value) for _, value in argument}  # "zib[ae]": the parser's form of zib(?:a|e)
        if op is sre.BRANCH:
            tails: set[str] = set()
            for branch in argument[1]:
                tail = _leading(list(branch))
                tails |= tail if tail else {""}
            return {run + tail for tail in tails}
        if op is sre.SUBPATTERN and not argument[1] and not argument[2]:  # a group that sets no flags
            tail_set = _leading(list(argument[3]))
            return {run + tail for tail in tail_set} if tail_set else ({run} if run else None)
        break
    return {run} if run else None


def _after(word_start: bool, op: Any, argument: Any) -> bool:
    """Whether, after this item, a word character necessarily starts a word (``word_start``: the
    same before it)."""
    if op is sre.AT:
        return bool(argument in _WORD_START_AFTER)
    if op in (sre.ASSERT, sre.ASSERT_NOT):  # a lookaround consumes nothing: what held before still holds
        return word_start
    if op is sre.LITERAL:
        return not _is_word_char(chr(argument))
    if op is sre.IN:
        return _only_spaces(argument)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        taken = _after_all(False, list(argument[2]))  # whatever came before the last repetition
        return taken if argument[0] >= 1 else taken and word_start
    if op is sre.SUBPATTERN and not argument[1] and not argument[2]:
        return _after_all(word_start, list(argument[3]))
    if op is sre.BRANCH:
        return all(_after_all(word_start, list(branch)) for branch in argument[1])
    return False


def _after_all(word_start: bool, items: list[tuple[Any, Any]]) -> bool:
    for op, argument in items:
        word_start = _after(word_start, op, argument)
    return word_start


def _only_spaces(members: list[tuple[Any, Any]]) -> bool:
    return bool(members) and all(op is sre.CATEGORY and value is sre.CATEGORY_SPACE for op, value in members)


def _first_word(text: str) -> str:
    """The word ``text`` starts with ("" when it starts with no word character)."""
    found = _WORD.match(text)
    return found.group(0) if found else ""


def _is_word_char(char: str) -> bool:
    return _WORD.fullmatch(char) is not None


class Reading:
    """A text and the prefixes its words start with, for testing many patterns' anchors."""

    __slots__ = ("text", "_starts")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: set[str] | None = None

    def may_match(self, needs: Anchors | None) -> bool:
        """False only when the text lacks what every match needs (no match possible)."""
        if needs is None:
            return True
        if needs.words:
            if self._starts is None:
                words = set(_WORD.findall(self.text))
                self._starts = {word[:size] for word in words for size in range(SHORTEST, min(len(word), PREFIX) + 1)}
            starts = self._starts
            if any(starts.isdisjoint(lookup) for lookup in needs.lookups):
                return False
        return needs.search is None or bool(needs.search(self.text))
