"""Errors through the OpenAI surface for what the caller sent: a missing or wrong key (refused before
the body is read), an unknown model or path, a body that is not JSON or not an object, parameters of
the wrong type or missing; the right status and SDK exception, always in OpenAI's JSON shape."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import USER, MakeClient, assert_openai_error
from tests.integration.openai_error_helpers import CHAT, chat_url
from tests.support.gateway import RunningGateway

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
        ({"messages": [{"role": "user", "content": [{"type": "text"}]}]}, "messages[0].content"),
    ],
    ids=[
        "temperature",
        "messages",
        "max_tokens",
        "n",
        "role",
        "stop",
        "no-messages",
        "empty-model",
        "format",
        "text-part-without-text",
    ],
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
