"""An upstream's 429 rests one deployment; it must not become an outage for everyone else.

One 429 with Retry-After in a one-deployment pool used to make the next second's calls fail with
503 "no deployment available": now they wait for the rest to end (within max_wait_s and their
deadline) and are served, a pool that is resting longer answers 429 (a rate limit, with the
time left), and a 429 without Retry-After does not rest the only deployment of a pool at all.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import StartGateway, assert_openai_error
from tests.integration.routing_helpers import chat, chat_models, deployment, deployments, pool, start, timed

ONE_ATTEMPT = {"attempts": 1}


def test_calls_after_a_429_wait_for_its_retry_after_and_are_served(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start(start_gateway, gpt=pool(deployment(upstream, "only"), retries=ONE_ATTEMPT))
    upstream.set_behaviour("only", status=429, retry_after=1, fail_times=1)

    refused = chat(gateway, "gpt")
    assert_openai_error(refused, 429)  # one attempt: the caller hears the upstream's 429
    assert refused.headers["retry-after"] == "1"
    row = deployments(gateway)["only"]
    assert row["state"] == "rate_limited" and 0 < row["cooling_for_s"] <= 1.0, row

    started = time.monotonic()
    with ThreadPoolExecutor(10) as threads:
        after = list(threads.map(lambda _: chat(gateway, "gpt"), range(10)))
    elapsed = time.monotonic() - started

    assert [r.status_code for r in after] == [200] * 10, [r.text for r in after if r.status_code != 200]
    assert 0.5 <= elapsed < 6.0, f"they waited out the rest ({elapsed:.2f} s)"
    assert chat_models(upstream) == ["only"] * 11, "nothing reached the upstream while it was resting"
    assert deployments(gateway)["only"]["state"] == "healthy"


def test_a_pool_resting_longer_than_anyone_waits_answers_429_with_the_time_left(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start(start_gateway, gpt=pool(deployment(upstream, "only"), retries={"attempts": 1, "max_wait_s": 2}))
    upstream.set_behaviour("only", status=429, retry_after=30, fail_times=1)
    assert_openai_error(chat(gateway, "gpt"), 429)

    response, elapsed = timed(lambda: chat(gateway, "gpt"))

    error = assert_openai_error(response, 429)
    assert error["type"] == "rate_limit_error", "a rate limit, not 'unavailable'"
    assert 25 <= int(response.headers["retry-after"]) <= 30
    assert elapsed < 2.0
    assert chat_models(upstream) == ["only"]


def test_a_429_without_retry_after_does_not_rest_the_only_deployment(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start(start_gateway, gpt=pool(deployment(upstream, "only"), retries=ONE_ATTEMPT))
    upstream.set_behaviour("only", status=429, fail_times=1)
    assert_openai_error(chat(gateway, "gpt"), 429)

    response, elapsed = timed(lambda: chat(gateway, "gpt"))

    assert response.status_code == 200, response.text
    assert elapsed < 0.5, "nothing to wait for: the upstream asked for no rest"
    assert deployments(gateway)["only"]["state"] == "healthy"


def test_the_caller_of_a_429_is_served_after_the_retry_after_within_its_deadline(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start(start_gateway, gpt=pool(deployment(upstream, "only"), retries={"attempts": 2}))
    upstream.set_behaviour("only", status=429, retry_after=1, fail_times=1)

    response, elapsed = timed(lambda: chat(gateway, "gpt"))
    assert response.status_code == 200 and response.headers["x-strata-attempts"] == "2"
    assert elapsed >= 1.0

    upstream.set_behaviour("only", status=429, retry_after=2, fail_times=1)
    short, elapsed = timed(lambda: chat(gateway, "gpt", headers={"x-strata-timeout": "1"}))
    assert_openai_error(short, 429)  # its deadline ends before the rest does: no pointless wait
    assert elapsed < 1.0


def test_a_call_waits_for_a_full_deployment_no_longer_than_max_wait(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    """A deployment at its max_concurrency is looked at again every 50 ms; the waiting, in all, stops
    at the model's max_wait_s, not at the request's deadline."""
    gateway = start(
        start_gateway,
        gpt=pool(deployment(upstream, "only", max_concurrency=1), retries={"attempts": 1, "max_wait_s": 1}),
    )
    upstream.set_behaviour("only", latency_ms=4000)
    with ThreadPoolExecutor(2) as threads:
        slow = threads.submit(chat, gateway, "gpt")
        time.sleep(0.3)  # the slow call holds the only slot
        waiting, elapsed = timed(lambda: chat(gateway, "gpt"))
        assert slow.result().status_code == 200
    assert_openai_error(waiting, 429)
    assert 0.9 <= elapsed < 2.5, elapsed
