"""Where the line holding an offset starts and ends, and facts about a whole line, in time that
does not grow with the line.

Detectors ask about a value's line ("is it a CSV row?", "does it list versions?"). Read with
``text.rfind("\\n", 0, at)`` and a count over the line, each question costs the line's length: a
100 KB line of 10,000 addresses cost 10,000 times 100 KB. Here the text's newlines are indexed
once (then a bisection per question), and a fact about a line is computed once per line.

The index is kept for the last text each thread asked about (the one it is scanning), by
identity: a scan asks thousands of questions about one text, then moves on.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_State = tuple[str, list[int], dict[tuple[str, int], Any], dict[str, Any]]
_local = threading.local()


def _state(text: str) -> _State:
    state: _State | None = getattr(_local, "last", None)
    if state is None or state[0] is not text:
        newlines, at = [], text.find("\n")
        while at >= 0:
            newlines.append(at)
            at = text.find("\n", at + 1)
        state = _local.last = (text, newlines, {}, {})
    return state


def line_bounds(text: str, at: int) -> tuple[int, int]:
    """(start, end) of the line holding offset ``at``: ``end`` is its "\\n" (or the text's end),
    as ``text.rfind("\\n", 0, at) + 1`` and ``text.find("\\n", at)`` would say."""
    newlines = _state(text)[1]
    index = bisect_left(newlines, at)  # the first newline at or after ``at``
    start = newlines[index - 1] + 1 if index > 0 else 0
    end = newlines[index] if index < len(newlines) else len(text)
    return start, end


def line_start(text: str, at: int) -> int:
    return line_bounds(text, at)[0]


def line_fact(text: str, at: int, name: str, compute: Callable[[int, int], T]) -> T:
    """``compute(start, end)`` for the line holding ``at``, computed once per line and ``name``."""
    state = _state(text)
    start, end = line_bounds(text, at)
    facts = state[2]
    key = (name, start)
    if key in facts:
        known: T = facts[key]
        return known
    known = facts[key] = compute(start, end)
    return known


def text_fact(text: str, name: str, compute: Callable[[], T]) -> T:
    """``compute()`` about the whole text, computed once per text and ``name``."""
    facts = _state(text)[3]
    if name in facts:
        known: T = facts[name]
        return known
    known = facts[name] = compute()
    return known


def first_index(text: str, needle: str) -> int:
    """``text.find(needle)``, searched once per text and needle."""
    return text_fact(text, "find " + needle, lambda: text.find(needle))
