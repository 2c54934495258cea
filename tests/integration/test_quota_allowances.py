"""Capacity taken ahead from Redis (allowances): many processes never pass a limit and together
reach it, refunds stay local, idle capacity goes back. (That one process still decides exactly as
the in-process store is the random walk in test_quotas_redis.py.) Against a real Redis; without it
these skip (saying so), under CI=true they fail."""

from __future__ import annotations

import asyncio
import random
import time
import uuid

import redis

from gateway.schemas.limits import Limits
from gateway.services.quotas.base import CONCURRENT, RPM, TPM, Check, Scope
from gateway.services.quotas.redis_backend import RedisStore, counter_key
from tests.integration.test_quotas_redis import started

HOUR_AHEAD = time.time() + 3600  # windows in these tests end well after they finish


def fresh_prefix() -> str:
    return f"test:allow:{uuid.uuid4().hex[:10]}:"


async def leasing(url: str, prefix: str) -> RedisStore:
    return await started(url, prefix, prefetch_calls=16)


def counter(url: str, check: Check, prefix: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return int(client.get(counter_key(check, prefix)) or 0)
    finally:
        client.close()


def rpm(limit: int, scope: str = "model:m") -> Check:
    return Check(Scope(scope, scope, Limits(rpm=limit)), RPM, "1", limit, 1, 120, HOUR_AHEAD)


def test_a_steady_stream_of_calls_asks_redis_about_once_in_sixteen(redis_url: str) -> None:
    prefix = fresh_prefix()
    key_rpm = rpm(1_000_000, "key:k")
    model_tpm = Check(Scope("model:m", "model m", Limits(tpm=10**9)), TPM, "1", 10**9, 120, 120, HOUR_AHEAD)

    async def stream() -> int:
        store = await leasing(redis_url, prefix)
        round_trips = 0
        real_eval = store._eval

        async def counting_eval(*args: object) -> object:
            nonlocal round_trips
            round_trips += 1
            return await real_eval(*args)  # type: ignore[arg-type]

        store._eval = counting_eval  # type: ignore[method-assign,assignment]
        try:
            for index in range(320):
                assert (await store.take([key_rpm, model_tpm], f"l{index}", time.time())).granted
                await store.settle([(model_tpm, -70)], f"l{index}")  # used 50 of the 120 reserved
        finally:
            await store.aclose()
        return round_trips

    assert asyncio.run(stream()) <= 320 // 16 + 1
    assert counter(redis_url, key_rpm, prefix) == 320  # what was held and unspent went back at close
    assert counter(redis_url, model_tpm, prefix) == 320 * 50


def test_processes_taking_ahead_never_pass_a_limit_and_together_reach_it(redis_url: str) -> None:
    """Four stores (four gateways) take one request at a time until refused: exactly the limit
    gets through, and the shared counter ends at the limit (no capacity stranded)."""
    prefix = fresh_prefix()
    check = rpm(500)
    rng = random.Random(3)

    async def until_refused(store: RedisStore) -> int:
        granted = 0
        while (await store.take([check], "l", time.time())).granted:
            granted += 1
            if rng.random() < 0.3:
                await asyncio.sleep(0)
        return granted

    async def race() -> list[int]:
        stores = [await leasing(redis_url, prefix) for _ in range(4)]
        try:
            return list(await asyncio.gather(*(until_refused(store) for store in stores)))
        finally:
            for store in stores:
                await store.aclose()

    counts = asyncio.run(race())
    assert sum(counts) == 500, counts
    assert counter(redis_url, check, prefix) == 500


def test_near_the_limit_nothing_is_taken_ahead(redis_url: str) -> None:
    prefix = fresh_prefix()
    check = rpm(10)

    async def scenario() -> list[int]:
        store = await leasing(redis_url, prefix)
        seen = []
        try:
            for _ in range(10):
                assert (await store.take([check], "l", time.time())).granted
                seen.append(counter(redis_url, check, prefix))
            assert not (await store.take([check], "l", time.time())).granted
        finally:
            await store.aclose()
        return seen

    # The first take asks 16 ahead but gets floor(9 / 8) = 1; after that no grant fits.
    assert asyncio.run(scenario()) == [2, 2, 3, 4, 5, 6, 7, 8, 9, 10]


def test_refunds_stay_with_the_process_and_overruns_come_out_of_its_allowance(redis_url: str) -> None:
    prefix = fresh_prefix()
    tpm = Check(Scope("key:k", "key k", Limits(tpm=100_000)), TPM, "1", 100_000, 100, 120, HOUR_AHEAD)

    async def scenario() -> None:
        store = await leasing(redis_url, prefix)
        try:
            assert (await store.take([tpm], "a", time.time())).granted
            taken = counter(redis_url, tpm, prefix)
            assert taken == 100 + 16 * 100  # the call, and 16 more like it ahead
            await store.settle([(tpm, -60)], "a")  # used 40 of the 100 reserved
            await store.settle([(tpm, +25)], "b")  # another call overran its estimate by 25
            await store.drain()
            assert counter(redis_url, tpm, prefix) == taken  # both settled here, not in Redis
            decision = await store.take([tpm], "c", time.time())
            assert decision.granted and decision.used == (100 - 60 + 25,)  # exact with one process
        finally:
            await store.aclose()
        assert counter(redis_url, tpm, prefix) == 100 - 60 + 25 + 100  # the rest went back at close

    asyncio.run(scenario())


def test_capacity_one_process_holds_idle_goes_back_to_the_others(redis_url: str) -> None:
    """The price of taking ahead: a process that stops calling holds a little capacity the others
    cannot use, for about a second, never longer."""
    prefix = fresh_prefix()
    check = rpm(100)

    async def scenario() -> None:
        quiet, busy = await leasing(redis_url, prefix), await leasing(redis_url, prefix)
        try:
            assert (await quiet.take([check], "q", time.time())).granted  # took 1 + floor(99 / 8) = 12 ahead
            assert counter(redis_url, check, prefix) == 13
            granted = 0
            while (await busy.take([check], "b", time.time())).granted:
                granted += 1
            assert granted == 100 - 13  # refused early: 12 are held by the quiet process
            await asyncio.sleep(1.8)  # idle for over a second: given back
            assert counter(redis_url, check, prefix) == 1 + granted
            while (await busy.take([check], "b", time.time())).granted:
                granted += 1
            assert granted == 99
        finally:
            await quiet.aclose()
            await busy.aclose()

    asyncio.run(scenario())


def test_a_call_with_a_concurrency_limit_still_holds_a_slot_in_redis(redis_url: str) -> None:
    prefix = fresh_prefix()
    slot = Check(Scope("key:k", "key k", Limits(max_concurrent=1)), CONCURRENT, "", 1, 1, 60, HOUR_AHEAD)
    check = rpm(1000, "key:k")

    async def scenario() -> None:
        one, other = await leasing(redis_url, prefix), await leasing(redis_url, prefix)
        try:
            assert (await one.take([check, slot], "first", time.time())).granted
            assert not (await other.take([check, slot], "second", time.time())).granted
            await one.settle([(slot, 0)], "first")
            await one.drain()
            assert (await other.take([check, slot], "second", time.time())).granted
        finally:
            await one.aclose()
            await other.aclose()

    asyncio.run(scenario())


def test_a_lowered_limit_applies_at_once_and_what_was_taken_ahead_goes_back(redis_url: str) -> None:
    prefix = fresh_prefix()
    generous, strict = rpm(1000), rpm(3)

    async def scenario() -> list[bool]:
        store = await leasing(redis_url, prefix)
        try:
            assert (await store.take([generous], "a", time.time())).granted  # and 16 ahead
            assert counter(redis_url, generous, prefix) == 17
            # An admin lowers the limit to 3: one call was made, so two more fit, not sixteen.
            return [(await store.take([strict], f"b{i}", time.time())).granted for i in range(4)]
        finally:
            await store.aclose()

    assert asyncio.run(scenario()) == [True, True, False, False]
    assert counter(redis_url, strict, prefix) == 3


def test_a_budget_shared_by_two_processes_stops_at_the_budget_plus_what_was_in_flight(redis_url: str) -> None:
    """Calls reserve an estimate and settle their real cost, sometimes over the estimate. Two
    processes spend one daily budget taking capacity ahead: the total stops within one call's
    overrun per call in flight of the budget, and close to it from below."""
    prefix = fresh_prefix()
    budget, estimate = 1_000_000, 30_000  # micro-dollars
    day = Check(Scope("team:t", "team t", Limits()), "budget_usd_day", "20261127", budget, estimate, 86_400, HOUR_AHEAD)
    rng = random.Random(5)
    spent: list[int] = []

    async def spend(store: RedisStore, name: str) -> None:
        index = 0
        while (await store.take([day], f"{name}{index}", time.time())).granted:
            await asyncio.sleep(0)  # the call runs; the other process goes on meanwhile
            cost = rng.randint(10_000, 50_000)  # up to 20,000 over the estimate
            spent.append(cost)
            await store.settle([(day, cost - estimate)], f"{name}{index}")
            index += 1

    async def scenario() -> None:
        stores = [await leasing(redis_url, prefix), await leasing(redis_url, prefix)]
        try:
            await asyncio.gather(spend(stores[0], "a"), spend(stores[1], "b"))
        finally:
            for store in stores:
                await store.aclose()

    asyncio.run(scenario())
    assert budget - 3 * 50_000 <= sum(spent) <= budget + 2 * 20_000, (sum(spent), len(spent))
    assert counter(redis_url, day, prefix) == sum(spent)  # every settlement landed, nothing held back
