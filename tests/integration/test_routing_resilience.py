"""Failing deployments seen from outside: retries and backoff, deadlines, circuit breakers, the admin view.

Each test starts its own gateway over the fake upstream, drives the fake into a failure mode and
checks what callers see (status, x-strata-deployment, x-strata-attempts), what reached the fake,
and how long it took. Upper time bounds are loose: the machine is small and shared.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.fakes.upstream_responses import DEFAULT_CONTENT
from tests.integration.conftest import StartGateway, assert_openai_error, closed_port_url
from tests.integration.routing_helpers import (
    chat,
    chat_models,
    deployment,
    deployments,
    pool,
    reached,
    start,
    state_of,
    timed,
    wait_for,
)
from tests.support.gateway import RunningGateway

NO_CIRCUIT = {"consecutive_failures": 1000, "min_requests": 1000}


def answered(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    content: str = response.json()["choices"][0]["message"]["content"]
    assert content == DEFAULT_CONTENT
    return response.headers["x-strata-deployment"]


# ---------------------------------------------------------------- bursts of failures in a pool


@pytest.mark.parametrize(
    "failure", [{"status": 500}, {"status": 503}, {"refused": True}], ids=["500", "503", "refused"]
)
def test_a_failing_deployment_costs_callers_nothing_and_its_circuit_opens(
    upstream: FakeUpstream, start_gateway: StartGateway, failure: dict[str, Any]
) -> None:
    first = deployment(closed_port_url() if failure.get("refused") else upstream, "sick", priority=0)
    gateway = start(
        start_gateway,
        gpt=pool(
            first,
            deployment(upstream, "well", priority=1),
            strategy="priority",
            retries={"attempts": 2},
            circuit={"consecutive_failures": 3, "cooldown_s": 30},
        ),
    )
    if "status" in failure:
        upstream.set_behaviour("sick", status=failure["status"])

    responses = [chat(gateway, "gpt") for _ in range(10)]

    assert [answered(r) for r in responses] == ["well"] * 10, "every caller is answered"
    attempts = [int(r.headers["x-strata-attempts"]) for r in responses]
    assert attempts == [2, 2, 2] + [1] * 7, "the sick one is tried until its circuit opens"
    counts = reached(upstream)
    assert counts["sick"] == (0 if failure.get("refused") else 3) and counts["well"] == 10
    assert state_of(gateway, "sick") == "cooling_down"
    assert 0 < deployments(gateway)["sick"]["cooling_for_s"] <= 30, "how long its circuit stays open"
    assert state_of(gateway, "well") == "healthy"


def test_a_burst_of_failures_on_the_only_deployment_is_retried_through(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start(
        start_gateway,
        gpt=pool(deployment(upstream, "only"), retries={"attempts": 3, "backoff_base_s": 0.05}, circuit=NO_CIRCUIT),
    )
    upstream.set_behaviour("only", status=503, fail_times=2)

    response = chat(gateway, "gpt")

    assert answered(response) == "only"
    assert response.headers["x-strata-attempts"] == "3"
    assert chat_models(upstream) == ["only"] * 3


def test_when_retries_run_out_the_caller_gets_the_last_error_and_the_attempt_count(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start(
        start_gateway,
        gpt=pool(deployment(upstream, "only"), retries={"attempts": 3, "backoff_base_s": 0.05}, circuit=NO_CIRCUIT),
    )
    upstream.set_behaviour("only", status=500)

    response = chat(gateway, "gpt")

    assert_openai_error(response, 502)
    assert chat_models(upstream) == ["only"] * 3
    assert response.headers.get("x-strata-attempts") == "3", "how hard the gateway tried, on failures too"


def test_a_retry_on_the_same_deployment_waits_for_the_backoff(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    """RetryPolicy: 'a fresh deployment is tried at once, a repeat after backoff' (>= backoff_base_s)."""
    gateway = start(
        start_gateway,
        gpt=pool(deployment(upstream, "only"), retries={"attempts": 2, "backoff_base_s": 0.5}, circuit=NO_CIRCUIT),
    )
    upstream.set_behaviour("only", status=500, fail_times=1)

    response, elapsed = timed(lambda: chat(gateway, "gpt"))

    assert answered(response) == "only"
    assert chat_models(upstream) == ["only", "only"]
    assert elapsed >= 0.5, f"retried after {elapsed:.3f} s"


# ---------------------------------------------------------------- 429 and Retry-After


@pytest.mark.parametrize("attempts", [2, 3])
def test_a_429_with_retry_after_is_retried_no_sooner_than_told(
    upstream: FakeUpstream, start_gateway: StartGateway, attempts: int
) -> None:
    gateway = start(start_gateway, gpt=pool(deployment(upstream, "only"), retries={"attempts": attempts}))
    upstream.set_behaviour("only", status=429, retry_after=1, fail_times=1)

    response, elapsed = timed(lambda: chat(gateway, "gpt"))

    assert answered(response) == "only"
    assert response.headers["x-strata-attempts"] == "2"
    assert chat_models(upstream) == ["only", "only"]
    assert 1.0 <= elapsed < 6.0, elapsed


@pytest.mark.parametrize("headers", [{}, {"x-strata-timeout": "10"}], ids=["no-deadline", "caller-deadline"])
def test_an_upstream_asking_for_a_longer_wait_than_max_wait_gets_its_429_back_at_once(
    upstream: FakeUpstream, start_gateway: StartGateway, headers: dict[str, str]
) -> None:
    gateway = start(start_gateway, gpt=pool(deployment(upstream, "only"), retries={"attempts": 3, "max_wait_s": 5}))
    upstream.set_behaviour("only", status=429, retry_after=30)

    response, elapsed = timed(lambda: chat(gateway, "gpt", headers=headers))

    assert_openai_error(response, 429)
    assert int(response.headers["retry-after"]) >= 30
    assert chat_models(upstream) == ["only"]
    assert elapsed < 3.0


def test_a_rate_limited_deployment_is_left_alone_for_its_retry_after(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start(
        start_gateway,
        gpt=pool(
            deployment(upstream, "limited", priority=0),
            deployment(upstream, "spare", priority=1),
            strategy="priority",
            retries={"attempts": 2},
        ),
    )
    upstream.set_behaviour("limited", status=429, retry_after=2, fail_times=1)

    assert answered(chat(gateway, "gpt")) == "spare"
    assert deployments(gateway)["limited"]["cooling_for_s"] is not None
    during = calls_for(gateway, 0.7)
    assert during == ["spare"] * len(during)
    assert wait_for(lambda: deployments(gateway)["limited"]["cooling_for_s"] is None, timeout=5)
    assert answered(chat(gateway, "gpt")) == "limited"
    assert reached(upstream) == {"limited": 2, "spare": 1 + len(during)}


def calls_for(gateway: RunningGateway, seconds: float, at_most: int = 3) -> list[str]:
    """Who answered calls made for about `seconds` (at least one, at most `at_most`): on a slow,
    shared machine a fixed number of calls could outlast a short cool-down."""
    started = time.monotonic()
    served = [answered(chat(gateway, "gpt"))]
    while len(served) < at_most and time.monotonic() - started < seconds:
        served.append(answered(chat(gateway, "gpt")))
    return served


# ---------------------------------------------------------------- deadlines


@pytest.mark.parametrize("header", ["x-strata-timeout", "x-stainless-timeout"])
def test_a_callers_timeout_header_bounds_the_whole_call(
    upstream: FakeUpstream, start_gateway: StartGateway, header: str
) -> None:
    gateway = start(start_gateway, gpt=pool(deployment(upstream, "slow"), circuit=NO_CIRCUIT))
    upstream.set_behaviour("slow", latency_ms=4000)

    response, elapsed = timed(lambda: chat(gateway, "gpt", headers={header: "1"}))

    assert_openai_error(response, 504)
    assert 0.9 <= elapsed < 2.5, elapsed


def test_a_bad_timeout_header_is_a_400(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start(start_gateway, gpt=pool(deployment(upstream, "only")))
    for value in ("0", "-1", "soon", "nan"):
        error = assert_openai_error(chat(gateway, "gpt", headers={"x-strata-timeout": value}), 400)
        assert error["param"] == "x-strata-timeout"
    assert chat_models(upstream) == []


def test_the_models_deadline_bounds_retries_across_the_pool_and_fallbacks(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start(
        start_gateway,
        gpt=pool(
            deployment(upstream, "slow-a"),
            deployment(upstream, "slow-b"),
            deadline_s=1,
            retries={"attempts": 5, "backoff_base_s": 0.05},
            fallbacks=["backup"],
            circuit=NO_CIRCUIT,
        ),
        backup=pool(deployment(upstream, "slow-c"), circuit=NO_CIRCUIT),
    )
    for model in ("slow-a", "slow-b", "slow-c"):
        upstream.set_behaviour(model, latency_ms=3000)

    response, elapsed = timed(lambda: chat(gateway, "gpt"))

    assert_openai_error(response, 504)
    assert 0.9 <= elapsed < 2.5, elapsed


def test_a_caller_running_out_of_time_does_not_count_against_the_deployment(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    """An impatient caller's deadline is theirs: a healthy (if slowish) deployment's circuit stays closed."""
    gateway = start(
        start_gateway, gpt=pool(deployment(upstream, "steady"), circuit={"consecutive_failures": 2, "cooldown_s": 30})
    )
    upstream.set_behaviour("steady", latency_ms=600)

    for _ in range(3):
        assert_openai_error(chat(gateway, "gpt", headers={"x-strata-timeout": "0.2"}), 504)

    assert state_of(gateway, "steady") == "healthy"
    assert answered(chat(gateway, "gpt")) == "steady", "a patient caller is still served"


# ---------------------------------------------------------------- the circuit, end to end


def test_a_circuit_opens_cools_down_probes_once_and_closes(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start(
        start_gateway,
        gpt=pool(
            deployment(upstream, "flaky", priority=0),
            deployment(upstream, "steady", priority=1),
            strategy="priority",
            retries={"attempts": 2},
            circuit={"consecutive_failures": 3, "cooldown_s": 2},
        ),
    )
    upstream.set_behaviour("flaky", status=500)

    # Three failures open it; the caller never notices.
    assert [answered(chat(gateway, "gpt")) for _ in range(3)] == ["steady"] * 3
    assert state_of(gateway, "flaky") == "cooling_down"

    # During the cool-down nothing reaches it.
    during = calls_for(gateway, 0.7)
    assert during == ["steady"] * len(during)
    assert reached(upstream)["flaky"] == 3

    # Recovered, but slow: the probe stays out long enough for others to arrive meanwhile.
    upstream.set_behaviour("flaky", latency_ms=1000)
    assert wait_for(lambda: state_of(gateway, "flaky") == "half_open", timeout=3)
    results = concurrent_calls(gateway, 6, lambda: deployments(gateway)["flaky"]["in_flight"] == 1)

    assert sorted(answered(r) for r in results) == ["flaky"] + ["steady"] * 5
    assert reached(upstream)["flaky"] == 4, "exactly one probe reached the recovering deployment"
    row = deployments(gateway)["flaky"]
    assert row["state"] == "healthy" and row["in_flight"] == 0
    assert row["latency_ms"] is not None and row["latency_ms"] >= 700

    # Closed again: it leads once more.
    assert answered(chat(gateway, "gpt")) == "flaky"


def concurrent_calls(gateway: RunningGateway, count: int, during: Any) -> list[httpx.Response]:
    """`count` calls at once; `during` (polled while they run) must become true."""
    seen = threading.Event()

    def watch() -> None:
        if wait_for(during, timeout=3):
            seen.set()

    with ThreadPoolExecutor(count + 1) as pool_:
        watcher = pool_.submit(watch)
        futures = [pool_.submit(chat, gateway, "gpt") for _ in range(count)]
        results = [f.result() for f in futures]
        watcher.result()
    assert seen.is_set(), "the probe was never seen in flight"
    return results


def test_a_failed_probe_reopens_the_circuit(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start(
        start_gateway,
        gpt=pool(
            deployment(upstream, "flaky", priority=0),
            deployment(upstream, "steady", priority=1),
            strategy="priority",
            retries={"attempts": 2},
            circuit={"consecutive_failures": 1, "cooldown_s": 1},
        ),
    )
    upstream.set_behaviour("flaky", status=503)
    assert answered(chat(gateway, "gpt")) == "steady"
    assert wait_for(lambda: state_of(gateway, "flaky") == "half_open", timeout=3)

    response = chat(gateway, "gpt")

    assert answered(response) == "steady" and response.headers["x-strata-attempts"] == "2"
    assert state_of(gateway, "flaky") == "cooling_down"
    assert reached(upstream)["flaky"] == 2


# ---------------------------------------------------------------- the admin API


def test_admin_deployments_shows_each_models_pool(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start(
        start_gateway,
        gpt=pool(deployment(upstream, "a"), deployment(upstream, "b"), strategy="least_busy"),
        other=pool(deployment(upstream, "c", rpm=100)),
    )
    upstream.set_behaviour("a", latency_ms=50)
    upstream.set_behaviour("b", latency_ms=50)
    for _ in range(4):
        answered(chat(gateway, "gpt"))

    body = httpx.get(f"{gateway.base_url}/admin/deployments", headers=gateway.headers()).json()

    models = {m["model"]: m for m in body["models"]}
    assert set(models) == {"gpt", "other"}
    assert models["gpt"]["strategy"] == "least_busy"
    rows = {r["deployment"]: r for r in models["gpt"]["deployments"]}
    assert set(rows) == {"a", "b"}
    assert sum(r["requests_last_minute"] for r in rows.values()) == 4
    for row in rows.values():
        assert row["state"] == "healthy" and row["in_flight"] == 0
        if row["requests_last_minute"]:
            assert row["latency_ms"] >= 40
    assert models["other"]["deployments"][0]["latency_ms"] is None


def test_admin_reset_puts_deployments_back_into_rotation(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start(
        start_gateway,
        gpt=pool(
            deployment(upstream, "flaky", priority=0),
            deployment(upstream, "steady", priority=1),
            strategy="priority",
            retries={"attempts": 2},
            circuit={"consecutive_failures": 1, "cooldown_s": 600},
        ),
    )
    upstream.set_behaviour("flaky", status=500)
    answered(chat(gateway, "gpt"))
    assert state_of(gateway, "flaky") == "cooling_down"
    upstream.set_behaviour("flaky")

    response = httpx.post(f"{gateway.base_url}/admin/deployments/flaky/reset", headers=gateway.headers())
    assert response.status_code == 200, response.text
    assert state_of(gateway, "flaky") == "healthy"
    assert answered(chat(gateway, "gpt")) == "flaky"

    upstream.set_behaviour("flaky", status=500)
    answered(chat(gateway, "gpt"))
    assert httpx.post(f"{gateway.base_url}/admin/deployments/reset", headers=gateway.headers()).status_code == 200
    assert state_of(gateway, "flaky") == "healthy"

    missing = httpx.post(f"{gateway.base_url}/admin/deployments/nope/reset", headers=gateway.headers())
    assert_openai_error(missing, 404)
    assert_openai_error(httpx.get(f"{gateway.base_url}/admin/deployments"), 401)
    assert_openai_error(httpx.get(f"{gateway.base_url}/admin/deployments", headers=gateway.headers("sk-wrong")), 401)
