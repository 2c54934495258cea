"""Hearing other processes' changes: a Redis channel whose messages name what to forget.

Keys and guardrails are cached in every process; a process that changes one publishes its id, and
every process (itself included) drops its copy at once. A lost connection is not fatal: the caches'
TTLs cover the gap, and ``lost`` lets the cache ask again for whatever changed meanwhile.

Publishing is bounded (``broadcast``): redis-py retries a refused connection with backoff, about
3 s, and a change made through the admin API waited for that on every call while Redis was down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from gateway.logs import LOG

BROADCAST_S = 0.5  # the longest a change waits to be published (healthy Redis: about a millisecond)


async def broadcast(redis: Any, channel: str, message: str, what: str) -> None:
    """Publish ``message``, waiting at most BROADCAST_S; a failure is logged (the TTLs cover the gap)."""
    try:
        await asyncio.wait_for(redis.publish(channel, message), BROADCAST_S)
    except Exception as exc:  # boundary: the others fall back to their TTL
        LOG.warning(f"could not broadcast a {what}", extra={"fields": {"error": repr(exc)}})


async def listen(redis: Any, channel: str, forget: Callable[[str], None], lost: Callable[[], None], what: str) -> None:
    """Call ``forget(id)`` for each message on ``channel``, until cancelled; reconnect after a second."""
    while True:
        try:
            pubsub = redis.pubsub()
            await pubsub.subscribe(channel)
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    data = message["data"]
                    forget(data.decode() if isinstance(data, bytes) else str(data))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # boundary: keep listening; the TTLs cover the gap
            LOG.warning(f"{what} listener lost Redis", extra={"fields": {"error": repr(exc)}})
            lost()
            await asyncio.sleep(1.0)
