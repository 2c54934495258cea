"""What every match of a pattern must contain: a set of literals, one of which stands in any text
the pattern matches, read off the pattern's parse. The scanner asks the keyword automaton for them
(its one pass over the lower-cased text is already made), so a detector whose literals are all
absent is skipped without a call, a gate or a search of its own.

Why not a Hyperscan database of the patterns (as for the prompt-attack patterns): its tables are
~2 MB for these 70 patterns; in a gateway, where the rest of a request has just filled the CPU's
caches, one pass took 115 us against 17 us warm, more than the detectors it ruled out cost. A set
test against needles already found touches nothing new.

Literals are of ASCII characters, compared lower-cased in the lower-cased text: a character in a
text is in it lower-cased too. Under case folding that holds for ASCII letters too, but for three
characters Python's folding takes for ASCII letters and lower-casing does not ("ı", "İ", "ſ"): a
text holding one of those (``FOLDED_APART``) is searched by every detector.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

# Characters outside ASCII that Python's case folding takes for an ASCII letter, but whose
# lower-case is not that letter (the Kelvin sign's is "k"): checked against every character in
# tests/unit/test_pii_required_literals.py.
FOLDED_APART = ("\u0130", "\u0131", "\u017f")
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_MOST = 24  # more alternatives than this: the set says too little to be worth asking


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-cased literals one of which every match of ``pattern`` contains; None when the parse
    gives none (or none worth testing)."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        found = _sequence(list(parsed))
    except (re.error, RecursionError):
        return None
    if found is None or len(found) > _MOST:
        return None
    return frozenset(found)


def _sequence(items: list[tuple[Any, Any]]) -> set[str] | None:
    """The best literal set among a sequence's items: every match of the sequence holds each item's."""
    best: set[str] | None = None
    run: list[str] = []

    def keep(candidate: set[str] | None) -> None:
        nonlocal best
        if candidate and (best is None or _better(candidate, best)):
            best = candidate

    for op, argument in items:
        char = _literal(op, argument)
        if char is not None:
            run.append(char)
            continue
        if run:
            keep({"".join(run)})
            run = []
        keep(_item(op, argument))
    if run:
        keep({"".join(run)})
    return best


def _literal(op: Any, argument: Any) -> str | None:
    """The ASCII character (lower-cased) a literal item stands for; None for any other item. A
    character outside ASCII ends a literal: its other cases need not lower-case to it, and a text's
    lower case may depend on what stands around it ("Σ" at a word's end is "ς")."""
    if op is not sre.LITERAL or argument >= 128:
        return None
    return chr(argument).lower()


def _item(op: Any, argument: Any) -> set[str] | None:
    """Case folding needs no tracking: literals are lower-cased either way."""
    if op is sre.SUBPATTERN:
        return _sequence(list(argument[3]))
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _sequence(list(argument))
    if op is sre.BRANCH:
        union: set[str] = set()
        for branch in argument[1]:
            found = _sequence(list(branch))
            if not found:
                return None  # a branch that needs no literal: the alternation needs none
            union |= found
        return union
    if op in _REPEATS:
        low, _high, inner = argument
        return _sequence(list(inner)) if low >= 1 else None
    return None  # classes, lookarounds, anchors, back-references: nothing required


def _better(one: set[str], other: set[str]) -> bool:
    """Whether ``one`` rules out more texts: its shortest literal longer, then fewer literals."""
    return (min(map(len, one)), -len(one)) > (min(map(len, other)), -len(other))
