"""Semantic index entries shared through a real Redis: two SemanticShare instances, each with its own
index (as two gateway processes have), learn each other's entries and clears; a starting one replays
recent entries; the stream stays bounded; an unreachable Redis never breaks the local index.

Without Redis these skip (saying so); under CI=true they fail. Each test uses a fresh key prefix.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

import numpy as np
import pytest
import redis

from gateway.config.redis import RedisEndpoint
from gateway.services.cache.semantic_index import SemanticIndex
from gateway.services.cache.semantic_share import SemanticShare
from tests.integration.conftest import QUOTA_REDIS_URL, require_redis
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.redis
DIM = 16
HOUR = 3600.0


@pytest.fixture()
def url() -> str:
    return require_redis(QUOTA_REDIS_URL)


@pytest.fixture()
def prefix(url: str) -> str:
    return f"strata:test:sem:{uuid.uuid4().hex[:10]}"


def vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


async def eventually(check: Callable[[], bool], within: float = 1.0) -> float:
    """Seconds until ``check()`` held; fails after ``within``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            raise AssertionError(f"not true within {within} s")
        await asyncio.sleep(0.01)
    return time.monotonic() - started


async def started(
    url: str, prefix: str, max_entries: int = 100, max_stream: int | None = None, retry_s: float = 1.0
) -> SemanticShare:
    index = SemanticIndex(max_entries=max_entries, dim=DIM)
    share = SemanticShare(index, url, prefix, max_stream=max_stream, retry_s=retry_s)
    await share.start()
    return share


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())  # type: ignore[arg-type]


def test_a_process_learns_another_processes_entry_within_a_second(url: str, prefix: str) -> None:
    async def scenario() -> None:
        a, b = await started(url, prefix), await started(url, prefix)
        try:
            a._index.add("part", vector(1), "key-1", time.time() + HOUR)
            await a.publish("part", vector(1), "key-1", time.time() + HOUR)
            took = await eventually(lambda: b._index.nearest("part", vector(1), 0.99, time.time()) is not None)
            assert took < 1.0
            assert b._index.nearest("part", vector(1), 0.99, time.time())[0] == "key-1"  # type: ignore[index]
            assert b._index.nearest("other", vector(1), 0.5, time.time()) is None
            await asyncio.sleep(0.2)
            assert len(a._index) == 1 and a.applied == 0  # its own message is not applied twice
        finally:
            await a.aclose()
            await b.aclose()

    run(scenario)


def test_a_starting_process_loads_recent_unexpired_entries_bounded_by_its_index(url: str, prefix: str) -> None:
    async def scenario() -> None:
        a = await started(url, prefix)
        try:
            await a.publish("part", vector(0), "short-lived", time.time() + 0.3)
            for i in range(1, 8):
                await a.publish("part", vector(i), f"key-{i}", time.time() + HOUR)
            await asyncio.sleep(0.4)
            late = await started(url, prefix, max_entries=4)
            try:
                assert len(late._index) == 4
                held = {k for k in (f"key-{i}" for i in range(8)) if k in late._index}
                assert held == {f"key-{i}" for i in range(4, 8)}  # the most recent ones
                assert "short-lived" not in late._index
            finally:
                await late.aclose()
        finally:
            await a.aclose()

    run(scenario)


def test_a_clear_reaches_every_process_and_outlives_a_restart(url: str, prefix: str) -> None:
    async def scenario() -> None:
        a, b = await started(url, prefix), await started(url, prefix)
        try:
            for i, part in enumerate(("model-a:team-1", "model-a:team-2", "model-b:team-1")):
                await a.publish(part, vector(i), f"key-{i}", time.time() + HOUR)
            await eventually(lambda: len(b._index) == 3)
            await a.clear("model-a:")
            await eventually(lambda: len(b._index) == 1)
            assert "key-2" in b._index
            fresh = await started(url, prefix)  # replays the entries, then the clear after them
            try:
                assert len(fresh._index) == 1 and "key-2" in fresh._index
            finally:
                await fresh.aclose()
            await b.clear(None)
            await eventually(lambda: len(a._index) == 0 and len(b._index) == 0)
        finally:
            await a.aclose()
            await b.aclose()

    run(scenario)


def test_the_guard_travels_with_a_shared_entry(url: str, prefix: str) -> None:
    async def scenario() -> None:
        a, b = await started(url, prefix), await started(url, prefix)
        try:
            await a.publish("part", vector(1), "km", time.time() + HOUR, text="Convert 5 km to miles")
            await eventually(lambda: "km" in b._index)
            now = time.time()
            assert b._index.nearest("part", vector(1), 0.9, now, text="convert 5 kilometres to miles") is not None
            assert b._index.nearest("part", vector(1), 0.9, now, text="Convert 5 miles to km") is None
        finally:
            await a.aclose()
            await b.aclose()

    run(scenario)


def test_the_stream_in_redis_stays_bounded(url: str, prefix: str) -> None:
    async def scenario() -> None:
        a = await started(url, prefix, max_stream=100)
        try:
            for i in range(1000):
                await a.publish(f"part-{i % 7}", vector(i), f"key-{i}", time.time() + HOUR)
        finally:
            await a.aclose()

    run(scenario)
    client = redis.Redis.from_url(url)
    try:
        length = client.xlen(f"{prefix}:stream")
        assert 100 <= length < 300  # MAXLEN ~ trims whole nodes: near the cap, never the whole history
        assert 0 < client.ttl(f"{prefix}:stream") <= HOUR  # and it leaves with its longest-lived entry
    finally:
        client.delete(f"{prefix}:stream")
        client.close()


def test_an_unreachable_redis_leaves_the_local_index_working_and_is_retried(
    url: str, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="strata")
    endpoint = RedisEndpoint.parse(url)

    async def scenario() -> None:
        with TcpProxy(endpoint.host, endpoint.port) as proxy:
            proxy.cut()
            down = await started(f"redis://127.0.0.1:{proxy.port}/{endpoint.db}", prefix, retry_s=0.2)
            other = await started(url, prefix)
            try:
                assert not down.healthy
                for i in range(3):  # never raises; dropped
                    await down.publish("part", vector(i), f"mine-{i}", time.time() + HOUR)
                down._index.add("part", vector(9), "local", time.time() + HOUR)
                assert down._index.nearest("part", vector(9), 0.99, time.time())[0] == "local"  # type: ignore[index]
                assert down.dropped == 3
                await other.publish("part", vector(5), "while-down", time.time() + HOUR)
                await asyncio.sleep(0.5)
                proxy.restore()
                await eventually(lambda: down.healthy, within=3.0)
                await eventually(lambda: "while-down" in down._index)  # replayed what it missed
                await other.publish("part", vector(6), "after", time.time() + HOUR)
                await eventually(lambda: "after" in down._index)
            finally:
                await down.aclose()
                await other.aclose()

    run(scenario)
    warnings = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(warnings) == 1  # logged once for the outage, not once per retry
    assert any("reachable again" in r.getMessage() for r in caplog.records)
