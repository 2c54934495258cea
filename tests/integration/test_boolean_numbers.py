"""JSON's true is not a number: a boolean where a count or a sampling parameter goes is a 400 in
the caller's own shape, on every surface, and the model is never asked (it was sent as 1: a
caller asking for ``max_tokens: true`` got a one-token answer)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fakes.upstream import FakeUpstream
from tests.integration.conftest import assert_openai_error
from tests.support.gateway import RunningGateway

HELLO = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("path", "body", "param"),
    [
        ("/chat/completions", {"messages": HELLO, "max_tokens": True}, "max_tokens"),
        ("/chat/completions", {"messages": HELLO, "n": True}, "n"),
        ("/chat/completions", {"messages": HELLO, "temperature": False}, "temperature"),
        ("/chat/completions", {"messages": HELLO, "seed": True}, "seed"),
        ("/completions", {"prompt": "hi", "temperature": True}, "temperature"),
        ("/responses", {"input": "hi", "max_output_tokens": True}, "max_output_tokens"),
        ("/embeddings", {"input": "hi", "dimensions": True}, "dimensions"),
    ],
)
def test_a_boolean_number_is_a_400_on_the_openai_surface(
    shared_gateway: RunningGateway, upstream: FakeUpstream, path: str, body: dict[str, Any], param: str
) -> None:
    model = "emb-test" if path == "/embeddings" else "gpt-test"
    response = httpx.post(
        f"{shared_gateway.openai_base}{path}", json={"model": model, **body}, headers=shared_gateway.headers()
    )
    error = assert_openai_error(response, 400)
    assert param in (error["param"] or "") + error["message"]
    assert upstream.requests() == []


def test_a_boolean_max_tokens_is_a_400_on_the_anthropic_surface(
    shared_gateway: RunningGateway, upstream: FakeUpstream
) -> None:
    response = httpx.post(
        f"{shared_gateway.base_url}/v1/messages",
        json={"model": "gpt-test", "messages": HELLO, "max_tokens": True},
        headers={"x-api-key": shared_gateway.master_key, "anthropic-version": "2023-06-01"},
    )
    assert response.status_code == 400
    assert response.json()["type"] == "error" and response.json()["error"]["type"] == "invalid_request_error"
    assert upstream.requests() == []


def test_a_boolean_max_tokens_is_a_validation_exception_on_converse(
    shared_gateway: RunningGateway, upstream: FakeUpstream
) -> None:
    body = {"messages": [{"role": "user", "content": [{"text": "hi"}]}], "inferenceConfig": {"maxTokens": True}}
    response = httpx.post(  # raw: boto3 refuses the boolean itself, other clients do not
        f"{shared_gateway.base_url}/model/gpt-test/converse", json=body, headers=shared_gateway.headers()
    )
    assert response.status_code == 400
    assert response.headers["x-amzn-errortype"].startswith("ValidationException")
    assert upstream.requests() == []
