"""Small promises of HTTP itself: a 405 says which methods a path takes (Allow), and the OpenAPI
schema says which content types a response may have (an SSE stream, AWS event-stream frames)."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.conftest import assert_openai_error
from tests.support.gateway import RunningGateway


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/v1/chat/completions", "POST"),  # an ASGI route
        ("PUT", "/v1/embeddings", "POST"),
        ("DELETE", "/v1/models", "GET"),  # a FastAPI route
        ("POST", "/admin/deployments", "GET"),
    ],
)
def test_a_405_names_the_methods_the_path_takes(
    shared_gateway: RunningGateway, method: str, path: str, allow: str
) -> None:
    response = httpx.request(method, shared_gateway.base_url + path, headers=shared_gateway.headers())
    assert_openai_error(response, 405)
    assert response.headers["allow"] == allow


def test_a_405_on_the_bedrock_surface_is_in_bedrocks_shape_with_allow(shared_gateway: RunningGateway) -> None:
    response = httpx.get(f"{shared_gateway.base_url}/model/gpt-test/converse", headers=shared_gateway.headers())
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["x-amzn-errortype"] == "ValidationException"
    assert set(response.json()) == {"message"}


def test_the_schema_documents_streamed_responses_and_error_bodies(shared_gateway: RunningGateway) -> None:
    schema = httpx.get(f"{shared_gateway.base_url}/openapi.json").json()
    chat = schema["paths"]["/v1/chat/completions"]["post"]["responses"]
    assert set(chat["200"]["content"]) == {"application/json", "text/event-stream"}
    assert chat["default"]["content"]["application/json"]["schema"]["$ref"].endswith("/OpenAIErrorResponse")
    stream = schema["paths"]["/model/{modelId}/converse-stream"]["post"]["responses"]
    assert set(stream["200"]["content"]) == {"application/vnd.amazon.eventstream"}
    assert stream["default"]["content"]["application/json"]["schema"]["$ref"].endswith("/BedrockErrorResponse")
    assert "OpenAIErrorResponse" in schema["components"]["schemas"]


@pytest.mark.parametrize(
    ("headers", "status", "words"),
    [
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415, "must be JSON"),  # what curl -d sends
        ({"Content-Type": "text/plain"}, 415, "must be JSON"),
        ({}, 400, "must be a JSON object"),
    ],
)
def test_an_admin_body_that_is_not_json_is_told_so(
    shared_gateway: RunningGateway, headers: dict[str, str], status: int, words: str
) -> None:
    response = httpx.post(
        f"{shared_gateway.base_url}/admin/teams",
        content=b'{"name": "x"}' if headers else b"name=x",
        headers={**shared_gateway.headers(), **headers},
    )
    error = assert_openai_error(response, status)
    assert words in error["message"]
