"""The OpenAI-compatible provider's non-streaming calls: what it sends upstream for a chat (model id,
headers, only what the caller sent), what it accepts back and how upstream errors map; embeddings
and token counts.

The provider talks HTTP/1.1 to a real socket: the upstream is a tiny scripted HTTP/1.1 server on
127.0.0.1 (openai_compatible_helpers.py), with real parsing, chunk boundaries, timeouts and refused
connections, and no patching of library internals.
"""

from __future__ import annotations

import asyncio

import pytest

from providers import errors as perr
from providers.canonical import EmbeddingRequest
from providers.http import HttpClients
from providers.openai_compatible import OpenAICompatibleProvider
from tests.unit.openai_compatible_helpers import OPTIONS, Reply, _deployment, _request, against, chat, json_reply

COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "upstream-model-2024",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi there"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    "system_fingerprint": "fp_123",
}


# --- non-streaming chat -----------------------------------------------------------------------


def test_chat_sends_upstream_model_id_and_parses_the_reply() -> None:
    completion, [sent] = chat(json_reply(COMPLETION))
    assert completion.choices[0].message.content == "Hi there"
    assert completion.usage is not None and completion.usage.total_tokens == 7
    assert completion.model_dump(exclude_unset=True)["system_fingerprint"] == "fp_123", "unknown fields are kept"
    assert (sent.method, sent.target) == ("POST", "/v1/chat/completions")
    assert sent.json()["model"] == "upstream-model"
    assert sent.headers["authorization"] == "Bearer sk-up"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["x-request-id"] == "req-123"
    assert "api-key" not in sent.headers


def test_chat_sends_only_what_the_caller_sent() -> None:
    request = _request(temperature=0.2, reasoning_effort="low", messages=[{"role": "user", "content": "Hi"}])
    _, [sent] = chat(json_reply(COMPLETION), request)
    assert sent.json() == {
        "model": "upstream-model",
        "messages": [{"role": "user", "content": "Hi"}],
        "temperature": 0.2,
        "reasoning_effort": "low",
        "stream": False,
    }


def test_chat_keeps_content_parts_and_tools_as_sent() -> None:
    parts = [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    _, [sent] = chat(json_reply(COMPLETION), _request(messages=[{"role": "user", "content": parts}], tools=tools))
    assert sent.json()["messages"] == [{"role": "user", "content": parts}]
    assert sent.json()["tools"] == tools


def test_chat_adds_query_params_and_extra_headers() -> None:
    _, [sent] = chat(json_reply(COMPLETION), query_params={"api-version": "2024-06-01"}, headers={"x-tenant": "t1"})
    assert sent.target == "/v1/chat/completions?api-version=2024-06-01"
    assert sent.headers["x-tenant"] == "t1"


def test_azure_endpoint_also_gets_the_api_key_header() -> None:
    _, [sent] = chat(json_reply(COMPLETION), path="/openai.azure/v1", api_key="az")
    assert sent.target == "/openai.azure/v1/chat/completions"
    assert (sent.headers["api-key"], sent.headers["authorization"]) == ("az", "Bearer az")


def test_no_authorization_without_api_key() -> None:
    _, [sent] = chat(json_reply(COMPLETION), api_key=None)
    assert "authorization" not in sent.headers


def test_chat_before_start_is_unavailable() -> None:
    provider = OpenAICompatibleProvider(_deployment("http://127.0.0.1:9/v1"), HttpClients())
    with pytest.raises(perr.ProviderUnavailable):
        asyncio.run(provider.chat(_request(), OPTIONS))


def test_chat_upstream_error_status_maps() -> None:
    with pytest.raises(perr.ProviderRateLimited) as caught:
        chat(json_reply({"error": {"message": "slow"}}, 429, {"retry-after": "2"}))
    assert (caught.value.message, caught.value.retry_after) == ("slow", 2.0)


def test_chat_upstream_html_error_maps() -> None:
    with pytest.raises(perr.ProviderUpstreamError, match="upstream answered 502: <html>"):
        chat(Reply(502, b"<html>Bad Gateway</html>", {"content-type": "text/html"}))


def test_invalid_json_completion_is_an_upstream_error() -> None:
    with pytest.raises(perr.ProviderUpstreamError, match="invalid chat completion"):
        chat(Reply(200, b"{not json", {"content-type": "application/json"}))


def test_completion_of_the_wrong_shape_is_an_upstream_error() -> None:
    with pytest.raises(perr.ProviderUpstreamError, match="invalid chat completion"):
        chat(json_reply({"id": "x", "choices": "nope"}))


# --- embeddings and tokens --------------------------------------------------------------------


def test_embeddings_refused_when_the_deployment_has_none() -> None:
    with pytest.raises(perr.UnsupportedOperation):
        against(json_reply({}), lambda p: p.embed(EmbeddingRequest(model="m", input="hi"), OPTIONS))


def test_embeddings_sent_to_the_embeddings_url() -> None:
    reply = {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}], "model": "e"}
    request = EmbeddingRequest(model="public", input=["a", "b"])
    response, [sent] = against(json_reply(reply), lambda p: p.embed(request, OPTIONS), embeddings=True)
    assert response.data[0].embedding == [0.1, 0.2]
    assert sent.target == "/v1/embeddings"
    assert sent.json() == {"model": "upstream-model", "input": ["a", "b"]}


def test_count_tokens_counts_the_prompt() -> None:
    provider = OpenAICompatibleProvider(_deployment("http://127.0.0.1:9/v1", model="gpt-4"), HttpClients())
    assert asyncio.run(provider.count_tokens(_request())) == 3 + 3 + 1
