"""A Hyperscan pattern that matches at least wherever a Python regular expression matches: what
lets one Hyperscan pass say which of many Python patterns need not be searched.

Hyperscan runs on bytes. A text is handed to it as ``stand_ins(text)``: its ASCII characters as
they are, and each other character as one byte standing for its kind in Python's eyes: ``_`` for
a word character ("é", "ж", "五"), ``\\x02`` for a space (no-break, ideographic), ``\\x01`` for
anything else ("’", "—", "€"). So Python's word boundaries fall where Hyperscan's do.

Why rewrite the pattern rather than hand Hyperscan the one written: Python's and PCRE's syntax
differ in places (``{,3}`` is a repeat in Python and literal text in PCRE; Python's ``\\s`` takes
``\\x1c``-``\\x1f``), and Hyperscan has no lookarounds or back-references. The pattern is parsed
with Python's own parser and written back item by item, each item matching at least what it
matched:

- a character or class becomes the set of bytes it accepts: its ASCII characters exactly, and the
  stand-in of every kind of other character it may accept;
- lookarounds are dropped, a back-reference becomes any text, ``\\B`` is dropped, and a start
  anchor inside the pattern is dropped (Hyperscan refuses one there);
- a repeat keeps its minimum (up to ``_MIN_KEPT``) and loses its maximum: Hyperscan compiles
  bounded repeats slowly, and an unbounded one only matches more;
- ``^`` and ``$`` are compiled multi-line, which matches more than single-line.

A pattern with case folding, or with anything this module does not know, gets no superset (None):
it is then always searched. ``tests/unit/test_attack_prefilter.py`` checks the promise over every
labelled text in the repository.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

WORD, SPACE, OTHER = ord("_"), 0x02, 0x01  # the stand-ins of characters outside ASCII
_ALL_KINDS = frozenset({WORD, SPACE, OTHER})
_ASCII = frozenset(range(128))
_START = "\x00"  # a start anchor while written: kept only first in the pattern
_MIN_KEPT = 4  # a repeat's minimum above this is lowered to it (fewer states; a superset still)
_DIGITS = frozenset(range(ord("0"), ord("9") + 1))
_WORD = frozenset(c for c in range(128) if re.match(r"\w", chr(c)))
_SPACE = frozenset(c for c in range(128) if re.match(r"\s", chr(c)))  # Python's: \x1c-\x1f included
# Each category: the ASCII characters it accepts, and the kinds of other characters it may accept
# (Python's \d takes other scripts' digits, which are word characters).
_CATEGORIES = {
    sre.CATEGORY_DIGIT: _DIGITS | {WORD},
    sre.CATEGORY_NOT_DIGIT: (_ASCII - _DIGITS) | _ALL_KINDS,
    sre.CATEGORY_SPACE: _SPACE | {SPACE},
    sre.CATEGORY_NOT_SPACE: (_ASCII - _SPACE) | {WORD, OTHER},
    sre.CATEGORY_WORD: _WORD | {WORD},
    sre.CATEGORY_NOT_WORD: (_ASCII - _WORD) | {SPACE, OTHER},
}
_ASSERTIONS = {
    sre.AT_BEGINNING: _START,
    sre.AT_BEGINNING_LINE: _START,
    sre.AT_BEGINNING_STRING: _START,
    sre.AT_END: "$",
    sre.AT_END_LINE: "$",
    sre.AT_END_STRING: r"\z",
    sre.AT_BOUNDARY: r"\b",  # over stand-ins, Hyperscan's ASCII word characters are Python's
    sre.AT_NON_BOUNDARY: "",
}
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_ERRORS = "strata-stand-ins"


class _Unknown(Exception):
    """An item this module cannot write as a superset."""


def superset(pattern: re.Pattern[str]) -> str | None:
    """A Hyperscan expression (compile it with HS_FLAG_MULTILINE, without UTF-8 mode) that matches
    ``stand_ins(text)`` wherever ``pattern`` matches ``text``; None when there is none to give."""
    if pattern.flags & re.IGNORECASE or isinstance(pattern.pattern, bytes):
        return None  # case folding maps characters outside ASCII onto letters ("K" for the Kelvin sign)
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        written = _items(list(parsed), bool(pattern.flags & re.DOTALL))
    except (_Unknown, re.error, RecursionError):
        return None
    if written.startswith(_START):
        return "^" + written[1:].replace(_START, "")
    return written.replace(_START, "")


def stand_ins(text: str) -> bytes:
    """``text`` as Hyperscan scans it: one byte per character."""
    if text.isascii():
        return text.encode("ascii")
    return text.encode("ascii", _ERRORS)


@lru_cache(maxsize=65536)
def kind(char: str) -> str:
    """The byte standing for a character outside ASCII."""
    if re.match(r"\w", char):
        return chr(WORD)
    return chr(SPACE) if re.match(r"\s", char) else chr(OTHER)


def _replace(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeEncodeError)
    return "".join(map(kind, error.object[error.start : error.end])), error.end


codecs.register_error(_ERRORS, _replace)


def _items(items: list[tuple[Any, Any]], dotall: bool) -> str:
    return "".join(_item(op, argument, dotall) for op, argument in items)


def _item(op: Any, argument: Any, dotall: bool) -> str:
    if op is sre.LITERAL:
        return _byte_class(frozenset({argument if argument < 128 else ord(kind(chr(argument)))}))
    if op is sre.NOT_LITERAL:
        return _byte_class((_ASCII - {argument}) | _ALL_KINDS)
    if op is sre.ANY:
        return _byte_class(_ASCII if dotall else _ASCII - {ord("\n")})
    if op is sre.IN:
        return _byte_class(_class(argument))
    if op is sre.AT:
        if argument not in _ASSERTIONS:
            raise _Unknown(argument)
        return _ASSERTIONS[argument]
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return ""  # a lookaround only ever rules matches out
    if op is sre.BRANCH:
        return "(?:" + "|".join(_items(list(branch), dotall) for branch in argument[1]) + ")"
    if op is sre.SUBPATTERN:
        _group, added, removed, inner = argument
        if added & re.IGNORECASE:
            raise _Unknown("case folding")
        dotall = (dotall or bool(added & re.DOTALL)) and not removed & re.DOTALL
        return "(?:" + _items(list(inner), dotall) + ")"
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return "(?:" + _items(list(argument), dotall) + ")"
    if op in _REPEATS:
        low, _high, inner = argument
        body = _items(list(inner), dotall)
        if not body:
            return ""
        low = min(low, _MIN_KEPT)
        return f"(?:{body})" + ("*" if low == 0 else "+" if low == 1 else f"{{{low},}}")
    if op is sre.GROUPREF:
        return r"[\x00-\x7f]*"  # whatever the group took
    if op is sre.GROUPREF_EXISTS:
        _group, yes, no = argument
        return "(?:" + _items(list(yes), dotall) + "|" + (_items(list(no), dotall) if no else "") + ")"
    raise _Unknown(op)


def _class(members: list[tuple[Any, Any]]) -> frozenset[int]:
    """The bytes a character class accepts over stand-ins."""
    chosen: set[int] = set()
    negated = False
    for op, value in members:
        if op is sre.NEGATE:
            negated = True
        elif op is sre.LITERAL:
            chosen.add(value if value < 128 else ord(kind(chr(value))))
        elif op is sre.RANGE:
            chosen.update(range(value[0], min(value[1], 127) + 1))
            if value[1] >= 128:
                chosen |= _ALL_KINDS
        elif op is sre.CATEGORY and value in _CATEGORIES:
            chosen |= _CATEGORIES[value]
        else:
            raise _Unknown(op)
    if negated:  # every kind of other character may be outside the members
        return frozenset((_ASCII - chosen) | _ALL_KINDS)
    return frozenset(chosen)


def _byte_class(codes: frozenset[int]) -> str:
    """A byte class of exactly these codes, in ranges."""
    ordered = sorted(codes)
    if not ordered:
        return r"\xff"  # a byte no stand-in text holds: an item that cannot match
    if len(ordered) == 1:
        return f"\\x{ordered[0]:02x}"
    parts = []
    start = previous = ordered[0]
    for code in ordered[1:] + [-1]:
        if code == previous + 1:
            previous = code
            continue
        parts.append(f"\\x{start:02x}" if start == previous else f"\\x{start:02x}-\\x{previous:02x}")
        start = previous = code
    return "[" + "".join(parts) + "]"
