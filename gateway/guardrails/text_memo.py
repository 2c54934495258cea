"""Pattern checks remembered: a conversation re-sends its whole history on every turn, and an agent
its tool results on every step. A 2 KB message costs the PII scan ~0.2 ms and each word list ~0.05
ms of the event loop's time; without this, turn twenty pays again for the nineteen before it.

Kept by a 128-bit BLAKE2b digest of the text (the memo holds no text, so no PII stays in memory
here) and the check's scope (the PII scanner's types, a word list's serial); the results as tuples,
which callers turn into fresh objects of their own. Short texts are not kept: they are checked in
a few microseconds, and they are most of what changes from call to call. Bounded by entries, least
recently used first out; one lock, because the engine checks very large requests in a thread.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

MIN_CHARACTERS = 256  # shorter texts are checked every time (cheaper than digesting and looking up)
DEFAULT_ENTRIES = 16_384  # a few hundred bytes each: ~5 MB (STRATA_GUARDRAIL_SCAN_CACHE)


class TextMemo:
    def __init__(self, capacity: int = DEFAULT_ENTRIES) -> None:
        self.capacity = capacity  # entries kept; 0: nothing is
        self._kept: OrderedDict[Hashable, tuple[Any, ...]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def key(self, scope: Hashable, text: str) -> Hashable | None:
        """The memo's key for ``text`` checked under ``scope``; None when it is not kept."""
        if self.capacity <= 0 or len(text) < MIN_CHARACTERS:
            return None
        return scope, hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def get(self, key: Hashable) -> tuple[Any, ...] | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is None:
                self.misses += 1
                return None
            self._kept.move_to_end(key)
            self.hits += 1
            return kept

    def put(self, key: Hashable, result: tuple[Any, ...]) -> None:
        with self._lock:
            self._kept[key] = result
            self._kept.move_to_end(key)
            while len(self._kept) > self.capacity:
                self._kept.popitem(last=False)

    def resize(self, capacity: int) -> None:
        """Keep at most ``capacity`` entries from now on (0: none; the kept ones are dropped)."""
        with self._lock:
            self.capacity = capacity
            while len(self._kept) > max(capacity, 0):
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()

    def __len__(self) -> int:
        return len(self._kept)


CHECKED = TextMemo()
