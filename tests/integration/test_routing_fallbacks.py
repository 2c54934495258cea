"""Fallback models by error kind, and streams that fail before or after their first chunk.

(Split from test_routing_resilience.py.) The caller uses the openai SDK; what reached the fake
upstream and the gateway's headers say who answered.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.fakes.upstream_responses import DEFAULT_CONTENT
from tests.integration.conftest import USER, MakeClient, StartGateway, assert_openai_error, closed_port_url
from tests.integration.routing_helpers import (
    chat,
    chat_models,
    deployment,
    deployments,
    pool,
    start,
    state_of,
    timed,
    wait_for,
)
from tests.support.gateway import RunningGateway

NO_CIRCUIT = {"consecutive_failures": 1000, "min_requests": 1000}


FAST_READ = {"connect": 1, "read": 0.5, "total": 5}


def with_fallbacks(upstream: FakeUpstream, start_gateway: StartGateway, **routing: Any) -> RunningGateway:
    """`main` (upstream model main-up, read timeout 0.5 s) with the given fallbacks; `backup`, `big`
    and `safe` as spares."""
    main = deployment(upstream, "main-up", timeouts=FAST_READ)
    return start(
        start_gateway,
        main=pool(main, retries={"attempts": 1}, circuit=NO_CIRCUIT, **routing),
        backup=pool(deployment(upstream, "backup-up")),
        big=pool(deployment(upstream, "big-up")),
        safe=pool(deployment(upstream, "safe-up")),
    )


ALL_KINDS = {"fallbacks": ["backup"], "context_window_fallbacks": ["big"], "content_policy_fallbacks": ["safe"]}


def raw_chat(client: openai.OpenAI, model: str = "main", **params: Any) -> Any:
    return client.chat.completions.with_raw_response.create(model=model, messages=USER, **params)  # type: ignore[arg-type]


# ---------------------------------------------------------------- fallbacks by error kind


@pytest.mark.parametrize(
    ("knobs", "answering", "upstream_model"),
    [
        ({"status": 503}, "backup", "backup-up"),
        ({"status": 500}, "backup", "backup-up"),
        ({"status": 429, "retry_after": 1}, "backup", "backup-up"),
        ({"latency_ms": 3000}, "backup", "backup-up"),
        ({"status": 401}, "backup", "backup-up"),
        ({"status": 404}, "backup", "backup-up"),
        ({"status": 400, "error_code": "context_length_exceeded"}, "big", "big-up"),
        ({"status": 400, "error_code": "content_policy_violation"}, "safe", "safe-up"),
    ],
    ids=["503", "500", "429", "timeout", "refused-key", "unknown-model", "context-window", "content-policy"],
)
def test_the_fallback_for_the_kind_of_failure_answers_under_its_own_name(
    upstream: FakeUpstream,
    start_gateway: StartGateway,
    make_client: MakeClient,
    knobs: dict[str, Any],
    answering: str,
    upstream_model: str,
) -> None:
    gateway = with_fallbacks(upstream, start_gateway, **ALL_KINDS)
    upstream.set_behaviour("main-up", **knobs)
    client = make_client(gateway)

    raw = raw_chat(client)

    completion = raw.parse()
    assert completion.choices[0].message.content == DEFAULT_CONTENT
    assert raw.headers["x-strata-model"] == answering
    assert completion.model == answering
    assert raw.headers["x-strata-deployment"] == upstream_model
    assert chat_models(upstream) == ["main-up", upstream_model]


@pytest.mark.parametrize(
    ("code", "error_class"),
    [
        ("context_length_exceeded", openai.BadRequestError),
        ("content_policy_violation", openai.BadRequestError),
        (None, openai.BadRequestError),
    ],
    ids=["context-window", "content-policy", "plain-400"],
)
def test_a_request_error_never_uses_the_general_fallbacks(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient, code: str | None, error_class: type
) -> None:
    gateway = with_fallbacks(upstream, start_gateway, fallbacks=["backup"])
    upstream.set_behaviour("main-up", status=400, error_code=code)

    with pytest.raises(error_class) as caught:
        raw_chat(make_client(gateway))

    assert_openai_error(caught.value.response, 400)
    assert chat_models(upstream) == ["main-up"]


def test_fallbacks_are_tried_in_order_until_one_answers(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = with_fallbacks(upstream, start_gateway, fallbacks=["backup", "big", "safe"])
    upstream.set_behaviour("main-up", status=503)
    upstream.set_behaviour("backup-up", status=503)

    response = chat(gateway, "main")

    assert response.status_code == 200, response.text
    assert response.headers["x-strata-model"] == "big"
    assert chat_models(upstream)[-1] == "big-up" and "safe-up" not in chat_models(upstream)


def test_a_deployment_whose_key_is_refused_gives_way_to_the_pool_s_next_at_once(
    upstream: FakeUpstream, start_gateway: StartGateway
) -> None:
    gateway = start(
        start_gateway,
        main=pool(
            deployment(upstream, "expired-key-up", priority=0),
            deployment(upstream, "good-up", priority=1),
            strategy="priority",
            retries={"attempts": 1},
            circuit=NO_CIRCUIT,
        ),
    )
    upstream.set_behaviour("expired-key-up", status=401)

    response, elapsed = timed(lambda: chat(gateway, "main"))

    assert response.status_code == 200, response.text
    assert chat_models(upstream) == ["expired-key-up", "good-up"], "no retry of the refused one, no wait"
    assert elapsed < 1.0


def test_a_model_rate_limited_for_long_falls_back_at_once(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    """A 429 asking for more than max_wait_s is not waited for: the fallback answers right away."""
    gateway = start(
        start_gateway,
        main=pool(deployment(upstream, "main-up"), retries={"attempts": 3, "max_wait_s": 2}, fallbacks=["backup"]),
        backup=pool(deployment(upstream, "backup-up")),
    )
    upstream.set_behaviour("main-up", status=429, retry_after=30)

    response, elapsed = timed(lambda: chat(gateway, "main", headers={"x-strata-timeout": "10"}))

    assert response.status_code == 200, response.text
    assert response.headers["x-strata-model"] == "backup"
    assert elapsed < 3.0


# ---------------------------------------------------------------- streams


def text_of(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def stream_pool(upstream: FakeUpstream, start_gateway: StartGateway, first: dict[str, Any]) -> RunningGateway:
    return start(
        start_gateway,
        gpt=pool(
            first,
            deployment(upstream, "second", priority=1),
            strategy="priority",
            retries={"attempts": 2},
            circuit={"consecutive_failures": 1, "cooldown_s": 30},
        ),
    )


@pytest.mark.parametrize("failure", ["503", "refused", "slow-first-byte"])
def test_a_stream_failing_before_its_first_chunk_fails_over(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient, failure: str
) -> None:
    first_byte = {"connect": 1, "first_byte": 0.3, "read": 5, "total": 10}
    base = closed_port_url() if failure == "refused" else upstream.url
    gateway = stream_pool(upstream, start_gateway, deployment(base, "first", priority=0, timeouts=first_byte))
    if failure == "503":
        upstream.set_behaviour("first", status=503)
    elif failure == "slow-first-byte":
        upstream.set_behaviour("first", latency_ms=2000)

    started = time.monotonic()
    raw = raw_chat(make_client(gateway), model="gpt", stream=True)
    chunks = list(raw.parse())
    elapsed = time.monotonic() - started

    assert text_of(chunks) == DEFAULT_CONTENT
    assert {c.model for c in chunks} == {"gpt"}
    assert raw.headers["x-strata-deployment"] == "second"
    assert raw.headers["x-strata-attempts"] == "2"
    assert chat_models(upstream) == (["second"] if failure == "refused" else ["first", "second"])
    assert elapsed < 1.8, "the slow first byte was given up on at first_byte, not read"
    assert state_of(gateway, "first") == "cooling_down"


def test_a_stream_cut_after_its_first_chunk_ends_with_an_error_the_sdk_raises(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    gateway = stream_pool(upstream, start_gateway, deployment(upstream, "first", priority=0))
    upstream.set_behaviour("first", drop_after_chunks=2, chunk_delay_ms=20)
    received: list[Any] = []

    with pytest.raises(openai.APIError) as caught:
        for chunk in make_client(gateway).chat.completions.create(model="gpt", messages=USER, stream=True):  # type: ignore[arg-type]
            received.append(chunk)

    assert caught.value.message
    assert 0 < len(text_of(received)) < len(DEFAULT_CONTENT), "part of the answer arrived, then the error"
    assert DEFAULT_CONTENT.startswith(text_of(received))
    assert chat_models(upstream) == ["first"], "a committed stream is never replayed elsewhere"
    assert wait_for(lambda: state_of(gateway, "first") == "cooling_down", timeout=3), "the cut counted as a failure"


def test_a_stream_falls_back_to_another_model_before_its_first_chunk(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    gateway = with_fallbacks(upstream, start_gateway, fallbacks=["backup"])
    upstream.set_behaviour("main-up", status=503)

    raw = raw_chat(make_client(gateway), stream=True)
    chunks = list(raw.parse())

    assert text_of(chunks) == DEFAULT_CONTENT
    assert raw.headers["x-strata-model"] == "backup"
    assert {c.model for c in chunks} == {"backup"}


def test_streams_report_their_outcome_and_time_to_first_chunk(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    gateway = start(start_gateway, gpt=pool(deployment(upstream, "only")))
    upstream.set_behaviour("only", latency_ms=100, chunk_delay_ms=10)
    client = make_client(gateway)

    assert text_of(list(client.chat.completions.create(model="gpt", messages=USER, stream=True))) == DEFAULT_CONTENT  # type: ignore[arg-type]

    row = deployments(gateway)["only"]
    assert row["ttft_ms"] is not None and row["ttft_ms"] >= 90
    assert row["in_flight"] == 0 and row["state"] == "healthy"


def test_a_stream_the_caller_abandons_frees_its_place(upstream: FakeUpstream, start_gateway: StartGateway) -> None:
    gateway = start(start_gateway, gpt=pool(deployment(upstream, "only", max_concurrency=1)))
    upstream.set_behaviour("only", chunk_delay_ms=200)
    body = {"model": "gpt", "messages": USER, "stream": True}

    with httpx.stream("POST", f"{gateway.openai_base}/chat/completions", json=body, headers=gateway.headers()) as r:
        assert r.status_code == 200
        lines = r.iter_lines()  # kept: dropping the iterator would close the response already
        assert next(lines).startswith("data: ")
        assert deployments(gateway)["only"]["in_flight"] == 1
    assert wait_for(lambda: deployments(gateway)["only"]["in_flight"] == 0, timeout=5)
    assert state_of(gateway, "only") == "healthy", "leaving is no verdict on the deployment"
    assert chat(gateway, "gpt").status_code == 200, "max_concurrency=1: the place was given back"


def test_the_models_deadline_bounds_a_stream_too(
    upstream: FakeUpstream, start_gateway: StartGateway, make_client: MakeClient
) -> None:
    """routing.deadline_s is the whole request; a stream that is still going when it passes is ended."""
    gateway = start(start_gateway, gpt=pool(deployment(upstream, "only"), deadline_s=1))
    upstream.set_behaviour("only", chunk_delay_ms=250, chunk_count=14)  # about 3.5 s of streaming

    started = time.monotonic()
    with pytest.raises(openai.APIError):
        for _ in make_client(gateway).chat.completions.create(model="gpt", messages=USER, stream=True):  # type: ignore[arg-type]
            pass
    assert time.monotonic() - started < 2.5
