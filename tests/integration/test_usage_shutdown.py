"""Nothing lost, nothing doubled: a real `strata serve` on PostgreSQL, loaded with concurrent
requests, then SIGTERM; and the same with the database unreachable for 10 s in the middle
(a TCP proxy between the gateway and PostgreSQL drops and refuses connections). Afterwards the
ledger holds exactly one record per request answered, and the roll-ups count each once."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import catalog_yaml, openai_deployment, require_service
from tests.support import postgres
from tests.support.gateway import RunningGateway, gateway_process
from tests.support.tcp_proxy import TcpProxy

KEY = "sk-usage-shutdown-master"
CHAT = {"model": "gpt-test", "messages": [{"role": "user", "content": "Say hello."}]}
OUTAGE_S = 10.0


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A scratch database, migrated the way an operator would: `strata db upgrade`."""
    ok, why = postgres.available()
    require_service("PostgreSQL", ok, why)
    with postgres.scratch_database("strata_usage_sigterm") as name:
        env = {**os.environ, "STRATA_DATABASE_URL": postgres.sqlalchemy_url(name)}
        done = subprocess.run(
            [sys.executable, "-m", "gateway.cli", "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        yield name


@pytest.fixture()
def empty_database(database: str) -> str:
    async def empty() -> None:
        conn = await asyncpg.connect(postgres.dsn(database))
        try:
            await conn.execute("TRUNCATE usage_records, usage_daily, usage_daily_latency")
        finally:
            await conn.close()

    asyncio.run(empty())
    return database


@dataclass
class Tally:
    answered: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: int = 0
    refused: int = 0
    terminating: bool = False


async def _one(client: httpx.AsyncClient, kind: str) -> int | None:
    """The status of one call, or None for one refused as the server stopped listening (a 503
    `shutting_down`, gateway/drain.py: refused before any work, so it has no usage record)."""
    body = {"chat": CHAT, "stream": {**CHAT, "stream": True}, "missing": {**CHAT, "model": "no-such-model"}}[kind]
    async with client.stream("POST", "/v1/chat/completions", json=body) as response:
        raw = await response.aread()
    if response.status_code == 503 and json.loads(raw)["error"]["code"] == "shutting_down":
        return None
    return response.status_code


async def _load(base_url: str, tally: Tally, scenario: Callable[[httpx.AsyncClient], Awaitable[None]]) -> None:
    """16 workers send requests (chat, stream, unknown model) until the scenario ends."""
    stop = asyncio.Event()
    kinds = itertools.cycle(["chat", "chat", "stream", "missing"])

    async def worker(client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            try:
                status = await _one(client, next(kinds))
            except httpx.TransportError:
                tally.transport_errors += 1
                if tally.terminating:
                    return  # the server is going away: no more answers
                await asyncio.sleep(0.01)
                continue
            if status is None:
                tally.refused += 1
                continue
            tally.answered += 1
            tally.statuses[status] += 1

    headers = {"authorization": f"Bearer {KEY}"}
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=30) as client:
        workers = [asyncio.create_task(worker(client)) for _ in range(16)]
        try:
            await scenario(client)
        finally:
            stop.set()
            await asyncio.gather(*workers)


async def _ledger(database: str) -> dict[str, int]:
    conn = await asyncpg.connect(postgres.dsn(database))
    try:
        row = await conn.fetchrow(
            "SELECT count(*) AS records, count(DISTINCT id) AS ids, count(DISTINCT request_id) AS request_ids, "
            "(SELECT coalesce(sum(requests), 0) FROM usage_daily) AS daily, "
            "(SELECT coalesce(sum(requests), 0) FROM usage_daily_latency) AS latency, "
            "count(*) FILTER (WHERE status = 404) AS not_found FROM usage_records"
        )
    finally:
        await conn.close()
    return {k: int(v) for k, v in dict(row).items()}


def _serve(tmp_path: Path, upstream: FakeUpstream, database_url: str, **env: str) -> Any:
    config = tmp_path / "strata.yaml"
    config.write_text(catalog_yaml({"gpt-test": [openai_deployment(upstream.url)]}))
    full_env = {
        "STRATA_MASTER_KEY": KEY,
        "STRATA_DATA_DIR": str(tmp_path / "data"),
        "STRATA_DATABASE_URL": database_url,
        "STRATA_SECRET_KEY": "usage-shutdown-secret-shared-by-the-module",  # one database, one secret
        "STRATA_LOG_LEVEL": "warning",
        "FAKE_KEY": "sk-fake-upstream-key",
        **env,
    }
    return gateway_process(["--config", str(config)], cwd=tmp_path, env=full_env)


def _terminate(process: subprocess.Popen[bytes], tally: Tally) -> None:
    tally.terminating = True
    process.send_signal(signal.SIGTERM)


def _wait_exit(process: subprocess.Popen[bytes]) -> str:
    process.wait(timeout=60)
    assert process.stderr is not None
    return process.stderr.read().decode(errors="replace")


def _check(ledger: dict[str, int], tally: Tally, logs: str) -> None:
    assert tally.answered > 100, tally
    assert ledger["records"] == tally.answered, (ledger, tally, logs[-3000:])
    assert ledger["ids"] == ledger["request_ids"] == ledger["records"]  # nothing doubled
    assert ledger["daily"] == ledger["latency"] == ledger["records"]  # roll-ups count each once
    assert ledger["not_found"] == tally.statuses[404]
    assert "lost" not in logs


def test_sigterm_under_load_writes_every_record_once(
    tmp_path: Path, upstream_server: FakeUpstream, empty_database: str
) -> None:
    upstream_server.reset()
    upstream_server.set_behaviour("fake-model", latency_ms=5)
    tally = Tally()
    url = postgres.sqlalchemy_url(empty_database)
    # A long flush interval: what is still buffered at SIGTERM must be written by the shutdown.
    with _serve(tmp_path, upstream_server, url, STRATA_USAGE_FLUSH_INTERVAL_S="30") as (gateway, process):

        async def scenario(client: httpx.AsyncClient) -> None:
            await asyncio.sleep(2.0)
            buffered = (await client.get("/health/ready")).json()["usage"]["buffered"]
            assert buffered > 0
            _terminate(process, tally)  # while requests are in flight
            await asyncio.sleep(1.0)

        asyncio.run(_load(gateway.base_url, tally, scenario))
        logs = _wait_exit(process)
    assert process.returncode in (0, -signal.SIGTERM), logs[-3000:]  # uvicorn re-raises the signal once done
    _check(asyncio.run(_ledger(empty_database)), tally, logs)


def test_a_database_outage_is_ridden_out(tmp_path: Path, upstream_server: FakeUpstream, empty_database: str) -> None:
    upstream_server.reset()
    upstream_server.set_behaviour("fake-model", latency_ms=5)
    tally = Tally()
    seen: dict[str, Any] = {}
    with TcpProxy("127.0.0.1", 5432) as proxy:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{proxy.port}/{empty_database}"
        with _serve(tmp_path, upstream_server, url, STRATA_USAGE_FLUSH_INTERVAL_S="0.2") as (gateway, process):

            async def scenario(client: httpx.AsyncClient) -> None:
                await asyncio.sleep(1.5)
                proxy.cut()
                cut_at = time.monotonic()
                await asyncio.sleep(OUTAGE_S - 1.0)
                seen["during"] = (await client.get("/health/ready")).json()["usage"]
                seen["answered_during"] = tally.answered
                await asyncio.sleep(cut_at + OUTAGE_S - time.monotonic())
                proxy.restore()
                await asyncio.sleep(2.0)

            asyncio.run(_load(gateway.base_url, tally, scenario))
            seen["after"] = _caught_up(gateway)
            _terminate(process, tally)
            logs = _wait_exit(process)
    during = seen["during"]
    assert during["state"] == "retrying" and during["buffered"] > 0, during
    assert during["oldest_unwritten_age_s"] > OUTAGE_S / 2, during
    assert tally.transport_errors == 0  # requests never noticed the outage
    assert seen["after"]["buffered"] == 0 and seen["after"]["dropped"] == 0, seen["after"]
    _check(asyncio.run(_ledger(empty_database)), tally, logs)


def _caught_up(gateway: RunningGateway, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        ready = httpx.get(f"{gateway.base_url}/health/ready", headers={"Authorization": f"Bearer {KEY}"}, timeout=5)
        usage: dict[str, Any] = ready.json()["usage"]
        if usage["buffered"] == 0 or time.monotonic() > deadline:
            return usage
        time.sleep(0.2)
