"""Limits shared through a real Redis: the Lua store against the in-process rule, atomicity across
stores, leases, outages, and two real `strata serve` processes enforcing one limit.

Without Redis these skip (saying so); under CI=true they fail. Every test uses fresh names (scopes,
models or key prefixes), so nothing is flushed and runs never see each other's counters.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

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
from tests.integration.conftest import ENVIRON, NO_RETRIES, USER, StartGateway, openai_deployment, require_redis
from tests.integration.conftest import QUOTA_REDIS_URL as REDIS_URL
from tests.support.gateway import RunningGateway, free_port, wait_until_ready
from tests.unit.test_quotas_service import catalog, chat

# A burst of 40 on a busy CI machine can outlast the shared 1 s / 2 s timeouts; this test counts limits.
PATIENT = {"connect": 10, "read": 20, "total": 30}


def fresh() -> str:
    return uuid.uuid4().hex[:10]


async def started(url: str, prefix: str, prefetch_calls: int = 0) -> RedisStore:
    store = RedisStore(url, prefix=prefix, prefetch_calls=prefetch_calls)
    await store.start()
    assert store.healthy, store.last_error
    return store


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
    assert [_post(local, "lim").status_code for _ in range(3)] == [200, 200, 429]  # limits hold, per process
    quotas = httpx.get(f"{local.base_url}/health/ready").json()["quotas"]
    assert quotas["backend"] == "redis" and quotas["state"] == "degraded (per-process limits)"

    strict = start_gateway(config, redis_url=nowhere, quota_redis_failure="refuse")
    refused = _post(strict, "lim")
    assert refused.status_code == 503 and "quota store (Redis) is unreachable" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) >= 1
    assert _post(strict, "free").status_code == 200  # calls without limits need no quota store
    assert httpx.get(f"{strict.base_url}/health/ready").json()["quotas"]["state"] == "refusing limited calls"


# ---------------------------------------------------------------- two gateway processes


def _post(gateway: RunningGateway, model: str) -> httpx.Response:
    payload = {"model": model, "messages": USER}
    return httpx.post(f"{gateway.openai_base}/chat/completions", json=payload, headers=gateway.headers(), timeout=10)


def fresh_minute(need_s: float = 15.0) -> None:
    left = 60.0 - time.time() % 60.0
    if left < need_s:
        time.sleep(left + 0.05)


@contextmanager
def strata_serve(config: Path, folder: Path, env: dict[str, str]) -> Iterator[RunningGateway]:
    """`strata serve` as a user starts it (gateway_process's way, given two minutes to get ready:
    on a busy CI machine the imports alone can take half a minute)."""
    port = free_port()
    command = [sys.executable, "-m", "gateway.cli", "serve", "--config", str(config), "--port", str(port)]
    with open(folder / "gateway.log", "wb") as log:
        process = subprocess.Popen(command, cwd=folder, env={**os.environ, **env}, stdout=log, stderr=log)
        try:
            wait_until_ready(f"http://127.0.0.1:{port}", timeout=120, process=process)
            yield RunningGateway(f"http://127.0.0.1:{port}", env["STRATA_MASTER_KEY"])
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture()
def two_gateways(
    upstream_server: FakeUpstream, redis_url: str, tmp_path: Path
) -> Iterator[tuple[str, list[RunningGateway]]]:
    """Two `strata serve` processes sharing Redis, over one model limited to 10 requests a minute."""
    name = f"shared-{fresh()}"
    catalog_yaml = {
        "models": {
            name: {
                "limits": {"rpm": 10},
                "routing": NO_RETRIES,
                "deployments": [openai_deployment(upstream_server.url, f"{name}-up", timeouts=PATIENT)],
            },
            "free": {"deployments": [openai_deployment(upstream_server.url, "free-up")]},
        }
    }
    (tmp_path / "strata.yaml").write_text(yaml.safe_dump(catalog_yaml))
    env = {**ENVIRON, "STRATA_REDIS_URL": redis_url, "STRATA_MASTER_KEY": "sk-quota-test"}
    env["STRATA_LOG_LEVEL"] = "warning"

    def start(stack: ExitStack, index: int) -> RunningGateway:
        folder = tmp_path / f"g{index}"
        folder.mkdir()
        return stack.enter_context(
            strata_serve(tmp_path / "strata.yaml", folder, {**env, "STRATA_DATA_DIR": str(folder)})
        )

    with ExitStack() as stack, ThreadPoolExecutor(2) as pool:  # both start at once: each takes seconds
        gateways = list(pool.map(lambda index: start(stack, index), range(2)))
        for gateway in gateways:  # warm up (first calls load lazily) on a model without limits
            assert _post(gateway, "free").status_code == 200
        yield name, gateways


def test_two_gateway_processes_let_exactly_n_through_per_minute(
    upstream: FakeUpstream, two_gateways: tuple[str, list[RunningGateway]]
) -> None:
    name, gateways = two_gateways
    fresh_minute()
    minute = int(time.time() // 60)
    firsts = [_post(gateway, name) for gateway in gateways]
    assert [r.status_code for r in firsts] == [200, 200], "both processes admit calls under the shared limit"
    with ThreadPoolExecutor(16) as pool:
        responses = firsts + list(pool.map(lambda i: _post(gateways[i % 2], name), range(38)))
    one_window = int(time.time() // 60) == minute
    statuses = [r.status_code for r in responses]
    admitted = statuses.count(200)
    stores = [httpx.get(f"{g.base_url}/health/ready").json()["quotas"] for g in gateways]
    assert stores == [{"backend": "redis", "state": "ok"}] * 2, stores  # else a process fell back to local
    assert admitted + statuses.count(429) == 40, [(r.status_code, r.text[:200]) for r in responses]
    assert sum(1 for r in upstream.requests() if r["body"]["model"] == f"{name}-up") == admitted
    if one_window:
        assert admitted == 10, statuses
    else:  # a loaded machine let the burst cross into the next minute: each window still holds 10 at most
        client = redis.Redis.from_url(REDIS_URL)
        counts = [int(v or 0) for v in client.mget(f"strata:quota:model:{name}:rpm:{m}" for m in (minute, minute + 1))]
        client.close()
        assert sum(counts) == admitted and max(counts) == 10, counts
    refused = next(r for r in responses if r.status_code == 429)
    assert "Rate limit reached for model " + name + ": 10 requests per minute" in refused.json()["error"]["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_a_database_given_as_a_query_parameter_is_where_quotas_live(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    """redis://host:6379?db=N: quotas used to go to db 0 while revocations and circuits went to db N."""
    require_redis("redis://127.0.0.1:6379/14")  # not emptied: other modules share db 14; the name is fresh
    name = f"db-{fresh()}"
    config = yaml.safe_dump(
        {"models": {name: {"limits": {"rpm": 5}, "deployments": [openai_deployment(upstream.url)]}}}
    )
    gateway = start_gateway(config, redis_url="redis://127.0.0.1:6379?db=14", quota_prefetch_calls=0)
    assert _post(gateway, name).status_code == 200
    in_14 = redis.Redis.from_url("redis://127.0.0.1:6379/14")
    in_0 = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        assert [k for k in in_14.keys("strata:quota:*") if name.encode() in k], "the quota counter is in db 14"
        assert not [k for k in in_0.keys("strata:quota:*") if name.encode() in k], "and not in db 0"
    finally:
        in_14.close()
        in_0.close()


def test_an_absurd_max_tokens_reserves_a_bounded_amount_and_keeps_the_shared_store_healthy(
    upstream: FakeUpstream, start_gateway: StartGateway, redis_url: str
) -> None:
    """max_tokens 2^63 - 1 with n 128 used to reserve ~1.2e21 tokens: beyond Redis's 64-bit integers,
    the script failed and the process fell back to per-process limits. The reservation is capped."""
    name = f"absurd-{fresh()}"
    config = yaml.safe_dump(
        {"models": {name: {"limits": {"tpm": 1000}, "deployments": [openai_deployment(upstream.url)]}}}
    )
    gateway = start_gateway(config, redis_url=redis_url, quota_prefetch_calls=0)
    body = {"model": name, "messages": USER, "max_tokens": 2**63 - 1, "n": 128}
    response = httpx.post(f"{gateway.openai_base}/chat/completions", json=body, headers=gateway.headers(), timeout=10)
    assert response.status_code in (200, 429), response.text  # an oversized call may run alone in an empty window
    quotas = httpx.get(f"{gateway.base_url}/health/ready").json()["quotas"]
    assert quotas == {"backend": "redis", "state": "ok"}, "Redis still enforces the limits"
    assert _post(gateway, name).status_code in (200, 429)
