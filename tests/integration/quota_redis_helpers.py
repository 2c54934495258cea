"""What the shared-Redis quota tests share: fresh names (so that nothing is flushed and runs never see
each other's counters), and a chat call through a gateway."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx

from gateway.services.quotas.redis_backend import RedisStore
from tests.integration.conftest import USER
from tests.support.gateway import RunningGateway

HEALTHY_WITHIN_S = 5.0


async def start_healthy(store: RedisStore) -> RedisStore:
    """``store`` started against the test Redis, and answering. Its first PING has 1 s: on a loaded
    2-core CI machine it once missed that (a TimeoutError, 1 of 3,877 tests), and the store's
    probe then reconnects within a second, as it would in production. These tests are about what
    a healthy store does, so they wait for the probe rather than fail on the first ping."""
    await store.start()
    deadline = time.monotonic() + HEALTHY_WITHIN_S
    while not store.healthy and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert store.healthy, store.last_error
    return store


def fresh_minute(need_s: float = 10.0) -> None:
    """Wait out the current UTC minute if fewer than ``need_s`` seconds are left in it: per-minute
    limits count in fixed minutes, and calls either side of a boundary are counted apart."""
    left = 60.0 - time.time() % 60.0
    if left < need_s:
        time.sleep(left + 0.05)


def fresh() -> str:
    return uuid.uuid4().hex[:10]


def _post(gateway: RunningGateway, model: str) -> httpx.Response:
    payload = {"model": model, "messages": USER}
    return httpx.post(f"{gateway.openai_base}/chat/completions", json=payload, headers=gateway.headers(), timeout=10)
