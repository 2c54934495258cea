"""The in-process store: least recently used entries out first, bounded by the bytes it holds."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from gateway.services.cache.keys import PREFIX

OVERHEAD = 120  # bytes counted per entry beyond its key and value (the dict slot, the tuple)


class MemoryStore:
    def __init__(self, max_bytes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes = max_bytes
        self._clock = clock
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()  # key -> (value, expires)
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> bytes | None:
        found = self._entries.get(key)
        if found is None:
            return None
        if found[1] <= self._clock():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return found[0]

    async def put(self, key: str, value: bytes, ttl_s: float) -> None:
        size = len(key) + len(value) + OVERHEAD
        if size > self.max_bytes:
            return  # larger than the whole cache: not kept
        if key in self._entries:
            self._drop(key)
        while self.bytes + size > self.max_bytes and self._entries:
            self._drop(next(iter(self._entries)))
        self._entries[key] = (value, self._clock() + ttl_s)
        self.bytes += size

    async def delete(self, model_part: str | None, scope: str | None) -> int:
        keys = [key for key in self._entries if _matches(key, model_part, scope)]
        for key in keys:
            self._drop(key)
        return len(keys)

    async def aclose(self) -> None:
        self._entries.clear()
        self.bytes = 0

    def _drop(self, key: str) -> None:
        value, _ = self._entries.pop(key)
        self.bytes -= len(key) + len(value) + OVERHEAD


def _matches(key: str, model_part: str | None, scope: str | None) -> bool:
    model, key_scope, _ = key[len(PREFIX) :].split(":", 2)
    return (model_part is None or model == model_part) and (scope is None or key_scope == scope)
