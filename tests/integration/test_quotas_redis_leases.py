"""Concurrency slots in Redis are short leases their process renews while the call runs: a long
call keeps its slot for as long as it runs, and the slots of a process that died (SIGKILL, OOM, a
lost node) free within one lease, not after the longest a call may take (the key used to be
refused by every other gateway for ten minutes)."""

from __future__ import annotations

import asyncio
import time

from gateway.schemas.limits import Limits
from gateway.services.quotas.base import CONCURRENT, Check, Scope
from gateway.services.quotas.redis_backend import RedisStore
from tests.integration.quota_redis_helpers import start_healthy
from tests.integration.test_quotas_redis import fresh

LEASE_S = 1
CALL_MAY_TAKE_S = 600  # the model's deadline: what the lease used to be


def _slot() -> Check:
    return Check(Scope("key:k", "key k", Limits(max_concurrent=1)), CONCURRENT, "", 1, 1, CALL_MAY_TAKE_S, 0.0)


async def _store(url: str, prefix: str) -> RedisStore:
    return await start_healthy(RedisStore(url, prefix=prefix, lease_s=LEASE_S))


def test_a_running_call_keeps_its_slot_past_the_lease_and_frees_it_when_it_ends(redis_url: str) -> None:
    prefix, slot = f"test:quota:{fresh()}:", _slot()

    async def scenario() -> None:
        holder, other = await _store(redis_url, prefix), await _store(redis_url, prefix)
        try:
            assert (await holder.take([slot], "long-call", time.time())).granted
            await asyncio.sleep(LEASE_S * 2.5)  # renewed meanwhile
            assert not (await other.take([slot], "other", time.time())).granted
            await holder.settle([(slot, -1)], "long-call")
            await holder.drain()
            assert (await other.take([slot], "other", time.time())).granted
        finally:
            await holder.aclose()
            await other.aclose()

    asyncio.run(scenario())


def test_the_slot_of_a_process_that_died_frees_within_one_lease(redis_url: str) -> None:
    prefix, slot = f"test:quota:{fresh()}:", _slot()

    async def scenario() -> None:
        dead, other = await _store(redis_url, prefix), await _store(redis_url, prefix)
        try:
            assert (await dead.take([slot], "lost", time.time())).granted
            dead._held.clear()  # the process is gone: nobody renews its slot, nobody settles it
            assert not (await other.take([slot], "other", time.time())).granted
            await asyncio.sleep(LEASE_S + 0.5)
            assert (await other.take([slot], "other", time.time())).granted
        finally:
            await dead.aclose()
            await other.aclose()

    asyncio.run(scenario())
