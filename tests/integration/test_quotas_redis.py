"""Limits shared through a real Redis: the Lua store against the in-process rule, atomicity across
stores, leases, scripts Redis forgot, and outages (a store falling back to per-process limits or
refusing, then recovering; a gateway started without its Redis). Two gateway processes sharing one
limit: test_quotas_redis_gateways.py.

Without Redis these skip (saying so); under CI=true they fail. Every test uses fresh names (scopes,
models or key prefixes), so nothing is flushed and runs never see each other's counters.
"""

from __future__ import annotations

import asyncio
import random
import time

import httpx
import pytest
import redis
import yaml

from gateway.errors import ServiceUnavailable
from gateway.schemas.limits import Limits
from gateway.services.context import CallContext, Principal
from gateway.services.quotas import redis_backend
from gateway.services.quotas.base import CONCURRENT, RPM, TPM, Check, Decision, Scope
from gateway.services.quotas.memory import MemoryStore
from gateway.services.quotas.redis_backend import RedisStore, counter_key
from gateway.services.quotas.service import QuotaService
from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import StartGateway, openai_deployment
from tests.integration.quota_redis_helpers import _post, fresh, fresh_minute, start_healthy
from tests.support.gateway import free_port
from tests.unit.test_quotas_service import catalog, chat


async def started(url: str, prefix: str, prefetch_calls: int = 0) -> RedisStore:
    return await start_healthy(RedisStore(url, prefix=prefix, prefetch_calls=prefetch_calls))


# ---------------------------------------------------------------- the Lua store


