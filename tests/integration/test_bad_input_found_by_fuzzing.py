"""What a fuzzer sent and the gateway answered with a 500 (or in the wrong surface's error shape),
now each a 400 in the surface's own shape: a JSON value of the wrong type where a name was
looked up in a table (an Anthropic document's ``source.type``; a Claude-on-Bedrock body's
``system[].text`` and ``tool_choice.type``), a lone UTF-16 surrogate (JSON ``"\\ud800"``) in an
admin body's team id or model name (SQLite cannot store it, and no JSON body can carry it), and a
request line the HTTP parser refuses for a bad character in its path or query."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import assert_openai_error, catalog_yaml
from tests.support.gateway import RunningGateway, gateway_in_thread
from tests.support.raw_http import RawConnection, RawResponse

ECHO = catalog_yaml({"echo": [{"provider": "echo"}]})
CLAUDE_ON_BEDROCK = {
    "anthropic_version": "bedrock-2023-05-31",
    "max_tokens": 10,
    "messages": [{"role": "user", "content": "hi"}],
}
TOOLS = [{"name": "f", "input_schema": {"type": "object"}}]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    folder: Path = tmp_path_factory.mktemp("fuzzed")
    with gateway_in_thread(ECHO, folder) as running:
        yield running


def anthropic_error(response: httpx.Response | RawResponse) -> dict[str, Any]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["type"] == "error", body
    error: dict[str, Any] = body["error"]
    assert error["type"] == "invalid_request_error"
    return error


def bedrock_validation(response: httpx.Response | RawResponse) -> str:
    assert response.status_code == 400, response.text
    assert response.headers["x-amzn-errortype"].startswith("ValidationException"), response.headers
    message: str = response.json()["message"]
    return message


# ---------------------------------------------------------------- a wrong type where a name is looked up


@pytest.mark.parametrize("path", ["/v1/messages", "/v1/messages/count_tokens"])
@pytest.mark.parametrize("kind", [[], {"a": 1}, ["text"]], ids=["an empty list", "an object", "a list"])
def test_an_anthropic_document_whose_source_type_is_a_list_or_object_is_a_400(
    gateway: RunningGateway, path: str, kind: object
) -> None:
    document = {"type": "document", "source": {"type": kind, "data": "x", "media_type": "text/plain"}}
    body = {"model": "echo", "max_tokens": 10, "messages": [{"role": "user", "content": [document]}]}
    headers = {"x-api-key": gateway.master_key, "anthropic-version": "2023-06-01"}

    error = anthropic_error(httpx.post(f"{gateway.base_url}{path}", json=body, headers=headers))

    assert "source.type" in error["message"]


CLAUDE_ON_BEDROCK_CASES = {
    "system text null": {"system": [{"type": "text", "text": None}]},
    "system text a number": {"system": [{"type": "text", "text": 1}]},
    "system text a list": {"system": [{"type": "text", "text": ["a"]}]},
    "tool_choice type a list": {"tools": TOOLS, "tool_choice": {"type": []}},
    "tool_choice type an object": {"tools": TOOLS, "tool_choice": {"type": {}}},
}


@pytest.mark.parametrize("operation", ["invoke", "invoke-with-response-stream"])
@pytest.mark.parametrize("extra", CLAUDE_ON_BEDROCK_CASES.values(), ids=CLAUDE_ON_BEDROCK_CASES.keys())
def test_a_claude_invoke_body_with_a_non_string_system_text_or_tool_choice_type_is_a_validation_exception(
    gateway: RunningGateway, operation: str, extra: dict[str, Any]
) -> None:
    response = httpx.post(
        f"{gateway.base_url}/model/echo/{operation}", json={**CLAUDE_ON_BEDROCK, **extra}, headers=gateway.headers()
    )

    assert "Malformed input request" in bedrock_validation(response)


def test_a_claude_invoke_body_with_string_system_texts_is_still_served(gateway: RunningGateway) -> None:
    system = [{"type": "text", "text": "Be brief."}, {"type": "text", "text": "Be kind."}]
    body = {**CLAUDE_ON_BEDROCK, "system": system}

    response = httpx.post(f"{gateway.base_url}/model/echo/invoke", json=body, headers=gateway.headers())

    assert response.status_code == 200, response.text


# ---------------------------------------------------------------- a lone surrogate in an admin body


@pytest.fixture(scope="module")
def key_id(gateway: RunningGateway) -> str:
    response = httpx.post(f"{gateway.base_url}/admin/keys", json={"name": "fuzzed"}, headers=gateway.headers())
    response.raise_for_status()
    key: str = response.json()["id"]
    return key


SURROGATE_BODIES = {
    "a key's team_id": ("POST", "/admin/keys", b'{"name": "k", "team_id": "\\ud800"}', "team_id"),
    "a key's allowed model": ("POST", "/admin/keys", b'{"name": "k", "allowed_models": ["\\ud800"]}', "allowed_models"),
    "a new team_id": ("PATCH", "/admin/keys/{key}", b'{"team_id": "\\ud800"}', "team_id"),
    "new allowed models": ("PATCH", "/admin/keys/{key}", b'{"allowed_models": ["\\udfff"]}', "allowed_models"),
    "a model limit's model": ("POST", "/admin/keys", b'{"name": "k", "model_limits": {"\\ud800": {}}}', "model_limits"),
}


@pytest.mark.parametrize(("method", "path", "body", "param"), SURROGATE_BODIES.values(), ids=SURROGATE_BODIES.keys())
def test_a_lone_surrogate_in_an_admin_body_is_a_400_naming_the_field(
    gateway: RunningGateway, key_id: str, method: str, path: str, body: bytes, param: str
) -> None:
    headers = {**gateway.headers(), "content-type": "application/json"}
    response = httpx.request(method, gateway.base_url + path.format(key=key_id), content=body, headers=headers)

    error = assert_openai_error(response, 400)
    assert error["param"] == param
    assert "surrogate" in error["message"]


# ---------------------------------------------------------------- the parser refuses the request line


def refused(gateway: RunningGateway, target: bytes) -> RawResponse:
    with RawConnection(gateway.base_url) as conn:
        conn.send(
            b"POST " + target + b" HTTP/1.1\r\nHost: strata\r\nConnection: close\r\n"
            b"Authorization: Bearer " + gateway.master_key.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        )
        return conn.response()


@pytest.mark.parametrize(
    "target", [b"/v1/messages?a=\x01", b"/v1/messages/count_tokens\x01", b"/v1/messages/count_tokens?a=\x7f"]
)
def test_a_bad_character_in_an_anthropic_address_is_refused_in_anthropic_s_shape(
    gateway: RunningGateway, target: bytes
) -> None:
    error = anthropic_error(refused(gateway, target))

    assert error["message"].startswith("Invalid HTTP request: ")


@pytest.mark.parametrize("target", [b"/model/echo/converse?a=\x01", b"/model/echo/invoke\x01"])
def test_a_bad_character_in_a_bedrock_address_is_refused_in_bedrock_s_shape(
    gateway: RunningGateway, target: bytes
) -> None:
    assert bedrock_validation(refused(gateway, target)).startswith("Invalid HTTP request: ")


def test_a_bad_character_in_an_openai_address_is_still_refused_in_openai_s_shape(gateway: RunningGateway) -> None:
    error = assert_openai_error(refused(gateway, b"/v1/chat/completions?a=\x01"), 400)

    assert error["code"] == "invalid_http_request"


def test_a_bad_address_after_a_served_request_on_the_same_connection_gets_its_surface_s_shape(
    gateway: RunningGateway,
) -> None:
    with RawConnection(gateway.base_url) as conn:
        conn.send(b"GET /health/live HTTP/1.1\r\nHost: strata\r\n\r\n")
        assert conn.response().status == 200
        conn.send(b"POST /model/echo/converse?a=\x01 HTTP/1.1\r\nHost: strata\r\nContent-Length: 2\r\n\r\n{}")
        second = conn.response()

    bedrock_validation(second)
