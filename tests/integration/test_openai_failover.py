"""Failover within a pool of deployments, seen by an openai SDK caller.

Routing is a weighted shuffle. A huge weight puts a deployment first in all but about one
plan in a million, which makes "the first one fails" deterministic enough to test.
"""

from __future__ import annotations

from typing import Any

import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.fakes.upstream_responses import DEFAULT_CONTENT
from tests.integration.conftest import (
    USER,
    MakeClient,
    StartGateway,
    assert_openai_error,
    catalog_yaml,
    closed_port_url,
    openai_deployment,
)

LEADS = 1_000_000.0
FAST_READ = {"connect": 1, "read": 0.5, "total": 5}


def pool_client(
    upstream: FakeUpstream,
    start_gateway: StartGateway,
    make_client: MakeClient,
    first_weight: float = LEADS,
    first_base: str | None = None,
) -> openai.OpenAI:
    pool = [
        openai_deployment(
            first_base or upstream.url, "pool-a-model", id="pool-a", weight=first_weight, timeouts=FAST_READ
        ),
        openai_deployment(upstream.url, "pool-b-model", id="pool-b"),
    ]
    # Two attempts: each deployment once (retrying the same one is the routing tests' business).
    return make_client(start_gateway(catalog_yaml({"gpt-pool": pool}, routing={"retries": {"attempts": 2}})))


def tried(upstream: FakeUpstream) -> list[str]:
    return [r["body"]["model"] for r in upstream.requests()]


@pytest.mark.parametrize(
    "knobs",
    [{"status": 503}, {"status": 429, "retry_after": 1}, {"status": 500}, {"latency_ms": 1000}],
    ids=["503", "429", "500", "read-timeout"],
)
def test_a_retryable_failure_of_the_first_deployment_fails_over_to_the_second(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient, knobs: dict[str, Any]
) -> None:
    client = pool_client(upstream, start_gateway, make_client)
    upstream.set_behaviour("pool-a-model", **knobs)

    raw = client.chat.completions.with_raw_response.create(model="gpt-pool", messages=USER)  # type: ignore[arg-type]

    assert raw.parse().choices[0].message.content == DEFAULT_CONTENT
    assert raw.parse().model == "gpt-pool"
    assert raw.headers["x-strata-deployment"] == "pool-b"
    assert tried(upstream) == ["pool-a-model", "pool-b-model"]


def test_every_request_succeeds_whichever_order_the_pool_is_tried_in(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    client = pool_client(upstream, start_gateway, make_client, first_weight=1.0)
    upstream.set_behaviour("pool-a-model", status=503)

    for _ in range(20):
        raw = client.chat.completions.with_raw_response.create(model="gpt-pool", messages=USER)  # type: ignore[arg-type]
        assert raw.parse().choices[0].message.content == DEFAULT_CONTENT
        assert raw.headers["x-strata-deployment"] == "pool-b"

    models = tried(upstream)
    assert models.count("pool-b-model") == 20
    # Equal weights: pool-a leads half the time; missing it 20 times running happens once in a million.
    assert models.count("pool-a-model") >= 1


def test_an_unreachable_first_deployment_fails_over(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    client = pool_client(upstream, start_gateway, make_client, first_base=closed_port_url())

    raw = client.chat.completions.with_raw_response.create(model="gpt-pool", messages=USER)  # type: ignore[arg-type]

    assert raw.headers["x-strata-deployment"] == "pool-b"
    assert tried(upstream) == ["pool-b-model"]


def test_a_stream_fails_over_before_its_first_chunk(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    client = pool_client(upstream, start_gateway, make_client)
    upstream.set_behaviour("pool-a-model", status=503)

    raw = client.chat.completions.with_raw_response.create(model="gpt-pool", messages=USER, stream=True)  # type: ignore[arg-type]
    chunks = list(raw.parse())

    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == DEFAULT_CONTENT
    assert raw.headers["x-strata-deployment"] == "pool-b"
    assert tried(upstream) == ["pool-a-model", "pool-b-model"]


def test_a_bad_request_is_not_retried_on_another_deployment(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    client = pool_client(upstream, start_gateway, make_client)
    upstream.set_behaviour("pool-a-model", status=400)

    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-pool", messages=USER)  # type: ignore[arg-type]

    assert_openai_error(caught.value.response, 400)
    assert tried(upstream) == ["pool-a-model"]


def test_when_every_deployment_fails_the_caller_gets_the_last_error(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    client = pool_client(upstream, start_gateway, make_client)
    upstream.set_behaviour("pool-a-model", status=500)
    upstream.set_behaviour("pool-b-model", status=503)

    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="gpt-pool", messages=USER)  # type: ignore[arg-type]

    assert_openai_error(caught.value.response, 503)
    assert tried(upstream) == ["pool-a-model", "pool-b-model"]


def test_an_sdk_with_its_default_retries_does_not_retry_what_the_gateway_already_retried(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    client = pool_client(upstream, start_gateway, make_client)
    client = client.with_options(max_retries=2)  # the SDK's default
    upstream.set_behaviour("pool-a-model", status=500)
    upstream.set_behaviour("pool-b-model", status=503)

    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="gpt-pool", messages=USER)  # type: ignore[arg-type]

    assert caught.value.response.headers["x-should-retry"] == "false"
    assert tried(upstream) == ["pool-a-model", "pool-b-model"]  # was 6: the gateway's 2 x the SDK's 3


def test_an_sdk_still_retries_a_failure_the_gateway_did_not_retry(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    single_try = {"retries": {"attempts": 1}}
    gateway = start_gateway(catalog_yaml({"gpt": [openai_deployment(upstream.url, "solo-model")]}, routing=single_try))
    client = make_client(gateway, max_retries=1)
    upstream.set_behaviour("solo-model", status=500, fail_times=1)

    answer = client.chat.completions.create(model="gpt", messages=USER)  # type: ignore[arg-type]

    assert answer.choices[0].message.content == DEFAULT_CONTENT
    assert tried(upstream) == ["solo-model", "solo-model"]  # the second try was the SDK's
