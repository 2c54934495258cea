"""Request bodies through the OpenAI surface: one that is not JSON is a 415 (after authentication), one
over the size limit a 413 (with or without a length), in OpenAI's JSON shape; JSON ones are accepted."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import MakeClient, StartGateway, assert_openai_error, catalog_yaml, openai_deployment
from tests.integration.openai_error_helpers import CHAT, chat_url
from tests.support.gateway import RunningGateway

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
