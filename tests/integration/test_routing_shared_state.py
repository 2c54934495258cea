"""Two gateway processes sharing Redis see each other's open circuits (and resets)."""

from __future__ import annotations

import time

import httpx
import openai
import pytest
import redis

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import MakeClient, StartGateway, catalog_yaml, openai_deployment, require_redis

REDIS_URL = "redis://127.0.0.1:6379/15"
USER = [{"role": "user", "content": "Say hello."}]


@pytest.fixture()
def redis_url() -> str:
    return require_redis(REDIS_URL, flush=True)


def _states(base_url: str, headers: dict[str, str]) -> dict[str, str]:
    body = httpx.get(f"{base_url}/admin/deployments", headers=headers).json()
    return {row["deployment"]: row["state"] for model in body["models"] for row in model["deployments"]}


def test_a_circuit_opened_by_one_gateway_is_respected_by_another(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient, redis_url: str
) -> None:
    routing = {"retries": {"attempts": 1}, "circuit": {"consecutive_failures": 2, "cooldown_s": 30}}
    pool = [
        openai_deployment(upstream.url, "flaky-model", id="flaky"),
        openai_deployment(upstream.url, "steady-model", id="steady", weight=0.001),
    ]
    config = catalog_yaml({"gpt-shared": pool}, routing=routing)
    first = start_gateway(config, redis_url=redis_url)
    second = start_gateway(config, redis_url=redis_url)
    upstream.set_behaviour("flaky-model", status=500)

    client = make_client(first)
    for _ in range(20):  # until the first gateway has seen two failures of `flaky`
        try:
            client.chat.completions.create(model="gpt-shared", messages=USER)  # type: ignore[arg-type]
        except openai.InternalServerError:
            pass
        if _states(first.base_url, first.headers())["flaky"] == "cooling_down":
            break
    assert _states(first.base_url, first.headers())["flaky"] == "cooling_down"

    deadline = time.monotonic() + 5
    while _states(second.base_url, second.headers())["flaky"] != "cooling_down":
        assert time.monotonic() < deadline, "the second gateway never adopted the open circuit"
        time.sleep(0.1)

    upstream.reset()
    upstream.set_behaviour("flaky-model", status=500)
    other = make_client(second)
    for _ in range(10):  # flaky leads almost every plan by weight, yet nothing reaches it
        reply = other.chat.completions.with_raw_response.create(model="gpt-shared", messages=USER)  # type: ignore[arg-type]
        assert reply.headers["x-strata-deployment"] == "steady"
    assert {r["body"]["model"] for r in upstream.requests()} == {"steady-model"}

    httpx.post(f"{first.base_url}/admin/deployments/flaky/reset", headers=first.headers()).raise_for_status()
    assert redis.Redis.from_url(redis_url).get("strata:circuit:flaky") is None


def test_without_redis_routing_goes_on_with_local_state(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    gateway = start_gateway(
        catalog_yaml({"gpt-local": [openai_deployment(upstream.url)]}), redis_url="redis://127.0.0.1:1/0"
    )  # nothing listens there
    reply = make_client(gateway).chat.completions.create(model="gpt-local", messages=USER)  # type: ignore[arg-type]
    assert reply.choices[0].message.content
    ready = httpx.get(f"{gateway.base_url}/health/ready").json()
    assert ready["shared_routing_state"].startswith("degraded")
