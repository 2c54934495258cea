"""The Redis store: every gateway process sharing STRATA_REDIS_URL shares one cache.

One round trip per lookup (GET) and per store (SET ... PX ttl), on the quota store's pipelined
client (quotas/resp.py: one connection, no pool, a C-free but tiny parser). Keys are
``strata:cache:{model}:{scope}:{hash}`` (keys.py), so DELETE by model or team is a SCAN MATCH.

Redis failing never fails a call: a lookup answers a miss, a store is dropped, the first failure
of a run is logged (``errors`` counts them all) and Redis is not asked again for
``RETRY_AFTER_S``, so an outage costs one short timeout, not one per request.
"""

from __future__ import annotations

import time

from gateway.logs import LOG
from gateway.services.cache.keys import PREFIX
from gateway.services.quotas.resp import RespClient

TIMEOUT_S = 0.25  # a cache answer later than this is worth less than asking the model
RETRY_AFTER_S = 2.0
SCAN_COUNT = 1000


class RedisStore:
    def __init__(self, url: str, timeout_s: float = TIMEOUT_S) -> None:
        self._client = RespClient(url, timeout_s)
        self.errors = 0
        self._down_until = 0.0

    async def get(self, key: str) -> bytes | None:
        if self._down_until and not self._ready():
            return None
        try:
            reply = await self._client.call(b"GET", key)
        except Exception as exc:  # boundary: Redis down degrades to a miss
            self._failed(exc)
            return None
        self._down_until = 0.0
        return reply if isinstance(reply, bytes) else None

    async def put(self, key: str, value: bytes, ttl_s: float) -> None:
        if self._down_until and not self._ready():
            return
        try:
            await self._client.call(b"SET", key, value, b"PX", max(int(ttl_s * 1000), 1))
        except Exception as exc:  # boundary: an answer not kept is only a future miss
            self._failed(exc)

    async def delete(self, model_part: str | None, scope: str | None) -> int:
        """SCAN for the pattern, UNLINK what it finds; raises when Redis cannot be reached (an
        admin asked, and must know the entries are still there)."""
        pattern = f"{PREFIX}{model_part or '*'}:{scope or '*'}:*"
        cursor, dropped = b"0", 0
        while True:
            reply = await self._client.call(b"SCAN", cursor, b"MATCH", pattern, b"COUNT", SCAN_COUNT)
            cursor, keys = reply[0], reply[1]
            if keys:
                dropped += int(await self._client.call(b"UNLINK", *keys))
            if cursor in (b"0", "0"):
                return dropped

    async def aclose(self) -> None:
        await self._client.aclose()

    def _ready(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self, exc: BaseException) -> None:
        self.errors += 1
        if not self._down_until:
            LOG.warning("response cache: Redis unreachable, serving misses", extra={"fields": {"error": repr(exc)}})
        self._down_until = time.monotonic() + RETRY_AFTER_S
