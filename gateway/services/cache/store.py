"""Where cached answers live: in process (memory.py) or in Redis (redis_store.py), one contract."""

from __future__ import annotations

from typing import Protocol


class CacheStore(Protocol):
    """Bytes by key, each with its own time to live. A store that fails answers a miss (get),
    drops the write (put) and says so in its log, never an error to the caller."""

    async def get(self, key: str) -> bytes | None: ...

    async def put(self, key: str, value: bytes, ttl_s: float) -> None: ...

    async def delete(self, model_part: str | None, scope: str | None) -> int:
        """Drop the entries of a model and/or scope (both None: all); how many were dropped."""
        ...

    async def aclose(self) -> None: ...
