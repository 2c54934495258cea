"""Capacity a process took ahead from a shared Redis limit goes back when the process dies.

A process takes a little of each limit ahead of its next calls (allowance.py). Before holdings.py,
a process killed with capacity in hand left it counted until the window ended: after one crash a
key with a daily budget was refused at a third of its real spend, until midnight UTC.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import redis

from gateway.schemas.limits import Limits
from gateway.services.quotas.base import RPM, Check, Scope
from gateway.services.quotas.redis_backend import RedisStore, counter_key
from tests.integration.quota_redis_helpers import start_healthy

LIMIT = 1000


def rpm_check(prefix: str) -> Check:
    scope = Scope(f"key:{prefix}", "key", Limits(rpm=LIMIT))
    return Check(scope, RPM, str(int(time.time() // 3600)), LIMIT, 1, 3600, time.time() + 3600)


async def started(url: str, prefix: str, hold_ttl_s: float = 1.0) -> RedisStore:
    store = RedisStore(url, prefix=prefix, prefetch_calls=16)
    assert store.holdings is not None
    store.holdings.hold_ttl_s = hold_ttl_s
    return await start_healthy(store)


async def crash(store: RedisStore) -> None:
    """Stop as a killed process does: no give-back, no goodbye."""
    for task in (store._returner, store._renewer):
        if task is not None:
            task.cancel()
    await store._client.aclose()


def counted(url: str, check: Check, prefix: str) -> int:
    return int(redis.Redis.from_url(url).get(counter_key(check, prefix)) or 0)


async def wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.1)
    return False


def test_what_a_killed_process_held_ahead_goes_back_to_the_shared_limit(redis_url: str) -> None:
    prefix = f"test:quota:{uuid.uuid4().hex[:10]}:"
    check = rpm_check(prefix)

    async def scenario() -> None:
        doomed = await started(redis_url, prefix)
        survivor = await started(redis_url, prefix)
        try:
            assert (await doomed.take([check], "call-1", time.time())).granted
            assert counted(redis_url, check, prefix) > 1  # one call, and capacity taken ahead of the next
            await asyncio.sleep(0.8)  # its returner writes down what it holds
            await crash(doomed)
            assert await wait_for(lambda: counted(redis_url, check, prefix) == 1, 6.0), counted(
                redis_url, check, prefix
            )
        finally:
            await survivor.aclose()

    asyncio.run(scenario())


def test_a_process_that_shuts_down_gives_back_exactly_what_it_held(redis_url: str) -> None:
    prefix = f"test:quota:{uuid.uuid4().hex[:10]}:"
    check = rpm_check(prefix)

    async def scenario() -> None:
        store = await started(redis_url, prefix, hold_ttl_s=30)
        for call in range(3):
            assert (await store.take([check], f"call-{call}", time.time())).granted
        await asyncio.sleep(0.8)
        await store.aclose()

    asyncio.run(scenario())
    client = redis.Redis.from_url(redis_url)
    assert counted(redis_url, check, prefix) == 3
    assert client.zcard(f"{prefix}holders") == 0 and not client.keys(f"{prefix}held:*")


def test_a_process_that_stalled_past_its_lease_does_not_spend_what_was_reclaimed(redis_url: str) -> None:
    prefix = f"test:quota:{uuid.uuid4().hex[:10]}:"
    check = rpm_check(prefix)

    async def scenario() -> None:
        stalled = await started(redis_url, prefix, hold_ttl_s=30)
        other = await started(redis_url, prefix, hold_ttl_s=30)
        try:
            assert (await stalled.take([check], "call-1", time.time())).granted
            await asyncio.sleep(0.8)
            assert stalled.allowances.snapshot()
            assert stalled.holdings is not None
            redis.Redis.from_url(redis_url).zadd(f"{prefix}holders", {stalled.holdings.holder: 0})  # its lease lapsed
            assert await wait_for(lambda: counted(redis_url, check, prefix) == 1, 4.0)  # reclaimed by the other
            assert await wait_for(lambda: not stalled.allowances.snapshot(), 2.0)  # and dropped, not spent
        finally:
            await stalled.aclose()
            await other.aclose()
        assert counted(redis_url, check, prefix) == 1  # nothing given back twice

    asyncio.run(scenario())


def test_what_a_process_held_before_a_redis_outage_goes_back_when_redis_answers(redis_url: str) -> None:
    """The process forgets its allowances when Redis fails (a 10 s cut inflated a day's budget by
    $8-20); once Redis answers, its written record gives them back."""
    from tests.integration.test_quotas_redis import RedisProxy

    prefix = f"test:quota:{uuid.uuid4().hex[:10]}:"
    check = rpm_check(prefix)

    async def scenario() -> None:
        proxy = RedisProxy()
        await proxy.up()
        store = RedisStore(f"redis://127.0.0.1:{proxy.port}/12", prefix=prefix, prefetch_calls=16, probe_s=0.1)
        await store.start()
        try:
            assert (await store.take([check], "call-1", time.time())).granted
            await asyncio.sleep(0.8)  # written down
            assert counted(redis_url, check, prefix) > 1
            await proxy.down()
            try:
                await store.take([rpm_check(prefix + "other")], "call-2", time.time())  # must ask Redis
            except (ConnectionError, OSError, TimeoutError) as cut:
                store.failed(cut)  # as the quota service does with a store's error
            assert not store.healthy and not store.allowances.snapshot()
            await proxy.up()
            assert await wait_for(lambda: counted(redis_url, check, prefix) == 1, 6.0), counted(
                redis_url, check, prefix
            )
        finally:
            await store.aclose()
            await proxy.down()

    asyncio.run(scenario())