@pytest.mark.parametrize("prefetch_calls", [0, 16], ids=["every-call-asks", "capacity-taken-ahead"])
def test_the_lua_script_decides_exactly_as_the_in_process_store(redis_url: str, prefetch_calls: int) -> None:
    """A random walk of takes and settlements over three scopes, windows and kinds, limits changed
    now and then, run on both: same refusals, same usage figures, same oversized-call rule. Taking
    capacity ahead changes none of it in one process."""
    rng = random.Random(7)
    scopes = [Scope(f"s{i}", f"scope {i}", Limits()) for i in range(3)]
    limits: dict[tuple[str, str], int] = {}

    def random_checks(step: int) -> list[Check]:
        checks = []
        for scope in rng.sample(scopes, rng.randint(1, 3)):
            kind = rng.choice([RPM, RPM, TPM, TPM, CONCURRENT, "budget_usd_day"])
            window = "" if kind == CONCURRENT else str(step // 100)  # windows only move on
            if (scope.ident, kind) not in limits or rng.random() < 0.05:  # now and then an admin changes one
                limits[scope.ident, kind] = rng.choice([5, 40, 400, 4000]) if kind != CONCURRENT else rng.randint(1, 6)
            amount = 1 if kind in (RPM, CONCURRENT) else rng.choice([0, 3, 20, 50, 500])
            later = time.time() + 3600
            checks.append(Check(scope, kind, window, limits[scope.ident, kind], amount, 60, later))  # type: ignore[arg-type]
        return checks

    async def walk() -> None:
        redis_store = await started(redis_url, f"test:quota:{fresh()}:", prefetch_calls)
        memory = MemoryStore()
        held: list[tuple[list[Check], str]] = []
        try:
            for step in range(600):
                if held and rng.random() < 0.45:
                    checks, lease = held.pop(rng.randrange(len(held)))
                    adjustments = [(c, 0 if c.kind == CONCURRENT else rng.randint(-c.amount, 10)) for c in checks]
                    await redis_store.settle(adjustments, lease)
                    memory.settle_now(adjustments, lease)
                    continue
                checks, lease = random_checks(step), f"lease-{step}"
                now = time.time()
                expected = memory.take_now(checks, lease, now)
                assert await redis_store.take(checks, lease, now) == expected, (step, checks)
                if expected.granted:
                    held.append((checks, lease))
        finally:
            await redis_store.aclose()

    asyncio.run(walk())


def test_takes_from_many_processes_are_atomic(redis_url: str) -> None:
    """Four stores (four connections, as four gateways would have) race 200 takes for 37 slots."""
    prefix = f"test:quota:{fresh()}:"
    scope = Scope("model:m", "model m", Limits(rpm=37))
    check = Check(scope, RPM, "1", 37, 1, 60, 0.0)

    async def race() -> list[Decision]:
        stores = [await started(redis_url, prefix) for _ in range(4)]
        try:
            takes = [stores[i % 4].take([check], f"l{i}", time.time()) for i in range(200)]
            return list(await asyncio.gather(*takes))
        finally:
            for store in stores:
                await store.aclose()

    decisions = asyncio.run(race())
    assert sum(d.granted for d in decisions) == 37
    assert int(redis.Redis.from_url(redis_url).get(counter_key(check, prefix)) or 0) == 37


def test_a_crashed_holder_frees_its_slot_when_the_lease_runs_out(redis_url: str) -> None:
    prefix = f"test:quota:{fresh()}:"
    slot = Check(Scope("key:k", "key k", Limits(max_concurrent=1)), CONCURRENT, "", 1, 1, 1, 0.0)

    async def scenario() -> None:
        store = await started(redis_url, prefix)
        try:
            assert (await store.take([slot], "crashed", time.time())).granted  # never settled
            assert not (await store.take([slot], "other", time.time())).granted
            await asyncio.sleep(1.1)
            assert (await store.take([slot], "other", time.time())).granted
        finally:
            await store.aclose()

    asyncio.run(scenario())


def test_windows_expire_and_late_settlements_do_not_bring_them_back(redis_url: str) -> None:
    prefix = f"test:quota:{fresh()}:"
    tpm = Check(Scope("team:t", "team t", Limits(tpm=100)), TPM, "1", 100, 30, 120, 0.0)
    client = redis.Redis.from_url(redis_url)

    async def scenario() -> None:
        store = await started(redis_url, prefix)
        try:
            await store.take([tpm], "a", time.time())
            assert 110 <= client.ttl(counter_key(tpm, prefix)) <= 120
            client.delete(counter_key(tpm, prefix))  # as if the window had expired
            await store.settle([(tpm, -30)], "a")
            await store.drain()
        finally:
            await store.aclose()

    asyncio.run(scenario())
    assert client.exists(counter_key(tpm, prefix)) == 0
    client.close()


def test_scripts_unknown_to_redis_are_sent_whole_once(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a Redis restart (or SCRIPT FLUSH) EVALSHA answers NOSCRIPT: takes and the unawaited
    settlements both fall back to EVAL, which also loads the script for next time."""
    marker = f"\n-- {fresh()}\n"  # a script body no Redis has seen yet
    monkeypatch.setattr(redis_backend, "_TAKE", redis_backend._Script(redis_backend.TAKE_LUA + marker))
    monkeypatch.setattr(redis_backend, "_SETTLE", redis_backend._Script(redis_backend.SETTLE_LUA + marker))
    prefix = f"test:quota:{fresh()}:"
    tpm = Check(Scope("key:k", "key k", Limits(tpm=100)), TPM, "1", 100, 30, 120, 0.0)

    async def scenario() -> int:
        store = await started(redis_url, prefix)
        try:
            assert (await store.take([tpm], "a", time.time())).granted
            await store.settle([(tpm, -20)], "a")
            await store.drain()
            return (await store.take([tpm], "b", time.time())).used[0]
        finally:
            await store.aclose()

    assert asyncio.run(scenario()) == 10


# ---------------------------------------------------------------- outages


class RedisProxy:
    """A TCP relay to Redis that a test can cut and restore, to stage an outage mid-run."""

    def __init__(self, target_port: int = 6379) -> None:
        self.port = free_port()
        self._target = target_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def down(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for writer in list(self._writers):
            writer.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target)
        self._writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.mark.parametrize("mode", ["local", "refuse"])
def test_a_redis_outage_mid_run_falls_back_or_refuses_and_then_recovers(redis_url: str, mode: str) -> None:
    name = f"m-{fresh()}"
    models = catalog({name: {"rpm": 100}})
    model = models.get(name)

    async def scenario() -> None:
        proxy = RedisProxy()
        await proxy.up()
        url = f"redis://127.0.0.1:{proxy.port}/12"
        quotas = QuotaService(models, redis_url=url, on_redis_failure=mode)  # type: ignore[arg-type]
        assert quotas.redis is not None
        quotas.redis._probe_interval = 0.1
        await quotas.start()
        try:
            call = CallContext(request_id="r", surface="openai", model=name)
            held = await quotas.reserve_chat(call, Principal(key_id="k"), model, chat(name))
            assert held is not None and held.store is quotas.redis
            await proxy.down()
            # Capacity this process took ahead (already counted in Redis) is spent meanwhile; the
            # first call that needs Redis finds it gone.
            from_allowance = 0
            while True:
                call = CallContext(request_id="r", surface="openai", model=name)
                try:
                    held = await quotas.reserve_chat(call, Principal(key_id="k"), model, chat(name))
                except ServiceUnavailable as refused:
                    assert mode == "refuse" and "quota store" in str(refused)
                    break
                assert held is not None
                if held.store is quotas.local:
                    assert mode == "local" and quotas.status()["state"] == "degraded (per-process limits)"
                    break
                from_allowance += 1
                assert from_allowance <= 99 // 8, "more calls than the capacity granted ahead"
            await proxy.up()
            for _ in range(50):
                if quotas.status()["state"] == "ok":
                    break
                await asyncio.sleep(0.1)
            assert quotas.status() == {"backend": "redis", "state": "ok"}
            held = await quotas.reserve_chat(call, Principal(key_id="k"), model, chat(name))
            assert held is not None and held.store is quotas.redis
        finally:
            await quotas.aclose()
            await proxy.down()

    asyncio.run(scenario())


def test_a_gateway_without_its_redis_limits_per_process_or_refuses_as_configured(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    config = yaml.safe_dump(
        {
            "models": {
                "lim": {"limits": {"rpm": 2}, "deployments": [openai_deployment(upstream.url)]},
                "free": {"deployments": [openai_deployment(upstream.url)]},
            }
        }
    )
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens
    local = start_gateway(config, redis_url=nowhere)
    fresh_minute()  # the three calls in one minute's window
    assert [_post(local, "lim").status_code for _ in range(3)] == [200, 200, 429]  # limits hold, per process
    quotas = httpx.get(f"{local.base_url}/health/ready").json()["quotas"]
    assert quotas["backend"] == "redis" and quotas["state"] == "degraded (per-process limits)"

    strict = start_gateway(config, redis_url=nowhere, quota_redis_failure="refuse")
    refused = _post(strict, "lim")
    assert refused.status_code == 503 and "quota store (Redis) is unreachable" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) >= 1
    assert _post(strict, "free").status_code == 200  # calls without limits need no quota store
    assert httpx.get(f"{strict.base_url}/health/ready").json()["quotas"]["state"] == "refusing limited calls"
