"""Typos of the attack words read as the words ("ignroe all prevoius insturctions"): one of the
readings ``attacks.readings`` gives a text."""

from __future__ import annotations

import re
from collections.abc import Iterable

# The attack words that typos hide ("ignroe all prevoius insturctions"): a word of the text within
# one edit (a letter deleted, added or changed, two neighbours swapped) of one of them is read as it.
KEY_WORDS = (
    "ignore", "disregard", "previous", "instructions", "instruction", "guidelines", "restrictions",
    "limitations", "system", "prompt", "rules", "forget", "override", "reveal", "bypass", "directives",
    "everything", "unrestricted", "unfiltered", "uncensored", "jailbreak", "confidential", "censorship",
)  # fmt: skip
# Real words one edit from a key word: never corrected.
_NOT_TYPOS = frozenset(
    "ignores ignored ignorer roles ruler rulers ruled runes ruses rubes rubles mules forgot forged forger forgets"
    " revel reveals overrode overrides systems prompts prompted promptly disregards directive guideline"
    " restriction limitation".split()
).union(KEY_WORDS)
TYPO_WORD = re.compile(r"[a-z]{5,}")  # the key words are ASCII (faster than any letter)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


_BY_DELETE: dict[str, set[str]] = {}
for _key in KEY_WORDS:
    for _deleted in _deletes(_key) | {_key}:
        _BY_DELETE.setdefault(_deleted, set()).add(_key)


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one deletion, insertion, substitution or adjacent swap."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    after = start + 1
    if len(a) != len(b):
        short, long = (a, b) if len(a) < len(b) else (b, a)
        return short[start:] == long[after:]
    if a[after:] == b[after:]:
        return True
    return after < len(a) and a[start] == b[after] and a[after] == b[start] and a[after + 1 :] == b[after + 1 :]


_TYPO_CACHE: dict[str, str | None] = {}  # word: the key word it is a typo of
_TYPO_CACHE_SIZE = 50_000


def _key_word(word: str) -> str | None:
    """The key word ``word`` is a typo of, or None."""
    if word in _NOT_TYPOS:
        return None
    found = set(_BY_DELETE.get(word, ()))
    for deleted in _deletes(word):
        found |= _BY_DELETE.get(deleted, set())
    matches = sorted(key for key in found if _one_edit(word, key))
    return matches[0] if matches else None


def typo_fixes(words: Iterable[str]) -> dict[str, str]:
    """The words of ``words`` that are typos of key words, each with its key word."""
    fixes = {}
    for word in set(words):
        try:
            key = _TYPO_CACHE[word]
        except KeyError:
            if len(_TYPO_CACHE) >= _TYPO_CACHE_SIZE:
                _TYPO_CACHE.clear()
            key = _TYPO_CACHE[word] = _key_word(word)
        if key is not None:
            fixes[word] = key
    return fixes


def fixed(text: str, fixes: dict[str, str]) -> str:
    return TYPO_WORD.sub(lambda m: fixes.get(m.group(0), m.group(0)), text) if fixes else text
