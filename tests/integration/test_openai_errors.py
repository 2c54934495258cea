"""Errors through the OpenAI surface: the right status and SDK exception, always in OpenAI's JSON shape."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import (
    USER,
    MakeClient,
    StartGateway,
    assert_openai_error,
    catalog_yaml,
    openai_deployment,
)
from tests.support.gateway import RunningGateway

CHAT = {"model": "gpt-test", "messages": USER}


def chat_url(gateway: RunningGateway) -> str:
    return f"{gateway.openai_base}/chat/completions"


# ---------------------------------------------------------------- the caller's key


def test_a_request_without_a_key_is_unauthenticated(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(
            model="gpt-test",
            messages=USER,  # type: ignore[arg-type]
            extra_headers={"Authorization": openai.Omit()},  # type: ignore[dict-item]
        )

    error = assert_openai_error(caught.value.response, 401)
    assert error["type"] == "authentication_error"
    assert upstream.requests() == []


def test_a_raw_request_without_a_key_is_unauthenticated(shared_gateway: RunningGateway) -> None:
    response = httpx.post(chat_url(shared_gateway), json=CHAT)

    assert_openai_error(response, 401)


def test_an_unauthenticated_request_is_refused_before_its_body_is_looked_at(
    upstream: FakeUpstream, shared_gateway: RunningGateway
) -> None:
    # OpenAI answers 401 whatever the body; a gateway should not parse bodies for anonymous callers.
    malformed = httpx.post(chat_url(shared_gateway), content=b"{not json", headers={"content-type": "application/json"})
    invalid = httpx.post(chat_url(shared_gateway), json={"model": "gpt-test", "messages": "not a list"})

    assert_openai_error(malformed, 401)
    assert_openai_error(invalid, 401)


def test_a_wrong_key_is_unauthenticated(
    upstream: FakeUpstream, shared_gateway: RunningGateway, make_client: MakeClient
) -> None:
    client = make_client(shared_gateway, api_key="sk-not-the-right-key")

    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="gpt-test", messages=USER)  # type: ignore[arg-type]
    with pytest.raises(openai.AuthenticationError):
        client.models.list()

    error = assert_openai_error(caught.value.response, 401)
    assert error["code"] == "invalid_api_key"
    assert upstream.requests() == []


# ---------------------------------------------------------------- the caller's request


def test_an_unknown_model_is_not_found(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="no-such-model", messages=USER)  # type: ignore[arg-type]

    error = assert_openai_error(caught.value.response, 404)
    assert error["code"] == "model_not_found" and error["param"] == "model"
    assert upstream.requests() == []


def test_malformed_json_is_a_400_in_openai_shape(shared_gateway: RunningGateway) -> None:
    response = httpx.post(
        chat_url(shared_gateway),
        content=b'{"model": "gpt-test", "messages": [',
        headers={**shared_gateway.headers(), "content-type": "application/json"},
    )

    error = assert_openai_error(response, 400)
    assert error["type"] == "invalid_request_error"
    assert "JSON" in error["message"]


@pytest.mark.parametrize(
    ("override", "param"),
    [
        ({"temperature": "hot"}, "temperature"),
        ({"messages": "hello"}, "messages"),
        ({"max_tokens": "many"}, "max_tokens"),
        ({"n": 0}, "n"),
        ({"messages": [{"role": "robot", "content": "hi"}]}, "messages[0].role"),
        ({"stop": 5}, "stop"),
        ({"messages": []}, "messages"),
        ({"model": ""}, "model"),
        ({"response_format": {"type": "yaml"}}, "response_format.type"),
    ],
    ids=["temperature", "messages", "max_tokens", "n", "role", "stop", "no-messages", "empty-model", "format"],
)
def test_a_wrongly_typed_parameter_is_a_bad_request_naming_it(
    upstream: FakeUpstream, client: openai.OpenAI, override: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(**{**CHAT, **override})

    error = assert_openai_error(caught.value.response, 400)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert upstream.requests() == []


def test_a_missing_required_parameter_is_named(shared_gateway: RunningGateway) -> None:
    response = httpx.post(chat_url(shared_gateway), json={"messages": USER}, headers=shared_gateway.headers())

    error = assert_openai_error(response, 400)
    assert error["param"] == "model"


def test_a_body_that_is_not_an_object_is_a_bad_request(shared_gateway: RunningGateway) -> None:
    response = httpx.post(chat_url(shared_gateway), json=["model", "gpt-test"], headers=shared_gateway.headers())

    assert_openai_error(response, 400)


def test_a_stream_for_an_unknown_model_is_not_found(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        list(client.chat.completions.create(model="no-such-model", messages=USER, stream=True))  # type: ignore[arg-type]

    assert_openai_error(caught.value.response, 404)


def test_the_wrong_http_method_is_an_openai_shaped_405(shared_gateway: RunningGateway) -> None:
    response = httpx.get(chat_url(shared_gateway), headers=shared_gateway.headers())

    assert_openai_error(response, 405)


def test_an_empty_body_is_a_bad_request(shared_gateway: RunningGateway) -> None:
    response = httpx.post(chat_url(shared_gateway), headers=shared_gateway.headers())

    assert_openai_error(response, 400)


def test_an_unknown_path_is_not_found_in_openai_shape(shared_gateway: RunningGateway) -> None:
    response = httpx.get(f"{shared_gateway.openai_base}/no/such/route", headers=shared_gateway.headers())

    assert_openai_error(response, 404)


# ---------------------------------------------------------------- integers wider than 64 bits

WIDE = 2**64  # one past the largest integer a 64-bit field holds (the upstream's JSON could not carry it)
WIDEST_FORWARDED = 2**64 - 1


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"max_tokens": WIDE}, "max_tokens"),
        ({"seed": WIDE}, "seed"),
        ({"seed": -(2**63) - 1}, "seed"),
        ({"logit_bias": {"50256": WIDE}}, "logit_bias.50256"),
        ({"metadata": {"ticket": WIDE}}, "metadata.ticket"),
        ({"extra_body": {"vendor_option": [1, WIDE]}}, "vendor_option[1]"),
        (
            {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi", "vendor": {"x": WIDE}}]}]},
            "messages[0].content[0].vendor.x",
        ),
        (
            {"tools": [{"type": "function", "function": {"name": "f", "parameters": {"maximum": WIDE}}}]},
            "tools[0].function.parameters.maximum",
        ),
        ({"stream": True, "seed": WIDE}, "seed"),
    ],
    ids=["max_tokens", "seed", "negative-seed", "logit_bias", "metadata", "vendor", "part", "tool-schema", "stream"],
)
def test_an_integer_wider_than_64_bits_is_a_bad_request_naming_it(
    upstream: FakeUpstream, client: openai.OpenAI, options: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(**{**CHAT, **options})

    error = assert_openai_error(caught.value.response, 400)
    assert error["param"] == param
    assert "64 bits" in error["message"]
    assert upstream.requests() == []


@pytest.mark.parametrize(
    ("options", "param"),
    [({"input": [[1, WIDE]]}, "input[0][1]"), ({"input": "x", "dimensions": WIDE}, "dimensions")],
    ids=["token-ids", "dimensions"],
)
def test_an_embeddings_integer_wider_than_64_bits_is_a_bad_request_naming_it(
    upstream: FakeUpstream, client: openai.OpenAI, options: dict[str, Any], param: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="emb-test", **options)

    assert assert_openai_error(caught.value.response, 400)["param"] == param
    assert upstream.requests() == []


def test_integers_that_fit_in_64_bits_and_long_numbers_in_text_pass_through(
    upstream: FakeUpstream, client: openai.OpenAI
) -> None:
    digits = "12345678901234567890123456789"
    client.chat.completions.create(
        model="gpt-test",
        messages=[{"role": "user", "content": f"My reference is {digits}."}],
        seed=-(2**63),
        extra_body={"vendor_option": WIDEST_FORWARDED},
    )

    sent = upstream.requests()[0]["body"]
    assert (sent["seed"], sent["vendor_option"]) == (-(2**63), WIDEST_FORWARDED)
    assert digits in sent["messages"][0]["content"]


def test_a_wide_integer_in_a_large_body_is_found_too(upstream: FakeUpstream, client: openai.OpenAI) -> None:
    long_history = [{"role": "user", "content": "x" * 1000}] * 40

    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-test", messages=long_history, extra_body={"vendor_option": WIDE})

    assert assert_openai_error(caught.value.response, 400)["param"] == "vendor_option"
    assert upstream.requests() == []


# ---------------------------------------------------------------- content type


@pytest.mark.parametrize("path", ["/chat/completions", "/embeddings"])
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_a_body_that_is_not_json_is_an_unsupported_media_type(
    upstream: FakeUpstream, shared_gateway: RunningGateway, path: str, content_type: str
) -> None:
    body = b'{"model": "gpt-test", "input": "x", "messages": [{"role": "user", "content": "hi"}]}'
    response = httpx.post(
        f"{shared_gateway.openai_base}{path}",
        content=body,
        headers={**shared_gateway.headers(), "content-type": content_type},
    )

    error = assert_openai_error(response, 415)
    assert error["code"] == "unsupported_media_type"
    assert upstream.requests() == []


@pytest.mark.parametrize(
    "content_type", [None, "application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json"]
)
def test_a_json_body_without_a_content_type_or_with_a_json_one_is_accepted(
    upstream: FakeUpstream, shared_gateway: RunningGateway, content_type: str | None
) -> None:
    headers = shared_gateway.headers()
    if content_type is not None:
        headers["content-type"] = content_type
    response = httpx.post(
        chat_url(shared_gateway), content=httpx.Request("POST", "/", json=CHAT).read(), headers=headers
    )

    assert response.status_code == 200, response.text


def test_a_stranger_sending_text_is_unauthenticated_first(shared_gateway: RunningGateway) -> None:
    response = httpx.post(chat_url(shared_gateway), content=b"hello", headers={"content-type": "text/plain"})

    assert_openai_error(response, 401)


# ---------------------------------------------------------------- body size


@pytest.fixture()
def small_gateway(upstream: FakeUpstream, start_gateway: StartGateway) -> RunningGateway:
    yaml = catalog_yaml({"gpt-test": [openai_deployment(upstream.url)]})
    return start_gateway(yaml, max_body_bytes=2048)


def big_chat_body() -> bytes:
    return httpx.Request("POST", "/", json={**CHAT, "messages": [{"role": "user", "content": "x" * 10_000}]}).read()


def test_an_oversized_body_is_rejected_with_413(upstream: FakeUpstream, small_gateway: RunningGateway) -> None:
    response = httpx.post(
        chat_url(small_gateway),
        content=big_chat_body(),
        headers={**small_gateway.headers(), "content-type": "application/json"},
    )

    error = assert_openai_error(response, 413)
    assert error["code"] == "request_too_large"
    assert upstream.requests() == []


def test_an_oversized_chunked_body_without_length_is_rejected_with_413(
    upstream: FakeUpstream, small_gateway: RunningGateway
) -> None:
    body = big_chat_body()

    def pieces() -> Any:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    request = httpx.Request(
        "POST",
        chat_url(small_gateway),
        content=pieces(),
        headers={**small_gateway.headers(), "content-type": "application/json"},
    )
    assert "content-length" not in request.headers and request.headers["transfer-encoding"] == "chunked"
    with httpx.Client(timeout=10) as http:
        response = http.send(request)

    assert_openai_error(response, 413)
    assert upstream.requests() == []


def test_a_small_chunked_body_without_length_is_accepted(upstream: FakeUpstream, small_gateway: RunningGateway) -> None:
    body = httpx.Request("POST", "/", json=CHAT).read()

    def pieces() -> Any:
        yield body[:10]
        yield body[10:]

    with httpx.Client(timeout=10) as http:
        response = http.post(
            chat_url(small_gateway),
            content=pieces(),
            headers={**small_gateway.headers(), "content-type": "application/json"},
        )

    assert response.status_code == 200, response.text
    assert response.json()["model"] == "gpt-test"


def test_the_sdk_sees_an_oversized_body_as_a_413(
    upstream: FakeUpstream, small_gateway: RunningGateway, make_client: MakeClient
) -> None:
    client = make_client(small_gateway)

    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "x" * 10_000}])

    assert_openai_error(caught.value.response, 413)


def test_a_body_just_under_the_limit_is_accepted(upstream: FakeUpstream, small_gateway: RunningGateway) -> None:
    response = httpx.post(
        chat_url(small_gateway),
        json={**CHAT, "messages": [{"role": "user", "content": "x" * 1500}]},
        headers=small_gateway.headers(),
    )

    assert response.status_code == 200, response.text


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
