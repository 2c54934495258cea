"""Upstream failures through the OpenAI surface: each maps to the right status and SDK exception in
OpenAI's JSON shape (a 429's Retry-After passed on, the gateway's own key refused upstream a 502, slow
upstreams a 504, unreachable ones a 503); and errors echo the caller's request id."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import USER, assert_openai_error
from tests.support.gateway import RunningGateway

# ---------------------------------------------------------------- upstream failures


UPSTREAM_FAILURES = [
    pytest.param({"status": 400}, openai.BadRequestError, 400, None, id="400"),
    pytest.param(
        {"status": 400, "error_code": "context_length_exceeded", "error_message": "This model's maximum context..."},
        openai.BadRequestError,
        400,
        "context_length_exceeded",
        id="context-length",
    ),
    pytest.param({"status": 422}, openai.UnprocessableEntityError, 422, None, id="422"),
    pytest.param({"status": 429, "retry_after": 7}, openai.RateLimitError, 429, None, id="429"),
    pytest.param({"status": 500}, openai.InternalServerError, 502, None, id="500-is-502"),
    pytest.param({"status": 503}, openai.InternalServerError, 503, None, id="503"),
    pytest.param({"expected_api_key": "sk-someone-else"}, openai.InternalServerError, 502, None, id="bad-gateway-key"),
]


@pytest.mark.parametrize(("knobs", "exception", "status", "code"), UPSTREAM_FAILURES)
def test_an_upstream_failure_maps_to_the_right_sdk_error(
    upstream: FakeUpstream,
    client: openai.OpenAI,
    knobs: dict[str, Any],
    exception: type[openai.APIStatusError],
    status: int,
    code: str | None,
) -> None:
    upstream.set_behaviour("fake-model", **knobs)

    with pytest.raises(exception) as caught:
        client.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]

    error = assert_openai_error(caught.value.response, status)
    if code is not None:
        assert error["code"] == code
    assert len(upstream.requests()) == 1  # one deployment, tried once


def test_an_upstream_429_passes_its_retry_after_on(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    upstream.set_behaviour("fake-model", status=429, retry_after=7)

    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]

    assert caught.value.response.headers["retry-after"] == "7"
    assert assert_openai_error(caught.value.response, 429)["type"] == "rate_limit_error"


def test_an_upstream_that_rejects_the_gateways_key_is_a_502_not_a_401(
    upstream: FakeUpstream, client: openai.OpenAI
) -> None:
    upstream.set_behaviour("fake-model", expected_api_key="sk-someone-else")

    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]

    assert not isinstance(caught.value, openai.AuthenticationError)
    error = assert_openai_error(caught.value.response, 502)
    assert error["type"] != "authentication_error"


def test_an_upstream_slower_than_the_read_timeout_is_a_504(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    upstream.set_behaviour("slow-model", latency_ms=1200)  # the deployment's read timeout is 0.5 s

    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="gpt-slow", messages=USER)  # type: ignore[arg-type]

    assert_openai_error(caught.value.response, 504)


def test_a_stream_from_an_upstream_slower_than_the_read_timeout_is_a_504(
    upstream: FakeUpstream, client: openai.OpenAI
) -> None:
    upstream.set_behaviour("slow-model", latency_ms=1200)

    with pytest.raises(openai.InternalServerError) as caught:
        list(client.chat.completions.create(model="gpt-slow", messages=USER, stream=True))  # type: ignore[arg-type]

    assert_openai_error(caught.value.response, 504)


def test_an_unreachable_upstream_is_a_503(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(model="gpt-down", messages=USER)  # type: ignore[arg-type]

    assert_openai_error(caught.value.response, 503)


def test_embeddings_errors_use_the_same_mapping(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    upstream.set_behaviour("fake-embed", status=429, retry_after=2)

    with pytest.raises(openai.RateLimitError) as caught:
        client.embeddings.create(model="emb-test", input="x")

    assert caught.value.response.headers["retry-after"] == "2"
    assert_openai_error(caught.value.response, 429)


# ---------------------------------------------------------------- request ids on errors


def test_an_error_echoes_the_callers_request_id(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    upstream.set_behaviour("fake-model", status=503)

    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(
            model="gpt-test",
            messages=USER,  # type: ignore[arg-type]
            extra_headers={"x-request-id": "trace-me-503"},
        )

    assert caught.value.response.headers["x-request-id"] == "trace-me-503"
    assert caught.value.request_id == "trace-me-503"
    assert upstream.requests()[0]["headers"]["x-request-id"] == "trace-me-503"


def test_an_unusable_caller_request_id_is_replaced(shared_gateway: RunningGateway) -> None:
    response = httpx.get(
        f"{shared_gateway.openai_base}/models",
        headers={**shared_gateway.headers(), "x-request-id": "has spaces; and=junk"},
    )

    assert response.status_code == 200
    assert response.headers["x-request-id"] not in ("", "has spaces; and=junk")
