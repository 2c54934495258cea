"""Gateways sharing limits through a real Redis: two real `strata serve` processes letting exactly N
calls a minute through, a database given as ?db=N holding the counters, and an absurd max_tokens
reserving a bounded amount.

Without Redis these skip (saying so); under CI=true they fail. Every test uses fresh names."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest
import redis
import yaml

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import ENVIRON, NO_RETRIES, USER, StartGateway, openai_deployment, require_redis
from tests.integration.conftest import QUOTA_REDIS_URL as REDIS_URL
from tests.integration.quota_redis_helpers import _post, fresh
from tests.support.gateway import RunningGateway, free_port, wait_until_ready

# A burst of 40 on a busy CI machine can outlast the shared 1 s / 2 s timeouts; this test counts limits.
PATIENT = {"connect": 10, "read": 20, "total": 30}


# ---------------------------------------------------------------- two gateway processes


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
